//! The whole process call: options, header and body all from the input, through `Verifier::new` +
//! `Verifier::process` and through the C ABI.
//! Input: `flags options 0xFF header 0xFF body`. Flags bit 0: prepend a valid signature of the
//! body (made with the options' first secret) to the fuzzed header, so that the body checks are
//! reached; bit 1: replace the secrets by marker secrets (which cannot occur anywhere else) and
//! check that they never leak; bits 2-3 move `now` (tolerance edges).
#![no_main]

use everifin_webhook::Verifier;
use everifin_webhook_fuzz::{abi, check_result, marker_secret, split, NOW_MS, SIGN_TS};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let parts = split(rest, 3);
    let (mut options, fuzz_header, body) = (parts[0].to_vec(), parts[1], parts[2]);
    let mut markers: Vec<String> = Vec::new();
    let parsed = serde_json::from_slice::<Value>(&options).ok();
    if flags & 2 != 0 {
        if let Some(Value::Object(mut map)) = parsed.clone() {
            let a = marker_secret("a", &[rest]);
            let b = marker_secret("b", &[rest, a.as_bytes()]);
            map.insert("secrets".into(), Value::from(vec![a.clone(), b.clone()]));
            options = serde_json::to_vec(&Value::Object(map)).expect("re-encode");
            markers = vec![a, b];
        }
    }
    let mut header = fuzz_header.to_vec();
    if flags & 1 != 0 {
        let first = match (&markers.first(), &parsed) {
            (Some(m), _) => Some(m.to_string()),
            (None, Some(v)) => v["secrets"][0].as_str().map(str::to_owned),
            _ => None,
        };
        if let Some(secret) = first.filter(|s| !s.is_empty()) {
            let secrets = serde_json::to_vec(&[secret]).expect("json");
            if let Ok(h) = everifin_webhook::sign(body, SIGN_TS, &secrets, NOW_MS) {
                let mut signed = h.into_bytes();
                signed.extend_from_slice(fuzz_header);
                header = signed;
            }
        }
    }
    let now = NOW_MS
        + match (flags >> 2) & 3 {
            0 => 0,
            1 => 300_113,
            2 => -299_887,
            _ => 400_000,
        };
    let forbidden: Vec<&[u8]> = markers.iter().map(|m| m.as_bytes()).collect();

    let rust = Verifier::new(&options).map(|v| v.process(body, &header, now));
    let (new_code, out) = abi::process(&options, body, &header, now);
    match (&rust, out) {
        (Err(_), None) => assert_ne!(new_code, 0),
        (Ok(r), Some((code, json))) => {
            check_result(code, &json, &forbidden);
            assert_eq!(r.is_ok(), code == 0, "Rust API and C ABI disagree: {json}");
            if let Err(e) = r {
                let debug = format!("{e:?}");
                for m in &forbidden {
                    assert!(
                        !debug.contains(std::str::from_utf8(m).unwrap()),
                        "secret in Debug"
                    );
                }
            }
        }
        _ => panic!("Verifier::new and evf_verifier_new disagree ({new_code})"),
    }
});

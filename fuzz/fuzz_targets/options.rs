//! Options: `Verifier::new`, `evf_verifier_new`, `evf_options_check` and `evf_normalize` on the
//! same options must agree (normalize accepts what the verifier accepts, except that it does not
//! require secrets), and no secret ever shows in a result or in the verifier's Debug output.
//! Input: options JSON. A second run puts marker secrets into it (when it is an object) so the
//! leak check has secrets that cannot occur anywhere else.
#![no_main]

use everifin_webhook::Verifier;
use everifin_webhook_fuzz::{abi, check_result, contains, marker_secret};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn run(options: &[u8], secrets: &[&[u8]]) {
    let rust = Verifier::new(options);
    let (code, json) = abi::options_check(options);
    check_result(code, &json, secrets);
    assert_eq!(
        rust.is_ok(),
        code == 0,
        "Rust API and C ABI disagree: {json}"
    );
    let (new_code, _) = abi::process(options, b"", b"", 1);
    assert_eq!(
        new_code, code,
        "evf_verifier_new and evf_options_check disagree: {json}"
    );
    match &rust {
        Ok(v) => {
            let debug = format!("{v:?}");
            for s in secrets {
                assert!(
                    !contains(debug.as_bytes(), s),
                    "a secret in Debug output: {debug}"
                );
            }
        }
        Err(e) => {
            let debug = format!("{e:?}");
            for s in secrets {
                assert!(
                    !contains(debug.as_bytes(), s),
                    "a secret in an error's Debug output"
                );
            }
        }
    }
    let (ncode, njson) = abi::normalize(b"{}", options);
    check_result(ncode, &njson, secrets);
    if code == 0 {
        assert_ne!(
            ncode, 2,
            "the verifier accepts options normalize rejects: {njson}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    run(data, &[]);
    if let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(data) {
        let a = marker_secret("a", &[data]);
        let b = marker_secret("b", &[data, a.as_bytes()]);
        map.insert("secrets".into(), Value::from(vec![a.clone(), b.clone()]));
        let options = serde_json::to_vec(&Value::Object(map)).expect("re-encode");
        run(&options, &[a.as_bytes(), b.as_bytes()]);
    }
});

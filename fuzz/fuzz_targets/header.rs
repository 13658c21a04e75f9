//! The Signature header parser and the HMAC check, through `Verifier::process` and the C ABI.
//! Input: `header 0xFF body`; the secrets and `now` are fixed (those of the shared vectors, so the
//! seeds' signatures verify). Checks: both layers agree, every result passes `check_result`, an
//! accepted request names a configured secret and its real age.
#![no_main]

use everifin_webhook::Verifier;
use everifin_webhook_fuzz::{abi, check_result, contains, split, NOW_MS};
use libfuzzer_sys::fuzz_target;

const SECRETS: [&str; 2] = [
    "whsec-shop-rotated-b81d04e6c9",
    "whsec-shop-primary-7f3a9c2e41",
];
const OPTIONS: &[u8] =
    br#"{"secrets":["whsec-shop-rotated-b81d04e6c9","whsec-shop-primary-7f3a9c2e41"]}"#;

fuzz_target!(|data: &[u8]| {
    let parts = split(data, 2);
    let (header, body) = (parts[0], parts[1]);
    let verifier = Verifier::new(OPTIONS).expect("fixed options are valid");
    let rust = verifier.process(body, header, NOW_MS);
    let (new_code, out) = abi::process(OPTIONS, body, header, NOW_MS);
    assert_eq!(new_code, 0);
    let (code, json) = out.expect("a verifier");
    // A secret the request itself carries may be echoed (e.g. in a malformed ts): not a leak.
    let secrets: Vec<&[u8]> = SECRETS
        .iter()
        .map(|s| s.as_bytes())
        .filter(|s| !contains(header, s) && !contains(body, s))
        .collect();
    let map = check_result(code, &json, &secrets);
    assert_eq!(
        rust.is_ok(),
        code == 0,
        "Rust API and C ABI disagree: {json}"
    );
    if let Ok(v) = &rust {
        assert!(v.signature.secret_index < SECRETS.len(), "{json}");
        let sig = &map["signature"];
        assert_eq!(
            sig["secretIndex"].as_u64(),
            Some(v.signature.secret_index as u64)
        );
        assert!(
            sig["ageMs"].as_i64().is_some_and(|a| a.abs() <= 300_000),
            "accepted outside the 300 s tolerance: {json}"
        );
    }
});

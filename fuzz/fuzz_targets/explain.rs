//! explain: `evf_explain` on `header 0xFF body` with two configured secrets and one retired one.
//! Checks: the result passes `check_result` with every secret (retired too) forbidden, its status
//! and event are those of `evf_verifier_process` on the same request, `secrets` holds exactly the
//! two fingerprints, and each finding has a documented code and a message.
#![no_main]

use everifin_webhook_fuzz::{abi, check_result, contains, split, NOW_MS};
use libfuzzer_sys::fuzz_target;

const OPTIONS: &[u8] = br#"{"secrets":["whsec-shop-rotated-b81d04e6c9","whsec-shop-primary-7f3a9c2e41"],"retiredSecrets":["whsec-other-shop-0d5e2a9b77"]}"#;
const VERIFIER: &[u8] =
    br#"{"secrets":["whsec-shop-rotated-b81d04e6c9","whsec-shop-primary-7f3a9c2e41"]}"#;
const SECRETS: [&[u8]; 3] = [
    b"whsec-shop-rotated-b81d04e6c9",
    b"whsec-shop-primary-7f3a9c2e41",
    b"whsec-other-shop-0d5e2a9b77",
];
const CODES: [&str; 8] = [
    "secret_whitespace",
    "body_reencoded",
    "concatenation_order",
    "ts_reformatted",
    "clock_skew",
    "retired_secret",
    "rotation_in_progress",
    "no_cause_found",
];

fuzz_target!(|data: &[u8]| {
    let parts = split(data, 2);
    let (header, body) = (parts[0], parts[1]);
    if body.len() > 4096 {
        return; // explain re-encodes the body up to ~1,500 times: keep the executions fast
    }
    // A secret the request itself carries may be echoed (e.g. in a malformed ts): not a leak.
    let secrets: Vec<&[u8]> = SECRETS
        .iter()
        .copied()
        .filter(|s| !contains(header, s) && !contains(body, s))
        .collect();
    let (code, json) = abi::explain(body, header, OPTIONS, NOW_MS);
    let e = check_result(code, &json, &secrets);
    let (_, out) = abi::process(VERIFIER, body, header, NOW_MS);
    let (pcode, pjson) = out.expect("a verifier");
    let p = check_result(pcode, &pjson, &secrets);
    assert_eq!(code, pcode, "explain {json}\nprocess {pjson}");
    assert_eq!(e.get("event"), p.get("event"));
    assert_eq!(e.get("signature"), p.get("signature"));
    let secrets = e["secrets"].as_array().expect("secrets");
    assert_eq!(secrets.len(), 2, "{json}");
    for (i, s) in secrets.iter().enumerate() {
        assert_eq!(s["index"].as_u64(), Some(i as u64));
        let fp = s["fingerprint"].as_str().expect("fingerprint");
        assert!(fp.len() == 15 && fp.starts_with("sha256:"), "{fp}");
    }
    for f in e["findings"].as_array().expect("findings") {
        let c = f["code"].as_str().expect("finding code");
        assert!(CODES.contains(&c), "undocumented finding code {c}: {json}");
        assert!(
            f["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{json}"
        );
    }
    if code == 0 {
        assert!(e["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["code"] == "clock_skew"));
    }
});

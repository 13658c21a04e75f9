//! Body normalization: `evf_normalize` and `everifin_webhook::normalize`, differentially against
//! `process` (a correctly signed request must give exactly the event normalize gives, and a body
//! normalize rejects must be rejected by process with the same status), and the fast parse pass
//! against the reference path.
//! Input: one option-set selector byte, then the body.
#![no_main]

use everifin_webhook_fuzz::{abi, check_result, contains, sign, NOW_MS};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "whsec-fuzz-normalize-3c9e51a7d2";
const OPTIONS: [&str; 4] = [
    r#"{"secrets":["whsec-fuzz-normalize-3c9e51a7d2"]}"#,
    r#"{"secrets":["whsec-fuzz-normalize-3c9e51a7d2"],"confirmedIsPaid":true}"#,
    r#"{"secrets":["whsec-fuzz-normalize-3c9e51a7d2"],"maxBodyBytes":300}"#,
    r#"{"secrets":["whsec-fuzz-normalize-3c9e51a7d2"],"toleranceSeconds":0,"suggestedStates":{"woocommerce":{"paid":"completed","failed":null},"shopx":{"refunded":"R"}}}"#,
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let options = OPTIONS[usize::from(sel) % OPTIONS.len()].as_bytes();
    // A secret the body itself carries may be echoed (e.g. in an invalid eventId): not a leak.
    let secrets: Vec<&[u8]> = [SECRET.as_bytes()]
        .into_iter()
        .filter(|s| !contains(body, s))
        .collect();

    // The fast parse pass never accepts what the reference path refuses, nor reads it otherwise.
    assert!(
        everifin_webhook::fuzz_parse_paths_agree(body),
        "fast parse pass and reference path disagree"
    );
    let rust = everifin_webhook::normalize(body, options);
    let (code, json) = abi::normalize(body, options);
    let n = check_result(code, &json, &secrets);
    assert_eq!(
        rust.is_ok(),
        code == 0,
        "Rust API and C ABI disagree: {json}"
    );
    assert!(
        !n.contains_key("signature"),
        "normalize result with a signature: {json}"
    );

    let header = sign(body, &[SECRET]);
    let (_, out) = abi::process(options, body, header.as_bytes(), NOW_MS);
    let (pcode, pjson) = out.expect("valid options make a verifier");
    let p = check_result(pcode, &pjson, &secrets);
    assert_eq!(code, pcode, "normalize {json}\nprocess {pjson}");
    if code == 0 {
        assert_eq!(
            n["event"], p["event"],
            "normalize and process disagree on the event"
        );
        assert!(p["signature"].is_object());
        let e = &n["event"];
        for key in ["eventId", "paymentId", "refundId", "orderId", "entityId"] {
            if let Some(s) = e[key].as_str() {
                assert_eq!(s, s.to_lowercase(), "{key} not lower-cased: {json}");
            }
        }
        assert!(e["eventTimestampMs"].is_i64(), "{json}");
    } else {
        assert_eq!(
            n.get("field"),
            p.get("field"),
            "normalize {json}\nprocess {pjson}"
        );
    }
});

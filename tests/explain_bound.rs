//! explain is bounded: a 15.8 KB body whose top level and `data` have 6 keys each (720 orders
//! each), full of tiny values, once cost 0.43 s and 391 MiB. The search now builds one candidate
//! at a time, stops after a fixed number of candidate bytes and says so. This file counts every
//! allocation (its own global allocator), so it holds one test only.

use everifin_webhook::{explain, sign, Status};

#[path = "support/counting.rs"]
mod counting;
use counting::{adversarial_body, peak_extra};

const SECRET: &str = "bound-hook-secret";
const TS: &str = "2024-05-07T14:49:55.887Z";
const NOW: i64 = 1_715_093_396_000;

#[test]
fn an_adversarial_body_explains_within_bounds_and_says_it_stopped() {
    let body = adversarial_body();
    assert!((15_500..16_384).contains(&body.len()), "{}", body.len());
    // Signed under another secret: no candidate can match, so the whole search runs.
    let header = sign(body.as_bytes(), TS, br#"["some-other-secret"]"#, 0).unwrap();
    let options = format!(r#"{{"secrets":["{SECRET}"]}}"#);

    let (e, peak_extra) =
        peak_extra(|| explain(body.as_bytes(), header.as_bytes(), options.as_bytes(), NOW));
    let e = e.unwrap();

    assert_eq!(
        e.verification.as_ref().unwrap_err().status,
        Status::SignatureMismatch
    );
    let codes: Vec<&str> = e.findings.iter().map(|f| f.code).collect();
    assert_eq!(codes, ["search_stopped"], "{:?}", e.findings);
    let stopped = &e.findings[0].details;
    let (spent, limit) = (
        stopped["candidateBytes"].as_u64().unwrap(),
        stopped["limitBytes"].as_u64().unwrap(),
    );
    assert!(
        spent <= limit && spent > limit - 64 * 1024,
        "{spent} of {limit}"
    );
    assert!(
        peak_extra < 8 * 1024 * 1024,
        "explain used {peak_extra} bytes at its peak (the bound is well under 100 MiB)"
    );
    let json = everifin_webhook::result::explain(&Ok(e));
    assert!(json.contains(r#""code":"search_stopped""#), "{json}");
}

//! `now_ms` is any i64: the extremes give the timestamp statuses (or a clock-skew finding), never
//! an arithmetic overflow (these tests run in debug builds, where overflow panics).

use everifin_webhook::{explain, result, sign, Status, Verifier};
use serde_json::Value;

const SECRET: &str = "extreme-now-hook-secret";
const TS: &str = "2024-05-07T14:49:55.887Z";
const BODY: &str = r#"{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"BOOKED"}}"#;

fn options(tolerance: u32) -> String {
    format!(r#"{{"secrets":["{SECRET}"],"toleranceSeconds":{tolerance}}}"#)
}

fn header() -> String {
    sign(
        BODY.as_bytes(),
        TS,
        format!(r#"["{SECRET}"]"#).as_bytes(),
        0,
    )
    .unwrap()
}

#[test]
fn process_answers_with_the_timestamp_statuses() {
    let v = Verifier::new(options(300).as_bytes()).unwrap();
    for (now, status) in [
        (i64::MIN, Status::TimestampInFuture),
        (i64::MIN + 1, Status::TimestampInFuture),
        (i64::MAX, Status::TimestampTooOld),
    ] {
        let e = v
            .process(BODY.as_bytes(), header().as_bytes(), now)
            .unwrap_err();
        assert_eq!(e.status, status, "now {now}");
        let info = e.signature.clone().expect("the signature was authentic");
        assert_eq!(info.age_ms.signum(), now.signum(), "now {now}");
        assert!(e.message.contains(" s "), "{}", e.message);
        let json: Value = serde_json::from_str(&result::process(&Err(e))).unwrap();
        assert_eq!(json["status"], status.name());
    }
}

#[test]
fn without_a_tolerance_the_age_saturates() {
    let v = Verifier::new(options(0).as_bytes()).unwrap();
    let ts_ms = everifin_webhook::timestamp::parse_utc_ms(TS).unwrap();
    let ok = v
        .process(BODY.as_bytes(), header().as_bytes(), i64::MIN)
        .unwrap();
    assert_eq!(ok.signature.age_ms, i64::MIN);
    let ok = v
        .process(BODY.as_bytes(), header().as_bytes(), i64::MAX)
        .unwrap();
    assert_eq!(ok.signature.age_ms, i64::MAX - ts_ms);
}

#[test]
fn explain_reports_the_skew_of_extreme_clocks() {
    for (now, direction) in [(i64::MIN, "ahead"), (i64::MAX, "behind")] {
        let e = explain(
            BODY.as_bytes(),
            header().as_bytes(),
            options(300).as_bytes(),
            now,
        )
        .unwrap();
        assert_eq!(e.findings[0].code, "clock_skew", "now {now}");
        assert_eq!(e.findings[0].details["direction"], direction);
        assert_eq!(e.findings[0].details["outsideTolerance"], true);
    }
}

#[test]
fn sign_with_an_extreme_clock_saturates_the_timestamp() {
    let secrets = format!(r#"["{SECRET}"]"#);
    let low = sign(BODY.as_bytes(), "", secrets.as_bytes(), i64::MIN).unwrap();
    assert!(low.starts_with("ts=0000-01-01T00:00:00.000Z;v0="), "{low}");
    let high = sign(BODY.as_bytes(), "", secrets.as_bytes(), i64::MAX).unwrap();
    assert!(
        high.starts_with("ts=9999-12-31T23:59:59.999Z;v0="),
        "{high}"
    );
}

#[test]
fn the_c_abi_takes_extreme_clocks_too() {
    use everifin_webhook::ffi::*;
    let options = options(300);
    let header = header();
    let mut v = std::ptr::null_mut();
    // SAFETY: every pointer/length pair is a live Rust slice; the verifier and results are freed
    // once.
    unsafe {
        assert_eq!(
            evf_verifier_new(options.as_ptr().cast(), options.len(), &mut v),
            EVF_OK
        );
        for (now, status) in [
            (i64::MIN, EVF_ERR_TIMESTAMP_IN_FUTURE),
            (i64::MAX, EVF_ERR_TIMESTAMP_TOO_OLD),
        ] {
            let r = evf_verifier_process(
                v,
                BODY.as_ptr().cast(),
                BODY.len(),
                header.as_ptr().cast(),
                header.len(),
                now,
            );
            assert_eq!(evf_result_status(r), status);
            evf_result_free(r);
        }
        evf_verifier_free(v);
    }
}

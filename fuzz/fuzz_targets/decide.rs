//! decide, two ways (first byte even: raw, odd: story):
//! - raw: `event 0xFF state` as given to `evf_decide` and `everifin_webhook::decide`. Both agree;
//!   a successful decision's state is accepted back, and the same event decided again on it is
//!   never applied (each eventId at most once).
//! - story: the bytes write a story of one order (payments, refunds, order events, unknown event
//!   types, statusChecks; any status; timestamps out of order; exact redeliveries). Each body is
//!   normalized and decided on the state the previous decision returned. Checks: every state is
//!   accepted back, a redelivered event is never applied, no eventId is applied twice; and when
//!   decisions carry `orderOutcome` (issue 9): a paid order leaves `paid` only through a refund or
//!   a reversal of a payment that was paid by CONFIRMED (confirmedIsPaid), and events of unknown
//!   types never change `orderOutcome`.
#![no_main]

use std::collections::HashSet;

use everifin_webhook_fuzz::{abi, check_result, split};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};

const STATUSES: [Option<&str>; 16] = [
    Some("CREATED"),
    Some("SEEN"),
    Some("PROCESSING"),
    Some("CONFIRMED"),
    Some("BOOKED"),
    Some("FINISHED"),
    Some("FAILED"),
    Some("REJECTED"),
    Some("EXPIRED"),
    Some("WITHDRAWN"),
    Some("PROCESSING_EXPIRED"),
    Some("UNPAID"),
    Some("PARTIALLY_PAID"),
    Some("PAID"),
    Some("ON_HOLD"),
    None,
];
const PAYMENTS: [&str; 3] = [
    "da96bc8f-2b1e-4c0d-9f3a-6e5d4c3b2a19",
    "0b8a3f4e-9c2d-4e1f-8a7b-6c5d4e3f2a10",
    "5e2d1c0b-a987-4654-b321-0fedcba98765",
];
const REFUNDS: [&str; 2] = [
    "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
    "302d7603-f5ce-45fb-82b3-a1a90ee26aca",
];
const ORDER: &str = "8840d948-12da-4ca1-8269-3cfdc10b73bc";
const BASE_MS: i64 = 1_715_093_395_884;

fn decision_of(map: &Map<String, Value>) -> (&str, Option<&str>) {
    let d = &map["decision"];
    let action = d["action"].as_str().expect("decision.action");
    let order_outcome = d
        .get("orderOutcome")
        .or_else(|| map.get("orderOutcome"))
        .and_then(Value::as_str);
    (action, order_outcome)
}

fn raw(data: &[u8]) {
    let parts = split(data, 2);
    let (event, state) = (parts[0], parts[1]);
    let rust = everifin_webhook::decide(event, state);
    let (code, json) = abi::decide(event, state);
    let map = check_result(code, &json, &[]);
    assert_eq!(
        rust.is_ok(),
        code == 0,
        "Rust API and C ABI disagree: {json}"
    );
    if code != 0 {
        return;
    }
    let new_state = serde_json::to_vec(&map["state"]).expect("state");
    let (code2, json2) = abi::decide(event, &new_state);
    let again = check_result(code2, &json2, &[]);
    assert_eq!(
        code2, 0,
        "decide does not accept its own state back: {json2}"
    );
    assert_eq!(
        decision_of(&again).0,
        "skip",
        "the same event applied twice: {json}\n{json2}"
    );
}

struct Step {
    body: Vec<u8>,
    unknown_type: bool,
}

fn body(i: usize, b: &[u8; 3]) -> Step {
    let kind = b[0] % 8;
    let status = STATUSES[usize::from(b[1]) % STATUSES.len()];
    let ts = BASE_MS + i64::from(b[2] as i8) * 1000 + i64::from(b[2] % 3);
    let stamp = time_str(ts);
    let event_id = format!("4e896aa3-bbba-4a75-a888-{:012x}", 0x5000 + i);
    let payment = PAYMENTS[usize::from(b[0] / 8) % PAYMENTS.len()];
    let refund = REFUNDS[usize::from(b[0] / 8) % REFUNDS.len()];
    let (event_type, mut data) = match kind {
        0..=2 => (
            "payment.statusChange",
            json!({"paymentId": payment, "orderId": ORDER}),
        ),
        3 => (
            "payment.statusChange",
            json!({"refundId": refund, "orderId": ORDER}),
        ),
        4 => ("order.statusChange", json!({"orderId": ORDER})),
        5 => ("payment.statusUpdate", json!({"paymentId": payment})),
        6 => ("merchant.somethingNew", json!({})),
        _ => ("payment.statusCheck", json!({"paymentId": payment})),
    };
    if let Some(s) = status {
        data["status"] = json!(s);
    }
    let v = json!({"eventId": event_id, "eventType": event_type, "eventTimestamp": stamp, "data": data});
    Step {
        body: serde_json::to_vec(&v).expect("body"),
        unknown_type: kind == 5 || kind == 6,
    }
}

/// Unix ms to RFC 3339 with milliseconds (the story stays within one day of BASE_MS).
fn time_str(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let day_secs = secs.rem_euclid(86_400);
    let days = secs.div_euclid(86_400);
    // 2024-05-07 is day 19850 since the epoch.
    let day = 7 + (days - 19_850);
    format!(
        "2024-05-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        day,
        day_secs / 3600,
        day_secs / 60 % 60,
        day_secs % 60,
        milli
    )
}

fn story(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let confirmed_is_paid = flags & 2 != 0;
    let options = if confirmed_is_paid {
        &br#"{"confirmedIsPaid":true}"#[..]
    } else {
        &b"{}"[..]
    };
    let mut state = b"{}".to_vec();
    let mut sent: Vec<Step> = Vec::new();
    let mut applied: HashSet<String> = HashSet::new();
    let mut reversible: HashSet<String> = HashSet::new();
    let mut outcome_before: Option<String> = None;
    let mut made = 0;
    for chunk in rest.chunks_exact(4).take(24) {
        let redelivery = chunk[3] & 0x80 != 0 && !sent.is_empty();
        let step = if redelivery {
            let j = usize::from(chunk[3] & 0x7f) % sent.len();
            Step {
                body: sent[j].body.clone(),
                unknown_type: sent[j].unknown_type,
            }
        } else {
            made += 1;
            body(made, &[chunk[0], chunk[1], chunk[2]])
        };
        let (ncode, njson) = abi::normalize(&step.body, options);
        let n = check_result(ncode, &njson, &[]);
        if ncode != 0 {
            // e.g. an order event without a status: rejected before decide, never stored.
            assert_eq!(n["status"], "EVENT_INVALID", "{njson}");
            continue;
        }
        let event = &n["event"];
        let event_json = serde_json::to_vec(event).expect("event");
        let (code, json) = abi::decide(&event_json, &state);
        let d = check_result(code, &json, &[]);
        assert_eq!(code, 0, "decide rejects the state it returned: {json}");
        let (action, order_outcome) = decision_of(&d);
        let id = event["eventId"].as_str().expect("eventId").to_owned();
        if redelivery {
            assert_eq!(action, "skip", "a redelivered event was applied: {json}");
        }
        if action == "apply" {
            assert!(applied.insert(id), "eventId applied twice: {json}");
        }
        if let Some(after) = order_outcome {
            if let Some(before) = outcome_before.as_deref() {
                if step.unknown_type {
                    assert_eq!(
                        before, after,
                        "an unknown event type changed orderOutcome: {json}"
                    );
                }
                if before == "paid" && after != "paid" {
                    let entity = event["entity"].as_str();
                    let payment = event["paymentId"].as_str().unwrap_or("");
                    assert!(
                        entity == Some("refund")
                            || (entity == Some("payment") && reversible.contains(payment)),
                        "a paid order un-paid by {}: {json}",
                        String::from_utf8_lossy(&step.body)
                    );
                }
            }
            outcome_before = Some(after.to_owned());
        }
        // A payment paid by CONFIRMED (confirmedIsPaid) may be reversed later (CONFIRMED -> FAILED):
        // remember every such payment seen, applied or not, so only real violations are reported.
        if confirmed_is_paid && event["entity"] == "payment" && event["status"] == "CONFIRMED" {
            reversible.insert(event["paymentId"].as_str().unwrap_or("").to_owned());
        }
        state = serde_json::to_vec(&d["state"]).expect("state");
        if !redelivery {
            sent.push(step);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    match data.first() {
        Some(b) if b & 1 == 1 => story(data),
        Some(_) => raw(&data[1..]),
        None => {}
    }
});

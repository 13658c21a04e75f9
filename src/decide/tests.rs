//! decide: the rules, the paid-order property over random stories, bad inputs.

use super::*;
use crate::outcome::{classify, Entity};

fn event(id: &str, ts: i64, entity_id: &str, status: &str) -> Vec<u8> {
    let (is_final, outcome) = classify(Entity::Payment, status, false).unwrap();
    serde_json::json!({"eventId": id, "eventTimestampMs": ts, "entity": "payment", "entityId": entity_id,
        "status": status, "final": is_final, "outcome": outcome.name()})
    .to_string()
    .into_bytes()
}

fn run(event: &[u8], state: &str) -> Decision {
    decide_json(event, state.as_bytes()).unwrap()
}

fn state_of(d: &Decision) -> Value {
    serde_json::from_str(d.state_json()).unwrap()
}

#[test]
fn a_paid_order_is_not_unpaid_by_another_attempt_or_an_unknown_event() {
    let paid = run(&event("e1", 100, "p1", "BOOKED"), "");
    assert_eq!((paid.action, paid.reason), (Action::Apply, Reason::First));
    assert_eq!(paid.order_outcome, "paid");
    let unknown = br#"{"eventId":"e2","eventTimestampMs":200,"entity":"unknown","status":"BOOKED","outcome":"unknown"}"#;
    let ignored = run(unknown, paid.state_json());
    assert_eq!(ignored.reason, Reason::NoOutcome);
    assert_eq!(state_of(&ignored)["entities"], state_of(&paid)["entities"]);
    let expired = run(&event("e3", 300, "p2", "EXPIRED"), ignored.state_json());
    assert_eq!(
        (expired.action, expired.reason),
        (Action::Skip, Reason::AlreadyPaid)
    );
    assert_eq!(expired.order_outcome, "paid");
    assert_eq!(expired.suggested["woocommerce"], "processing");
    let s = state_of(&expired);
    assert_eq!(s["status"], "BOOKED");
    assert_eq!(s["entities"].as_array().unwrap().len(), 2);
    assert_eq!(s["entities"][1]["status"], "EXPIRED");
}

#[test]
fn duplicates_stale_and_same_millisecond_events() {
    let a = run(&event("e1", 100, "p1", "CONFIRMED"), "{}");
    let dup = run(&event("E1", 100, "p1", "CONFIRMED"), a.state_json());
    assert_eq!(dup.reason, Reason::Duplicate);
    assert_eq!(dup.state_json(), a.state_json());
    let stale = run(&event("e2", 50, "p1", "SEEN"), a.state_json());
    assert_eq!(stale.reason, Reason::Stale);
    let same = run(&event("e3", 100, "p1", "PROCESSING"), stale.state_json());
    assert_eq!(same.reason, Reason::SameTimestamp);
    let forward = run(&event("e4", 100, "p1", "BOOKED"), same.state_json());
    assert_eq!(
        (forward.action, forward.reason),
        (Action::Apply, Reason::Newer)
    );
    assert_eq!(
        state_of(&forward)["recentEventIds"],
        serde_json::json!(["e1", "e2", "e3", "e4"])
    );
}

#[test]
fn confirmed_is_paid_may_only_be_reversed_by_a_final_status() {
    let confirmed = br#"{"eventId":"e1","eventTimestampMs":1,"entity":"payment","entityId":"p1","status":"CONFIRMED","outcome":"paid"}"#;
    let s = run(confirmed, "");
    assert_eq!(s.order_outcome, "paid");
    let back = run(&event("e2", 2, "p1", "PROCESSING"), s.state_json());
    assert_eq!(back.reason, Reason::Regression);
    let failed = run(&event("e3", 3, "p1", "FAILED"), back.state_json());
    assert_eq!(
        (failed.action, failed.order_outcome.as_str()),
        (Action::Apply, "failed")
    );
}

#[test]
fn refunds_and_bounded_entities() {
    let mut state = run(&event("e0", 0, "p0", "BOOKED"), "")
        .state_json()
        .to_owned();
    for i in 1..30 {
        state = run(
            &event(&format!("e{i}"), i, &format!("p{i}"), "FAILED"),
            &state,
        )
        .state_json()
        .to_owned();
    }
    let s: Value = serde_json::from_str(&state).unwrap();
    let records = s["entities"].as_array().unwrap();
    assert_eq!(records.len(), MAX_ENTITIES);
    assert_eq!(records[0]["entityId"], "p0", "the paid record is kept");
    let refund = br#"{"eventId":"r1","eventTimestampMs":40,"entity":"refund","entityId":"r","status":"BOOKED","final":true,"outcome":"refunded"}"#;
    let refunded = run(refund, &state);
    assert_eq!(
        (refunded.action, refunded.order_outcome.as_str()),
        (Action::Apply, "refunded")
    );
}

#[test]
fn unknown_keys_keep_their_exact_text() {
    let state =
        r#"{"price": 1.50,"big":12345678901234567890123,"status":"SEEN","x":{"a":[1.0, 2E+3]}}"#;
    let d = run(&event("e1", 1, "p1", "BOOKED"), state);
    assert!(d
        .state_json()
        .ends_with(r#""price":1.50,"big":12345678901234567890123,"x":{"a":[1.0, 2E+3]}}"#));
}

/// A deterministic xorshift generator: the property test needs no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Random stories of one order (retries, refunds, order-level statuses, unknown events,
/// duplicates, late and same-millisecond deliveries): once paid, the order leaves `paid` only
/// for `refunded` or through the reversal of its CONFIRMED payment; `apply` always means the
/// event's outcome is the order's; the state stays bounded; a redelivery is a duplicate.
#[test]
fn a_paid_order_leaves_paid_only_by_a_refund_or_a_reversal() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let payment = [
        "CREATED",
        "SEEN",
        "PROCESSING",
        "CONFIRMED",
        "BOOKED",
        "FAILED",
        "EXPIRED",
    ];
    let refund = ["CREATED", "PROCESSING", "BOOKED", "FAILED"];
    let order = ["UNPAID", "PARTIALLY_PAID", "PAID"];
    let (mut paid_orders, mut left_paid) = (0, 0);
    for story in 0..150 {
        let confirmed_is_paid = story % 2 == 0;
        let mut state = String::new();
        let mut sent: Vec<Vec<u8>> = Vec::new();
        let mut was_paid = false;
        for step in 0..40 {
            let redeliver = !sent.is_empty() && rng.next() % 8 == 0;
            let event = if redeliver {
                sent[(rng.next() % sent.len() as u64) as usize].clone()
            } else {
                let ts = (step + (rng.next() % 6) as i64 - 3).max(0);
                let kind = rng.next() % 10;
                let (entity, id, status, e) = match kind {
                    0..=5 => {
                        let id = format!("p{}", rng.next() % 4);
                        (Entity::Payment, id, rng.pick(&payment), "payment")
                    }
                    6 | 7 => {
                        let id = format!("r{}", rng.next() % 2);
                        (Entity::Refund, id, rng.pick(&refund), "refund")
                    }
                    8 => (Entity::Order, "o".to_owned(), rng.pick(&order), "order"),
                    _ => (Entity::Unknown, String::new(), "BOOKED", "unknown"),
                };
                let (is_final, outcome) = classify(entity, status, confirmed_is_paid)
                    .map_or((false, "unknown"), |(f, o)| (f, o.name()));
                serde_json::json!({"eventId": format!("s{story}e{step}"), "eventTimestampMs": ts,
                    "entity": e, "entityId": if e == "unknown" { Value::Null } else { id.into() },
                    "status": status, "final": is_final, "outcome": outcome})
                .to_string()
                .into_bytes()
            };
            let before: Value = if state.is_empty() {
                serde_json::json!({"entities": []})
            } else {
                serde_json::from_str(&state).unwrap()
            };
            let d = run(&event, &state);
            let facts = parse_event(&event).unwrap();
            let after = state_of(&d);
            assert_eq!(after["orderOutcome"], d.order_outcome.as_str());
            if redeliver {
                // Never applied twice; within the last 32 ids, a duplicate that changes nothing
                // (older ones are skipped by the entity's own record: stale, unchanged, ...).
                assert_eq!(
                    d.action,
                    Action::Skip,
                    "{}",
                    String::from_utf8_lossy(&event)
                );
                let remembered = before["recentEventIds"]
                    .as_array()
                    .is_some_and(|ids| ids.iter().any(|i| *i == facts.event_id.as_str()));
                if remembered {
                    assert_eq!(d.reason, Reason::Duplicate);
                    assert_eq!(d.state_json(), state, "a duplicate changes nothing");
                }
            }
            if d.action == Action::Apply {
                assert_eq!(facts.outcome.as_deref(), Some(d.order_outcome.as_str()));
            }
            if was_paid && d.order_outcome != "paid" {
                left_paid += 1;
                let reversal = facts.is_final
                    && before["entities"].as_array().unwrap().iter().any(|r| {
                        r["entityId"] == facts.entity_id.as_deref().unwrap_or_default()
                            && r["status"] == "CONFIRMED"
                            && r["outcome"] == "paid"
                    });
                assert!(
                    d.order_outcome == "refunded" || reversal,
                    "story {story} step {step}: {} un-paid the order ({:?}); before: {before}",
                    String::from_utf8_lossy(&event),
                    d.reason
                );
            }
            assert!(after["entities"].as_array().unwrap().len() <= MAX_ENTITIES);
            assert!(after["recentEventIds"].as_array().unwrap().len() <= MAX_RECENT_EVENT_IDS);
            was_paid = d.order_outcome == "paid";
            paid_orders += usize::from(was_paid);
            if !redeliver {
                sent.push(event);
            }
            state = d.state_json().to_owned();
        }
    }
    assert!(
        paid_orders > 300 && left_paid > 15,
        "{paid_orders} {left_paid}"
    );
}

#[test]
fn bad_inputs_name_their_status() {
    assert_eq!(
        decide_json(b"{", b"{}").unwrap_err().status,
        Status::EventInvalid
    );
    let e = decide_json(br#"{"eventTimestampMs":1}"#, b"{}").unwrap_err();
    assert_eq!(e.field.as_deref(), Some("eventId"));
    let ev = event("e1", 1, "p1", "BOOKED");
    for state in [
        &b"[]"[..],
        br#"{"lastEventTimestampMs":"1"}"#,
        br#"{"entities":[{"final":"no"}]}"#,
        br#"{"entities":{}}"#,
        br#"{"orderOutcome":3}"#,
        b"{\"a\":1",
    ] {
        assert_eq!(
            decide_json(&ev, state).unwrap_err().status,
            Status::StateInvalid
        );
    }
}

/// The compact process result (option `compactResult`) of a BOOKED payment event, layout 1, with
/// `version` as its first member; `extra` members appended.
fn compact_booked(version: Value, id: &str, ts: i64, extra: &[Value]) -> Vec<u8> {
    let mut items = vec![
        version,
        "2024-05-07T14:49:55.887Z".into(),
        "v0".into(),
        0.into(),
        113.into(),
        id.into(),
        "payment.statusChange".into(),
        "2024-05-07T14:49:55.884Z".into(),
        ts.into(),
        "payment".into(),
        "p1".into(),
        "p1".into(),
        Value::Null,
        Value::Null,
        Value::Null,
        Value::Null,
        "BOOKED".into(),
        true.into(),
        true.into(),
        "paid".into(),
        Value::Null,
        false.into(),
        10.into(),
        2.into(),
        serde_json::json!({"woocommerce": "completed", "prestashop": "PS_OS_PAYMENT"}),
    ];
    items.extend_from_slice(extra);
    serde_json::to_vec(&items).unwrap()
}

#[test]
fn a_compact_process_result_decides_as_its_object_result() {
    let object = br#"{"ok":true,"status":"OK","httpStatus":200,"signature":{"timestamp":"2024-05-07T14:49:55.887Z","key":"v0","secretIndex":0,"ageMs":113},"event":{"eventId":"e1","eventTimestampMs":100,"entity":"payment","entityId":"p1","status":"BOOKED","final":true,"outcome":"paid","suggested":{"woocommerce":"completed","prestashop":"PS_OS_PAYMENT"}}}"#;
    let compact = compact_booked(1.into(), "e1", 100, &[]);
    for state in ["", "{}"] {
        let (a, b) = (run(object, state), run(&compact, state));
        assert_eq!((a.action, a.reason), (b.action, b.reason));
        assert_eq!((a.action, a.reason), (Action::Apply, Reason::First));
        assert_eq!(a.suggested, b.suggested);
        assert_eq!(b.suggested["woocommerce"], "completed");
        assert_eq!(a.state_json(), b.state_json());
    }
    let processing = run(&event("e0", 50, "p1", "PROCESSING"), "");
    let (a, b) = (
        run(object, processing.state_json()),
        run(&compact, processing.state_json()),
    );
    assert_eq!((b.action, b.reason), (Action::Apply, Reason::Newer));
    assert_eq!(a.state_json(), b.state_json());
    // The second delivery of the same event is a duplicate, whichever form it comes in.
    assert_eq!(run(&compact, a.state_json()).reason, Reason::Duplicate);
}

#[test]
fn a_compact_result_of_another_layout_or_shape_is_event_invalid() {
    let beyond = "a layout version beyond a 64-bit integer; this library reads version 1";
    let cases: [(Vec<u8>, &str); 10] = [
        (
            compact_booked(2.into(), "e1", 100, &[]),
            "the event is a compact result of layout version 2; this library reads version 1",
        ),
        (
            compact_booked(1.into(), "e1", 100, &[Value::Null]),
            "the event is a compact result of layout version 1 with 26 members; that layout has 25",
        ),
        (
            b"[1,\"2024-05-07T14:49:55.887Z\"]".to_vec(),
            "with 2 members; that layout has 25",
        ),
        (b"[]".to_vec(), "not a compact process result"),
        (
            compact_booked("1".into(), "e1", 100, &[]),
            "not a compact process result",
        ),
        (
            compact_booked(serde_json::json!(1.0), "e1", 100, &[]),
            "not a compact process result",
        ),
        (b"[1180591620717411303424,1]".to_vec(), beyond),
        (b"[18446744073709551615,1]".to_vec(), beyond),
        (b"[-9223372036854775809,1]".to_vec(), beyond),
        (
            b"[-9223372036854775808,1]".to_vec(),
            "layout version -9223372036854775808; this library reads version 1",
        ),
    ];
    for (json, message) in cases {
        let e = decide_json(&json, b"").unwrap_err();
        assert_eq!(e.status, Status::EventInvalid);
        assert_eq!(e.field.as_deref(), Some(""));
        assert!(e.message.contains(message), "{}", e.message);
    }
    // A member decide reads has the same type rules as in the object.
    let mut bad: Value = serde_json::from_slice(&compact_booked(1.into(), "e1", 100, &[])).unwrap();
    bad[8] = "100".into();
    let e = decide_json(bad.to_string().as_bytes(), b"").unwrap_err();
    assert_eq!(e.field.as_deref(), Some("eventTimestampMs"));
    let e = decide_json(b"\"BOOKED\"", b"").unwrap_err();
    assert!(
        e.message.contains("compact process result"),
        "{}",
        e.message
    );
}

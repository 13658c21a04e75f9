//! `make demo`: a shop receiving Everifin webhooks for one order, end to end on built-in defaults.
//!
//! Signs sample webhooks the way Everifin does, then feeds them to the verifier and to `decide`
//! with the order's stored state, printing what the shop would answer and do: a normal payment
//! flow, a duplicate delivery, an out-of-order older event, a tampered body, a stale signature, a
//! secret rotation, and a forged request.

use everifin_webhook::{decide, result, sign, timestamp, Verifier};
use serde_json::Value;

const OLD_SECRET: &str = "demo-hook-secret-2024";
const NEW_SECRET: &str = "demo-hook-secret-2025-rotated";
const PAYMENT: &str = "f0489615-fb8a-4c76-bb28-7f9726d815d6";

struct Delivery {
    what: &'static str,
    body: String,
    header: String,
    now_ms: i64,
}

fn body(event_id: &str, at: &str, status: &str) -> String {
    format!(
        r#"{{"eventId":"{event_id}","eventType":"payment.statusChange","eventTimestamp":"{at}","data":{{"paymentId":"{PAYMENT}","status":"{status}","externalId":"1042","hookData":{{"orderKey":"wc_order_7Hq2"}}}}}}"#
    )
}

fn signed(body: &str, at: &str, secrets: &[&str]) -> String {
    let secrets = serde_json::to_string(secrets).expect("secrets");
    sign(body.as_bytes(), at, secrets.as_bytes(), 0).expect("sign")
}

fn ms(at: &str) -> i64 {
    timestamp::parse_utc_ms(at).expect("timestamp")
}

fn deliveries() -> Vec<Delivery> {
    let created = body(
        "1b0f6a52-6d2a-4c3e-9f51-0a4d2c7e8b11",
        "2024-05-07T14:40:00.100Z",
        "CREATED",
    );
    let processing = body(
        "2c1e7b63-7e3b-4d4f-8a62-1b5e3d8f9c22",
        "2024-05-07T14:45:10.200Z",
        "PROCESSING",
    );
    let booked = body(
        "3d2f8c74-8f4c-4e50-9b73-2c6f4e9a0d33",
        "2024-05-07T14:49:55.884Z",
        "BOOKED",
    );
    let mut tampered = booked.replace(r#""externalId":"1042""#, r#""externalId":"9999""#);
    tampered = tampered.replace("3d2f8c74", "4e3a9d85");
    let mut out = vec![
        Delivery {
            what: "payment created",
            header: signed(&created, "2024-05-07T14:40:00.200Z", &[OLD_SECRET]),
            body: created.clone(),
            now_ms: ms("2024-05-07T14:40:00.350Z"),
        },
        Delivery {
            what: "payment booked (arrives before PROCESSING)",
            header: signed(&booked, "2024-05-07T14:49:55.887Z", &[OLD_SECRET]),
            body: booked.clone(),
            now_ms: ms("2024-05-07T14:49:56.000Z"),
        },
        Delivery {
            what: "PROCESSING, delivered late (out of order)",
            header: signed(&processing, "2024-05-07T14:50:20.000Z", &[OLD_SECRET]),
            body: processing,
            now_ms: ms("2024-05-07T14:50:20.120Z"),
        },
        Delivery {
            what: "booked again (Everifin retried)",
            header: signed(&booked, "2024-05-07T14:50:30.000Z", &[OLD_SECRET]),
            body: booked.clone(),
            now_ms: ms("2024-05-07T14:50:30.090Z"),
        },
        Delivery {
            what: "tampered body (externalId changed)",
            header: signed(&booked, "2024-05-07T14:51:00.000Z", &[OLD_SECRET]),
            body: tampered,
            now_ms: ms("2024-05-07T14:51:00.050Z"),
        },
        Delivery {
            what: "replayed after 20 minutes",
            header: signed(&created, "2024-05-07T14:40:00.200Z", &[OLD_SECRET]),
            body: created,
            now_ms: ms("2024-05-07T15:00:00.200Z"),
        },
        Delivery {
            what: "forged with a guessed secret",
            header: signed(&booked, "2024-05-07T14:52:00.000Z", &["guessed-secret"]),
            body: booked.clone(),
            now_ms: ms("2024-05-07T14:52:00.010Z"),
        },
    ];
    // Secret rotation: Everifin signs with both secrets (v0 old, v1 new) for 24 hours.
    let refund = r#"{"eventId":"5f4b0e96-a16e-4f72-8d95-4e8b6a1c2f55","eventType":"payment.statusChange","eventTimestamp":"2024-05-08T09:00:00.000Z","data":{"refundId":"6a5c1fa7-b27f-4083-9ea6-5f9c7b2d3066","status":"BOOKED","externalId":"1042"}}"#.to_owned();
    out.push(Delivery {
        what: "refund booked, signed during secret rotation (v0+v1)",
        header: signed(
            &refund,
            "2024-05-08T09:00:00.500Z",
            &[OLD_SECRET, NEW_SECRET],
        ),
        body: refund,
        now_ms: ms("2024-05-08T09:00:00.800Z"),
    });
    out
}

fn main() {
    let verifier = Verifier::new(
        serde_json::json!({"secrets": [OLD_SECRET, NEW_SECRET], "toleranceSeconds": 300})
            .to_string()
            .as_bytes(),
    )
    .expect("options");
    let mut state = String::from("{}");
    println!("everifin-webhook demo: one WooCommerce order (ID 1042), secrets configured: 2 (oldest first)\n");
    for (i, d) in deliveries().iter().enumerate() {
        let verified = verifier.process(d.body.as_bytes(), d.header.as_bytes(), d.now_ms);
        let json: Value = serde_json::from_str(&result::process(&verified)).expect("result JSON");
        println!("{}. {}", i + 1, d.what);
        println!("   Signature: {}", shorten(&d.header));
        print!(
            "   -> HTTP {} {}",
            json["httpStatus"],
            json["status"].as_str().unwrap_or("")
        );
        match verified {
            Err(e) => println!("\n      {}", e.message),
            Ok(v) => {
                let event = serde_json::to_string(&v.event).expect("event");
                let decision = decide(event.as_bytes(), state.as_bytes()).expect("decide");
                println!(
                    " (matched {} with secret #{}, {} ms old)",
                    v.signature.key, v.signature.secret_index, v.signature.age_ms
                );
                println!(
                    "   event: {} {} -> outcome {}, WooCommerce would be '{}'",
                    v.event.entity.name(),
                    v.event.status.as_deref().unwrap_or("-"),
                    v.event.outcome.name(),
                    v.event.suggested.0[0].1.as_deref().unwrap_or("(unchanged)")
                );
                println!(
                    "   decide: {:?} ({}), order outcome {}",
                    decision.action,
                    decision.reason.name(),
                    decision.order_outcome
                );
                state = decision.state_json().to_owned();
            }
        }
        println!();
    }
    println!("stored order state: {state}");
}

/// The header with its signatures shortened for display.
fn shorten(header: &str) -> String {
    header
        .split(';')
        .map(|part| match part.split_once('=') {
            Some((k, v)) if k.starts_with('v') => format!("{k}={}...", &v[..12]),
            _ => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

//! verify + normalize against a bare HMAC-SHA256 of the same bytes (the floor: any verifier must
//! hash the whole body once). Prints the ratio of the means for a typical event and a 1 MiB body.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{BenchmarkId, Criterion, Throughput};
use everifin_webhook::{sign, Verifier};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const SECRET: &str = "bench-hook-secret-3f9a";
const TS: &str = "2024-05-07T14:49:55.887Z";
const NOW: i64 = 1_715_093_396_000;

fn typical_body() -> String {
    r#"{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","orderId":"8840d948-12da-4ca1-8269-3cfdc10b73bc","status":"BOOKED","instructionId":"302d7603-f5ce-45fb-82b3-a1a90ee26aca","hookData":{"customId":12341234,"note":"order x54352"}}}"#.to_owned()
}

/// An event of exactly 1 MiB: its hookData carries an array of order lines.
fn large_body() -> String {
    let head = r#"{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"BOOKED","hookData":{"lines":["#;
    let line = r#"{"sku":"SKU-000123","qty":2,"name":"Modrotlačový obrus 140×180"},"#;
    let mut body = head.to_owned();
    while body.len() + line.len() + 32 < 1 << 20 {
        body.push_str(line);
    }
    body.push_str(r#"{"sku":"end"}],"pad":""#);
    body.push_str(&"x".repeat((1 << 20) - body.len() - 4));
    body.push_str("\"}}}");
    assert_eq!(body.len(), 1 << 20);
    body
}

fn bare_hmac(body: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(TS.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

fn benches(c: &mut Criterion) {
    let verifier =
        Verifier::new(format!(r#"{{"secrets":["{SECRET}"],"maxBodyBytes":2097152}}"#).as_bytes())
            .unwrap();
    for (name, body) in [("typical", typical_body()), ("1MiB", large_body())] {
        let header = sign(
            body.as_bytes(),
            TS,
            format!(r#"["{SECRET}"]"#).as_bytes(),
            0,
        )
        .unwrap();
        assert!(verifier
            .process(body.as_bytes(), header.as_bytes(), NOW)
            .is_ok());
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(BenchmarkId::from_parameter("hmac_sha256"), |b| {
            b.iter(|| bare_hmac(black_box(body.as_bytes())))
        });
        group.bench_function(BenchmarkId::from_parameter("verify_normalize"), |b| {
            b.iter(|| {
                verifier
                    .process(
                        black_box(body.as_bytes()),
                        black_box(header.as_bytes()),
                        NOW,
                    )
                    .unwrap()
            })
        });
        group.finish();
    }
}

/// Mean time in ns that criterion stored for a benchmark in this run.
fn mean_ns(group: &str, id: &str) -> Option<f64> {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    let path = target
        .join("criterion")
        .join(group)
        .join(id)
        .join("new/estimates.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    json["mean"]["point_estimate"].as_f64()
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
    let test_mode = std::env::args().any(|a| a == "--test");
    if test_mode {
        return;
    }
    println!("\nverify+normalize vs bare HMAC-SHA256 of the same bytes (means of this run):");
    for group in ["typical", "1MiB"] {
        match (
            mean_ns(group, "hmac_sha256"),
            mean_ns(group, "verify_normalize"),
        ) {
            (Some(base), Some(ours)) => println!(
                "  {group:>8}: hmac {:>10.1} µs, verify+normalize {:>10.1} µs, ratio {:.2}x",
                base / 1e3,
                ours / 1e3,
                ours / base
            ),
            _ => println!("  {group:>8}: no estimates found (run without filters)"),
        }
    }
}

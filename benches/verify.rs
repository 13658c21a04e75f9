//! verify + normalize against a bare HMAC-SHA256 of the same bytes, timed in the same run (the
//! floor: any verifier must hash the whole body once): criterion's groups, then, for a typical
//! event, a 64 KiB and a 1 MiB body, the ratio of the medians of interleaved rounds; then the peak
//! extra memory of one 1 MiB request (a counting global allocator); then the time and peak memory
//! of explaining the adversarial body of tests/explain_bound.rs.
//!
//! Beside each ratio, a budget line: what the goal leaves for everything after the hash, and what
//! two parts of that work cost alone on the same body: the UTF-8 check, and serde_json skipping
//! the body as `IgnoredAny` (a well-kept parser doing less than normalize must).
//!
//! Goals (issue 8): typical ≤ 3×, 64 KiB and 1 MiB ≤ 1.5×, peak extra memory ≤ 2× the body.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use criterion::{BenchmarkId, Criterion, Throughput};
use everifin_webhook::{explain, sign, Verifier};
use hmac::{Hmac, KeyInit, Mac};
use serde::de::IgnoredAny;
use sha2::Sha256;

#[path = "../tests/support/counting.rs"]
mod counting;
use counting::{adversarial_body, peak_extra};

#[path = "../tests/support/typical.rs"]
mod typical;
use typical::{typical_body, NOW, SECRET, TS};

/// An event of exactly `size` bytes: its hookData carries an array of order lines.
fn large_body(size: usize) -> String {
    let head = r#"{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"BOOKED","hookData":{"lines":["#;
    let line = r#"{"sku":"SKU-000123","qty":2,"name":"Modrotlačový obrus 140×180"},"#;
    let mut body = head.to_owned();
    while body.len() + line.len() + 32 < size {
        body.push_str(line);
    }
    body.push_str(r#"{"sku":"end"}],"pad":""#);
    body.push_str(&"x".repeat(size - body.len() - 4));
    body.push_str("\"}}}");
    assert_eq!(body.len(), size);
    body
}

/// One request through the C ABI, as a binding makes it: (status, result JSON length).
fn ffi_process(body: &str, header: &str) -> (i32, usize) {
    use everifin_webhook::ffi::*;
    let options = format!(r#"{{"secrets":["{SECRET}"],"maxBodyBytes":2097152}}"#);
    let mut v = std::ptr::null_mut();
    // SAFETY: every pointer/length pair is a live slice; the verifier and the result are freed
    // once.
    unsafe {
        assert_eq!(
            evf_verifier_new(options.as_ptr().cast(), options.len(), &mut v),
            EVF_OK
        );
        let r = evf_verifier_process(
            v,
            body.as_ptr().cast(),
            body.len(),
            header.as_ptr().cast(),
            header.len(),
            NOW,
        );
        let out = (evf_result_status(r), evf_result_json_len(r));
        evf_result_free(r);
        evf_verifier_free(v);
        out
    }
}

fn bare_hmac(body: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(TS.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// The `Signature` header of `body` under the bench's secret.
fn signed(body: &str) -> String {
    sign(
        body.as_bytes(),
        TS,
        format!(r#"["{SECRET}"]"#).as_bytes(),
        0,
    )
    .unwrap()
}

fn bodies() -> Vec<(&'static str, String)> {
    vec![
        ("typical", typical_body()),
        ("64KiB", large_body(64 * 1024)),
        ("1MiB", large_body(1 << 20)),
    ]
}

fn benches(c: &mut Criterion, verifier: &Verifier) {
    for (name, body) in bodies() {
        let header = signed(&body);
        assert!(verifier
            .process(body.as_bytes(), header.as_bytes(), NOW)
            .is_ok());
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(BenchmarkId::from_parameter("hmac_sha256"), |b| {
            b.iter(|| bare_hmac(black_box(body.as_bytes())))
        });
        // The part after the hash: UTF-8, strict JSON and the event's fields (default options).
        group.bench_function(BenchmarkId::from_parameter("normalize_alone"), |b| {
            b.iter(|| everifin_webhook::normalize(black_box(body.as_bytes()), b"").unwrap())
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

const ROUNDS: usize = 41;

/// Times the functions in interleaved rounds (each round runs each of them for about 20 ms, in
/// turn, the order reversed every other round); the median time per call of each, in ns.
fn interleaved<const N: usize>(mut fs: [&mut dyn FnMut(); N]) -> [f64; N] {
    let mut iters = [0u64; N];
    for (f, n) in fs.iter_mut().zip(&mut iters) {
        let start = Instant::now();
        while start.elapsed().as_millis() < 20 {
            f();
            *n += 1;
        }
    }
    let mut samples: [Vec<f64>; N] = std::array::from_fn(|_| Vec::with_capacity(ROUNDS));
    for round in 0..ROUNDS {
        let order: Vec<usize> = if round % 2 == 0 {
            (0..N).collect()
        } else {
            (0..N).rev().collect()
        };
        for i in order {
            let start = Instant::now();
            for _ in 0..iters[i] {
                fs[i]();
            }
            samples[i].push(start.elapsed().as_nanos() as f64 / iters[i] as f64);
        }
    }
    samples.map(|mut s| {
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    })
}

/// Median time in ns that criterion stored for a benchmark in this run (the median, not the
/// mean: on a shared machine a few preempted samples would otherwise decide the figure). None
/// when criterion did not time it in this run (a filter such as `nomatch`): its file, written
/// before `started`, holds an earlier run's figure.
fn median_ns(group: &str, id: &str, started: std::time::SystemTime) -> Option<f64> {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    let path = target
        .join("criterion")
        .join(group)
        .join(id)
        .join("new/estimates.json");
    if std::fs::metadata(&path).ok()?.modified().ok()? < started {
        return None;
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn main() {
    let started = std::time::SystemTime::now();
    let verifier =
        Verifier::new(format!(r#"{{"secrets":["{SECRET}"],"maxBodyBytes":2097152}}"#).as_bytes())
            .unwrap();
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c, &verifier);
    c.final_summary();
    if std::env::args().any(|a| a == "--test") {
        return;
    }

    // The goals are judged on interleaved rounds: criterion times each function for seconds in
    // turn, so on a shared machine a slow spell lands on one side of a ratio. Here each round
    // times the bare HMAC, verify+normalize, normalize alone, and the budget line's UTF-8 check
    // and serde_json skip, on the same body, and the figures are the medians over the rounds.
    println!(
        "\nverify+normalize vs bare HMAC-SHA256 of the same bytes ({ROUNDS} interleaved rounds, medians):"
    );
    for ((group, body), goal) in bodies().into_iter().zip([3.0, 1.5, 1.5]) {
        let header = signed(&body);
        let [base, ours, rest, utf8, skim] = interleaved([
            &mut || {
                black_box(bare_hmac(black_box(body.as_bytes())));
            },
            &mut || {
                black_box(
                    verifier
                        .process(black_box(body.as_bytes()), header.as_bytes(), NOW)
                        .is_ok(),
                );
            },
            &mut || {
                black_box(everifin_webhook::normalize(black_box(body.as_bytes()), b"").is_ok());
            },
            &mut || {
                black_box(simdutf8::basic::from_utf8(black_box(body.as_bytes())).is_ok());
            },
            &mut || {
                black_box(serde_json::from_slice::<IgnoredAny>(black_box(body.as_bytes())).is_ok());
            },
        ]);
        let criterion = match (
            median_ns(group, "hmac_sha256", started),
            median_ns(group, "verify_normalize", started),
        ) {
            (Some(b), Some(o)) => format!(" [criterion's medians: {:.2}×]", o / b),
            _ => String::new(),
        };
        println!(
            "{group}: hmac {:.2} µs, verify+normalize {:.2} µs, ratio {:.2}× (goal <= {goal}×: {}); normalize alone {:.2} µs = {:.2}× the hash{criterion}",
            base / 1e3,
            ours / 1e3,
            ours / base,
            if ours / base <= goal { "met" } else { "NOT met" },
            rest / 1e3,
            rest / base
        );
        // What the goal leaves for everything after the hash, beside what parts of it cost alone.
        println!(
            "{group} budget, × the hash: the goal leaves {:.2} for all after it; UTF-8 check alone {:.2}; serde_json skipping the body {:.2} (checks less: no UTF-8, number range or lone surrogates)",
            goal - 1.0,
            utf8 / base,
            skim / base
        );
    }

    let body = large_body(1 << 20);
    let header = signed(&body);
    let (verified, process_peak) = peak_extra(|| {
        verifier
            .process(body.as_bytes(), header.as_bytes(), NOW)
            .is_ok()
    });
    let ((status, json_len), ffi_peak) = peak_extra(|| ffi_process(&body, &header));
    assert!(verified && status == 0 && json_len > body.len());
    let mib = |b: usize| b as f64 / (1 << 20) as f64;
    println!(
        "1MiB memory: peak extra {:.2} MiB through evf_verifier_process with its result JSON ({:.2}× the body); {:.2} MiB for Verifier::process ({:.2}× the body)",
        mib(ffi_peak),
        ffi_peak as f64 / body.len() as f64,
        mib(process_peak),
        process_peak as f64 / body.len() as f64,
    );

    let body = adversarial_body();
    let header = sign(body.as_bytes(), TS, br#"["some-other-secret"]"#, 0).unwrap();
    let options = format!(r#"{{"secrets":["{SECRET}"]}}"#);
    let start = Instant::now();
    let (explained, explain_peak) =
        peak_extra(|| explain(body.as_bytes(), header.as_bytes(), options.as_bytes(), NOW));
    let took = start.elapsed();
    let stopped = explained
        .map(|e| e.findings.iter().any(|f| f.code == "search_stopped"))
        .unwrap_or(false);
    println!(
        "explain of the adversarial {:.1} KB body: {:.0} ms, peak extra {:.2} MiB, search stopped: {stopped} (goals: < 1000 ms, < 100 MiB)",
        body.len() as f64 / 1000.0,
        took.as_secs_f64() * 1000.0,
        mib(explain_peak)
    );
}

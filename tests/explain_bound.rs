//! explain is bounded: a 15.8 KB body whose top level and `data` have 6 keys each (720 orders
//! each), full of tiny values, once cost 0.43 s and 391 MiB. The search now builds one candidate
//! at a time, stops after a fixed number of candidate bytes and says so. This file counts every
//! allocation (its own global allocator), so it holds one test only.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use everifin_webhook::{explain, sign, Status};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts the bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const SECRET: &str = "bound-hook-secret";
const TS: &str = "2024-05-07T14:49:55.887Z";
const NOW: i64 = 1_715_093_396_000;

/// 6 top-level keys, 6 `data` keys, arrays of tiny values: close to 16 KiB.
fn adversarial_body() -> String {
    let tiny = |n: usize| format!("[{}0]", "0,".repeat(n));
    let body = format!(
        r#"{{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z","data":{{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"BOOKED","hookData":{},"x1":{},"x2":{},"x3":{}}},"a1":{},"a2":{}}}"#,
        tiny(1300),
        tiny(1300),
        tiny(1300),
        tiny(1300),
        tiny(1300),
        tiny(1300)
    );
    assert!((15_500..16_384).contains(&body.len()), "{}", body.len());
    body
}

#[test]
fn an_adversarial_body_explains_within_bounds_and_says_it_stopped() {
    let body = adversarial_body();
    // Signed under another secret: no candidate can match, so the whole search runs.
    let header = sign(body.as_bytes(), TS, br#"["some-other-secret"]"#, 0).unwrap();
    let options = format!(r#"{{"secrets":["{SECRET}"]}}"#);

    let before = CURRENT.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let e = explain(body.as_bytes(), header.as_bytes(), options.as_bytes(), NOW).unwrap();
    let peak_extra = PEAK.load(Ordering::Relaxed) - before;

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

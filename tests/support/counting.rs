//! Shared by `tests/explain_bound.rs` and `benches/verify.rs` (each includes it with `#[path]`):
//! a global allocator that counts live and peak heap bytes, and the adversarial explain body.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

/// Counts heap bytes while [`peak_extra`] runs, and only then: an atomic read-modify-write per
/// allocation would otherwise weigh on every timing of the bench (about a quarter of a microsecond
/// per request of a typical event, which allocates about ten times).
struct Counting;

static ON: AtomicBool = AtomicBool::new(false);
/// Bytes allocated minus bytes freed since counting began (negative when older memory is freed).
static CURRENT: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts the bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && ON.load(Ordering::Relaxed) {
            let size = layout.size() as isize;
            let now = CURRENT.fetch_add(size, Ordering::Relaxed) + size;
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        if ON.load(Ordering::Relaxed) {
            CURRENT.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and gives its result and the peak of heap bytes it held beyond what was live before.
/// (Not reentrant; the callers are single-threaded.)
pub fn peak_extra<T>(f: impl FnOnce() -> T) -> (T, usize) {
    CURRENT.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    ON.store(true, Ordering::SeqCst);
    let out = f();
    ON.store(false, Ordering::SeqCst);
    (out, PEAK.load(Ordering::Relaxed).max(0) as usize)
}

/// 6 top-level keys and 6 `data` keys (720 key orders each), arrays of tiny values: 15.8 KB.
/// Before explain was bounded, this body cost 0.43 s and 391 MiB.
pub fn adversarial_body() -> String {
    let tiny = |n: usize| format!("[{}0]", "0,".repeat(n));
    format!(
        r#"{{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z","data":{{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"BOOKED","hookData":{},"x1":{},"x2":{},"x3":{}}},"a1":{},"a2":{}}}"#,
        tiny(1300),
        tiny(1300),
        tiny(1300),
        tiny(1300),
        tiny(1300),
        tiny(1300)
    )
}

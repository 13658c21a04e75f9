//! Requests to count instructions in, for `scripts/instructions.sh` (which runs this under
//! `valgrind --tool=callgrind` and breaks the count down): `n` typical events (the bench's, see
//! tests/support/typical.rs) through `Verifier::process`, then `n` through the C ABI as the
//! bindings call it (`evf_verifier_process` with `compactResult`). Each loop is a function of its
//! own, so that callgrind counts it alone (`--toggle-collect`).
//!
//! Usage: `instructions [n]` (default 1000). Alone it only runs the loops; the figures come from
//! the script.

use std::hint::black_box;

use everifin_webhook::ffi::*;
use everifin_webhook::{sign, Verifier};

#[path = "../tests/support/typical.rs"]
mod typical;
use typical::{typical_body, NOW, SECRET, TS};

/// `n` requests through `Verifier::process`, each result dropped (freeing the event is part of a
/// request).
#[inline(never)]
fn process_requests(verifier: &Verifier, body: &[u8], header: &[u8], n: usize) {
    for _ in 0..n {
        let verified = verifier.process(black_box(body), black_box(header), NOW);
        assert!(black_box(&verified).is_ok());
    }
}

/// `n` requests through the C ABI, each result freed.
#[inline(never)]
fn ffi_requests(verifier: *const evf_verifier, body: &[u8], header: &[u8], n: usize) {
    for _ in 0..n {
        let (body, header) = (black_box(body), black_box(header));
        // SAFETY: the verifier is live and the pointer/length pairs are live slices; each result
        // is freed once.
        unsafe {
            let r = evf_verifier_process(
                verifier,
                body.as_ptr().cast(),
                body.len(),
                header.as_ptr().cast(),
                header.len(),
                NOW,
            );
            assert_eq!(evf_result_status(r), EVF_OK);
            evf_result_free(r);
        }
    }
}

fn main() {
    let n = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1000);
    let body = typical_body();
    let header = sign(
        body.as_bytes(),
        TS,
        format!(r#"["{SECRET}"]"#).as_bytes(),
        0,
    )
    .unwrap();

    let options = format!(r#"{{"secrets":["{SECRET}"],"maxBodyBytes":2097152}}"#);
    let verifier = Verifier::new(options.as_bytes()).unwrap();
    process_requests(&verifier, body.as_bytes(), header.as_bytes(), n);

    let options =
        format!(r#"{{"secrets":["{SECRET}"],"maxBodyBytes":2097152,"compactResult":true}}"#);
    let mut v = std::ptr::null_mut();
    // SAFETY: the options are a live slice, `v` a live out-pointer; the verifier is freed once.
    unsafe {
        assert_eq!(
            evf_verifier_new(options.as_ptr().cast(), options.len(), &mut v),
            EVF_OK
        );
        ffi_requests(v, body.as_bytes(), header.as_bytes(), n);
        evf_verifier_free(v);
    }
}

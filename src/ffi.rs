//! The C ABI (prefix `evf_`). The only module with `extern "C"` code.
//!
//! Conventions (also in README.md):
//! - Strings and bytes are pointer + length and never need a terminating NUL. A NULL pointer with
//!   length 0 is the empty input; a NULL pointer with a non-zero length is `EVF_ERR_NULL_ARGUMENT`.
//! - Inputs are borrowed for the duration of the call only.
//! - Every function that returns an `evf_result *` returns a result carrying the error, never
//!   NULL: the library does not return on an allocation failure (Rust aborts the process, as for
//!   any out-of-memory in Rust code). Free it with `evf_result_free`.
//! - Every export catches panics (`EVF_ERR_INTERNAL`, retryable) so that no unwind crosses the ABI.
//! - No thread-locals in this crate's code. The one global is the default suggested-state table,
//!   built once behind a `OnceLock` and never changed after. (The standard library and the
//!   dependencies linked in have thread-locals, and relaxed atomics caching run-time CPU-feature
//!   detection that helgrind reports as races: README "Threads".) An `evf_verifier` is
//!   immutable and may be shared by any number of threads; an `evf_result` may be read from any
//!   thread but freed once.
//!
//! `unsafe` lives in this module only (the crate denies `unsafe_code` everywhere else), and here it
//! does three things, each argued once: borrowing a caller's `(pointer, length)` input
//! (`input!`), borrowing a caller's handle (`handle!`), and taking back a box this library
//! handed out (`evf_verifier_free`, `evf_result_free`).
#![allow(non_camel_case_types)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use crate::error::Error;
use crate::status::Status;
use crate::{result, Verifier};

/// A status code. Numbers are stable and never reused.
pub type evf_status = i32;

/// Success.
pub const EVF_OK: evf_status = 0;
/// A required pointer was NULL (or NULL with a non-zero length).
pub const EVF_ERR_NULL_ARGUMENT: evf_status = 1;
/// The options JSON is invalid (unknown key, wrong type, no secrets...).
pub const EVF_ERR_INVALID_OPTIONS: evf_status = 2;
/// A bug was caught (a panic); the request may be retried.
pub const EVF_ERR_INTERNAL: evf_status = 3;
/// No `Signature` header, or an empty one.
pub const EVF_ERR_HEADER_MISSING: evf_status = 10;
/// The `Signature` header does not follow the grammar (or exceeds its limits).
pub const EVF_ERR_HEADER_MALFORMED: evf_status = 11;
/// The header's `ts` is not an RFC 3339 UTC timestamp.
pub const EVF_ERR_HEADER_TIMESTAMP_INVALID: evf_status = 12;
/// No signature matches the body under any configured secret.
pub const EVF_ERR_SIGNATURE_MISMATCH: evf_status = 13;
/// Authentic, but the signature is older than the tolerance.
pub const EVF_ERR_TIMESTAMP_TOO_OLD: evf_status = 14;
/// Authentic, but the signature is dated further in the future than the tolerance.
pub const EVF_ERR_TIMESTAMP_IN_FUTURE: evf_status = 15;
/// The body is larger than `maxBodyBytes`.
pub const EVF_ERR_BODY_TOO_LARGE: evf_status = 20;
/// The body is not valid UTF-8.
pub const EVF_ERR_BODY_NOT_UTF8: evf_status = 21;
/// The body is not strict JSON: a syntax error (a leading UTF-8 byte-order mark included), nesting
/// deeper than 64 levels, a lone surrogate escape (`\uD800` without its pair), or a number beyond
/// the range of a 64-bit float.
pub const EVF_ERR_BODY_NOT_JSON: evf_status = 22;
/// The JSON is not a valid Everifin event; the result names the `field`.
pub const EVF_ERR_EVENT_INVALID: evf_status = 23;
/// The stored order state passed to `evf_decide` is invalid.
pub const EVF_ERR_STATE_INVALID: evf_status = 30;

/// The ABI version: bumped on any incompatible change of this header. The Linux SONAME is
/// `libeverifin_webhook.so.<EVF_ABI_VERSION>`.
pub const EVF_ABI_VERSION: u32 = 1;

/// A configured verifier (opaque). Immutable and shareable across threads.
pub struct evf_verifier {
    inner: Verifier,
}

/// The result of an operation (opaque): a status and its JSON.
pub struct evf_result {
    status: evf_status,
    /// The JSON and a terminating NUL (no other NUL: checked when made). A `Vec` rather than a
    /// `CString`, whose boxed slice would be shrunk, and so copied, once more for every result.
    json: Vec<u8>,
}

const NUL_FREE_FALLBACK: &str =
    "{\"ok\":false,\"status\":\"INTERNAL\",\"httpStatus\":500,\"message\":\"the result could not be rendered\"}";

fn new_result(status: Status, json: String) -> *mut evf_result {
    let (status, mut json) = match memchr::memchr(0, json.as_bytes()) {
        None => (status, json.into_bytes()),
        Some(_) => (Status::Internal, NUL_FREE_FALLBACK.as_bytes().to_vec()),
    };
    // The writers leave room for it: no reallocation.
    json.push(0);
    Box::into_raw(Box::new(evf_result {
        status: status.code(),
        json,
    }))
}

fn null_argument(what: &str) -> Error {
    Error::new(Status::NullArgument, format!("{what} is NULL"))
}

fn panic_error() -> Error {
    Error::new(
        Status::Internal,
        "internal error in everifin-webhook (a bug, caught); the request can be retried",
    )
}

/// Runs `f`, turning a panic into the `INTERNAL` status and its error JSON.
fn guard_json(f: impl FnOnce() -> (Status, String)) -> (Status, String) {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        let e = panic_error();
        (e.status, result::error(&e))
    })
}

/// Runs `f`, turning a panic into an `INTERNAL` result.
fn guard_result(f: impl FnOnce() -> (Status, String)) -> *mut evf_result {
    let (status, json) = guard_json(f);
    new_result(status, json)
}

/// Runs `f`, turning a panic into `fallback`.
fn guard<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

/// Borrows `len` bytes at `ptr`; NULL with length 0 is empty.
///
/// # Safety
/// `ptr` must be NULL or point to `len` readable bytes that stay valid for `'a`.
unsafe fn bytes<'a>(ptr: *const c_char, len: usize, what: &str) -> Result<&'a [u8], Error> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(null_argument(what));
    }
    if len > isize::MAX as usize {
        return Err(Error::new(
            Status::NullArgument,
            format!("{what} has an impossible length"),
        ));
    }
    // SAFETY: the caller guarantees `len` readable bytes at the non-NULL `ptr`.
    Ok(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// Borrows an export's input argument pair `$ptr` / `$len` as `&[u8]` for the rest of the call,
/// or gives `NULL_ARGUMENT` naming `$ptr`. Only for arguments of the export being run.
macro_rules! input {
    ($ptr:ident, $len:ident) => {
        // SAFETY: every export that takes a `(pointer, length)` pair documents, in its `# Safety`
        // section, that the pointer is NULL or points to `length` readable bytes that stay valid
        // for the whole call; the borrow ends with the call (results copy what they keep).
        unsafe { bytes($ptr, $len, stringify!($ptr)) }
    };
}

/// Borrows an export's handle argument (`evf_verifier` or `evf_result`), `None` when NULL.
macro_rules! handle {
    ($ptr:ident) => {
        // SAFETY: every export that takes a handle documents, in its `# Safety` section, that it
        // is NULL or a live object this library created and that is not freed during the call.
        unsafe { $ptr.as_ref() }
    };
}

fn status_of<T>(r: &Result<T, Error>) -> Status {
    r.as_ref().map_or_else(|e| e.status, |_| Status::Ok)
}

/// The library version, e.g. "0.1.0" (equal to `EVF_VERSION`). Static: never free it.
#[no_mangle]
pub extern "C" fn evf_version() -> *const c_char {
    guard(ptr::null(), || {
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
    })
}

/// The ABI version (equal to `EVF_ABI_VERSION` of the header the library was built with). A
/// binding checks it on load.
#[no_mangle]
pub extern "C" fn evf_abi_version() -> u32 {
    guard(EVF_ABI_VERSION, || EVF_ABI_VERSION)
}

/// The name of a status, e.g. "SIGNATURE_MISMATCH"; "UNKNOWN_STATUS" for a number that is not a
/// status. Static: never free it. Never NULL.
#[no_mangle]
pub extern "C" fn evf_status_name(status: evf_status) -> *const c_char {
    guard(c"INTERNAL".as_ptr(), || match Status::from_code(status) {
        Some(s) => s.c_name().as_ptr(),
        None => c"UNKNOWN_STATUS".as_ptr(),
    })
}

/// The HTTP status a shop should answer with for a status (500 for a number that is not a status).
#[no_mangle]
pub extern "C" fn evf_status_http_status(status: evf_status) -> i32 {
    guard(500, || {
        Status::from_code(status).map_or(500, |s| i32::from(s.http_status()))
    })
}

/// Creates a verifier from options JSON (`{"secrets":[...],"toleranceSeconds":300,...}`).
///
/// On success stores a new verifier in `*out` (free it with `evf_verifier_free`) and returns
/// `EVF_OK`. On failure stores NULL in `*out` (when `out` is not NULL) and returns the status:
/// `EVF_ERR_INVALID_OPTIONS` (call `evf_options_check` for the message), `EVF_ERR_NULL_ARGUMENT`
/// when `out` is NULL or `options_json` is NULL with a non-zero length.
///
/// # Safety
/// `options_json` must be NULL or point to `options_len` readable bytes; `out` must be NULL or
/// point to writable storage for one pointer.
#[no_mangle]
pub unsafe extern "C" fn evf_verifier_new(
    options_json: *const c_char,
    options_len: usize,
    out: *mut *mut evf_verifier,
) -> evf_status {
    guard(EVF_ERR_INTERNAL, || {
        if out.is_null() {
            return EVF_ERR_NULL_ARGUMENT;
        }
        // SAFETY: `out` is non-NULL and, per this export's contract, writable storage for one
        // pointer.
        unsafe { *out = ptr::null_mut() };
        let built = input!(options_json, options_len).and_then(Verifier::new);
        match built {
            Ok(inner) => {
                // SAFETY: `out` as above.
                unsafe { *out = Box::into_raw(Box::new(evf_verifier { inner })) };
                EVF_OK
            }
            Err(e) => e.status.code(),
        }
    })
}

/// Checks verifier options without creating a verifier: `{"ok":true,...}` or the
/// `INVALID_OPTIONS` result with a message saying what is wrong (never a secret).
///
/// Never NULL; free the result with `evf_result_free`. `EVF_ERR_NULL_ARGUMENT` when
/// `options_json` is NULL with a non-zero length.
///
/// # Safety
/// `options_json` must be NULL or point to `options_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn evf_options_check(
    options_json: *const c_char,
    options_len: usize,
) -> *mut evf_result {
    guard_result(|| {
        let r = input!(options_json, options_len).and_then(Verifier::new);
        (status_of(&r), result::options_check(&r))
    })
}

/// Frees a verifier. NULL is ignored.
///
/// # Safety
/// `verifier` must be NULL or a pointer from `evf_verifier_new` not yet freed, and no other thread
/// may be using it.
#[no_mangle]
pub unsafe extern "C" fn evf_verifier_free(verifier: *mut evf_verifier) {
    guard((), || {
        if !verifier.is_null() {
            // SAFETY: created by Box::into_raw in evf_verifier_new and freed only once.
            drop(unsafe { Box::from_raw(verifier) });
        }
    })
}

/// Verifies a webhook request and normalizes its event: checks the body size, the `Signature`
/// header (grammar, HMAC over `ts.body`, tolerance around `now_unix_ms`; 0 means the system clock)
/// and the body. The result's JSON holds `signature` and `event` on success, or `message` (and
/// `field`, `signature`) on failure; `httpStatus` is the answer to give Everifin.
///
/// Never NULL; free the result with `evf_result_free`. `EVF_ERR_NULL_ARGUMENT` when `verifier`
/// is NULL, or `body` or `signature_header` is NULL with a non-zero length.
///
/// # Safety
/// `verifier` must be NULL or a live verifier; `body` and `signature_header` must be NULL or point
/// to `body_len` / `header_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn evf_verifier_process(
    verifier: *const evf_verifier,
    body: *const c_char,
    body_len: usize,
    signature_header: *const c_char,
    header_len: usize,
    now_unix_ms: i64,
) -> *mut evf_result {
    guard_result(|| {
        // SAFETY: this export's own arguments, under its contract.
        unsafe {
            process(
                verifier,
                body,
                body_len,
                signature_header,
                header_len,
                now_unix_ms,
            )
        }
    })
}

/// One request's status and result JSON (compact or object, as the verifier's options say), from
/// the arguments of a process export.
///
/// # Safety
/// The arguments are those of the export being run, under [`evf_verifier_process`]'s contract.
unsafe fn process(
    verifier: *const evf_verifier,
    body: *const c_char,
    body_len: usize,
    signature_header: *const c_char,
    header_len: usize,
    now_unix_ms: i64,
) -> (Status, String) {
    let args = handle!(verifier)
        .ok_or_else(|| null_argument("verifier"))
        .and_then(|v| {
            let body = input!(body, body_len)?;
            let header = input!(signature_header, header_len)?;
            Ok((v, body, header))
        });
    let (v, body, header) = match args {
        Ok(args) => args,
        Err(e) => return (e.status, result::error(&e)),
    };
    let r = v.inner.process_view(body, header, now_unix_ms);
    let json = if v.inner.options().compact_result {
        result::process_compact(&r, body)
    } else {
        result::process_view(&r)
    };
    (status_of(&r), json)
}

/// [`evf_verifier_process`] with the result JSON written into the caller's buffer: one call where
/// the handle takes three (process, `evf_result_json`, `evf_result_free`), for bindings that pay
/// for every foreign call (PHP FFI).
///
/// Returns the length in bytes of the result JSON (not NUL-terminated; its `status` says how the
/// request went). The JSON is written to `out` only when it fits (`length <= out_cap`); otherwise
/// nothing is written and the caller may call again with a buffer of that length, or call
/// `evf_verifier_process`. `out` may be NULL when `out_cap` is 0 (to ask for the length). A NULL
/// `verifier`, or a NULL input with a non-zero length, gives the `NULL_ARGUMENT` result; a caught
/// panic, `INTERNAL`.
///
/// A NULL `out` with a non-zero `out_cap` is `EVF_ERR_NULL_ARGUMENT` too, but that result has
/// nowhere to go: the call returns 0 (no result JSON is empty, so 0 is never a length), processes
/// nothing and writes nothing.
///
/// # Safety
/// As [`evf_verifier_process`]; and `out` must be NULL or point to `out_cap` writable bytes that
/// do not overlap the inputs.
#[no_mangle]
pub unsafe extern "C" fn evf_verifier_process_into(
    verifier: *const evf_verifier,
    body: *const c_char,
    body_len: usize,
    signature_header: *const c_char,
    header_len: usize,
    now_unix_ms: i64,
    out: *mut c_char,
    out_cap: usize,
) -> usize {
    if out.is_null() && out_cap > 0 {
        return 0;
    }
    let (_, json) = guard_json(|| {
        // SAFETY: this export's own arguments, under its contract.
        unsafe {
            process(
                verifier,
                body,
                body_len,
                signature_header,
                header_len,
                now_unix_ms,
            )
        }
    });
    let len = json.len();
    if !out.is_null() && len <= out_cap {
        // SAFETY: `out` is non-NULL and, per this export's contract, points to `out_cap >= len`
        // writable bytes that do not overlap `json` (a new string).
        unsafe { ptr::copy_nonoverlapping(json.as_ptr(), out.cast::<u8>(), len) };
    }
    len
}

/// Validates and normalizes a body without checking any signature (for bodies verified elsewhere
/// and for tests). `options_json` may be empty (defaults); `secrets` in it are validated as for a
/// verifier (`EVF_ERR_INVALID_OPTIONS` when malformed) and otherwise unused. The checks of
/// `evf_verifier_process` that are not about the signature apply, in its order: first the size
/// limit, a body longer than `maxBodyBytes` (default 1048576) being `EVF_ERR_BODY_TOO_LARGE` (HTTP
/// 413) before it is read, then UTF-8, JSON and the event.
///
/// Never NULL; free the result with `evf_result_free`. `EVF_ERR_NULL_ARGUMENT` when `body` or
/// `options_json` is NULL with a non-zero length.
///
/// # Safety
/// `body` and `options_json` must be NULL or point to `body_len` / `options_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn evf_normalize(
    body: *const c_char,
    body_len: usize,
    options_json: *const c_char,
    options_len: usize,
) -> *mut evf_result {
    guard_result(|| {
        let r = input!(body, body_len).and_then(|body| {
            let options = input!(options_json, options_len)?;
            crate::normalize(body, options)
        });
        (status_of(&r), result::normalize(&r))
    })
}

/// Decides what to do with an event (a normalized event, or a whole process/normalize result:
/// the object, or the compact array of the option `compactResult`, layout version 1; another
/// layout version is `EVENT_INVALID`, saying so) given the order's stored state (`{}` or empty
/// for a new order). An empty `event_json` (length 0) is read as `{}`, so it is `EVENT_INVALID`
/// with the field `eventId`; text that is not JSON (whitespace only included) is `EVENT_INVALID`
/// with the field `""`. Both forms of a result give the same decision. The result holds `decision`
/// (`action` apply/skip, `reason`, the order's `orderOutcome` and the shop states `suggested` for
/// it) and the `state` to store.
///
/// Never NULL; free the result with `evf_result_free`. `EVF_ERR_NULL_ARGUMENT` when `event_json`
/// or `state_json` is NULL with a non-zero length.
///
/// # Safety
/// `event_json` and `state_json` must be NULL or point to `event_len` / `state_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn evf_decide(
    event_json: *const c_char,
    event_len: usize,
    state_json: *const c_char,
    state_len: usize,
) -> *mut evf_result {
    guard_result(|| {
        let r = input!(event_json, event_len).and_then(|event| {
            let state = input!(state_json, state_len)?;
            crate::decide_json(event, state)
        });
        (status_of(&r), result::decide(&r))
    })
}

/// Creates a `Signature` header for a body: `timestamp` as RFC 3339 UTC (empty = now) and
/// `secrets_json` a JSON array of secrets, oldest first (one `vN` each). For tests and tools.
///
/// Never NULL; free the result with `evf_result_free`. `EVF_ERR_NULL_ARGUMENT` when `body`,
/// `timestamp` or `secrets_json` is NULL with a non-zero length.
///
/// # Safety
/// Each pointer must be NULL or point to its length in readable bytes.
#[no_mangle]
pub unsafe extern "C" fn evf_sign(
    body: *const c_char,
    body_len: usize,
    timestamp: *const c_char,
    timestamp_len: usize,
    secrets_json: *const c_char,
    secrets_len: usize,
) -> *mut evf_result {
    guard_result(|| {
        let r = (|| {
            let body = input!(body, body_len)?;
            let ts = input!(timestamp, timestamp_len)?;
            let secrets = input!(secrets_json, secrets_len)?;
            let ts = std::str::from_utf8(ts).map_err(|_| {
                Error::new(Status::HeaderTimestampInvalid, "the timestamp is not UTF-8")
            })?;
            crate::sign(body, ts, secrets, 0)
        })();
        (status_of(&r), result::sign(&r))
    })
}

/// Explains a request: verifies it like `evf_verifier_process` and, when the signature does not
/// match, searches for the usual causes (secret with stray whitespace or a byte-order mark,
/// re-encoded body, wrong concatenation, re-formatted `ts`, a retired secret, a rotation in
/// progress); reports clock skew when the signature is authentic. The result is the process
/// result plus `findings` (`[{"code":...,"message":...}]`, possibly `[]`, e.g. for
/// `EVF_ERR_HEADER_MISSING`) and `secrets` (`[{"index":0,"fingerprint":"sha256:..."}]`); with
/// `EVF_ERR_NULL_ARGUMENT` or options refused (`EVF_ERR_INVALID_OPTIONS`) it is the error result
/// alone, without `findings` and `secrets`. `options_json` is the verifier options plus an
/// optional `"retiredSecrets": [...]` (0 to 16 non-empty strings). It never
/// contains a secret or an expected signature. Slower than processing (bounded: at most 16 MiB of
/// candidate bodies, then a `search_stopped` finding). For administrators only: findings and
/// fingerprints (unsalted 32-bit SHA-256 prefixes) must never go back to the webhook's caller.
///
/// Never NULL; free the result with `evf_result_free`. `EVF_ERR_NULL_ARGUMENT` when `body`,
/// `signature_header` or `options_json` is NULL with a non-zero length.
///
/// # Safety
/// Each pointer must be NULL or point to its length in readable bytes.
#[no_mangle]
pub unsafe extern "C" fn evf_explain(
    body: *const c_char,
    body_len: usize,
    signature_header: *const c_char,
    header_len: usize,
    options_json: *const c_char,
    options_len: usize,
    now_unix_ms: i64,
) -> *mut evf_result {
    guard_result(|| {
        let r = (|| {
            let body = input!(body, body_len)?;
            let header = input!(signature_header, header_len)?;
            let options = input!(options_json, options_len)?;
            crate::explain(body, header, options, now_unix_ms)
        })();
        let status = match &r {
            Ok(e) => status_of(&e.verification),
            Err(e) => e.status,
        };
        (status, result::explain(&r))
    })
}

/// The status of a result (`EVF_ERR_NULL_ARGUMENT` for NULL).
///
/// # Safety
/// `result` must be NULL or a live result.
#[no_mangle]
pub unsafe extern "C" fn evf_result_status(result: *const evf_result) -> evf_status {
    guard(EVF_ERR_INTERNAL, || {
        handle!(result).map_or(EVF_ERR_NULL_ARGUMENT, |r| r.status)
    })
}

/// The result's JSON, NUL-terminated, borrowed until `evf_result_free` (NULL for NULL).
///
/// # Safety
/// `result` must be NULL or a live result.
#[no_mangle]
pub unsafe extern "C" fn evf_result_json(result: *const evf_result) -> *const c_char {
    guard(ptr::null(), || {
        handle!(result).map_or(ptr::null(), |r| r.json.as_ptr().cast())
    })
}

/// The length in bytes of the result's JSON, without the NUL (0 for NULL).
///
/// # Safety
/// `result` must be NULL or a live result.
#[no_mangle]
pub unsafe extern "C" fn evf_result_json_len(result: *const evf_result) -> usize {
    guard(0, || {
        handle!(result).map_or(0, |r| r.json.len().saturating_sub(1))
    })
}

/// Frees a result and its JSON. NULL is ignored.
///
/// # Safety
/// `result` must be NULL or a result not yet freed.
#[no_mangle]
pub unsafe extern "C" fn evf_result_free(result: *mut evf_result) {
    guard((), || {
        if !result.is_null() {
            // SAFETY: created by Box::into_raw in new_result and freed only once.
            drop(unsafe { Box::from_raw(result) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn a_result_with_a_nul_byte_becomes_an_internal_result() {
        let r = new_result(Status::Ok, "{\"a\":\"\0\"}".to_owned());
        // SAFETY: r is a live result from new_result.
        unsafe {
            assert_eq!(evf_result_status(r), EVF_ERR_INTERNAL);
            let json = CStr::from_ptr(evf_result_json(r)).to_bytes();
            assert_eq!(json, NUL_FREE_FALLBACK.as_bytes());
            assert_eq!(evf_result_json_len(r), NUL_FREE_FALLBACK.len());
            evf_result_free(r);
        }
    }

    #[test]
    fn a_panic_becomes_an_internal_result() {
        let r = guard_result(|| panic!("boom"));
        // SAFETY: r is a live result from guard_result.
        unsafe {
            assert_eq!(evf_result_status(r), EVF_ERR_INTERNAL);
            let json = CStr::from_ptr(evf_result_json(r)).to_string_lossy();
            // Not JSON would give Null and fail the asserts below.
            let v: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
            assert_eq!(v["status"], "INTERNAL");
            assert_eq!(v["httpStatus"], 500);
            assert!(!json.contains("boom"));
            evf_result_free(r);
        }
        assert_eq!(guard(7, || -> i32 { panic!("boom") }), 7);
    }

    #[test]
    fn constants_match_the_status_enum() {
        let constants = [
            EVF_OK,
            EVF_ERR_NULL_ARGUMENT,
            EVF_ERR_INVALID_OPTIONS,
            EVF_ERR_INTERNAL,
            EVF_ERR_HEADER_MISSING,
            EVF_ERR_HEADER_MALFORMED,
            EVF_ERR_HEADER_TIMESTAMP_INVALID,
            EVF_ERR_SIGNATURE_MISMATCH,
            EVF_ERR_TIMESTAMP_TOO_OLD,
            EVF_ERR_TIMESTAMP_IN_FUTURE,
            EVF_ERR_BODY_TOO_LARGE,
            EVF_ERR_BODY_NOT_UTF8,
            EVF_ERR_BODY_NOT_JSON,
            EVF_ERR_EVENT_INVALID,
            EVF_ERR_STATE_INVALID,
        ];
        assert_eq!(constants.map(Some), Status::ALL.map(|s| Some(s.code())));
    }
}

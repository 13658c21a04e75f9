//! Shared helpers of the fuzz targets: calls through the C ABI (the contract of docs/design.md,
//! which keeps its names whatever the Rust modules become), input splitting, and the checks every
//! result must pass whatever the input:
//! - it is one JSON object with `ok` == (`status` == "OK"), `status` the name of the returned code
//!   and `httpStatus` as in tests/vectors/statuses.json, a non-empty `message` on failure (or, for
//!   a success with the option `compactResult`, the compact array of layout 1);
//! - no secret appears anywhere in it.
//!
//! A panic anywhere (also one the C ABI would catch and turn into `INTERNAL`) aborts the run:
//! libfuzzer-sys installs a panic hook that aborts, and `INTERNAL` is itself reported as a crash.

use std::ffi::{c_char, CStr};
use std::sync::OnceLock;

use serde_json::{Map, Value};

/// Splits the fuzz input on 0xFF (a byte that never occurs in UTF-8 text) into exactly `n` parts;
/// missing parts are empty, the last part keeps any further separators.
pub fn split(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut parts = Vec::with_capacity(n);
    let mut rest = data;
    while parts.len() + 1 < n {
        match rest.iter().position(|&b| b == 0xFF) {
            Some(i) => {
                parts.push(&rest[..i]);
                rest = &rest[i + 1..];
            }
            None => {
                parts.push(rest);
                rest = &[];
            }
        }
    }
    parts.push(rest);
    parts
}

/// A secret that is certainly not in `haystacks` (derived from them, with a fixed prefix).
pub fn marker_secret(tag: &str, haystacks: &[&[u8]]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for s in haystacks {
        for &b in s.iter() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    loop {
        let candidate = format!("fz-{tag}-{h:016x}-secret");
        if !haystacks.iter().any(|s| contains(s, candidate.as_bytes())) {
            return candidate;
        }
        h = h.wrapping_add(1);
    }
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

struct StatusRow {
    code: i32,
    name: String,
    http: i64,
}

fn statuses() -> &'static [StatusRow] {
    static TABLE: OnceLock<Vec<StatusRow>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let v: Value = serde_json::from_str(include_str!("../../tests/vectors/statuses.json"))
            .expect("tests/vectors/statuses.json is JSON");
        v["statuses"]
            .as_array()
            .expect("statuses array")
            .iter()
            .map(|s| StatusRow {
                code: s["code"].as_i64().expect("code") as i32,
                name: s["name"].as_str().expect("name").to_owned(),
                http: s["httpStatus"].as_i64().expect("httpStatus"),
            })
            .collect()
    })
}

/// The status name of a code (panics on a code outside the table: that is a finding).
pub fn status_name(code: i32) -> &'static str {
    match statuses().iter().find(|s| s.code == code) {
        Some(s) => &s.name,
        None => panic!("status code {code} is not in tests/vectors/statuses.json"),
    }
}

/// Checks one result (see the module doc) and returns it parsed.
pub fn check_result(code: i32, json: &str, secrets: &[&[u8]]) -> Map<String, Value> {
    assert_ne!(code, 3, "INTERNAL (a caught panic): {json}");
    for s in secrets {
        assert!(
            !contains(json.as_bytes(), s),
            "a secret appears in the result: {json}"
        );
    }
    let v: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("not JSON ({e}): {json}"));
    let map = match v {
        Value::Object(map) => map,
        // The compact result of a successful process with the option `compactResult`
        // (docs/design.md): layout version 1 and its 25 members; it has no keys to check.
        Value::Array(members) => {
            assert_eq!(code, 0, "only a success is a compact array: {json}");
            assert_eq!(
                members.len(),
                25,
                "a compact result of layout 1 has 25 members: {json}"
            );
            assert_eq!(members[0], Value::from(1), "layout version 1: {json}");
            return Map::new();
        }
        _ => panic!("neither a JSON object nor a compact result: {json}"),
    };
    let row = statuses()
        .iter()
        .find(|s| s.code == code)
        .unwrap_or_else(|| panic!("status code {code} not in the table: {json}"));
    assert_eq!(
        map.get("status").and_then(Value::as_str),
        Some(row.name.as_str()),
        "{json}"
    );
    assert_eq!(
        map.get("httpStatus").and_then(Value::as_i64),
        Some(row.http),
        "{json}"
    );
    assert_eq!(
        map.get("ok").and_then(Value::as_bool),
        Some(code == 0),
        "{json}"
    );
    if code != 0 {
        let msg = map.get("message").and_then(Value::as_str).unwrap_or("");
        assert!(!msg.trim().is_empty(), "failure without a message: {json}");
    }
    map
}

/// The C ABI, declared here so the targets exercise exactly what a C caller gets.
pub mod abi {
    use super::*;

    #[repr(C)]
    pub struct Verifier {
        _private: [u8; 0],
    }
    #[repr(C)]
    pub struct EvfResult {
        _private: [u8; 0],
    }

    extern "C" {
        fn evf_verifier_new(options: *const c_char, len: usize, out: *mut *mut Verifier) -> i32;
        fn evf_verifier_free(v: *mut Verifier);
        fn evf_options_check(options: *const c_char, len: usize) -> *mut EvfResult;
        fn evf_verifier_process(
            v: *const Verifier,
            body: *const c_char,
            body_len: usize,
            header: *const c_char,
            header_len: usize,
            now_ms: i64,
        ) -> *mut EvfResult;
        fn evf_normalize(
            body: *const c_char,
            body_len: usize,
            options: *const c_char,
            options_len: usize,
        ) -> *mut EvfResult;
        fn evf_decide(
            event: *const c_char,
            event_len: usize,
            state: *const c_char,
            state_len: usize,
        ) -> *mut EvfResult;
        fn evf_explain(
            body: *const c_char,
            body_len: usize,
            header: *const c_char,
            header_len: usize,
            options: *const c_char,
            options_len: usize,
            now_ms: i64,
        ) -> *mut EvfResult;
        fn evf_result_status(r: *const EvfResult) -> i32;
        fn evf_result_json(r: *const EvfResult) -> *const c_char;
        fn evf_result_json_len(r: *const EvfResult) -> usize;
        fn evf_result_free(r: *mut EvfResult);
    }

    fn p(b: &[u8]) -> *const c_char {
        b.as_ptr().cast()
    }

    /// Takes ownership of a result: its status and JSON text (checked: NUL-terminated, length
    /// consistent, UTF-8).
    fn take(r: *mut EvfResult) -> (i32, String) {
        assert!(!r.is_null(), "a result function returned NULL");
        // SAFETY: `r` is a live result from the library, freed once below.
        unsafe {
            let code = evf_result_status(r);
            let ptr = evf_result_json(r);
            let len = evf_result_json_len(r);
            let text = CStr::from_ptr(ptr).to_bytes();
            assert_eq!(
                text.len(),
                len,
                "evf_result_json_len disagrees with the NUL terminator"
            );
            let json = String::from_utf8(text.to_vec()).expect("result JSON is UTF-8");
            evf_result_free(r);
            (code, json)
        }
    }

    /// `evf_verifier_new` then, when it succeeds, `evf_verifier_process`. Returns the status of
    /// `evf_verifier_new` and, when a verifier was made, the process result.
    pub fn process(
        options: &[u8],
        body: &[u8],
        header: &[u8],
        now_ms: i64,
    ) -> (i32, Option<(i32, String)>) {
        let mut v: *mut Verifier = std::ptr::null_mut();
        // SAFETY: pointers and lengths come from live slices; `v` is freed once.
        unsafe {
            let code = evf_verifier_new(p(options), options.len(), &mut v);
            if code != 0 {
                assert!(v.is_null(), "evf_verifier_new failed but set a verifier");
                return (code, None);
            }
            assert!(!v.is_null());
            let r = evf_verifier_process(v, p(body), body.len(), p(header), header.len(), now_ms);
            let out = take(r);
            evf_verifier_free(v);
            (code, Some(out))
        }
    }

    pub fn options_check(options: &[u8]) -> (i32, String) {
        // SAFETY: pointer and length come from a live slice.
        take(unsafe { evf_options_check(p(options), options.len()) })
    }

    pub fn normalize(body: &[u8], options: &[u8]) -> (i32, String) {
        // SAFETY: pointers and lengths come from live slices.
        take(unsafe { evf_normalize(p(body), body.len(), p(options), options.len()) })
    }

    pub fn decide(event: &[u8], state: &[u8]) -> (i32, String) {
        // SAFETY: pointers and lengths come from live slices.
        take(unsafe { evf_decide(p(event), event.len(), p(state), state.len()) })
    }

    pub fn explain(body: &[u8], header: &[u8], options: &[u8], now_ms: i64) -> (i32, String) {
        // SAFETY: pointers and lengths come from live slices.
        take(unsafe {
            evf_explain(
                p(body),
                body.len(),
                p(header),
                header.len(),
                p(options),
                options.len(),
                now_ms,
            )
        })
    }
}

/// A fixed instant for the targets: 2024-05-07T14:49:56.000Z (the vectors' `nowMs`).
pub const NOW_MS: i64 = 1_715_093_396_000;
/// The signing timestamp matching NOW_MS (113 ms earlier, as in the vectors).
pub const SIGN_TS: &str = "2024-05-07T14:49:55.887Z";

/// Signs `body` with `secrets` at SIGN_TS through the library.
pub fn sign(body: &[u8], secrets: &[&str]) -> String {
    let secrets_json = serde_json::to_vec(secrets).expect("secrets as JSON");
    everifin_webhook::sign(body, SIGN_TS, &secrets_json, NOW_MS)
        .expect("signing with valid secrets")
}

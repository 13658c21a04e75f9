//! everifin-webhook: verify, normalize and de-duplicate Everifin Paygate webhooks.
//!
//! One request flows through four steps, one module each:
//!
//! 1. `verify`: the `Signature` header (grammar, HMAC-SHA256 over `ts.body` under each configured
//!    secret, tolerance around now);
//! 2. `parse`: the body must be UTF-8, strict JSON, an object;
//! 3. `normalize`: its fields become the schema-1 [`Event`] (entity and outcome from `outcome`,
//!    shop states from `suggested`);
//! 4. `decide`: with the order's stored state, apply or skip ([`decide_json`]).
//!
//! A [`Verifier`] runs steps 1 to 3; [`normalize()`] runs 2 and 3 alone. Every result renders as
//! the JSON of docs/design.md ([`result`]). [`explain()`] diagnoses a failed signature (for
//! administrators only). The C ABI lives in [`ffi`], the only module with `extern "C"` and
//! `unsafe` code: the compiler holds that boundary (`deny(unsafe_code)` here).
//!
//! ```
//! use everifin_webhook::{sign, Verifier};
//! let body = br#"{"eventId":"4e896aa3-bbba-4a75-a888-06bcfe403c99","eventType":"payment.statusChange",
//!   "eventTimestamp":"2023-12-21T20:34:59.895Z","data":{"paymentId":"f0489615-fb8a-4c76-bb28-7f9726d815d6","status":"BOOKED"}}"#;
//! let header = sign(body, "2023-12-21T20:35:00.000Z", br#"["shop-hook-secret"]"#, 0).unwrap();
//! let verifier = Verifier::new(br#"{"secrets":["shop-hook-secret"]}"#).unwrap();
//! let now = 1_703_190_900_500; // 2023-12-21T20:35:00.500Z
//! let verified = verifier.process(body, header.as_bytes(), now).unwrap();
//! assert_eq!(verified.event.outcome.name(), "paid");
//! assert_eq!(verified.signature.age_ms, 500);
//! ```
#![deny(unsafe_code)]

// The flow, in order.
mod decide;
mod normalize;
mod parse;
mod scan;
mod verify;

// What the steps share.
mod error;
mod options;
mod outcome;
mod secret;
mod signature_info;
mod status;
mod suggested;
mod text;
mod verifier;
mod write;

// Diagnosis, and the public modules: result JSON, timestamps, the C ABI.
mod explain;
pub mod result;
pub mod timestamp;

#[allow(unsafe_code)]
pub mod ffi;

pub use decide::{decide_json, decide_json as decide, Action, Decision, Reason};
pub use error::Error;
pub use explain::{explain, fingerprint, Explanation, Finding, SecretFingerprint};
pub use normalize::{Event, RawJson};
pub use options::Options;
pub use outcome::{Entity, Outcome};
pub use parse::MAX_JSON_DEPTH;
pub use secret::{Secret, MAX_SECRETS};
pub use signature_info::SignatureInfo;
pub use status::Status;
pub use suggested::{Suggested, SuggestedStates};
pub use verifier::{normalize, sign, Verified, Verifier};
pub use verify::{sign as sign_with_secrets, MAX_HEADER_BYTES, MAX_SIGNATURES};

/// For the fuzz targets only (built by cargo-fuzz with `--cfg fuzzing`): whether the fast parse
/// pass (src/scan.rs) and the reference path agree on `body` (whatever the fast pass accepts, the
/// reference path accepts with the same members).
#[cfg(fuzzing)]
#[doc(hidden)]
pub fn fuzz_parse_paths_agree(body: &[u8]) -> bool {
    parse::paths_agree(body)
}

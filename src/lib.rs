//! everifin-webhook: verify, normalize and de-duplicate Everifin Paygate webhooks.
//!
//! The safe core turns the raw request (body bytes, `Signature` header, secrets, now) into a
//! verified, normalized [`Event`], and [`decide`] tells what to do with it given the order's stored
//! state. Every result renders as the JSON of DESIGN.md ([`result`]). The C ABI lives in [`ffi`],
//! the only module with `extern "C"` code.
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

pub mod decide;
pub mod error;
pub mod event;
pub mod explain;
pub mod ffi;
pub mod options;
pub mod result;
pub mod signature;
pub mod status;
pub mod timestamp;

pub use decide::{decide_json as decide, Action, Decision, Reason};
pub use error::Error;
pub use event::{Entity, Event, Outcome};
pub use options::{Options, Secret};
pub use signature::SignatureInfo;
pub use status::Status;

/// A configured verifier: immutable, `Send + Sync`, cheap to share between threads.
#[derive(Clone, Debug)]
pub struct Verifier {
    options: Options,
}

/// A request that passed every check.
#[derive(Clone, Debug)]
pub struct Verified {
    pub signature: SignatureInfo,
    pub event: Event,
}

impl Verifier {
    /// Builds a verifier from options JSON (`secrets` required).
    pub fn new(options_json: &[u8]) -> Result<Verifier, Error> {
        Ok(Verifier {
            options: Options::for_verifier(options_json)?,
        })
    }

    /// Builds a verifier from options already validated for a verifier.
    pub fn from_options(options: Options) -> Verifier {
        Verifier { options }
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Verifies and normalizes one request. `now_ms` is Unix milliseconds; 0 means the system clock.
    pub fn process(
        &self,
        body: &[u8],
        signature_header: &[u8],
        now_ms: i64,
    ) -> Result<Verified, Error> {
        let o = &self.options;
        check_body_size(body, o)?;
        let now_ms = if now_ms == 0 {
            timestamp::now_ms()
        } else {
            now_ms
        };
        let signature = signature::verify(
            signature_header,
            body,
            &o.secrets,
            o.tolerance_seconds,
            now_ms,
        )?;
        let event = event::parse_body(body, o).map_err(|e| e.with_signature(&signature))?;
        Ok(Verified { signature, event })
    }
}

/// `BODY_TOO_LARGE` when the body exceeds `maxBodyBytes` (checked before any other work).
fn check_body_size(body: &[u8], options: &Options) -> Result<(), Error> {
    if body.len() <= options.max_body_bytes {
        return Ok(());
    }
    Err(Error::new(
        Status::BodyTooLarge,
        format!(
            "the body is {} bytes; at most {} are accepted",
            body.len(),
            options.max_body_bytes
        ),
    ))
}

/// Validates and normalizes a body without any signature check (options JSON may be empty).
pub fn normalize(body: &[u8], options_json: &[u8]) -> Result<Event, Error> {
    let options = Options::parse(options_json)?;
    check_body_size(body, &options)?;
    event::parse_body(body, &options)
}

/// Builds a `Signature` header for `body` (for tests and tools). `timestamp` empty means now;
/// `secrets_json` is a JSON array of secrets, oldest first. `now_ms` 0 means the system clock.
pub fn sign(
    body: &[u8],
    timestamp: &str,
    secrets_json: &[u8],
    now_ms: i64,
) -> Result<String, Error> {
    let value: serde_json::Value = serde_json::from_slice(secrets_json).map_err(|e| {
        Error::new(
            Status::InvalidOptions,
            format!(
                "secrets must be a JSON array of strings ({})",
                options::json_error_kind(&e)
            ),
        )
    })?;
    let secrets = options::parse_secrets(&value, "secrets")?;
    let now_ms = if now_ms == 0 {
        timestamp::now_ms()
    } else {
        now_ms
    };
    signature::sign(body, timestamp, &secrets, now_ms)
}

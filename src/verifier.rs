//! The entry points of the safe core: a [`Verifier`] runs verify → parse → normalize on one
//! request; [`normalize`] runs parse → normalize alone; [`sign`] makes a `Signature` header.

use crate::error::Error;
use crate::normalize::{self, Event, EventView};
use crate::options::Options;
use crate::secret::parse_secrets;
use crate::signature_info::{SignatureInfo, SignatureView};
use crate::status::Status;
use crate::{timestamp, verify};

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
        // Not through process_view: the owned results are made as each step ends, without
        // moving the two large views out of it first (going through it measurably cost
        // instructions). The same pipeline as process_view, step for step: a check added to or
        // changed in one must be added to or changed in the other.
        let o = &self.options;
        check_body_size(body, o)?;
        let signature = verify::verify(
            signature_header,
            body,
            &o.secrets,
            o.tolerance_seconds,
            resolve_now(now_ms),
        )?
        .to_info();
        match normalize::normalize_view(body, o) {
            Ok(event) => Ok(Verified {
                signature,
                event: event.into_event(),
            }),
            Err(e) => Err(e.with_signature(&signature)),
        }
    }

    /// [`Verifier::process`] without copying: the signature borrows from the header, the event
    /// from the body and the options (for the C ABI's results, src/result.rs). Inlined: the two
    /// views are large, and returning them through a call copies them once more.
    ///
    /// Its pipeline is written out again in [`Verifier::process`] on purpose (performance): a
    /// check added to or changed in one must be added to or changed in the other.
    #[inline(always)]
    pub(crate) fn process_view<'a>(
        &'a self,
        body: &'a [u8],
        signature_header: &'a [u8],
        now_ms: i64,
    ) -> Result<(SignatureView<'a>, EventView<'a>), Error> {
        let o = &self.options;
        check_body_size(body, o)?;
        let signature = verify::verify(
            signature_header,
            body,
            &o.secrets,
            o.tolerance_seconds,
            resolve_now(now_ms),
        )?;
        let event = normalize::normalize_view(body, o)
            .map_err(|e| e.with_signature(&signature.to_info()))?;
        Ok((signature, event))
    }
}

/// `now_ms` as given, or the system clock for 0.
fn resolve_now(now_ms: i64) -> i64 {
    if now_ms == 0 {
        timestamp::now_ms()
    } else {
        now_ms
    }
}

/// `BODY_TOO_LARGE` when the body exceeds `maxBodyBytes` (checked before any other work).
fn check_body_size(body: &[u8], options: &Options) -> Result<(), Error> {
    if body.len() <= options.max_body_bytes {
        return Ok(());
    }
    Err(Error::new(
        Status::BodyTooLarge,
        // A reader bounded at the limit (Request::fromGlobals, the examples) hands over limit + 1
        // bytes of a larger body: its real size is unknown, so say "more than".
        format!(
            "the body is larger than the {} bytes accepted ({} bytes received)",
            options.max_body_bytes,
            body.len()
        ),
    ))
}

/// Validates and normalizes a body without any signature check (options JSON may be empty).
pub fn normalize(body: &[u8], options_json: &[u8]) -> Result<Event, Error> {
    let options = Options::parse(options_json)?;
    check_body_size(body, &options)?;
    normalize::normalize_body(body, &options)
}

/// Builds a `Signature` header for `body` (for tests and tools). `timestamp` empty means now;
/// `secrets_json` is a JSON array of secrets, oldest first. `now_ms` 0 means the system clock.
pub fn sign(
    body: &[u8],
    timestamp: &str,
    secrets_json: &[u8],
    now_ms: i64,
) -> Result<String, Error> {
    let secrets = parse_secrets(secrets_json, "secrets")?;
    verify::sign(body, timestamp, &secrets, resolve_now(now_ms))
}

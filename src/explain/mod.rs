//! Why does a signature fail? Verifies the request as `process` does and, when the signature does
//! not match, searches for the usual causes by trying what the sender could have signed instead:
//! a secret with stray whitespace, the body before a framework re-encoded it, another
//! concatenation of `ts` and body, another spelling of `ts`, a retired secret. Findings say what
//! matched, never an expected signature; secrets are named by index or fingerprint only.
//!
//! For administrators only: the findings and the fingerprints (unsalted 32-bit SHA-256 prefixes
//! of the secrets) help whoever configures the shop and must never go back to the caller of the
//! webhook URL. The search is bounded: candidate bodies are built one at a time and at most
//! `MAX_CANDIDATE_BYTES` of them are tried, after which a `search_stopped` finding says so.

mod options;
mod reencode;
mod render;
mod search;
mod text;

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::secret::Secret;
use crate::signature_info::SignatureInfo;
use crate::status::Status;
use crate::timestamp;
use crate::verifier::{Verified, Verifier};

/// One cause found (or the lack of one).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub message: String,
    #[serde(flatten)]
    pub details: Map<String, Value>,
}

/// A configured secret, named without revealing it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SecretFingerprint {
    pub index: usize,
    pub fingerprint: String,
}

/// The verification outcome and what was found.
#[derive(Debug)]
pub struct Explanation {
    pub verification: Result<Verified, Error>,
    pub findings: Vec<Finding>,
    pub secrets: Vec<SecretFingerprint>,
}

/// `sha256:` and the first 8 hex digits of SHA-256 over the secret: enough to tell secrets apart,
/// far too little to recover one.
pub fn fingerprint(secret: &Secret) -> String {
    let digest = Sha256::digest(secret.expose());
    format!("sha256:{}", hex::encode(&digest[..4]))
}

pub(crate) fn finding(code: &'static str, message: String, details: Value) -> Finding {
    let details = match details {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    Finding {
        code,
        message,
        details,
    }
}

/// Explains a request. `options_json` holds the verifier options plus an optional
/// `retiredSecrets` array (secrets no longer configured, only used to recognise a signature).
pub fn explain(
    body: &[u8],
    signature_header: &[u8],
    options_json: &[u8],
    now_ms: i64,
) -> Result<Explanation, Error> {
    let (options, retired) = options::split_options(options_json)?;
    let now_ms = if now_ms == 0 {
        timestamp::now_ms()
    } else {
        now_ms
    };
    let secrets: Vec<SecretFingerprint> = options
        .secrets
        .iter()
        .enumerate()
        .map(|(index, s)| SecretFingerprint {
            index,
            fingerprint: fingerprint(s),
        })
        .collect();
    let verifier = Verifier::from_options(options);
    let verification = verifier.process(body, signature_header, now_ms);

    let mut findings = Vec::new();
    match &verification {
        Ok(v) => findings.extend(skew_finding(
            &v.signature,
            verifier.options().tolerance_seconds,
        )),
        Err(e) if e.signature.is_some() => findings.extend(
            e.signature
                .as_ref()
                .and_then(|s| skew_finding(s, verifier.options().tolerance_seconds)),
        ),
        Err(e) if e.status == Status::SignatureMismatch => {
            findings = search::search(
                body,
                signature_header,
                &verifier.options().secrets,
                &retired,
            );
        }
        Err(_) => {}
    }
    Ok(Explanation {
        verification,
        findings,
        secrets,
    })
}

/// Beyond this age (one day) a `clock_skew` finding no longer blames a clock: no clock drifts that
/// far unnoticed, so the delivery is old (or the now given is wrong).
pub const MAX_PLAUSIBLE_SKEW_MS: u64 = 86_400_000;

/// A clock-skew finding when the signature is authentic but not fresh (or more than a minute off).
fn skew_finding(info: &SignatureInfo, tolerance_seconds: u32) -> Option<Finding> {
    let age = info.age_ms;
    let outside = tolerance_seconds > 0 && age.unsigned_abs() > u64::from(tolerance_seconds) * 1000;
    if !outside && age.unsigned_abs() < 60_000 {
        return None;
    }
    // `unsigned_abs`: no overflow even for an age of i64::MIN (a `now_ms` of i64::MIN).
    let seconds = age.unsigned_abs() as f64 / 1000.0;
    let far = age.unsigned_abs() > MAX_PLAUSIBLE_SKEW_MS;
    let days = seconds / 86_400.0;
    let (direction, message) = match (age >= 0, far) {
        (true, false) => (
            "behind",
            format!(
                "the signature is authentic and was made {seconds:.1} s before this server's now: the request was delayed or replayed, or this server's clock is {seconds:.1} s ahead of Everifin's"
            ),
        ),
        (true, true) => (
            "behind",
            format!(
                "the signature is authentic and the delivery is {seconds:.1} s ({days:.1} days) old: far more than any clock difference, so this is an old delivery (replayed, or examined from a log); to explain a logged delivery, give the time it was received as now (--now with everifin-webhook explain)"
            ),
        ),
        (false, false) => (
            "ahead",
            format!(
                "the signature is authentic but dated {seconds:.1} s after this server's now: this server's clock is {seconds:.1} s behind Everifin's (check NTP)"
            ),
        ),
        (false, true) => (
            "ahead",
            format!(
                "the signature is authentic but dated {seconds:.1} s ({days:.1} days) after the now used: far more than any clock difference; when explaining a logged delivery, give the time it was received as now (--now with everifin-webhook explain), otherwise check this server's clock"
            ),
        ),
    };
    Some(finding(
        "clock_skew",
        message,
        serde_json::json!({"ageMs": age, "direction": direction, "toleranceSeconds": tolerance_seconds, "outsideTolerance": outside}),
    ))
}

#[cfg(test)]
mod tests;

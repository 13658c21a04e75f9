//! What an authentic signature tells: which key and secret matched and how old it is. Carried by a
//! successful result and by an `Error` raised after the signature was found
//! authentic (too old, in the future, or a bad body).

use serde::Serialize;

/// Which signature matched, and how old the signature is. Never holds a secret or a MAC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignatureInfo {
    /// `ts` re-printed as UTC with milliseconds.
    pub timestamp: String,
    /// The header key that matched, e.g. `v0`.
    pub key: String,
    /// Index of the configured secret that matched (oldest first).
    pub secret_index: usize,
    /// `now - ts` in milliseconds (saturating); negative when `ts` is in the future.
    pub age_ms: i64,
}

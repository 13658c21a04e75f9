//! What an authentic signature tells: which key and secret matched and how old it is. Carried by a
//! successful result and by an `Error` raised after the signature was found
//! authentic (too old, in the future, or a bad body).

use std::borrow::Cow;

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

/// [`SignatureInfo`] borrowed from the header where it can be: the C ABI's results are written
/// from it (src/write.rs) without copying.
#[derive(Debug)]
pub(crate) struct SignatureView<'h> {
    pub timestamp: Cow<'h, str>,
    pub key: Cow<'h, str>,
    pub secret_index: usize,
    pub age_ms: i64,
    /// Whether `timestamp` and `key` are as verify checked them (so no character of theirs needs
    /// a JSON escape); false for a view of a [`SignatureInfo`], whose fields are public.
    pub plain: bool,
}

impl SignatureView<'_> {
    pub(crate) fn to_info(&self) -> SignatureInfo {
        SignatureInfo {
            timestamp: self.timestamp.clone().into_owned(),
            key: self.key.clone().into_owned(),
            secret_index: self.secret_index,
            age_ms: self.age_ms,
        }
    }
}

impl SignatureInfo {
    pub(crate) fn view(&self) -> SignatureView<'_> {
        SignatureView {
            timestamp: Cow::Borrowed(&self.timestamp),
            key: Cow::Borrowed(&self.key),
            secret_index: self.secret_index,
            age_ms: self.age_ms,
            plain: false,
        }
    }
}

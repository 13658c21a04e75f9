//! The error type of the safe core: a status, a message safe to show a merchant, and for
//! `EVENT_INVALID` the offending field.

use crate::signature_info::SignatureInfo;
use crate::status::Status;

/// A failed operation. The message never contains a secret or an expected signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub status: Status,
    pub message: String,
    /// For `EVENT_INVALID`: the field at fault (`data.status`, `""` for the whole body).
    pub field: Option<String>,
    /// Set when the signature was authentic but a later check failed.
    pub signature: Option<SignatureInfo>,
}

impl Error {
    pub fn new(status: Status, message: impl Into<String>) -> Error {
        Error {
            status,
            message: message.into(),
            field: None,
            signature: None,
        }
    }

    /// An `EVENT_INVALID` error naming `field`.
    pub fn event(field: &str, message: impl Into<String>) -> Error {
        Error {
            field: Some(field.to_owned()),
            ..Error::new(Status::EventInvalid, message)
        }
    }

    pub(crate) fn with_signature(mut self, info: &SignatureInfo) -> Error {
        self.signature = Some(info.clone());
        self
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl std::error::Error for Error {}

//! Hook secrets: their bytes are wiped when dropped and never appear in Debug output or messages.

use serde_json::Value;
use zeroize::Zeroizing;

use crate::error::Error;
use crate::status::Status;

/// Most secrets accepted in one list (the verifier's `secrets`, `sign`'s list).
pub const MAX_SECRETS: usize = 16;

/// A hook secret: its own UTF-8 bytes are the HMAC key. Debug output is redacted and the bytes are
/// wiped when dropped.
#[derive(Clone)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Secret {
        Secret(Zeroizing::new(bytes.into()))
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(Status::InvalidOptions, message)
}

/// Parses a JSON array of 1 to 16 non-empty secret strings. Messages name positions, never values.
pub fn parse_secrets(value: &Value, what: &str) -> Result<Vec<Secret>, Error> {
    let Value::Array(items) = value else {
        return Err(invalid(format!(
            "{what} must be an array of strings, oldest first"
        )));
    };
    if items.is_empty() {
        return Err(invalid(format!("{what} must hold at least one secret")));
    }
    if items.len() > MAX_SECRETS {
        return Err(invalid(format!(
            "{what} holds {} secrets; at most {MAX_SECRETS} are allowed",
            items.len()
        )));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::String(s) if !s.is_empty() => Ok(Secret::new(s.as_bytes())),
            Value::String(_) => Err(invalid(format!("{what}: secret {i} is empty"))),
            _ => Err(invalid(format!("{what}: secret {i} is not a string"))),
        })
        .collect()
}

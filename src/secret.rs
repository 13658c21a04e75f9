//! Hook secrets: their bytes, and the HMAC state keyed with them, are wiped when dropped and never
//! appear in Debug output or messages.
//! Lists of secrets are read by a visitor that copies each secret once, from the input bytes into
//! its wiped buffer (no `serde_json::Value` holds one).

use hmac::{Hmac, KeyInit};
use serde::de::{self, Deserialize};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::Error;
use crate::status::Status;
use crate::text::json_error_kind;

/// Most secrets accepted in one list (the verifier's `secrets`, `sign`'s list).
pub const MAX_SECRETS: usize = 16;

/// A hook secret: its own UTF-8 bytes are the HMAC key. Debug output is redacted. The bytes and
/// the HMAC state keyed with them are wiped when dropped.
#[derive(Clone)]
pub struct Secret {
    bytes: Zeroizing<Vec<u8>>,
    /// HMAC-SHA256 keyed with `bytes`, before any message: every MAC starts from a copy, so the
    /// key's two blocks are hashed once per secret, not once per request. It is as sensitive as
    /// the key (it can make MACs); sha2's `zeroize` feature wipes both of its hash states on drop.
    keyed: Hmac<Sha256>,
}

impl Secret {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Secret {
        let bytes = Zeroizing::new(bytes.into());
        // HMAC accepts keys of any length.
        let keyed = Hmac::new_from_slice(&bytes).unwrap_or_else(|_| unreachable!());
        Secret { bytes, keyed }
    }

    pub fn expose(&self) -> &[u8] {
        &self.bytes
    }

    /// HMAC-SHA256 keyed with this secret, ready for the message.
    pub(crate) fn keyed_mac(&self) -> Hmac<Sha256> {
        self.keyed.clone()
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

/// A JSON value read where a list of secrets is expected. Each secret string goes straight from
/// the input bytes into its [`Secret`] (wiped on drop); no other copy is made by this crate.
pub(crate) enum SecretList {
    NotArray,
    Items(Vec<SecretItem>),
}

pub(crate) enum SecretItem {
    Secret(Secret),
    Empty,
    NotString,
}

impl SecretList {
    /// 1 to 16 non-empty strings, or an error naming `what` and positions, never values.
    pub(crate) fn into_secrets(self, what: &str) -> Result<Vec<Secret>, Error> {
        let SecretList::Items(items) = self else {
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
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                SecretItem::Secret(s) => Ok(s),
                SecretItem::Empty => Err(invalid(format!("{what}: secret {i} is empty"))),
                SecretItem::NotString => {
                    Err(invalid(format!("{what}: secret {i} is not a string")))
                }
            })
            .collect()
    }
}

/// JSON text that holds secrets (the options, `sign`'s `secrets_json`) must be UTF-8: a secret
/// typed in another encoding (a Latin-1 byte) is a mistake of its own, said as such, with where it
/// is but never what it is. `what`: "options" or "secrets".
pub(crate) fn require_utf8(json: &[u8], what: &str) -> Result<(), Error> {
    match std::str::from_utf8(json) {
        Ok(_) => Ok(()),
        Err(e) => Err(invalid(format!(
            "{what} are not valid UTF-8 (invalid byte at offset {}): secrets are text, used as their UTF-8 bytes",
            e.valid_up_to()
        ))),
    }
}

/// Parses a JSON array of 1 to 16 non-empty secret strings (`sign`'s `secrets_json`).
pub(crate) fn parse_secrets(json: &[u8], what: &str) -> Result<Vec<Secret>, Error> {
    require_utf8(json, what)?;
    let list: SecretList = serde_json::from_slice(json).map_err(|e| {
        invalid(format!(
            "{what} must be a JSON array of strings ({})",
            json_error_kind(&e)
        ))
    })?;
    list.into_secrets(what)
}

/// Visitor methods that consume a value of any other shape and give `$other`.
macro_rules! anything_else {
    ($other:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map
                .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                .is_some()
            {}
            Ok($other)
        }
    };
}

struct ListVisitor;

impl<'de> de::Visitor<'de> for ListVisitor {
    type Value = SecretList;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of secrets")
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<SecretList, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<SecretItem>()? {
            items.push(item);
        }
        Ok(SecretList::Items(items))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<SecretList, E> {
        Ok(SecretList::NotArray)
    }

    anything_else!(SecretList::NotArray);
}

impl<'de> Deserialize<'de> for SecretList {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListVisitor)
    }
}

struct ItemVisitor;

impl<'de> de::Visitor<'de> for ItemVisitor {
    type Value = SecretItem;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a secret string")
    }

    /// The string as it is in the input, or serde_json's unescaped copy (see README "Secrets").
    fn visit_str<E: de::Error>(self, s: &str) -> Result<SecretItem, E> {
        Ok(match s {
            "" => SecretItem::Empty,
            s => SecretItem::Secret(Secret::new(s.as_bytes())),
        })
    }

    /// An owned string is moved, not copied.
    fn visit_string<E: de::Error>(self, s: String) -> Result<SecretItem, E> {
        Ok(match s.is_empty() {
            true => SecretItem::Empty,
            false => SecretItem::Secret(Secret::new(s.into_bytes())),
        })
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<SecretItem, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(SecretItem::NotString)
    }

    anything_else!(SecretItem::NotString);
}

impl<'de> Deserialize<'de> for SecretItem {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ItemVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::Mac;

    /// The kept keyed state is wiped on drop (sha2's `zeroize` feature: without it this does not
    /// compile), and every MAC starts from it unchanged.
    #[test]
    fn the_keyed_state_is_wiped_on_drop_and_reused_unchanged() {
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        wiped_on_drop::<<Sha256 as hmac::EagerHash>::Core>();

        let secret = Secret::new("tajný-kľúč");
        let mac = |message: &[u8]| secret.keyed_mac().chain_update(message).finalize();
        let fresh = |message: &[u8]| {
            <Hmac<Sha256> as KeyInit>::new_from_slice("tajný-kľúč".as_bytes())
                .unwrap()
                .chain_update(message)
                .finalize()
        };
        let first = mac(b"first message");
        assert_ne!(mac(b"second"), first);
        assert_eq!(mac(b"first message"), first);
        assert_eq!(mac(b"second"), fresh(b"second"));
    }

    #[test]
    fn reads_plain_and_escaped_secrets_and_names_positions_only() {
        let s = parse_secrets(br#"["plain","tab\there","caf\u00e9"]"#, "secrets").unwrap();
        let bytes: Vec<&[u8]> = s.iter().map(Secret::expose).collect();
        assert_eq!(bytes, [&b"plain"[..], b"tab\there", "café".as_bytes()]);
        for (json, message) in [
            (
                &br#"{"a":"x"}"#[..],
                "secrets must be an array of strings, oldest first",
            ),
            (
                br#""x""#,
                "secrets must be an array of strings, oldest first",
            ),
            (br#"[]"#, "secrets must hold at least one secret"),
            (br#"["ok",["x"]]"#, "secrets: secret 1 is not a string"),
            (
                br#"["ok",{"k":"hidden-value"}]"#,
                "secrets: secret 1 is not a string",
            ),
            (br#"["hidden-value",""]"#, "secrets: secret 1 is empty"),
        ] {
            let e = parse_secrets(json, "secrets").unwrap_err();
            assert_eq!(e.message, message);
            assert!(!e.message.contains("hidden-value"));
        }
        let seventeen = format!("[{}\"x\"]", "\"s\",".repeat(16));
        let e = parse_secrets(seventeen.as_bytes(), "secrets").unwrap_err();
        assert_eq!(
            e.message,
            "secrets holds 17 secrets; at most 16 are allowed"
        );
    }

    #[test]
    fn secrets_json_that_is_not_utf8_is_named_by_offset_only() {
        let e = parse_secrets(b"[\"ok\",\"hidden-value\xe9\"]", "secrets").unwrap_err();
        assert_eq!(e.status, Status::InvalidOptions);
        assert_eq!(
            e.message,
            "secrets are not valid UTF-8 (invalid byte at offset 19): secrets are text, used as their UTF-8 bytes"
        );
    }
}

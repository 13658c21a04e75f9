//! Options JSON (docs/design.md, docs/behaviour.md section 5). Unknown keys are refused so that a typo
//! never silently weakens a check.

use serde::de;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::outcome::Outcome;
use crate::secret::{require_utf8, Secret, SecretList};
use crate::status::Status;
use crate::suggested::SuggestedStates;
use crate::text::{json_error_kind, truncate};

pub const DEFAULT_TOLERANCE_SECONDS: u32 = 300;
pub const MAX_TOLERANCE_SECONDS: u64 = 31_536_000;
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
pub const MAX_MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;

/// Validated options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Oldest first; empty only for `normalize`.
    pub secrets: Vec<Secret>,
    /// 0 turns the timestamp check off.
    pub tolerance_seconds: u32,
    pub confirmed_is_paid: bool,
    pub max_body_bytes: usize,
    pub suggested: SuggestedStates,
    /// `evf_verifier_process` answers success as the compact array (docs/design.md).
    pub compact_result: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            secrets: Vec::new(),
            tolerance_seconds: DEFAULT_TOLERANCE_SECONDS,
            confirmed_is_paid: false,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            suggested: SuggestedStates::default(),
            compact_result: false,
        }
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(Status::InvalidOptions, message)
}

impl Options {
    /// Parses options for a verifier: `secrets` is required.
    pub fn for_verifier(json: &[u8]) -> Result<Options, Error> {
        Options::parse(json)?.require_secrets()
    }

    /// These options, if they hold secrets (a verifier needs them).
    pub(crate) fn require_secrets(self) -> Result<Options, Error> {
        if self.secrets.is_empty() {
            return Err(invalid(
                "options: \"secrets\" is required (an array of hook secrets, oldest first)",
            ));
        }
        Ok(self)
    }

    /// Parses options; an empty input means `{}`. `secrets`, when given, must be valid.
    pub fn parse(json: &[u8]) -> Result<Options, Error> {
        Options::parse_with(json, false).map(|(options, _)| options)
    }

    /// Parses options, and with `retired` also a `retiredSecrets` list (explain's options).
    /// Secrets are read by [`SecretList`]: no copy of a secret outlives this call unwiped.
    pub(crate) fn parse_with(json: &[u8], retired: bool) -> Result<(Options, Vec<Secret>), Error> {
        let mut options = Options::default();
        let mut retired_secrets = Vec::new();
        if json.is_empty() {
            return Ok((options, retired_secrets));
        }
        require_utf8(json, "options")?;
        let mut de = serde_json::Deserializer::from_slice(json);
        let raw = de::Deserializer::deserialize_any(&mut de, RawVisitor { retired })
            .and_then(|raw| de.end().map(|()| raw))
            .map_err(|e| {
                invalid(format!(
                    "options are not valid JSON ({})",
                    json_error_kind(&e)
                ))
            })?;
        let RawOptions::Object(members) = raw else {
            return Err(invalid("options must be a JSON object"));
        };
        for (key, member) in members {
            match (key.as_str(), member) {
                ("secrets", Member::Secrets(list)) => {
                    options.secrets = list.into_secrets("options: \"secrets\"")?
                }
                ("retiredSecrets", Member::Secrets(list)) => {
                    retired_secrets = match list {
                        SecretList::Items(items) if items.is_empty() => Vec::new(),
                        SecretList::NotArray => {
                            return Err(invalid(
                                "options: \"retiredSecrets\" must be an array of strings",
                            ))
                        }
                        list => list.into_secrets("options: \"retiredSecrets\"")?,
                    }
                }
                ("toleranceSeconds", Member::Other(value)) => {
                    options.tolerance_seconds =
                        integer_in(&value, "toleranceSeconds", 0, MAX_TOLERANCE_SECONDS)? as u32
                }
                ("confirmedIsPaid", Member::Other(value)) => {
                    options.confirmed_is_paid = value
                        .as_bool()
                        .ok_or_else(|| invalid("options: \"confirmedIsPaid\" must be true or false"))?
                }
                ("maxBodyBytes", Member::Other(value)) => {
                    options.max_body_bytes =
                        integer_in(&value, "maxBodyBytes", 1, MAX_MAX_BODY_BYTES)? as usize
                }
                ("suggestedStates", Member::Other(value)) => {
                    options.suggested = parse_suggested(&value)?
                }
                ("compactResult", Member::Other(value)) => {
                    options.compact_result = value
                        .as_bool()
                        .ok_or_else(|| invalid("options: \"compactResult\" must be true or false"))?
                }
                (other, _) => {
                    return Err(invalid(format!(
                        "options: unknown option {:?} (known: secrets, toleranceSeconds, confirmedIsPaid, maxBodyBytes, suggestedStates, compactResult)",
                        truncate(other, 64)
                    )))
                }
            }
        }
        Ok((options, retired_secrets))
    }
}

/// The options object with its members in order (a repeated key keeps its first place and its
/// last value, as with `serde_json::Value`). Secret lists are read as [`SecretList`], every other
/// member as a `Value`.
enum RawOptions {
    Object(Vec<(String, Member)>),
    NotObject,
}

enum Member {
    Secrets(SecretList),
    Other(Value),
}

struct RawVisitor {
    retired: bool,
}

impl<'de> de::Visitor<'de> for RawVisitor {
    type Value = RawOptions;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an options object")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<RawOptions, A::Error> {
        let mut members: Vec<(String, Member)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let member = match key.as_str() {
                "secrets" => Member::Secrets(map.next_value()?),
                "retiredSecrets" if self.retired => Member::Secrets(map.next_value()?),
                _ => Member::Other(map.next_value()?),
            };
            match members.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = member,
                None => members.push((key, member)),
            }
        }
        Ok(RawOptions::Object(members))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawOptions, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(RawOptions::NotObject)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<RawOptions, E> {
        Ok(RawOptions::NotObject)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<RawOptions, E> {
        Ok(RawOptions::NotObject)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<RawOptions, E> {
        Ok(RawOptions::NotObject)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<RawOptions, E> {
        Ok(RawOptions::NotObject)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<RawOptions, E> {
        Ok(RawOptions::NotObject)
    }
    fn visit_unit<E: de::Error>(self) -> Result<RawOptions, E> {
        Ok(RawOptions::NotObject)
    }
}

fn integer_in(value: &Value, key: &str, min: u64, max: u64) -> Result<u64, Error> {
    match value.as_u64() {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(invalid(format!(
            "options: \"{key}\" must be a whole number from {min} to {max}"
        ))),
    }
}

fn parse_suggested(value: &Value) -> Result<SuggestedStates, Error> {
    let Value::Object(platforms) = value else {
        return Err(invalid(
            "options: \"suggestedStates\" must be an object {platform: {outcome: state}}",
        ));
    };
    let mut table = SuggestedStates::default();
    for (platform, entries) in platforms {
        if platform.is_empty() {
            return Err(invalid(
                "options: \"suggestedStates\" has an empty platform name",
            ));
        }
        let Value::Object(entries) = entries else {
            return Err(invalid(format!(
                "options: suggestedStates.{} must be an object {{outcome: state}}",
                truncate(platform, 64)
            )));
        };
        table.set_platform(platform, parse_entries(platform, entries)?);
    }
    Ok(table)
}

fn parse_entries(
    platform: &str,
    entries: &Map<String, Value>,
) -> Result<Vec<(Outcome, Option<String>)>, Error> {
    entries
        .iter()
        .map(|(outcome, state)| {
            let outcome = Outcome::from_name(outcome).ok_or_else(|| {
                invalid(format!(
                    "options: suggestedStates.{}: {:?} is not an outcome (known: {})",
                    truncate(platform, 64),
                    truncate(outcome, 64),
                    Outcome::ALL.map(Outcome::name).join(", ")
                ))
            })?;
            let state = match state {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                _ => {
                    return Err(invalid(format!(
                        "options: suggestedStates.{}.{} must be a string or null",
                        truncate(platform, 64),
                        outcome.name()
                    )))
                }
            };
            Ok((outcome, state))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_fields() {
        let o = Options::parse(b"").unwrap();
        assert_eq!(o.tolerance_seconds, 300);
        assert_eq!(o.max_body_bytes, 1_048_576);
        assert!(!o.confirmed_is_paid && o.secrets.is_empty());
        let o = Options::for_verifier(
            br#"{"secrets":["a","b"],"toleranceSeconds":0,"confirmedIsPaid":true,"maxBodyBytes":10}"#,
        )
        .unwrap();
        assert_eq!(o.secrets.len(), 2);
        assert_eq!(o.secrets[1].expose(), b"b");
        assert_eq!(
            (o.tolerance_seconds, o.confirmed_is_paid, o.max_body_bytes),
            (0, true, 10)
        );
    }

    #[test]
    fn refuses_typos_and_bad_values() {
        for bad in [
            &br#"{"secrets":["a"],"tolerence":300}"#[..],
            br#"{"secrets":[]}"#,
            br#"{"secrets":[""]}"#,
            br#"{"secrets":[1]}"#,
            br#"{"secrets":"a"}"#,
            br#"{"secrets":["a"],"toleranceSeconds":-1}"#,
            br#"{"secrets":["a"],"toleranceSeconds":1.5}"#,
            br#"{"secrets":["a"],"maxBodyBytes":0}"#,
            br#"{"secrets":["a"],"suggestedStates":{"woocommerce":{"payed":"x"}}}"#,
            br#"["a"]"#,
            b"{",
            b"{}",
        ] {
            let e = Options::for_verifier(bad).unwrap_err();
            assert_eq!(
                e.status,
                Status::InvalidOptions,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn secrets_stay_out_of_debug_and_messages() {
        let o = Options::for_verifier(br#"{"secrets":["top-secret-value"]}"#).unwrap();
        assert!(!format!("{o:?}").contains("top-secret-value"));
        let e = Options::for_verifier(br#"{"secrets":["top-secret-value",""]}"#).unwrap_err();
        assert!(!e.message.contains("top-secret-value"));
    }

    #[test]
    fn a_byte_that_is_not_utf8_is_named_by_its_offset_not_its_value() {
        // A secret with a Latin-1 byte: the mistake is the encoding, not the JSON syntax.
        let json = b"{\"secrets\":[\"TOPSECRET\xff\"]}";
        for e in [
            Options::for_verifier(json).unwrap_err(),
            Options::parse(json).unwrap_err(),
            Options::parse_with(json, true).unwrap_err(),
        ] {
            assert_eq!(e.status, Status::InvalidOptions);
            assert_eq!(
                e.message,
                "options are not valid UTF-8 (invalid byte at offset 22): secrets are text, used as their UTF-8 bytes"
            );
            assert!(!e.message.contains("TOPSECRET"));
        }
        // Where the first bad byte is (after valid multi-byte text), and a truncated sequence.
        let json = ["{\"secrets\":[\"kľúč".as_bytes(), b"\xe2\x82\"]}"].concat();
        let e = Options::parse(&json).unwrap_err();
        assert!(e.message.contains("at offset 20)"), "{}", e.message);
        let e = Options::parse(b"\xef\xbb").unwrap_err();
        assert!(e.message.contains("at offset 0)"), "{}", e.message);
        // Valid UTF-8 that is not JSON is still a JSON error.
        let e = Options::parse("{\"secrets\":[\"kľúč\"]".as_bytes()).unwrap_err();
        assert!(
            e.message.starts_with("options are not valid JSON"),
            "{}",
            e.message
        );
    }
}

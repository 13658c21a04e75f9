//! Options JSON (DESIGN.md, docs/behaviour.md section 5). Unknown keys are refused so that a typo
//! never silently weakens a check.

use serde_json::{Map, Value};

use crate::error::Error;
use crate::outcome::Outcome;
use crate::secret::{parse_secrets, Secret};
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
}

impl Default for Options {
    fn default() -> Options {
        Options {
            secrets: Vec::new(),
            tolerance_seconds: DEFAULT_TOLERANCE_SECONDS,
            confirmed_is_paid: false,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            suggested: SuggestedStates::default(),
        }
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(Status::InvalidOptions, message)
}

impl Options {
    /// Parses options for a verifier: `secrets` is required.
    pub fn for_verifier(json: &[u8]) -> Result<Options, Error> {
        let options = Options::parse(json)?;
        if options.secrets.is_empty() {
            return Err(invalid(
                "options: \"secrets\" is required (an array of hook secrets, oldest first)",
            ));
        }
        Ok(options)
    }

    /// Parses options; an empty input means `{}`. `secrets`, when given, must be valid.
    pub fn parse(json: &[u8]) -> Result<Options, Error> {
        let mut options = Options::default();
        if json.is_empty() {
            return Ok(options);
        }
        let value: Value = serde_json::from_slice(json).map_err(|e| {
            invalid(format!(
                "options are not valid JSON ({})",
                json_error_kind(&e)
            ))
        })?;
        let Value::Object(map) = value else {
            return Err(invalid("options must be a JSON object"));
        };
        for (key, value) in &map {
            match key.as_str() {
                "secrets" => options.secrets = parse_secrets(value, "options: \"secrets\"")?,
                "toleranceSeconds" => {
                    options.tolerance_seconds =
                        integer_in(value, "toleranceSeconds", 0, MAX_TOLERANCE_SECONDS)? as u32
                }
                "confirmedIsPaid" => {
                    options.confirmed_is_paid = value
                        .as_bool()
                        .ok_or_else(|| invalid("options: \"confirmedIsPaid\" must be true or false"))?
                }
                "maxBodyBytes" => {
                    options.max_body_bytes =
                        integer_in(value, "maxBodyBytes", 1, MAX_MAX_BODY_BYTES)? as usize
                }
                "suggestedStates" => options.suggested = parse_suggested(value)?,
                other => {
                    return Err(invalid(format!(
                        "options: unknown option {:?} (known: secrets, toleranceSeconds, confirmedIsPaid, maxBodyBytes, suggestedStates)",
                        truncate(other, 64)
                    )))
                }
            }
        }
        Ok(options)
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
}

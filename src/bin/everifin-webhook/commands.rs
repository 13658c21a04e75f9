//! The commands: sign, verify, normalize, decide (send and explain have their own modules).

use everifin_webhook::{result, timestamp, Verifier};
use zeroize::Zeroizing;

use crate::cli::{Cli, Command, DecideArgs, NormalizeArgs, SignArgs, VerifierArgs, VerifyArgs};
use crate::input::{print_json, read, read_path, result_ok};
use crate::secrets::{self, Secrets};
use crate::{CliError, EXIT_OK, EXIT_REJECTED};

pub fn run(cli: Cli) -> Result<u8, CliError> {
    match cli.command {
        Command::Sign(a) => sign(a),
        Command::Verify(a) => verify(a),
        Command::Explain(a) => crate::explain_cmd::run(a),
        Command::Normalize(a) => normalize(a),
        Command::Decide(a) => decide(a),
        Command::Send(a) => crate::send::run(a),
    }
}

fn sign(a: SignArgs) -> Result<u8, CliError> {
    let secrets = secrets::load(&a.secrets)?;
    let body = read(a.file.as_ref(), "body")?;
    let ts = a.timestamp.as_deref().unwrap_or("");
    let r =
        everifin_webhook::sign_with_secrets(&body, ts, &secrets.as_secrets(), timestamp::now_ms());
    match r {
        Ok(header) if !a.json => {
            outln!("{header}");
            Ok(EXIT_OK)
        }
        Ok(_) => {
            outln!("{}", result::sign(&r));
            Ok(EXIT_OK)
        }
        Err(e) => {
            if a.json {
                outln!("{}", result::sign(&Err(e.clone())));
            }
            Err(CliError::usage(format!("cannot sign: {}", e.message)))
        }
    }
}

/// A header as pasted from a log: `Signature: ts=...` is accepted too.
pub fn header_value(h: &str) -> &str {
    let t = h.trim_start();
    match t.get(..10) {
        Some(p) if p.eq_ignore_ascii_case("signature:") => &t[10..],
        _ => h,
    }
}

/// What is wrong with a header the library refused as malformed, when it looks mangled in a
/// known way (quoted, two headers merged, copied from a PHP `$_SERVER` dump).
pub fn header_hint(header: &str) -> Option<&'static str> {
    let h = header_value(header).trim();
    let upper = h.to_ascii_uppercase();
    if upper.starts_with("HTTP_SIGNATURE") {
        return Some(
            "the header starts with HTTP_SIGNATURE (as PHP's $_SERVER names it): pass only its \
             value, from ts= on",
        );
    }
    let quoted = |q: char| h.len() >= 2 && h.starts_with(q) && h.ends_with(q);
    if quoted('"') || quoted('\'') {
        return Some("the header value is wrapped in quotes: pass it without them");
    }
    if h.matches("ts=").count() > 1 {
        return Some(
            "the value holds more than one ts=: two Signature headers were joined with a comma \
             (a proxy merges repeated headers so); pass one of them",
        );
    }
    None
}

/// The hint after a rejection: a mangled header, or how to find out why with `explain` (with
/// `--now` for a logged delivery).
pub fn rejection_hint(
    status: everifin_webhook::Status,
    header: &str,
    now_given: bool,
) -> Option<String> {
    use everifin_webhook::Status;
    match status {
        Status::HeaderMalformed | Status::HeaderTimestampInvalid | Status::HeaderMissing => {
            header_hint(header).map(str::to_owned)
        }
        Status::SignatureMismatch => Some(
            "run `everifin-webhook explain` with the same arguments to find out why".to_owned(),
        ),
        Status::TimestampTooOld | Status::TimestampInFuture if !now_given => Some(
            "for a logged or replayed delivery, verify with --now set to the time it was \
             received; run `everifin-webhook explain` with the same arguments to find out more"
                .to_owned(),
        ),
        Status::TimestampTooOld | Status::TimestampInFuture => Some(
            "run `everifin-webhook explain` with the same arguments to find out why".to_owned(),
        ),
        _ => None,
    }
}

/// `--now` in Unix milliseconds (0 = the system clock, as the library takes it).
pub fn now_ms(now: Option<&str>) -> Result<i64, CliError> {
    match now {
        None => Ok(0),
        Some(t) => timestamp::parse_utc_ms(t).map_err(|e| {
            CliError::usage(format!(
                "--now {t:?} {} (expected RFC 3339 UTC, e.g. 2024-05-07T14:49:55.887Z)",
                e.0
            ))
        }),
    }
}

/// The verifier options JSON: secrets plus the flags. `extra` is appended inside the object
/// (e.g. `"retiredSecrets":[...]`).
pub fn options_json(secrets: &Secrets, v: &VerifierArgs, extra: &str) -> Zeroizing<Vec<u8>> {
    let mut o = Zeroizing::new(String::from("{"));
    o.push_str(&secrets.options_member());
    if let Some(t) = v.tolerance {
        o.push_str(&format!(",\"toleranceSeconds\":{t}"));
    }
    if v.confirmed_is_paid {
        o.push_str(",\"confirmedIsPaid\":true");
    }
    if let Some(m) = v.max_body_bytes {
        o.push_str(&format!(",\"maxBodyBytes\":{m}"));
    }
    if !extra.is_empty() {
        o.push(',');
        o.push_str(extra);
    }
    o.push('}');
    Zeroizing::new(o.as_bytes().to_vec())
}

fn verify(a: VerifyArgs) -> Result<u8, CliError> {
    let now = now_ms(a.verifier.now.as_deref())?;
    let secrets = secrets::load(&a.secrets)?;
    let body = read(a.file.as_ref(), "body")?;
    let options = options_json(&secrets, &a.verifier, "");
    let verifier = match Verifier::new(&options) {
        Ok(v) => v,
        Err(e) => {
            return Err(CliError::usage(format!("invalid options: {}", e.message)));
        }
    };
    let r = verifier.process(&body, header_value(&a.header).as_bytes(), now);
    let json = result::process(&r);
    print_json(&json, a.pretty);
    match r {
        Ok(_) => Ok(EXIT_OK),
        Err(e) => {
            eprintln!(
                "everifin-webhook: rejected: {} (HTTP {}): {}",
                e.status,
                e.status.http_status(),
                e.message
            );
            if let Some(hint) = rejection_hint(e.status, &a.header, a.verifier.now.is_some()) {
                eprintln!("everifin-webhook: {hint}");
            }
            Ok(EXIT_REJECTED)
        }
    }
}

fn normalize(a: NormalizeArgs) -> Result<u8, CliError> {
    let options: Vec<u8> = match (&a.options, a.confirmed_is_paid) {
        (Some(o), false) => o.as_bytes().to_vec(),
        (None, true) => br#"{"confirmedIsPaid":true}"#.to_vec(),
        (None, false) => Vec::new(),
        (Some(o), true) => {
            let mut v: serde_json::Value = serde_json::from_str(o)
                .map_err(|e| CliError::usage(format!("--options is not valid JSON: {e}")))?;
            match v.as_object_mut() {
                Some(m) => {
                    m.insert("confirmedIsPaid".into(), serde_json::Value::Bool(true));
                }
                None => return Err(CliError::usage("--options must be a JSON object")),
            }
            serde_json::to_vec(&v).map_err(|e| CliError::usage(e.to_string()))?
        }
    };
    if let Err(e) = everifin_webhook::Options::parse(&options) {
        return Err(CliError::usage(format!("invalid --options: {}", e.message)));
    }
    let body = read(a.file.as_ref(), "body")?;
    let json = result::normalize(&everifin_webhook::normalize(&body, &options));
    print_json(&json, a.pretty);
    Ok(if result_ok(&json) {
        EXIT_OK
    } else {
        EXIT_REJECTED
    })
}

fn decide(a: DecideArgs) -> Result<u8, CliError> {
    let state: Vec<u8> = match (&a.state, &a.state_file) {
        (Some(s), _) => s.as_bytes().to_vec(),
        (None, Some(p)) => read_path(p, "state file")?,
        (None, None) => Vec::new(),
    };
    let event = read(a.file.as_ref(), "event")?;
    let json = result::decide(&everifin_webhook::decide(&event, &state));
    print_json(&json, a.pretty);
    Ok(if result_ok(&json) {
        EXIT_OK
    } else {
        EXIT_REJECTED
    })
}

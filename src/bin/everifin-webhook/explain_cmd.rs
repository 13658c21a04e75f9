//! `explain`: the result of `everifin_webhook::explain` (the verify result plus findings and the
//! secrets' fingerprints) on stdout, and a summary for humans on stderr. Never an expected
//! signature, never a secret.

use everifin_webhook::result;
use everifin_webhook::{explain, Explanation};

use crate::cli::ExplainArgs;
use crate::commands::{header_value, now_ms, options_json};
use crate::input::{print_json, read};
use crate::secrets::{self, json_array};
use crate::{CliError, EXIT_OK, EXIT_REJECTED};

pub fn run(a: ExplainArgs) -> Result<u8, CliError> {
    let now = now_ms(a.verifier.now.as_deref())?;
    let secrets = secrets::load(&a.secrets)?;
    let extra = match &a.retired_secret_file {
        Some(path) => {
            let retired = secrets::read_file(path, "--retired-secret-file")?;
            let mut member = zeroize::Zeroizing::new(String::from("\"retiredSecrets\":"));
            member.push_str(&json_array(&retired));
            member
        }
        None => zeroize::Zeroizing::new(String::new()),
    };
    let options = options_json(&secrets, &a.verifier, &extra);
    let body = read(a.file.as_ref(), "body")?;
    let r = explain(&body, header_value(&a.header).as_bytes(), &options, now);
    let json = result::explain(&r);
    match &r {
        Err(e) => Err(CliError::usage(format!("invalid options: {}", e.message))),
        Ok(x) => {
            print_json(&json, a.pretty);
            if !a.quiet {
                eprint!("{}", summary(x));
                if let Err(e) = &x.verification {
                    if let Some(hint) = crate::commands::header_hint(&a.header)
                        .filter(|_| e.signature.is_none() && x.findings.is_empty())
                    {
                        eprintln!("hint: {hint}");
                    }
                }
            }
            Ok(if x.verification.is_ok() {
                EXIT_OK
            } else {
                EXIT_REJECTED
            })
        }
    }
}

/// The findings in words.
fn summary(x: &Explanation) -> String {
    let mut out = String::new();
    match &x.verification {
        Ok(v) => out.push_str(&format!(
            "verified: {} matches configured secret #{}, signed {:.1} s ago\n",
            v.signature.key,
            v.signature.secret_index,
            v.signature.age_ms as f64 / 1000.0
        )),
        Err(e) => {
            out.push_str(&format!(
                "rejected: {} (HTTP {}): {}\n",
                e.status,
                e.status.http_status(),
                e.message
            ));
            if let Some(s) = &e.signature {
                out.push_str(&format!(
                    "the signature itself is authentic: {} matches configured secret #{}\n",
                    s.key, s.secret_index
                ));
            }
        }
    }
    let fps: Vec<String> = x
        .secrets
        .iter()
        .map(|s| format!("#{} {}", s.index, s.fingerprint))
        .collect();
    out.push_str(&format!(
        "configured secrets (oldest first, by fingerprint): {}\n",
        fps.join(", ")
    ));
    if x.findings.is_empty() {
        if x.verification.is_err() {
            out.push_str(
                "findings: none (the failure is not about the signature; see the message)\n",
            );
        }
        return out;
    }
    out.push_str("findings:\n");
    for f in &x.findings {
        let detail = match f.code {
            // body_reencoded: the message lists the transforms already.
            "clock_skew" => format!(
                "{} ms, {}",
                f.details
                    .get("ageMs")
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                f.details
                    .get("direction")
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
            ),
            "retired_secret" => f
                .details
                .get("fingerprint")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned(),
            "concatenation_order" => f
                .details
                .get("variant")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned(),
            _ => String::new(),
        };
        if detail.is_empty() {
            out.push_str(&format!("  - {}: {}\n", f.code, f.message));
        } else {
            out.push_str(&format!("  - {} ({detail}): {}\n", f.code, f.message));
        }
    }
    out
}

//! Where the hook secrets come from: `EVERIFIN_WEBHOOK_SECRET`, `--secret-file`, or (only with an
//! explicit flag) `--secret` on the command line. A secret never appears in a message.

use std::path::Path;

use everifin_webhook::Secret;
use zeroize::Zeroizing;

use crate::cli::SecretArgs;
use crate::CliError;

pub const ENV_SECRET: &str = "EVERIFIN_WEBHOOK_SECRET";

/// The secrets, oldest first, as UTF-8 text (the options JSON carries them as strings).
pub struct Secrets {
    values: Vec<Zeroizing<String>>,
}

impl Secrets {
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn as_secrets(&self) -> Vec<Secret> {
        self.values
            .iter()
            .map(|s| Secret::new(s.as_bytes()))
            .collect()
    }

    /// The `"secrets":[...]` member of an options object, e.g. `"secrets":["a","b"]`.
    pub fn options_member(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::from("\"secrets\":"));
        out.push_str(&json_array(&self.values));
        out
    }
}

/// A JSON array of the secrets, in memory that is wiped afterwards.
pub fn json_array(values: &[Zeroizing<String>]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::from("["));
    for (i, s) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // Serializing a string cannot fail.
        let quoted = Zeroizing::new(serde_json::to_string(s.as_str()).unwrap_or_default());
        out.push_str(&quoted);
    }
    out.push(']');
    out
}

/// Loads the secrets from the flags or the environment. `what` names the purpose in messages.
pub fn load(args: &SecretArgs) -> Result<Secrets, CliError> {
    if !args.secret.is_empty() && !args.allow_secret_in_argv {
        return Err(CliError::usage(
            "refusing --secret on the command line: other users of this machine can read it \
             (ps, /proc) and it stays in the shell history. Use EVERIFIN_WEBHOOK_SECRET or \
             --secret-file PATH, or add --allow-secret-in-argv if you accept the risk",
        ));
    }
    let given = usize::from(args.secret_file.is_some()) + usize::from(!args.secret.is_empty());
    if given > 1 {
        return Err(CliError::usage(
            "give the secrets either with --secret-file or with --secret, not both",
        ));
    }
    let (values, origin) = if let Some(path) = &args.secret_file {
        (
            read_file(path, "--secret-file")?,
            format!("{}", path.display()),
        )
    } else if !args.secret.is_empty() {
        (
            args.secret
                .iter()
                .map(|s| Zeroizing::new(s.clone()))
                .collect(),
            "--secret".to_owned(),
        )
    } else {
        match std::env::var_os(ENV_SECRET) {
            Some(v) => match v.into_string() {
                Ok(s) => (vec![Zeroizing::new(s)], ENV_SECRET.to_owned()),
                Err(_) => {
                    return Err(CliError::usage(format!(
                    "{ENV_SECRET} is not valid UTF-8 (a hook secret is the text pasted from the \
                         Everifin Back Office)"
                )))
                }
            },
            None => {
                return Err(CliError::usage(format!(
                    "no hook secret: set {ENV_SECRET} or pass --secret-file PATH (one secret per \
                     line, oldest first)"
                )))
            }
        }
    };
    check(&values, &origin)?;
    Ok(Secrets { values })
}

/// Reads a secret file: one secret per line, oldest first; line ends (LF or CRLF) are not part of
/// a secret; empty lines are skipped. `option` names the option that gave the path: a path that
/// does not exist is never printed, for it may be a secret typed in place of the path.
pub fn read_file(path: &Path, option: &str) -> Result<Vec<Zeroizing<String>>, CliError> {
    let bytes = Zeroizing::new(std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            CliError::usage(format!(
                "cannot read the file given to {option}: no such file (the value is not shown, in \
                 case it is a secret typed where the path of a file holding it is expected)"
            ))
        } else {
            CliError::usage(format!("cannot read secret file {}: {e}", path.display()))
        }
    })?);
    warn_if_readable_by_others(path);
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        CliError::usage(format!(
            "secret file {} is not valid UTF-8 text",
            path.display()
        ))
    })?;
    let values: Vec<Zeroizing<String>> = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .filter(|line| !line.is_empty())
        .map(|line| Zeroizing::new(line.to_owned()))
        .collect();
    if values.is_empty() {
        return Err(CliError::usage(format!(
            "secret file {} holds no secret (one per line, oldest first)",
            path.display()
        )));
    }
    Ok(values)
}

fn check(values: &[Zeroizing<String>], origin: &str) -> Result<(), CliError> {
    if values.len() > everifin_webhook::MAX_SECRETS {
        return Err(CliError::usage(format!(
            "{origin}: {} secrets given; at most {} are accepted",
            values.len(),
            everifin_webhook::MAX_SECRETS
        )));
    }
    for (i, s) in values.iter().enumerate() {
        if s.is_empty() {
            return Err(CliError::usage(format!("{origin}: secret {i} is empty")));
        }
        if s.starts_with('\u{feff}') {
            eprintln!(
                "everifin-webhook: warning: secret {i} from {origin} starts with a byte order mark \
                 (U+FEFF, which Windows Notepad writes at the start of a UTF-8 file); it is used as \
                 is and will not match: save the file as UTF-8 without BOM"
            );
        }
        if let Some(what) = looks_wrapped(s) {
            eprintln!(
                "everifin-webhook: warning: secret {i} from {origin} {what}; it is used as is \
                 (give the bare secret, as shown in the Back Office)"
            );
        }
        if s.trim() != s.as_str() {
            eprintln!(
                "everifin-webhook: warning: secret {i} from {origin} has leading or trailing \
                 whitespace; it is used as is (Everifin signs with the secret exactly as shown in \
                 the Back Office)"
            );
        }
    }
    Ok(())
}

/// Whether a secret looks copied with what surrounds it in a shell or an env file (never showing
/// it): quotes, or `EVERIFIN_WEBHOOK_SECRET=` / `export` in front.
fn looks_wrapped(s: &str) -> Option<&'static str> {
    let s = s.trim_start_matches('\u{feff}').trim();
    let quoted = |q: char| s.len() >= 2 && s.starts_with(q) && s.ends_with(q);
    if quoted('"') || quoted('\'') {
        return Some("is wrapped in quotes");
    }
    if s.starts_with(&format!("{ENV_SECRET}=")) || s.starts_with("export ") {
        return Some("starts with a variable assignment (NAME=)");
    }
    None
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o004 != 0 {
            eprintln!(
                "everifin-webhook: warning: secret file {} is readable by every user of this \
                 machine (chmod 600 it)",
                path.display()
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

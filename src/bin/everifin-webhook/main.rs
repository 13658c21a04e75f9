//! `everifin-webhook`: sign, verify, explain, normalize, decide and replay Everifin Paygate webhooks
//! from the command line (docs/cli.md). Built with `cargo build --release --features cli`.
//!
//! Exit statuses: 0 success (verified, signed, sent as expected), 1 rejected (the webhook failed a
//! check, a `send` step got an unexpected answer), 2 usage or I/O error.

/// `println!` that does not panic when stdout is closed (`| head`): the tool stops quietly.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::stdout_line(format_args!($($arg)*))
    };
}

mod cli;
mod commands;
mod explain_cmd;
mod input;
mod random;
mod scenario;
mod secrets;
mod send;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

/// A failure of the tool itself (arguments, files, network), as opposed to a rejected webhook.
#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl CliError {
    /// A usage or I/O error: exit status 2.
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError {
            code: EXIT_USAGE,
            message: message.into(),
        }
    }
}

pub const EXIT_OK: u8 = 0;
pub const EXIT_REJECTED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(e) if !e.use_stderr() => e.exit(), // --help, --version: stdout, status 0
        Err(e) => {
            let argv: Vec<String> = std::env::args_os()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            eprint!("{}", redact_secrets(&e.render().to_string(), &argv));
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match commands::run(args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("everifin-webhook: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}

/// What stands for a secret in a message.
const REDACTED: &str = "<secret withheld>";

/// A usage error of the argument parser may quote an argument: every value given to a
/// secret-bearing argument (`--secret VALUE`, `--secret=VALUE`, and a value wrongly attached to
/// `--allow-secret-in-argv=`) is replaced in `message` before it is printed.
pub fn redact_secrets(message: &str, argv: &[String]) -> String {
    let mut secrets: Vec<&str> = Vec::new();
    let mut args = argv.iter().skip(1);
    while let Some(a) = args.next() {
        if a == "--" {
            break;
        }
        if a == "--secret" {
            if let Some(v) = args.next() {
                secrets.push(v);
            }
        } else if let Some(v) = a
            .strip_prefix("--secret=")
            .or_else(|| a.strip_prefix("--allow-secret-in-argv="))
        {
            secrets.push(v);
        }
    }
    secrets.retain(|s| !s.is_empty());
    if secrets.is_empty() {
        return message.to_owned();
    }
    // The parser quotes what it names ('--bogus', 'VALUE'): a quoted part that holds a secret, or
    // is a piece of one, is withheld; so is any other word equal to a secret. Replacing every
    // occurrence instead would garble the message around a short secret ("e") and, by the
    // letters it removed, show that secret.
    let touches = |part: &str| {
        !part.is_empty()
            && secrets
                .iter()
                .any(|s| part.contains(*s) || s.contains(part))
    };
    let mut out = String::with_capacity(message.len());
    for (i, part) in message.split('\'').enumerate() {
        if i > 0 {
            out.push('\'');
        }
        if i % 2 == 1 && touches(part) {
            out.push_str(REDACTED);
        } else {
            out.push_str(&withhold_words(part, &secrets));
        }
    }
    out
}

/// `text` with every whitespace-separated word equal to a secret replaced.
fn withhold_words(text: &str, secrets: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (word, after) = rest.split_at(word_end);
        out.push_str(if secrets.contains(&word) {
            REDACTED
        } else {
            word
        });
        let space_end = after
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(after.len());
        out.push_str(&after[..space_end]);
        rest = &after[space_end..];
    }
    out
}

/// Writes one line to stdout; a closed pipe ends the process quietly, another error with status 2.
pub fn stdout_line(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{args}").and_then(|_| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("everifin-webhook: cannot write to stdout: {e}");
        }
        std::process::exit(i32::from(EXIT_USAGE));
    }
}

#[cfg(test)]
mod tests {
    use super::redact_secrets;

    fn argv(args: &[&str]) -> Vec<String> {
        std::iter::once("everifin-webhook")
            .chain(args.iter().copied())
            .map(String::from)
            .collect()
    }

    #[test]
    fn a_short_secret_does_not_garble_the_message() {
        let message = "error: unexpected argument '--bogus' found\n\nUsage: everifin-webhook verify [OPTIONS]\n";
        assert_eq!(
            redact_secrets(message, &argv(&["verify", "--secret", "e", "--bogus"])),
            message
        );
    }

    #[test]
    fn quoted_secrets_pieces_of_them_and_bare_words_are_withheld() {
        let args = argv(&[
            "sign",
            "--secret",
            "-Xs3cr3t-zq7w",
            "--secret=k3y-9",
            "a.json",
        ]);
        assert_eq!(
            redact_secrets("error: unexpected argument '-Xs3cr3t-zq7w' found", &args),
            "error: unexpected argument '<secret withheld>' found"
        );
        assert_eq!(
            redact_secrets(
                "error: unexpected argument '-X' found; tip: '-- -Xs3cr3t-zq7w'",
                &args
            ),
            "error: unexpected argument '<secret withheld>' found; tip: '<secret withheld>'"
        );
        assert_eq!(
            redact_secrets("error: k3y-9 is not a file", &args),
            "error: <secret withheld> is not a file"
        );
        assert_eq!(
            redact_secrets(
                "error: a value is required for '--timestamp <TIMESTAMP>'",
                &args
            ),
            "error: a value is required for '--timestamp <TIMESTAMP>'"
        );
    }
}

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
    // Longest first, so that a secret containing another is replaced whole.
    secrets.retain(|s| !s.is_empty());
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = message.to_owned();
    for s in secrets {
        out = out.replace(s, REDACTED);
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

//! Reading bodies and JSON documents from a file or stdin, byte for byte.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use crate::CliError;

/// Reads FILE, or stdin when FILE is absent or `-`. `what` names the input in messages.
pub fn read(file: Option<&PathBuf>, what: &str) -> Result<Vec<u8>, CliError> {
    match file {
        Some(path) if path.as_os_str() != "-" => read_path(path, what),
        _ => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                return Err(CliError::usage(format!(
                    "no {what}: give a FILE or pipe it on stdin (see --help)"
                )));
            }
            let mut buf = Vec::new();
            stdin
                .lock()
                .read_to_end(&mut buf)
                .map_err(|e| CliError::usage(format!("cannot read the {what} from stdin: {e}")))?;
            Ok(buf)
        }
    }
}

pub fn read_path(path: &Path, what: &str) -> Result<Vec<u8>, CliError> {
    std::fs::read(path)
        .map_err(|e| CliError::usage(format!("cannot read the {what} {}: {e}", path.display())))
}

/// Prints a result JSON line, pretty-printed on request (key order kept).
pub fn print_json(json: &str, pretty: bool) {
    if pretty {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(json) {
            if let Ok(text) = serde_json::to_string_pretty(&value) {
                outln!("{text}");
                return;
            }
        }
    }
    outln!("{json}");
}

/// `ok` of a result JSON.
pub fn result_ok(json: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v.get("ok").and_then(serde_json::Value::as_bool))
        .unwrap_or(false)
}

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

/// Reads a file. A path that does not exist is not printed: it may be a secret typed where a
/// FILE is expected (`sign SECRET`), and secrets are never printed.
pub fn read_path(path: &Path, what: &str) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            CliError::usage(format!(
                "cannot read the {what}: no such file (the name given is not shown, in case it is \
                 a secret typed in place of a file name; secrets go in {} or --secret-file)",
                crate::secrets::ENV_SECRET
            ))
        } else {
            CliError::usage(format!("cannot read the {what} {}: {e}", path.display()))
        }
    })
}

/// Prints a result JSON line, or with `pretty` the same text re-indented.
pub fn print_json(json: &str, pretty: bool) {
    if pretty {
        outln!("{}", pretty_text(json));
    } else {
        outln!("{json}");
    }
}

/// Re-indents JSON text (2 spaces, `"key": value`, `{}` / `[]` for empty containers, like
/// serde_json's pretty printer) without parsing it into values: every string and number keeps its
/// bytes (hookData is passed through exactly: `1.10`, `1e2` and 30-digit integers stay as they
/// are) and key order is kept. Whitespace between tokens, which a raw hookData may hold, is
/// dropped. The input is a result of the library, valid JSON; should the printer fail, the text is
/// returned as it is.
pub fn pretty_text(json: &str) -> String {
    jsonxf::pretty_print(json).unwrap_or_else(|_| json.to_owned())
}

/// `ok` of a result JSON.
pub fn result_ok(json: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v.get("ok").and_then(serde_json::Value::as_bool))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::pretty_text;

    #[test]
    fn pretty_text_keeps_every_scalar_byte_for_byte() {
        let compact = r#"{"ok":true,"n":[1.10,1e2,-0.0,123456789012345678901234567890,1E-7],"s":"a\"b\\","u":"\u00e9\ud83d\ude00 é 😀","slash":"a\/b","t":[true,false,null]}"#;
        let pretty = pretty_text(compact);
        for scalar in [
            "1.10",
            "1e2",
            "-0.0",
            "123456789012345678901234567890",
            "1E-7",
            r#""a\"b\\""#,
            r#""\u00e9\ud83d\ude00 é 😀""#,
            r#""a\/b""#,
        ] {
            assert!(pretty.contains(scalar), "{scalar} in {pretty}");
        }
        let parse = |t: &str| serde_json::from_str::<serde_json::Value>(t).expect("JSON");
        assert_eq!(parse(&pretty), parse(compact));
    }

    #[test]
    fn pretty_text_is_serde_json_layout() {
        // Values whose scalars serde_json writes back unchanged: the same text as its pretty
        // printer, empty containers included.
        let compact =
            r#"{"a":{},"b":[],"c":[{},[],{"d":[[]]}],"e":{"f":1,"g":"x"},"h":[1,"two",null]}"#;
        let value: serde_json::Value = serde_json::from_str(compact).expect("JSON");
        assert_eq!(
            pretty_text(compact),
            serde_json::to_string_pretty(&value).expect("pretty")
        );
        assert_eq!(pretty_text("{}"), "{}");
        assert_eq!(pretty_text("[]"), "[]");
    }

    #[test]
    fn pretty_text_drops_whitespace_between_tokens_only() {
        // A raw hookData may hold spaces and newlines between its tokens.
        let raw = "{\"hookData\":{ \"a\" :\n [ 1 ,\t2 ] , \"s\" : \" x \\n y \" , \"e\" : { } }}";
        assert_eq!(
            pretty_text(raw),
            "{\n  \"hookData\": {\n    \"a\": [\n      1,\n      2\n    ],\n    \"s\": \" x \\n y \",\n    \"e\": {}\n  }\n}"
        );
    }
}

//! End-to-end tests of the `everifin-webhook` command (run with `cargo test --features cli`):
//! exit statuses, outputs, where secrets may come from, `send` against a small HTTP server started
//! here (it verifies with the library and decides per order), and `explain` finding each planted
//! fault. Expected signatures are computed here with the `hmac` crate, independently of the tool.
#![cfg(feature = "cli")]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};

const BIN: &str = env!("CARGO_BIN_EXE_everifin-webhook");
const SECRET: &str = "shop-hook-secret-5f2a";
const OLD_SECRET: &str = "old-hook-secret-91c0";
const TS: &str = "2024-05-07T14:49:55.887Z";
/// TS + 2 s.
const NOW: &str = "2024-05-07T14:49:57.887Z";

/// A body as Everifin sends it: compact, keys in the documented order, a slash in hookData.
const BODY: &str = r#"{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-1a63-4b0e-8f7e-2a4f4fe6f1b1","status":"BOOKED","externalId":"1001","hookData":{"note":"order 1001/2","cart":7}}}"#;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}): {:?}", self.stdout))
    }

    fn assert_no_secret(&self, secrets: &[&str]) {
        for s in secrets {
            let s = s.trim();
            assert!(
                !self.stdout.contains(s) && !self.stderr.contains(s),
                "a secret leaked into the output: {:?} / {:?}",
                self.stdout,
                self.stderr
            );
        }
    }
}

fn run(args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> Out {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("EVERIFIN_WEBHOOK_SECRET")
        .env_remove("http_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("the binary starts");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        // The command may exit before reading (a usage error): a closed pipe is fine then.
        let _ = pipe.write_all(input);
    }
    let out = child.wait_with_output().expect("the binary runs");
    Out {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn env_secret(secret: &str) -> Vec<(&'static str, String)> {
    vec![("EVERIFIN_WEBHOOK_SECRET", secret.to_owned())]
}

fn run_with_secret(args: &[&str], secret: &str, stdin: Option<&[u8]>) -> Out {
    let env = env_secret(secret);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run(args, &env, stdin)
}

/// HMAC-SHA256 over the parts, lower-case hex (independent of the library).
fn hmac_hex(secret: &str, parts: &[&[u8]]) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("any key size");
    for p in parts {
        mac.update(p);
    }
    hex::encode(mac.finalize().into_bytes())
}

fn header_for(secret: &str, ts: &str, body: &[u8]) -> String {
    format!(
        "ts={ts};v0={}",
        hmac_hex(secret, &[ts.as_bytes(), b".", body])
    )
}

/// Runs `send --scenario SCENARIO --url URL --secret-file FILE EXTRA...`, FILE holding `secrets`
/// one a line (oldest first).
fn send(scenario: &str, url: &str, secrets: &[&str], extra: &[&str]) -> Out {
    let dir = TempDir::new("send");
    let file = dir.file("secrets.txt", (secrets.join("\n") + "\n").as_bytes());
    let mut args = vec![
        "send",
        "--scenario",
        scenario,
        "--url",
        url,
        "--secret-file",
        &file,
    ];
    args.extend_from_slice(extra);
    run(&args, &[], None)
}

struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "evf-cli-{tag}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    fn file(&self, name: &str, content: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, content).expect("write temp file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        }
        path.to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// ---------------------------------------------------------------------------------------------
// help, sign, verify, secrets

#[test]
fn every_command_has_help_with_examples_and_exit_statuses() {
    let top = run(&["--help"], &[], None);
    assert_eq!(top.code, 0);
    for cmd in ["sign", "verify", "explain", "normalize", "decide", "send"] {
        assert!(top.stdout.contains(cmd), "top-level help lists {cmd}");
        let h = run(&[cmd, "--help"], &[], None);
        assert_eq!(h.code, 0, "{cmd} --help");
        assert!(
            h.stdout.contains("Examples:"),
            "{cmd} --help has examples: {}",
            h.stdout
        );
        assert!(
            h.stdout.contains("Exit status"),
            "{cmd} --help documents exit statuses"
        );
        assert!(h.stdout.contains(&format!("everifin-webhook {cmd}")));
    }
    let bad = run(&["verify", "--no-such-flag"], &[], None);
    assert_eq!(bad.code, 2, "clap usage errors exit 2");
}

/// A logged delivery verified without --now is an old delivery, not a clock years off: verify
/// points to --now, explain says the delivery is old. A mangled header gets a hint.
#[test]
fn an_old_delivery_and_a_mangled_header_get_a_hint() {
    let header = header_for(SECRET, TS, BODY.as_bytes());
    let verify = run_with_secret(
        &["verify", "--header", &header],
        SECRET,
        Some(BODY.as_bytes()),
    );
    assert_eq!(verify.code, 1);
    assert!(verify.stderr.contains("--now"), "{}", verify.stderr);
    let e = explain(BODY.as_bytes(), &header, SECRET, &[], &[]);
    let skew = e.finding("clock_skew");
    assert!(
        skew["message"]
            .as_str()
            .unwrap_or("")
            .contains("old delivery"),
        "{skew}"
    );
    assert!(!e.out.stderr.contains("clock is"), "{}", e.out.stderr);
    for (mangled, hint) in [
        (format!("\"{header}\""), "quotes"),
        (format!("{header}, {header}"), "joined with a comma"),
        (format!("HTTP_SIGNATURE: {header}"), "HTTP_SIGNATURE"),
    ] {
        let out = run_with_secret(
            &["verify", "--header", &mangled, "--now", NOW],
            SECRET,
            Some(BODY.as_bytes()),
        );
        assert_eq!(out.code, 1);
        assert!(out.stderr.contains(hint), "{mangled}: {}", out.stderr);
        let out = run_with_secret(
            &["explain", "--header", &mangled, "--now", NOW],
            SECRET,
            Some(BODY.as_bytes()),
        );
        assert!(out.stderr.contains(hint), "{mangled}: {}", out.stderr);
    }
}

/// explain's output names the secrets by fingerprint: its help, and its line in the top-level
/// help, say it is for administrators only and why.
#[test]
fn explain_help_says_it_is_for_administrators_only() {
    let top = run(&["--help"], &[], None).stdout;
    let line = top
        .lines()
        .find(|l| l.trim_start().starts_with("explain "))
        .unwrap_or_else(|| panic!("no explain line in: {top}"));
    assert!(line.contains("administrators only"), "{line}");
    let h = run(&["explain", "--help"], &[], None).stdout;
    for part in [
        "administrators only",
        "fingerprints",
        "Never send it back",
        "--now",
    ] {
        assert!(h.contains(part), "{part:?} not in: {h}");
    }
}

/// The help and docs/cli.md never show a secret typed on a command line (it would stay in the
/// shell history): they show `read -rs` or a file created with umask 077.
#[test]
fn help_and_docs_keep_secrets_out_of_the_shell_history() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/cli.md"))
        .expect("docs/cli.md");
    // The commands the docs show: the lines of their ```sh blocks.
    let mut in_sh = false;
    let mut shown = String::new();
    for line in doc.lines() {
        if line.starts_with("```") {
            in_sh = line == "```sh";
        } else if in_sh {
            shown.push_str(line);
            shown.push('\n');
        }
    }
    assert!(
        shown.contains("read -rs EVERIFIN_WEBHOOK_SECRET && export EVERIFIN_WEBHOOK_SECRET")
            && shown.contains("(umask 077; cat > secrets.txt)"),
        "{shown}"
    );
    let mut texts = vec![("docs/cli.md".to_owned(), shown)];
    texts.push(("--help".to_owned(), run(&["--help"], &[], None).stdout));
    for cmd in ["sign", "verify", "explain", "send"] {
        let h = run(&[cmd, "--help"], &[], None).stdout;
        assert!(
            h.contains("read -rs EVERIFIN_WEBHOOK_SECRET && export EVERIFIN_WEBHOOK_SECRET")
                && h.contains("(umask 077; cat > secrets.txt)"),
            "{cmd} --help: {h}"
        );
        texts.push((format!("{cmd} --help"), h));
    }
    for (what, text) in &texts {
        for line in text
            .lines()
            .filter(|l| !l.trim_start().starts_with("(`read -s`"))
        {
            // An assignment of the secret itself (EVERIFIN_WEBHOOK_SECRET_FILE=path is fine).
            assert!(
                !line.contains("EVERIFIN_WEBHOOK_SECRET=")
                    && !line.contains("export EVERIFIN_WEBHOOK_SECRET='"),
                "{what}: {line}"
            );
            // A secret file written world-readable first, then chmod-ed.
            assert!(!line.contains("&& chmod 600"), "{what}: {line}");
        }
    }
}

/// The top-level help says what each command reads and prints (not "every command reads the
/// raw body and prints the result JSON": send reads a scenario, decide an event, sign prints
/// a header).
#[test]
fn top_level_help_says_what_each_command_reads_and_prints() {
    let h = run(&["--help"], &[], None).stdout;
    assert!(!h.contains("Every command reads the raw body"), "{h}");
    let about = h
        .split("Usage:")
        .next()
        .unwrap_or_default()
        .replace('\n', " ");
    for part in [
        "sign, verify, explain and normalize read a raw body from FILE or stdin",
        "decide: an event JSON",
        "send: a scenario",
        "sign the Signature header",
        "send a table",
    ] {
        assert!(about.contains(part), "{part:?} not in: {about}");
    }
}

#[test]
fn sign_makes_the_header_everifin_would_send() {
    let out = run_with_secret(&["sign", "--timestamp", TS], SECRET, Some(BODY.as_bytes()));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim(), header_for(SECRET, TS, BODY.as_bytes()));
    out.assert_no_secret(&[SECRET]);

    let json = run_with_secret(
        &["sign", "--json", "--timestamp", TS, "-"],
        SECRET,
        Some(BODY.as_bytes()),
    );
    assert_eq!(json.code, 0);
    let v = json.json();
    assert_eq!(v["ok"], true);
    assert_eq!(v["header"], header_for(SECRET, TS, BODY.as_bytes()));

    let bad_ts = run_with_secret(
        &["sign", "--timestamp", "2024-05-07 14:49:55"],
        SECRET,
        Some(BODY.as_bytes()),
    );
    assert_eq!(bad_ts.code, 2);
    assert!(bad_ts.stderr.contains("cannot sign"), "{}", bad_ts.stderr);
}

#[test]
fn sign_then_verify_round_trip_exits_0() {
    let dir = TempDir::new("roundtrip");
    let body = dir.file("body.json", BODY.as_bytes());
    let header = run_with_secret(&["sign", "--timestamp", TS, &body], SECRET, None);
    assert_eq!(header.code, 0);
    let header = header.stdout.trim().to_owned();

    let out = run_with_secret(
        &["verify", "--header", &header, "--now", NOW, &body],
        SECRET,
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    assert_eq!(v["ok"], true);
    assert_eq!(v["status"], "OK");
    assert_eq!(v["httpStatus"], 200);
    assert_eq!(v["signature"]["key"], "v0");
    assert_eq!(v["signature"]["secretIndex"], 0);
    assert_eq!(v["signature"]["ageMs"], 2000);
    assert_eq!(v["event"]["outcome"], "paid");
    assert_eq!(v["event"]["externalId"], "1001");
    out.assert_no_secret(&[SECRET]);

    // Body on stdin, the header pasted with its name, pretty output: the same result.
    let pasted = format!("Signature: {header}");
    let stdin = run_with_secret(
        &["verify", "--header", &pasted, "--now", NOW, "--pretty"],
        SECRET,
        Some(BODY.as_bytes()),
    );
    assert_eq!(stdin.code, 0, "{}", stdin.stderr);
    assert!(stdin.stdout.lines().count() > 10, "pretty-printed");
    assert_eq!(stdin.json(), v);
}

#[test]
fn rejected_webhooks_exit_1_with_the_result_json() {
    let header = header_for(SECRET, TS, BODY.as_bytes());
    let tampered = BODY.replace("BOOKED", "FAILED");
    let out = run_with_secret(
        &["verify", "--header", &header, "--now", NOW],
        SECRET,
        Some(tampered.as_bytes()),
    );
    assert_eq!(out.code, 1);
    let v = out.json();
    assert_eq!(v["ok"], false);
    assert_eq!(v["status"], "SIGNATURE_MISMATCH");
    assert_eq!(v["httpStatus"], 401);
    assert!(v.get("signature").is_none());
    assert!(
        out.stderr.contains("explain"),
        "points to explain: {}",
        out.stderr
    );
    out.assert_no_secret(&[SECRET]);
    // The expected signature of the tampered body is never shown.
    let expected = hmac_hex(SECRET, &[TS.as_bytes(), b".", tampered.as_bytes()]);
    assert!(!out.stdout.contains(&expected) && !out.stderr.contains(&expected));

    // Authentic but too old: a distinct answer that carries the signature.
    let late = run_with_secret(
        &[
            "verify",
            "--header",
            &header,
            "--now",
            "2024-05-07T15:49:55.887Z",
        ],
        SECRET,
        Some(BODY.as_bytes()),
    );
    assert_eq!(late.code, 1);
    assert_eq!(late.json()["status"], "TIMESTAMP_TOO_OLD");
    assert_eq!(late.json()["signature"]["ageMs"], 3_600_000);
    // ... accepted with a tolerance of two hours, or with the check turned off.
    for tolerance in ["7200", "0"] {
        let ok = run_with_secret(
            &[
                "verify",
                "--header",
                &header,
                "--now",
                "2024-05-07T15:49:55.887Z",
                "--tolerance",
                tolerance,
            ],
            SECRET,
            Some(BODY.as_bytes()),
        );
        assert_eq!(ok.code, 0, "tolerance {tolerance}: {}", ok.stderr);
    }

    let no_header = run_with_secret(
        &["verify", "--header", "", "--now", NOW],
        SECRET,
        Some(BODY.as_bytes()),
    );
    assert_eq!(no_header.code, 1);
    assert_eq!(no_header.json()["status"], "HEADER_MISSING");
}

#[test]
fn usage_and_io_errors_exit_2() {
    let header = header_for(SECRET, TS, BODY.as_bytes());
    // No secret anywhere.
    let none = run(&["verify", "--header", &header], &[], Some(BODY.as_bytes()));
    assert_eq!(none.code, 2);
    assert!(
        none.stderr.contains("EVERIFIN_WEBHOOK_SECRET"),
        "{}",
        none.stderr
    );
    assert!(none.stdout.is_empty());
    // A file that does not exist.
    let missing = run_with_secret(
        &["verify", "--header", &header, "/no/such/body.json"],
        SECRET,
        None,
    );
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .contains("cannot read the body: no such file"),
        "{}",
        missing.stderr
    );
    // A bad --now.
    let now = run_with_secret(
        &["verify", "--header", &header, "--now", "yesterday"],
        SECRET,
        Some(BODY.as_bytes()),
    );
    assert_eq!(now.code, 2);
    assert!(now.stderr.contains("--now"));
    // An option the library refuses.
    let tol = run_with_secret(
        &["verify", "--header", &header, "--tolerance", "999999999"],
        SECRET,
        Some(BODY.as_bytes()),
    );
    assert_eq!(tol.code, 2);
    assert!(tol.stderr.contains("invalid options"), "{}", tol.stderr);
    // No body at all (stdin closed and empty is a body; no stdin terminal here), missing --header.
    let no_header_flag = run_with_secret(&["verify"], SECRET, Some(b""));
    assert_eq!(no_header_flag.code, 2);
}

#[test]
fn secrets_come_from_env_or_file_and_argv_only_with_the_explicit_flag() {
    let dir = TempDir::new("secrets");
    // A rotation: old, then new, CRLF line ends, a blank line.
    let file = dir.file(
        "secrets.txt",
        format!("{OLD_SECRET}\r\n\r\n{SECRET}\r\n").as_bytes(),
    );
    let signed = run(
        &["sign", "--timestamp", TS, "--secret-file", &file],
        &[],
        Some(BODY.as_bytes()),
    );
    assert_eq!(signed.code, 0, "{}", signed.stderr);
    let expected = format!(
        "ts={TS};v0={};v1={}",
        hmac_hex(OLD_SECRET, &[TS.as_bytes(), b".", BODY.as_bytes()]),
        hmac_hex(SECRET, &[TS.as_bytes(), b".", BODY.as_bytes()])
    );
    assert_eq!(signed.stdout.trim(), expected);
    signed.assert_no_secret(&[SECRET, OLD_SECRET]);

    // The shop after the rotation knows only the new secret: v1 matches its secret #0.
    let new_only = dir.file("new.txt", format!("{SECRET}\n").as_bytes());
    let v = run(
        &[
            "verify",
            "--header",
            &expected,
            "--now",
            NOW,
            "--secret-file",
            &new_only,
        ],
        &[],
        Some(BODY.as_bytes()),
    );
    assert_eq!(v.code, 0, "{}", v.stderr);
    assert_eq!(v.json()["signature"]["key"], "v1");
    assert_eq!(v.json()["signature"]["secretIndex"], 0);

    // The file wins over the environment when both are given.
    let both = run(
        &[
            "verify",
            "--header",
            &expected,
            "--now",
            NOW,
            "--secret-file",
            &new_only,
        ],
        &[("EVERIFIN_WEBHOOK_SECRET", "some-other-secret")],
        Some(BODY.as_bytes()),
    );
    assert_eq!(both.code, 0);

    // argv: refused without the flag, and the refusal does not echo the secret.
    let refused = run(
        &["sign", "--timestamp", TS, "--secret", SECRET],
        &[],
        Some(BODY.as_bytes()),
    );
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("--allow-secret-in-argv"),
        "{}",
        refused.stderr
    );
    refused.assert_no_secret(&[SECRET]);
    let allowed = run(
        &[
            "sign",
            "--timestamp",
            TS,
            "--secret",
            SECRET,
            "--allow-secret-in-argv",
        ],
        &[],
        Some(BODY.as_bytes()),
    );
    assert_eq!(allowed.code, 0);
    assert_eq!(
        allowed.stdout.trim(),
        header_for(SECRET, TS, BODY.as_bytes())
    );

    // An empty secret file, an unreadable one.
    let empty = dir.file("empty.txt", b"\n\n");
    let e = run(
        &["sign", "--secret-file", &empty],
        &[],
        Some(BODY.as_bytes()),
    );
    assert_eq!(e.code, 2);
    assert!(e.stderr.contains("no secret"), "{}", e.stderr);
    let gone = run(
        &["sign", "--secret-file", "/no/such/secrets"],
        &[],
        Some(b"{}"),
    );
    assert_eq!(gone.code, 2);

    // Whitespace around a secret: a warning that does not show it.
    let spaced = run_with_secret(
        &["sign", "--timestamp", TS],
        "spaced-secret \n",
        Some(b"{}"),
    );
    assert_eq!(spaced.code, 0);
    assert!(spaced.stderr.contains("whitespace"), "{}", spaced.stderr);
    spaced.assert_no_secret(&["spaced-secret"]);
}

/// A secret starting with '-' is a value of --secret, not an unknown option; and no usage error
/// of the argument parser quotes a value given to a secret-bearing argument.
#[test]
fn secrets_in_argv_are_never_echoed_by_usage_errors() {
    const DASHED: &str = "--top-secret-value";
    let signed = run(
        &[
            "sign",
            "--timestamp",
            TS,
            "--secret",
            DASHED,
            "--allow-secret-in-argv",
        ],
        &[],
        Some(BODY.as_bytes()),
    );
    assert_eq!(signed.code, 0, "{}", signed.stderr);
    assert_eq!(
        signed.stdout.trim(),
        header_for(DASHED, TS, BODY.as_bytes())
    );
    signed.assert_no_secret(&[DASHED]);

    const S: &str = "s3cr3t-zq7w";
    let dashed_s = format!("-{S}");
    let attached = format!("--secret={S}");
    let on_flag = format!("--allow-secret-in-argv={S}");
    let cases: Vec<Vec<&str>> = vec![
        // The operator's case, plus another usage error after it.
        vec![
            "sign",
            "--secret",
            DASHED,
            "--allow-secret-in-argv",
            "a.json",
            "extra",
        ],
        vec!["sign", "--secret", &dashed_s, "--no-such-flag"],
        // A command without --secret: clap names the argument it does not know.
        vec!["normalize", &attached, "a.json"],
        vec!["normalize", "--secret", S, "a.json"],
        vec!["verify", "--secret", S],
        // The secret given to the flag instead of to --secret.
        vec!["sign", &on_flag, "a.json"],
        vec!["sign", "--secret", S, "--timestamp"],
        vec![
            "send",
            "--secret",
            S,
            "--timeout",
            "0",
            "--scenario",
            "rotation",
        ],
    ];
    for args in cases {
        let out = run(&args, &[], None);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("error"), "{args:?}: {}", out.stderr);
        out.assert_no_secret(&[S, DASHED]);
    }
}

/// A secret typed where a path is expected (`--secret-file SECRET`, `sign SECRET`) is not echoed
/// by the "no such file" error: the option or the input is named instead.
#[test]
fn a_secret_typed_in_place_of_a_path_is_not_echoed() {
    const TYPED: &str = "whsec_test_LEAKME_9f8e7d6c5b4a";
    let dir = TempDir::new("typed");
    let secrets = dir.file("secrets.txt", format!("{SECRET}\n").as_bytes());
    let body = dir.file("body.json", BODY.as_bytes());
    let header = header_for(SECRET, TS, BODY.as_bytes());
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["sign", "--secret-file", TYPED, &body], "--secret-file"),
        (
            vec!["verify", "--header", &header, "--secret-file", TYPED, &body],
            "--secret-file",
        ),
        (
            vec![
                "explain",
                "--header",
                &header,
                "--secret-file",
                &secrets,
                "--retired-secret-file",
                TYPED,
                &body,
            ],
            "--retired-secret-file",
        ),
        (vec!["sign", "--secret-file", &secrets, TYPED], "the body"),
        (
            vec![
                "explain",
                "--header",
                &header,
                "--secret-file",
                &secrets,
                TYPED,
            ],
            "the body",
        ),
    ];
    for (args, named) in cases {
        let out = run(&args, &[], None);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("no such file"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(out.stderr.contains(named), "{args:?}: {}", out.stderr);
        out.assert_no_secret(&[TYPED, SECRET]);
    }
}

/// A secret file saved by Windows Notepad (a UTF-8 BOM first), or with quotes or `NAME=` around
/// the secret, gets a warning that never shows the secret, and explain finds the BOM.
#[test]
fn a_secret_file_with_a_byte_order_mark_or_quotes_gets_a_warning() {
    let dir = TempDir::new("bom");
    let header = header_for(SECRET, TS, BODY.as_bytes());
    let bom = dir.file("bom.txt", format!("\u{feff}{SECRET}\r\n").as_bytes());
    let out = run(
        &[
            "explain",
            "--header",
            &header,
            "--now",
            NOW,
            "--secret-file",
            &bom,
        ],
        &[],
        Some(BODY.as_bytes()),
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("byte order mark"), "{}", out.stderr);
    assert_eq!(
        out.json()["findings"][0]["code"],
        "secret_bom",
        "{}",
        out.stdout
    );
    out.assert_no_secret(&[SECRET]);
    for (content, warning) in [
        (format!("\"{SECRET}\"\n"), "quotes"),
        (format!("'{SECRET}'\n"), "quotes"),
        (
            format!("EVERIFIN_WEBHOOK_SECRET={SECRET}\n"),
            "variable assignment",
        ),
    ] {
        let file = dir.file("wrapped.txt", content.as_bytes());
        let out = run(
            &["sign", "--timestamp", TS, "--secret-file", &file],
            &[],
            Some(BODY.as_bytes()),
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(out.stderr.contains(warning), "{content:?}: {}", out.stderr);
        out.assert_no_secret(&[SECRET]);
    }
    let plain = dir.file("plain.txt", format!("{SECRET}\n").as_bytes());
    let out = run(
        &["sign", "--timestamp", TS, "--secret-file", &plain],
        &[],
        Some(BODY.as_bytes()),
    );
    assert_eq!(out.stderr, "");
}

/// docs/cli.md: a warning when the secret file is world-readable, none for a file shared with a
/// group only (640, the web server's group: a normal deployment) or private (600).
#[cfg(unix)]
#[test]
fn secret_file_warning_is_for_world_readable_files_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("perm");
    let file = dir.file("secrets.txt", format!("{SECRET}\n").as_bytes());
    for (mode, warns) in [(0o600, false), (0o640, false), (0o644, true), (0o604, true)] {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).expect("chmod");
        let out = run(
            &["sign", "--timestamp", TS, "--secret-file", &file],
            &[],
            Some(BODY.as_bytes()),
        );
        assert_eq!(out.code, 0, "{mode:o}: {}", out.stderr);
        assert_eq!(
            out.stderr.contains("readable by every user"),
            warns,
            "mode {mode:o}: {:?}",
            out.stderr
        );
        out.assert_no_secret(&[SECRET]);
    }
}

/// The JSON text without the whitespace between tokens (strings kept as they are).
fn without_insignificant_whitespace(json: &str) -> String {
    let (mut out, mut in_string, mut escaped) = (String::new(), false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            out.push(c);
            in_string = c == '"';
        }
    }
    out
}

#[test]
fn pretty_output_only_reindents_and_keeps_hook_data_numbers() {
    // hookData is passed through exactly, whitespace between its tokens included; --pretty must
    // not reparse it (1.10 -> 1.1, 30 digits -> 1.2345678901234568e+29, 1e2 -> 100.0, \/ -> /).
    let hook = r#"{"amount":1.10, "big":123456789012345678901234567890,"e":1e2,"neg":-0.0,"empty":{},"list":[[]],"note":"a\"b\/c é \u00e9\n"}"#;
    let body = BODY.replace(r#"{"note":"order 1001/2","cart":7}"#, hook);
    assert!(body.contains(hook));
    let header = header_for(SECRET, TS, body.as_bytes());
    for args in [
        vec!["normalize"],
        vec!["verify", "--header", &header, "--now", NOW],
        vec!["explain", "-q", "--header", &header, "--now", NOW],
    ] {
        let compact = run_with_secret(&args, SECRET, Some(body.as_bytes()));
        let pretty_args: Vec<&str> = args.iter().copied().chain(["--pretty"]).collect();
        let pretty = run_with_secret(&pretty_args, SECRET, Some(body.as_bytes()));
        assert_eq!(compact.code, 0, "{args:?}: {}", compact.stderr);
        assert_eq!(pretty.code, 0, "{args:?}: {}", pretty.stderr);
        assert!(
            compact.stdout.contains(hook),
            "{args:?}: {}",
            compact.stdout
        );
        for scalar in [
            "\"amount\": 1.10,",
            "\"big\": 123456789012345678901234567890,",
            "\"e\": 1e2,",
            "\"neg\": -0.0,",
            "\"empty\": {},",
            r#""note": "a\"b\/c é \u00e9\n""#,
        ] {
            assert!(
                pretty.stdout.contains(scalar),
                "{args:?}: {scalar} in {}",
                pretty.stdout
            );
        }
        assert!(
            pretty.stdout.contains("\"list\": [\n        []\n      ],"),
            "{args:?}: 2-space indentation, [] kept: {}",
            pretty.stdout
        );
        assert!(pretty.stdout.lines().count() > 20, "{args:?}: indented");
        assert_eq!(pretty.json(), compact.json(), "{args:?}");
        assert_eq!(
            without_insignificant_whitespace(&pretty.stdout),
            without_insignificant_whitespace(&compact.stdout),
            "{args:?}: only whitespace between tokens differs"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// normalize, decide

#[test]
fn normalize_and_decide_read_stdin() {
    let n = run(&["normalize"], &[], Some(BODY.as_bytes()));
    assert_eq!(n.code, 0, "{}", n.stderr);
    let v = n.json();
    assert_eq!(v["ok"], true);
    assert!(v.get("signature").is_none());
    assert_eq!(v["event"]["status"], "BOOKED");
    assert_eq!(v["event"]["suggested"]["woocommerce"], "processing");

    let confirmed = BODY.replace("BOOKED", "CONFIRMED");
    let c = run(
        &["normalize", "--confirmed-is-paid"],
        &[],
        Some(confirmed.as_bytes()),
    );
    assert_eq!(c.json()["event"]["outcome"], "paid");
    let c = run(&["normalize"], &[], Some(confirmed.as_bytes()));
    assert_eq!(c.json()["event"]["outcome"], "authorized");
    let o = run(
        &[
            "normalize",
            "--options",
            r#"{"suggestedStates":{"woocommerce":{"paid":"completed"}}}"#,
        ],
        &[],
        Some(BODY.as_bytes()),
    );
    assert_eq!(o.json()["event"]["suggested"]["woocommerce"], "completed");
    let bad_opts = run(
        &["normalize", "--options", r#"{"toleranceSecs":1}"#],
        &[],
        Some(b"{}"),
    );
    assert_eq!(bad_opts.code, 2);

    let invalid = run(
        &["normalize"],
        &[],
        Some(br#"{"eventId":"nope","eventType":"payment.statusChange"}"#),
    );
    assert_eq!(invalid.code, 1);
    assert_eq!(invalid.json()["status"], "EVENT_INVALID");
    assert_eq!(invalid.json()["field"], "eventId");

    // normalize | decide: a new order applies; the same event against its new state is a duplicate.
    let first = run(&["decide"], &[], Some(n.stdout.as_bytes()));
    assert_eq!(first.code, 0, "{}", first.stderr);
    let f = first.json();
    assert_eq!(f["decision"]["action"], "apply");
    assert_eq!(f["decision"]["reason"], "first");
    assert_eq!(f["state"]["status"], "BOOKED");
    let state = serde_json::to_string(&f["state"]).expect("state");
    let again = run(
        &["decide", "--state", &state],
        &[],
        Some(n.stdout.as_bytes()),
    );
    assert_eq!(again.json()["decision"]["reason"], "duplicate");

    // A final state is not moved back by an older or lower status; state from a file.
    let dir = TempDir::new("decide");
    let state_file = dir.file(
        "state.json",
        br#"{"status":"BOOKED","lastEventTimestampMs":1715093395000}"#,
    );
    let event_file = dir.file(
        "event.json",
        n.stdout.replace("BOOKED", "PROCESSING").as_bytes(),
    );
    let reg = run(
        &["decide", "--state-file", &state_file, &event_file],
        &[],
        None,
    );
    assert_eq!(reg.code, 0);
    assert_eq!(reg.json()["decision"]["action"], "skip");
    assert_eq!(reg.json()["decision"]["reason"], "regression");

    let bad_state = run(
        &["decide", "--state", "[1]"],
        &[],
        Some(n.stdout.as_bytes()),
    );
    assert_eq!(bad_state.code, 1);
    assert_eq!(bad_state.json()["status"], "STATE_INVALID");
}

// ---------------------------------------------------------------------------------------------
// send

/// A tiny shop: verifies with the library, decides per order (data.externalId) in memory,
/// answers 200 with the decision (`{"received":true,"decision":{..},"orderOutcome":..}`, the shape
/// of docs/design.md) or the binding-style error status.
struct Shop {
    url: String,
    requests: RequestLog,
}

/// How the test shop keeps state and answers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ShopKind {
    /// One state per order, decision in the answer: what a correct endpoint does.
    PerOrder,
    /// A broken endpoint: one state shared by every order.
    SharedState,
    /// A correct endpoint that answers `{"ok":true}` without its decision.
    Silent,
}

/// Each request's Signature header (None: absent) and the status answered.
type RequestLog = Arc<Mutex<Vec<(Option<String>, u16)>>>;

fn start_shop(secrets: &[&str]) -> Shop {
    start_shop_of(secrets, ShopKind::PerOrder)
}

fn start_shop_of(secrets: &[&str], kind: ShopKind) -> Shop {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/webhook", listener.local_addr().expect("addr"));
    let options = serde_json::json!({ "secrets": secrets }).to_string();
    let verifier = everifin_webhook::Verifier::new(options.as_bytes()).expect("verifier");
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&requests);
    std::thread::spawn(move || {
        let mut states: HashMap<String, String> = HashMap::new();
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let _ = serve(stream, &verifier, &mut states, &log, kind);
        }
    });
    Shop { url, requests }
}

fn serve(
    stream: impl Read + Write,
    verifier: &everifin_webhook::Verifier,
    states: &mut HashMap<String, String>,
    log: &RequestLog,
    kind: ShopKind,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    let (length, signature) = read_head(&mut reader)?;
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    let (status, answer) =
        match verifier.process(&body, signature.as_deref().unwrap_or("").as_bytes(), 0) {
            Ok(v) => {
                let order = match kind {
                    ShopKind::SharedState => String::new(),
                    _ => v.event.external_id.clone().unwrap_or_default(),
                };
                let event_json = everifin_webhook::result::normalize(&Ok(v.event.clone()));
                let state = states.get(&order).cloned().unwrap_or_default();
                let d = everifin_webhook::decide(event_json.as_bytes(), state.as_bytes())
                    .expect("decide");
                states.insert(order, d.state_json().to_owned());
                let answer = match kind {
                    ShopKind::Silent => r#"{"ok":true}"#.to_owned(),
                    _ => serde_json::json!({
                        "received": true,
                        "decision": {"action": d.action, "reason": d.reason},
                        "orderOutcome": d.order_outcome,
                    })
                    .to_string(),
                };
                (200, answer)
            }
            Err(e) => (
                e.status.http_status(),
                format!(r#"{{"ok":false,"status":"{}"}}"#, e.status),
            ),
        };
    log.lock().expect("log").push((signature, status));
    let stream = reader.get_mut();
    write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len()
    )?;
    stream.flush()
}

#[test]
fn send_replays_the_payment_flow_against_a_local_shop() {
    let shop = start_shop(&[OLD_SECRET, SECRET]);
    let out = send(
        "payment-flow",
        &shop.url,
        &[OLD_SECRET, SECRET],
        &["--run-id", "t1"],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("summary: 17 passed, 0 failed of 17 steps"),
        "{}",
        out.stdout
    );
    // The shop's answers are in the table: duplicate and stale skipped, forgeries rejected.
    assert!(
        out.stdout.contains(r#""reason":"duplicate""#),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(r#""reason":"stale""#));
    assert!(
        out.stdout
            .contains("decisions: 13 checked, 0 wrong, 0 not reported by the endpoint"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("SIGNATURE_MISMATCH"));
    assert!(out.stdout.contains("TIMESTAMP_TOO_OLD"));
    assert!(out.stdout.contains("HEADER_MISSING"));
    assert_eq!(out.stdout.matches("PASS").count(), 17);
    assert!(
        out.stderr.contains("[17/17]"),
        "progress on stderr: {}",
        out.stderr
    );
    out.assert_no_secret(&[SECRET, OLD_SECRET]);

    let seen = shop.requests.lock().expect("log").clone();
    assert_eq!(seen.len(), 17);
    let rejected = seen.iter().filter(|(_, s)| *s == 401).count();
    assert_eq!(rejected, 4, "forged, tampered, replayed, unsigned");
    assert!(
        seen.iter().any(|(h, _)| h.is_none()),
        "one request has no Signature header"
    );
    assert!(
        seen.iter()
            .any(|(h, _)| h.as_deref().is_some_and(|h| h.contains(";v1="))),
        "the rotation steps carry v0 and v1"
    );
}

/// Every signed step refused with 401 (the endpoint has other secrets): a hint says the secrets
/// probably differ; a run that passes has no such hint.
#[test]
fn send_says_the_secrets_differ_when_every_signed_step_gets_401() {
    let shop = start_shop(&[OLD_SECRET, SECRET]);
    let out = send(
        "rotation",
        &shop.url,
        &["another-old-secret", "another-new-secret"],
        &["-q"],
    );
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("every signed step got 401") && out.stderr.contains("secrets"),
        "{}",
        out.stderr
    );
    out.assert_no_secret(&["another-old-secret", "another-new-secret"]);
    let ok = send("rotation", &shop.url, &[OLD_SECRET, SECRET], &["-q"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(!ok.stderr.contains("401"), "{}", ok.stderr);
}

/// `--print-scenario` writes a shipped scenario's file byte for byte (docs/cli.md's WooCommerce
/// recipe adapts it with sed); an unknown name, an empty --run-id and a scenario that is not an
/// object are usage errors with plain messages.
#[test]
fn send_prints_a_shipped_scenario_and_refuses_odd_input() {
    for name in ["payment-flow", "order-safety", "rotation"] {
        let out = run(&["send", "--print-scenario", name], &[], None);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let file = std::fs::read_to_string(format!(
            "{}/scenarios/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("the scenario file");
        assert_eq!(out.stdout, file, "{name}");
    }
    let unknown = run(&["send", "--print-scenario", "nope"], &[], None);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("order-safety"),
        "{}",
        unknown.stderr
    );
    let empty = run_with_secret(
        &[
            "send",
            "--scenario",
            "rotation",
            "--dry-run",
            "--run-id",
            "",
        ],
        SECRET,
        None,
    );
    assert_eq!(empty.code, 2);
    assert!(empty.stderr.contains("--run-id"), "{}", empty.stderr);
    let dir = TempDir::new("array");
    for text in ["[]", "[{\"name\":\"x\"}]", "\"steps\""] {
        let file = dir.file("s.json", text.as_bytes());
        let out = run_with_secret(&["send", "--scenario", &file, "--dry-run"], SECRET, None);
        assert_eq!(out.code, 2);
        assert!(
            out.stderr.contains("a scenario is a JSON object"),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("FileFormat"), "{}", out.stderr);
    }
}

#[test]
fn send_rotation_scenario_passes() {
    let shop = start_shop(&[OLD_SECRET, SECRET]);
    let out = send("rotation", &shop.url, &[OLD_SECRET, SECRET], &["-q"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("summary: 6 passed, 0 failed"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.is_empty(), "--quiet: {}", out.stderr);
}

#[test]
fn send_fails_an_endpoint_that_shares_one_state_across_orders() {
    // Every HTTP status is right, but order 1002 is decided with order 1001's state.
    let shop = start_shop_of(&[OLD_SECRET, SECRET], ShopKind::SharedState);
    let out = send("payment-flow", &shop.url, &[OLD_SECRET, SECRET], &["-q"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("17 passed"), "{}", out.stdout);
    let failed: Vec<&str> = out.stdout.lines().filter(|l| l.contains("FAIL")).collect();
    assert!(
        failed
            .iter()
            .any(|l| l.contains("1002 CREATED") && l.contains("skip/already_paid")),
        "order 1002's first event is skipped with 1001's state: {}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!(
            "summary: {} passed, {} failed of 17 steps",
            17 - failed.len(),
            failed.len()
        )),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("wrong"), "{}", out.stdout);
}

#[test]
fn send_checks_decisions_only_when_reported_unless_required() {
    let shop = start_shop_of(&[SECRET], ShopKind::Silent);
    let dir = TempDir::new("silent");
    let secrets = dir.file("secrets.txt", format!("{SECRET}\n").as_bytes());
    let args = |extra: &'static [&'static str]| {
        let mut a = vec![
            "send".to_owned(),
            "--scenario".to_owned(),
            "order-safety".to_owned(),
            "--url".to_owned(),
            shop.url.clone(),
            "--secret-file".to_owned(),
            secrets.clone(),
            "-q".to_owned(),
        ];
        a.extend(extra.iter().map(|s| (*s).to_owned()));
        a
    };
    let plain = args(&[]);
    let out = run(
        &plain.iter().map(String::as_str).collect::<Vec<_>>(),
        &[],
        None,
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("decisions: 0 checked, 0 wrong, 14 not reported by the endpoint"),
        "{}",
        out.stdout
    );
    let strict = args(&["--require-decisions"]);
    let out = run(
        &strict.iter().map(String::as_str).collect::<Vec<_>>(),
        &[],
        None,
    );
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("summary: 0 passed, 14 failed of 14 steps"),
        "{}",
        out.stdout
    );
}

#[test]
fn send_order_safety_scenario_passes_against_a_per_order_endpoint() {
    let shop = start_shop(&[SECRET]);
    let out = send(
        "order-safety",
        &shop.url,
        &[SECRET],
        &["-q", "--require-decisions"],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("summary: 14 passed, 0 failed of 14 steps"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("decisions: 14 checked, 0 wrong, 0 not reported"),
        "{}",
        out.stdout
    );
}

#[test]
fn send_reports_unexpected_answers_and_exits_1() {
    // The shop knows only the old secret: every step signed with the new one fails.
    let shop = start_shop(&[OLD_SECRET]);
    let dir = TempDir::new("sendfail");
    let secrets = dir.file(
        "secrets.txt",
        format!("{OLD_SECRET}\n{SECRET}\n").as_bytes(),
    );
    let scenario = dir.file(
        "mine.json",
        br#"{"name": "mine", "secrets": 2,
            "templates": {"p": {"eventId": "{{eventId}}", "eventType": "payment.statusChange",
              "eventTimestamp": "{{eventTime}}",
              "data": {"paymentId": "{{uuid:p}}", "externalId": "42-{{run}}", "status": "{{status}}"}}},
            "steps": [
              {"name": "old secret", "template": "p", "vars": {"status": "SEEN"}, "signWith": [0], "expect": 200},
              {"name": "new secret", "template": "p", "vars": {"status": "BOOKED"}, "at": "+1s", "signWith": [1], "expect": 200},
              {"name": "expect wrong", "bodyRaw": "not json", "signWith": [0], "expect": 200}
            ]}"#,
    );
    let out = run(
        &[
            "send",
            "--scenario",
            &scenario,
            "--url",
            &shop.url,
            "--secret-file",
            &secrets,
        ],
        &[],
        None,
    );
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("summary: 1 passed, 2 failed of 3 steps"),
        "{}",
        out.stdout
    );
    let rows: Vec<&str> = out.stdout.lines().filter(|l| l.contains("FAIL")).collect();
    assert_eq!(rows.len(), 2, "{}", out.stdout);
    assert!(
        rows[0].contains("401") && rows[1].contains("400"),
        "{rows:?}"
    );

    // Nobody listening: FAIL with "no answer", exit 1.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let url = format!("http://127.0.0.1:{closed}/webhook");
    let out = run(
        &[
            "send",
            "--scenario",
            &scenario,
            "--url",
            &url,
            "--secret-file",
            &secrets,
            "--timeout",
            "2",
        ],
        &[],
        None,
    );
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("no answer"), "{}", out.stdout);
}

#[test]
fn send_usage_errors_and_listing() {
    let list = run(&["send", "--list"], &[], None);
    assert_eq!(list.code, 0);
    assert!(list.stdout.contains("payment-flow") && list.stdout.contains("rotation"));

    let dir = TempDir::new("sendusage");
    let one = dir.file("one.txt", format!("{SECRET}\n").as_bytes());
    let few = run(
        &[
            "send",
            "--scenario",
            "payment-flow",
            "--url",
            "http://127.0.0.1:9/",
            "--secret-file",
            &one,
        ],
        &[],
        None,
    );
    assert_eq!(few.code, 2);
    assert!(few.stderr.contains("needs 2 secrets"), "{}", few.stderr);

    let unknown = run_with_secret(
        &[
            "send",
            "--scenario",
            "no-such-scenario",
            "--url",
            "http://127.0.0.1:9/",
        ],
        SECRET,
        None,
    );
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("payment-flow"),
        "lists the shipped ones: {}",
        unknown.stderr
    );

    let broken = dir.file(
        "broken.json",
        br#"{"name": "b", "steps": [{"name": "x", "template": "nope", "expect": 200}]}"#,
    );
    let b = run_with_secret(
        &[
            "send",
            "--scenario",
            &broken,
            "--url",
            "http://127.0.0.1:9/",
        ],
        SECRET,
        None,
    );
    assert_eq!(b.code, 2);
    assert!(b.stderr.contains("no template \"nope\""), "{}", b.stderr);

    // (order-safety needs one secret: the URL is what is refused.)
    for bad in ["ftp://shop", "localhost:8080/x", "127.0.0.1:8080/webhook"] {
        let out = run_with_secret(
            &["send", "--scenario", "order-safety", "--url", bad],
            SECRET,
            None,
        );
        assert_eq!(out.code, 2, "{bad}");
        assert!(
            out.stderr.contains("must start with http:// or https://"),
            "{bad}: {}",
            out.stderr
        );
    }

    // A directory is said to be one (not "no scenario file").
    let d = run_with_secret(
        &[
            "send",
            "--scenario",
            dir.0.to_str().expect("utf-8"),
            "--dry-run",
        ],
        SECRET,
        None,
    );
    assert_eq!(d.code, 2);
    assert!(d.stderr.contains("is a directory"), "{}", d.stderr);
}

/// docs/cli.md: the whole scenario is checked before the first request. A literal `header` with
/// CR, LF or another control character cannot be sent: refused at load (exit 2, no request sent),
/// not a failure in the middle of the run.
#[test]
fn send_refuses_a_literal_header_with_control_characters_before_sending() {
    let shop = start_shop(&[SECRET]);
    let dir = TempDir::new("ctlheader");
    let secrets = dir.file("secrets.txt", format!("{SECRET}\n").as_bytes());
    for (i, bad) in [
        "ts=1;v0=ab\r\nX-Injected: 1",
        "ts=1;v0=ab\n",
        "ts=1\u{0}",
        "a\u{7f}b",
    ]
    .iter()
    .enumerate()
    {
        let scenario = serde_json::json!({
            "name": "ctl",
            "steps": [
                {"name": "fine", "bodyRaw": "{}", "expect": 400},
                {"name": "bad header", "bodyRaw": "{}", "header": bad, "expect": 401}
            ]
        });
        let file = dir.file(&format!("s{i}.json"), scenario.to_string().as_bytes());
        for extra in [&["--dry-run"][..], &["--url", &shop.url][..]] {
            let mut args = vec!["send", "--scenario", &file, "--secret-file", &secrets];
            args.extend_from_slice(extra);
            let out = run(&args, &[], None);
            assert_eq!(
                out.code, 2,
                "{bad:?} {extra:?}: {}{}",
                out.stdout, out.stderr
            );
            assert!(
                out.stderr.contains("step 2 (bad header)")
                    && out
                        .stderr
                        .contains("\"header\" has the control character 0x"),
                "{bad:?}: {}",
                out.stderr
            );
        }
    }
    assert!(
        shop.requests.lock().expect("log").is_empty(),
        "nothing is sent"
    );
    // Tabs and spaces are fine (and so is a header that is not a valid signature).
    let ok = serde_json::json!({"name": "ok", "steps": [
        {"name": "odd", "bodyRaw": "{}", "header": "ts=1;\tv0=zz ", "expect": 401}]});
    let file = dir.file("ok.json", ok.to_string().as_bytes());
    let out = run(
        &[
            "send",
            "--scenario",
            &file,
            "--secret-file",
            &secrets,
            "--url",
            &shop.url,
        ],
        &[],
        None,
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

#[test]
fn send_timeout_is_1_to_3600_seconds() {
    // Outside the range: a usage error from the argument parser, before any request (0 used to
    // mean 1 s silently, i64::MAX seconds panicked adding the duration to an instant).
    for bad in [
        "0",
        "3601",
        "9223372036854775807",
        "18446744073709551616",
        "-1",
    ] {
        let timeout = format!("--timeout={bad}");
        let out = run_with_secret(
            &[
                "send",
                "--scenario",
                "order-safety",
                "--url",
                "http://127.0.0.1:9/",
                &timeout,
            ],
            SECRET,
            None,
        );
        assert_eq!(out.code, 2, "--timeout {bad}: {}", out.stderr);
        assert!(
            out.stderr.contains("--timeout") && !out.stderr.contains("panicked"),
            "--timeout {bad}: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty(), "--timeout {bad}: {}", out.stdout);
    }
    // The limits themselves are accepted.
    for good in ["1", "3600"] {
        let out = run_with_secret(
            &[
                "send",
                "--scenario",
                "order-safety",
                "--dry-run",
                "--timeout",
                good,
            ],
            SECRET,
            None,
        );
        assert_eq!(out.code, 0, "--timeout {good}: {}", out.stderr);
    }
    let help = run(&["send", "--help"], &[], None);
    assert!(
        help.stdout.contains("1 to 3600"),
        "--help names the range: {}",
        help.stdout
    );
}

#[test]
fn send_dry_run_prints_verifiable_requests() {
    let dir = TempDir::new("dry");
    let secrets = dir.file(
        "secrets.txt",
        format!("{OLD_SECRET}\n{SECRET}\n").as_bytes(),
    );
    let out = run(
        &[
            "send",
            "--scenario",
            "payment-flow",
            "--dry-run",
            "--secret-file",
            &secrets,
        ],
        &[],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let mut verified = 0;
    for (i, l) in lines.iter().enumerate() {
        if let Some(h) = l.strip_prefix("Signature: ") {
            let body = lines[i + 1];
            let ts = h
                .split(';')
                .next()
                .and_then(|p| p.strip_prefix("ts="))
                .expect("ts");
            let new = hmac_hex(SECRET, &[ts.as_bytes(), b".", body.as_bytes()]);
            let old = hmac_hex(OLD_SECRET, &[ts.as_bytes(), b".", body.as_bytes()]);
            if h.contains(&new) || h.contains(&old) {
                verified += 1;
            }
        }
    }
    // 17 steps, one without a header; the forged one and the tampered one do not verify.
    assert_eq!(verified, 14, "{}", out.stdout);
}

/// A server that reads each request and answers `answer` as is (None: never answers, holds the
/// connection for a few seconds). Returns its URL.
fn start_canned(answer: Option<&'static str>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/webhook", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = read_request(&mut stream);
            match answer {
                Some(a) => {
                    let _ = stream.write_all(a.as_bytes());
                }
                None => {
                    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
                    let _ = stream.read(&mut [0u8; 1]);
                }
            }
        }
    });
    url
}

/// Reads one request's head and body (Content-Length).
fn read_request(stream: &mut TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    let (length, _) = read_head(&mut reader)?;
    reader.read_exact(&mut vec![0u8; length])
}

/// Reads a request line and headers: the Content-Length (0 when absent) and the Signature header.
/// A connection closed before the blank line ends the head where it stopped.
fn read_head(reader: &mut impl BufRead) -> std::io::Result<(usize, Option<String>)> {
    let mut length = 0usize;
    let mut signature = None;
    let mut first = true;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 {
            break;
        }
        let h = h.trim_end();
        if std::mem::take(&mut first) {
            continue; // the request line
        }
        if h.is_empty() {
            break;
        }
        if let Some((name, value)) = h.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            } else if name.eq_ignore_ascii_case("signature") {
                signature = Some(value.trim().to_owned());
            }
        }
    }
    Ok((length, signature))
}

/// One step, signed with the configured secret, expecting 200.
const ONE_STEP: &[u8] =
    br#"{"name": "one", "steps": [{"name": "paid", "body": {"eventId": "{{eventId}}",
  "eventType": "payment.statusChange", "eventTimestamp": "{{eventTime}}", "data": {"paymentId":
  "{{uuid:p}}", "externalId": "7-{{run}}", "status": "BOOKED"}}, "expect": 200}]}"#;

fn send_one_step(url: &str, extra: &[&str]) -> Out {
    let dir = TempDir::new("onestep");
    let scenario = dir.file("one.json", ONE_STEP);
    send(&scenario, url, &[SECRET], extra)
}

#[test]
fn send_says_why_there_is_no_answer_redirects_and_timeouts() {
    // A redirect is not followed: the answer column says where it points.
    let url = start_canned(Some(
        "HTTP/1.1 301 Moved Permanently\r\nLocation: https://shop.example/new/webhook\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    ));
    let out = send_one_step(&url, &["-q"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let row = out
        .stdout
        .lines()
        .find(|l| l.contains("FAIL"))
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert!(
        row.contains("301")
            && row.contains(
                "redirect to https://shop.example/new/webhook (not followed: use that URL)"
            ),
        "{row}"
    );

    // No answer within --timeout: said in the option's terms.
    let url = start_canned(None);
    let started = std::time::Instant::now();
    let out = send_one_step(&url, &["-q", "--timeout", "1"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("no answer within 1 s (--timeout)"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("timeout: global"), "{}", out.stdout);
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
}

/// The server's certificate in a test of `send --cacert`.
#[derive(Clone, Copy)]
enum ServerCert {
    /// Issued by a CA made here (`ca_pem`).
    IssuedByCa,
    /// The CA's own certificate (a CA used as end entity).
    CaItself,
    /// A self-signed certificate that is not a CA (`ca_pem` is that certificate).
    SelfSigned,
}

/// A CA made here and a server certificate for 127.0.0.1 (and localhost).
struct Pki {
    ca_pem: String,
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
}

fn make_pki(kind: ServerCert) -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "everifin-webhook test CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
    if let ServerCert::SelfSigned = kind {
        let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("params");
        leaf.is_ca = IsCa::ExplicitNoCa;
        let cert = leaf.self_signed(&ca_key).expect("self-signed certificate");
        return Pki {
            ca_pem: cert.pem(),
            chain: vec![cert.der().clone()],
            key: rustls::pki_types::PrivatePkcs8KeyDer::from(ca_key.serialize_der()).into(),
        };
    }
    if let ServerCert::CaItself = kind {
        return Pki {
            ca_pem: ca_cert.pem(),
            chain: vec![ca_cert.der().clone()],
            key: rustls::pki_types::PrivatePkcs8KeyDer::from(ca_key.serialize_der()).into(),
        };
    }
    let key = KeyPair::generate().expect("server key");
    let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("server params");
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.distinguished_name.push(DnType::CommonName, "shop");
    let leaf_cert = leaf
        .signed_by(&key, &ca_cert, &ca_key)
        .expect("server certificate");
    Pki {
        ca_pem: ca_cert.pem(),
        chain: vec![leaf_cert.der().clone()],
        key: rustls::pki_types::PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
    }
}

/// The test shop (one state per order) behind TLS with the PKI's certificate. Returns its URL.
fn start_tls_shop(secrets: &[&str], pki: &Pki) -> String {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(pki.chain.clone(), pki.key.clone_key())
            .expect("server certificate and key"),
    );
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("https://{}/webhook", listener.local_addr().expect("addr"));
    let options = serde_json::json!({ "secrets": secrets }).to_string();
    let verifier = everifin_webhook::Verifier::new(options.as_bytes()).expect("verifier");
    let log: RequestLog = Arc::new(Mutex::new(Vec::new()));
    std::thread::spawn(move || {
        let mut states: HashMap<String, String> = HashMap::new();
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let Ok(conn) = rustls::ServerConnection::new(Arc::clone(&config)) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(conn, stream);
            if serve(&mut tls, &verifier, &mut states, &log, ShopKind::PerOrder).is_ok() {
                tls.conn.send_close_notify();
                let _ = tls.flush();
            }
        }
    });
    url
}

#[test]
fn send_over_https_trusts_a_private_ca_given_with_cacert() {
    let pki = make_pki(ServerCert::IssuedByCa);
    let url = start_tls_shop(&[SECRET], &pki);
    let dir = TempDir::new("cacert");
    let ca = dir.file("ca.pem", pki.ca_pem.as_bytes());

    // Not trusted by default: said so, with the way out, no rustls debug text.
    let out = send_one_step(&url, &["-q"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("TLS: the server's certificate is not trusted (issued by an unknown CA")
            && out.stdout.contains("--cacert FILE"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("UnknownIssuer"), "{}", out.stdout);

    // Trusted with --cacert: the step reaches the shop and passes.
    let out = send_one_step(&url, &["-q", "--cacert", &ca]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("summary: 1 passed, 0 failed of 1 steps"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(r#""reason":"first""#), "{}", out.stdout);

    // An unrelated CA does not help (that Mozilla's roots stay trusted next to an added CA is
    // send.rs's unit test).
    let other = make_pki(ServerCert::IssuedByCa);
    let other_ca = dir.file("other.pem", other.ca_pem.as_bytes());
    let out = send_one_step(&url, &["-q", "--cacert", &other_ca]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("not trusted"), "{}", out.stdout);

    // A self-signed server certificate (not a CA) is trusted when given itself.
    let own = make_pki(ServerCert::SelfSigned);
    let url = start_tls_shop(&[SECRET], &own);
    let cert = dir.file("self.pem", own.ca_pem.as_bytes());
    let out = send_one_step(&url, &["-q"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let out = send_one_step(&url, &["-q", "--cacert", &cert]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

#[test]
fn send_explains_a_ca_certificate_used_as_the_server_certificate() {
    // The operator's case: a self-signed CA certificate as the server's own certificate.
    let pki = make_pki(ServerCert::CaItself);
    let url = start_tls_shop(&[SECRET], &pki);
    let dir = TempDir::new("caee");
    let ca = dir.file("ca.pem", pki.ca_pem.as_bytes());
    for extra in [&["-q"][..], &["-q", "--cacert", &ca][..]] {
        let out = send_one_step(&url, extra);
        assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
        assert!(
            out.stdout.contains(
                "TLS: the server's certificate is not trusted (the server presents a CA certificate as its own"
            ),
            "{extra:?}: {}",
            out.stdout
        );
        assert!(!out.stdout.contains("OtherError"), "{}", out.stdout);
    }
}

#[test]
fn send_refuses_an_unusable_cacert_file() {
    let dir = TempDir::new("badca");
    let not_pem = dir.file("not.pem", b"just text\n");
    let bad_base64 = dir.file(
        "bad64.pem",
        b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
    );
    let not_x509 = dir.file(
        "junk.pem",
        b"-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n",
    );
    let cases = [
        ("/no/such/ca.pem", "cannot read --cacert /no/such/ca.pem"),
        (not_pem.as_str(), "holds no certificate"),
        (bad_base64.as_str(), "is not a valid PEM file"),
        (
            not_x509.as_str(),
            "certificate 1 is not a usable X.509 CA certificate",
        ),
    ];
    for (file, says) in cases {
        let out = send_one_step("https://127.0.0.1:9/webhook", &["--cacert", file]);
        assert_eq!(out.code, 2, "{file}: {}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains(says), "{file}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "nothing sent: {}", out.stdout);
    }
}

// ---------------------------------------------------------------------------------------------
// explain

struct Explained {
    out: Out,
    json: Value,
}

impl Explained {
    fn finding(&self, code: &str) -> &Value {
        self.json["findings"]
            .as_array()
            .and_then(|f| f.iter().find(|x| x["code"] == code))
            .unwrap_or_else(|| panic!("no {code} finding in {}", self.out.stdout))
    }
}

/// Runs explain with the configured secret(s) in a file or env, and checks what must always hold:
/// the result JSON on stdout, a summary on stderr, no secret and no expected signature anywhere.
fn explain(
    body: &[u8],
    header: &str,
    configured: &str,
    extra: &[&str],
    forbidden_macs: &[String],
) -> Explained {
    let mut args = vec!["explain", "--header", header];
    args.extend_from_slice(extra);
    let out = run_with_secret(&args, configured, Some(body));
    assert!(
        out.code == 0 || out.code == 1,
        "exit {}: {}",
        out.code,
        out.stderr
    );
    out.assert_no_secret(&[configured, SECRET, OLD_SECRET]);
    for mac in forbidden_macs {
        assert!(
            !out.stdout.contains(mac.as_str()) && !out.stderr.contains(mac.as_str()),
            "the expected signature was revealed"
        );
    }
    let json = out.json();
    assert!(
        json["findings"].is_array() && json["secrets"].is_array(),
        "{}",
        out.stdout
    );
    if !extra.contains(&"-q") {
        assert!(
            out.stderr.contains("findings") || out.stderr.contains("verified"),
            "{}",
            out.stderr
        );
    }
    Explained { out, json }
}

fn expected_mac(secret: &str, body: &[u8]) -> String {
    hmac_hex(secret, &[TS.as_bytes(), b".", body])
}

fn signed_reencoded(received: &[u8], transform: &str) {
    signed_reencoded_from(BODY.as_bytes(), received, transform);
}

/// The sender signed `signed`; the shop received `received`: explain names `transform`.
fn signed_reencoded_from(signed: &[u8], received: &[u8], transform: &str) {
    let header = header_for(SECRET, TS, signed);
    let e = explain(
        received,
        &header,
        SECRET,
        &["--now", NOW],
        &[expected_mac(SECRET, received)],
    );
    assert_eq!(e.out.code, 1);
    assert_eq!(e.json["status"], "SIGNATURE_MISMATCH");
    let f = e.finding("body_reencoded");
    let transforms: Vec<&str> = f["transforms"]
        .as_array()
        .expect("transforms")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        transforms.contains(&transform),
        "{transform} not in {transforms:?}"
    );
    assert!(e.out.stderr.contains("body_reencoded"), "{}", e.out.stderr);
}

#[test]
fn explain_finds_unescaped_unicode_and_a_reformatted_number() {
    // Signed with \u escapes (ASCII only), received with the characters themselves.
    let escaped = BODY.replace("order 1001/2", "caf\\u00e9 \\u20ac");
    let literal = BODY.replace("order 1001/2", "café €");
    signed_reencoded_from(escaped.as_bytes(), literal.as_bytes(), "unicode_unescaped");
    // Signed as 1.5, received as 1.50: only the number's writing changed.
    let short = BODY.replace(r#""cart":7"#, r#""cart":1.5"#);
    let long = BODY.replace(r#""cart":7"#, r#""cart":1.50"#);
    signed_reencoded_from(short.as_bytes(), long.as_bytes(), "reformatted");
}

/// docs/cli.md's findings table lists every `transform` of `body_reencoded` (docs/behaviour.md
/// section 9; each is found by a test above or in src/explain/tests.rs).
#[test]
fn docs_list_every_body_reencoded_transform() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/cli.md"))
        .expect("docs/cli.md");
    let row = doc
        .lines()
        .find(|l| l.starts_with("| `body_reencoded`"))
        .expect("the body_reencoded row");
    for t in [
        "pretty_printed",
        "compacted",
        "key_order",
        "escaped_slashes",
        "unescaped_slashes",
        "unicode_escaped",
        "unicode_unescaped",
        "crlf",
        "lf",
        "bom",
        "trailing_newline",
        "decimals_shortened",
        "reformatted",
    ] {
        assert!(row.contains(&format!("`{t}`")), "{t} is not in: {row}");
    }
}

#[test]
fn explain_finds_a_secret_with_a_trailing_newline() {
    let header = header_for(SECRET, TS, BODY.as_bytes());
    let configured = format!("{SECRET}\n");
    let e = explain(
        BODY.as_bytes(),
        &header,
        &configured,
        &["--now", NOW],
        &[expected_mac(&configured, BODY.as_bytes())],
    );
    assert_eq!(e.out.code, 1);
    let f = e.finding("secret_whitespace");
    assert_eq!(f["secretIndex"], 0);
    assert!(
        f["message"].as_str().unwrap_or("").contains("newline"),
        "{f}"
    );
    let fp = format!(
        "sha256:{}",
        &hex::encode(Sha256::digest(configured.as_bytes()))[..8]
    );
    assert_eq!(e.json["secrets"][0]["fingerprint"], fp);
}

#[test]
fn explain_finds_a_pretty_printed_body() {
    let v: Value = serde_json::from_str(BODY).expect("json");
    let pretty = serde_json::to_string_pretty(&v).expect("pretty");
    signed_reencoded(pretty.as_bytes(), "pretty_printed");
}

#[test]
fn explain_finds_reordered_keys() {
    let reordered = r#"{"data":{"hookData":{"note":"order 1001/2","cart":7},"status":"BOOKED","paymentId":"da96bc8f-1a63-4b0e-8f7e-2a4f4fe6f1b1","externalId":"1001"},"eventType":"payment.statusChange","eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventTimestamp":"2024-05-07T14:49:55.884Z"}"#;
    signed_reencoded(reordered.as_bytes(), "key_order");
}

#[test]
fn explain_finds_escaped_slashes() {
    signed_reencoded(BODY.replace('/', "\\/").as_bytes(), "escaped_slashes");
}

#[test]
fn explain_finds_crlf_line_ends() {
    // Signed with LF line ends (a pretty body), received with CRLF.
    let v: Value = serde_json::from_str(BODY).expect("json");
    let lf = serde_json::to_string_pretty(&v).expect("pretty");
    let crlf = lf.replace('\n', "\r\n");
    let header = header_for(SECRET, TS, lf.as_bytes());
    let e = explain(
        crlf.as_bytes(),
        &header,
        SECRET,
        &["--now", NOW],
        &[expected_mac(SECRET, crlf.as_bytes())],
    );
    assert_eq!(e.out.code, 1);
    assert_eq!(e.finding("body_reencoded")["transform"], "crlf");
}

#[test]
fn explain_finds_a_byte_order_mark() {
    let mut received = b"\xEF\xBB\xBF".to_vec();
    received.extend_from_slice(BODY.as_bytes());
    signed_reencoded(&received, "bom");
}

#[test]
fn explain_finds_body_dot_ts_concatenation() {
    let mac = hmac_hex(SECRET, &[BODY.as_bytes(), b".", TS.as_bytes()]);
    let header = format!("ts={TS};v0={mac}");
    let e = explain(
        BODY.as_bytes(),
        &header,
        SECRET,
        &["--now", NOW],
        &[expected_mac(SECRET, BODY.as_bytes())],
    );
    assert_eq!(e.out.code, 1);
    assert_eq!(e.finding("concatenation_order")["variant"], "body.ts");
}

#[test]
fn explain_finds_a_reformatted_ts() {
    // The sender signed "…55.887+00:00"; the header says "…55.887Z".
    let signed_ts = "2024-05-07T14:49:55.887+00:00";
    let mac = hmac_hex(SECRET, &[signed_ts.as_bytes(), b".", BODY.as_bytes()]);
    let header = format!("ts={TS};v0={mac}");
    let e = explain(
        BODY.as_bytes(),
        &header,
        SECRET,
        &["--now", NOW],
        &[expected_mac(SECRET, BODY.as_bytes())],
    );
    assert_eq!(e.out.code, 1);
    let f = e.finding("ts_reformatted");
    assert_eq!(f["signedTs"], signed_ts);
    assert_eq!(f["headerTs"], TS);
}

#[test]
fn explain_measures_clock_skew_in_both_directions() {
    let header = header_for(SECRET, TS, BODY.as_bytes());
    // The server's clock is 400 s ahead of the signature: too old, "behind".
    let late = explain(
        BODY.as_bytes(),
        &header,
        SECRET,
        &["--now", "2024-05-07T14:56:35.887Z"],
        &[],
    );
    assert_eq!(late.out.code, 1);
    assert_eq!(late.json["status"], "TIMESTAMP_TOO_OLD");
    let f = late.finding("clock_skew");
    assert_eq!(f["ageMs"], 400_000);
    assert_eq!(f["direction"], "behind");
    assert!(
        late.out.stderr.contains("400000 ms, behind"),
        "{}",
        late.out.stderr
    );

    // The server's clock is 90 s behind: within the tolerance (verified, exit 0), still reported.
    let early = explain(
        BODY.as_bytes(),
        &header,
        SECRET,
        &["--now", "2024-05-07T14:48:25.887Z"],
        &[],
    );
    assert_eq!(early.out.code, 0, "{}", early.out.stderr);
    assert_eq!(early.json["ok"], true);
    let f = early.finding("clock_skew");
    assert_eq!(f["ageMs"], -90_000);
    assert_eq!(f["direction"], "ahead");
}

#[test]
fn explain_recognises_a_retired_secret_by_fingerprint() {
    let dir = TempDir::new("retired");
    let retired = dir.file("retired.txt", format!("{OLD_SECRET}\n").as_bytes());
    let header = header_for(OLD_SECRET, TS, BODY.as_bytes());
    let e = explain(
        BODY.as_bytes(),
        &header,
        SECRET,
        &["--now", NOW, "--retired-secret-file", &retired],
        &[expected_mac(SECRET, BODY.as_bytes())],
    );
    assert_eq!(e.out.code, 1);
    let fp = format!(
        "sha256:{}",
        &hex::encode(Sha256::digest(OLD_SECRET.as_bytes()))[..8]
    );
    assert_eq!(e.finding("retired_secret")["fingerprint"], fp);
    assert!(e.out.stderr.contains(&fp), "{}", e.out.stderr);

    // Without the retired secret the tool cannot know: no cause found.
    let plain = explain(
        BODY.as_bytes(),
        &header,
        SECRET,
        &["--now", NOW],
        &[expected_mac(SECRET, BODY.as_bytes())],
    );
    assert_eq!(plain.out.code, 1);
    plain.finding("no_cause_found");
}

#[test]
fn explain_exits_0_for_a_good_webhook_and_2_on_usage_errors() {
    let header = header_for(SECRET, TS, BODY.as_bytes());
    let e = explain(BODY.as_bytes(), &header, SECRET, &["--now", NOW, "-q"], &[]);
    assert_eq!(e.out.code, 0);
    assert_eq!(e.json["ok"], true);
    assert_eq!(e.json["findings"], serde_json::json!([]));
    assert!(e.out.stderr.is_empty(), "--quiet: {}", e.out.stderr);

    let none = run(
        &["explain", "--header", &header],
        &[],
        Some(BODY.as_bytes()),
    );
    assert_eq!(none.code, 2);
    let gone = run_with_secret(
        &[
            "explain",
            "--header",
            &header,
            "--retired-secret-file",
            "/no/such/file",
        ],
        SECRET,
        Some(BODY.as_bytes()),
    );
    assert_eq!(gone.code, 2);
}

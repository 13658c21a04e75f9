//! The search for a cause when no signature matches: other keys (a secret with stray whitespace,
//! a retired secret), other bodies (see [`reencode`](super::reencode)), other concatenations of
//! `ts` and body, other spellings of `ts`.

use std::cell::Cell;

use subtle::ConstantTimeEq;

use super::reencode::{reencoding, MAX_REENCODE_BYTES};
use super::text::has_fraction_or_exponent;
use super::{finding, fingerprint, Finding};
use crate::secret::Secret;
use crate::status::Status;
use crate::timestamp;
use crate::verify::{mac_over, parse_header};

/// What a candidate message was signed with.
#[derive(Clone, Copy)]
enum KeyKind {
    Configured,
    Trimmed(usize),
    /// A configured secret without its leading byte order mark (and surrounding whitespace).
    Bom(usize),
    Retired(usize),
}

/// At most this many bytes of candidate bodies are tried in one search (the search then stops and
/// says so): bounds its time and memory whatever the body.
pub(super) const MAX_CANDIDATE_BYTES: usize = 16 * 1024 * 1024;

pub(super) struct Search<'a> {
    ts: &'a str,
    given: Vec<[u8; 32]>,
    keys: Vec<(KeyKind, Secret)>,
    /// Bytes of candidate bodies tried so far.
    spent: Cell<usize>,
    stopped: Cell<bool>,
}

impl Search<'_> {
    /// Whether the HMAC of `parts` under `secret` is one of the header's signatures.
    fn carries(&self, secret: &Secret, parts: &[&[u8]]) -> bool {
        let mac = mac_over(secret, parts);
        self.given.iter().any(|g| bool::from(g.ct_eq(&mac)))
    }

    /// The first key under which the message made of `parts` carries a header signature.
    fn matches(&self, parts: &[&[u8]]) -> Option<KeyKind> {
        self.keys
            .iter()
            .find(|(_, secret)| self.carries(secret, parts))
            .map(|(kind, _)| *kind)
    }

    /// Tries a candidate body (the concatenation of `body`) with the header's `ts` under the
    /// configured secrets only. Past [`MAX_CANDIDATE_BYTES`] it tries nothing and gives false.
    pub(super) fn body_matches(&self, body: &[&[u8]]) -> bool {
        let len: usize = body.iter().map(|part| part.len()).sum();
        let spent = self.spent.get().saturating_add(len);
        if self.stopped.get() || spent > MAX_CANDIDATE_BYTES {
            self.stopped.set(true);
            return false;
        }
        self.spent.set(spent);
        let mut message: Vec<&[u8]> = Vec::with_capacity(body.len() + 2);
        message.extend([self.ts.as_bytes(), b"."]);
        message.extend_from_slice(body);
        self.keys
            .iter()
            .filter(|(kind, _)| matches!(kind, KeyKind::Configured))
            .any(|(_, secret)| self.carries(secret, &message))
    }

    /// Whether the byte budget ran out (some candidates were not tried).
    pub(super) fn stopped(&self) -> bool {
        self.stopped.get()
    }
}

pub(super) fn search(
    body: &[u8],
    header: &[u8],
    configured: &[Secret],
    retired: &[Secret],
) -> Vec<Finding> {
    let Ok(parsed) = parse_header(header) else {
        return Vec::new();
    };
    let mut keys: Vec<(KeyKind, Secret)> = configured
        .iter()
        .map(|s| (KeyKind::Configured, s.clone()))
        .collect();
    for (i, s) in configured.iter().enumerate() {
        if let Ok(text) = std::str::from_utf8(s.expose()) {
            let trimmed = text.trim();
            if trimmed.len() != text.len() && !trimmed.is_empty() {
                keys.push((KeyKind::Trimmed(i), Secret::new(trimmed.as_bytes())));
            }
        }
    }
    for (i, s) in configured.iter().enumerate() {
        if let Some(rest) = s.expose().strip_prefix(BOM) {
            if let Ok(text) = std::str::from_utf8(rest) {
                let trimmed = text.trim();
                if !trimmed.is_empty() {
                    keys.push((KeyKind::Bom(i), Secret::new(trimmed.as_bytes())));
                }
            }
        }
    }
    keys.extend(
        retired
            .iter()
            .enumerate()
            .map(|(i, s)| (KeyKind::Retired(i), s.clone())),
    );
    let search = Search {
        ts: parsed.ts,
        given: parsed.signatures().map(|(_, mac)| *mac).collect(),
        keys,
        spent: Cell::new(0),
        stopped: Cell::new(false),
    };
    let mut findings = Vec::new();

    // The key: whitespace around a configured secret, or a retired secret.
    match search.matches(&[parsed.ts.as_bytes(), b".", body]) {
        Some(KeyKind::Trimmed(i)) => {
            // Trimmed keys exist only for UTF-8 secrets; no copy of the secret is made.
            let what = std::str::from_utf8(configured[i].expose())
                .map(describe_whitespace)
                .unwrap_or_default();
            findings.push(finding(
                "secret_whitespace",
                format!("configured secret {i} {what}; the signature matches without it: remove the whitespace from the configured secret"),
                serde_json::json!({"secretIndex": i, "whitespace": what}),
            ));
        }
        Some(KeyKind::Bom(i)) => {
            findings.push(finding(
                "secret_bom",
                format!("configured secret {i} starts with a byte order mark (U+FEFF, which Windows Notepad writes at the start of a UTF-8 file); the signature matches without it: save the secret without it (UTF-8 without BOM, or paste it again)"),
                serde_json::json!({"secretIndex": i}),
            ));
        }
        Some(KeyKind::Retired(i)) => {
            let fp = fingerprint(&retired[i]);
            findings.push(finding(
                "retired_secret",
                format!("the request is signed with the retired secret {fp}, which is no longer configured: Everifin still uses it (was the new secret regenerated again, or is this an old delivery?)"),
                serde_json::json!({"fingerprint": fp}),
            ));
        }
        Some(KeyKind::Configured) | None => {}
    }

    // The body: what the sender signed before something re-encoded it.
    if let Some(transforms) = reencoding(body, &search) {
        let list = transforms.join(", ");
        findings.push(finding(
            "body_reencoded",
            format!("the signature matches the body as it was before it was changed ({list}): verify the raw request body exactly as received (php://input, request.get_data()), never a re-encoded one"),
            serde_json::json!({"transform": transforms[0], "transforms": transforms}),
        ));
    }

    // The message layout: another concatenation of ts and body.
    let ts = parsed.ts.as_bytes();
    let layouts: [(&str, Vec<&[u8]>); 3] = [
        ("body.ts", vec![body, b".", ts]),
        ("ts+body", vec![ts, body]),
        ("body", vec![body]),
    ];
    for (variant, parts) in &layouts {
        if let Some(KeyKind::Configured) = search.matches(parts) {
            findings.push(finding(
                "concatenation_order",
                format!("the signature matches HMAC over \"{variant}\" instead of \"ts.body\": the signed message must be the ts string, a dot, then the raw body"),
                serde_json::json!({"variant": variant}),
            ));
        }
    }

    // The timestamp: the same instant written another way.
    if let Ok(ts_ms) = timestamp::parse_utc_ms(parsed.ts) {
        for alt in ts_spellings(ts_ms).into_iter().filter(|a| a != parsed.ts) {
            if let Some(KeyKind::Configured) = search.matches(&[alt.as_bytes(), b".", body]) {
                findings.push(finding(
                    "ts_reformatted",
                    format!("the signature matches when the timestamp is written \"{alt}\" instead of the header's \"{}\": sign and verify the ts exactly as it appears in the header", parsed.ts),
                    serde_json::json!({"signedTs": alt, "headerTs": parsed.ts}),
                ));
                break;
            }
        }
    }

    let stopped = search.stopped();
    if findings.is_empty() {
        let n = parsed.signature_count();
        if n > configured.len() {
            findings.push(finding(
                "rotation_in_progress",
                format!("the header carries {n} signatures: Everifin signs with {n} secrets while a regenerated secret is being rolled out, and none matches the {} configured: add the newest hook secret from the Back Office (oldest first)", configured.len()),
                serde_json::json!({"signatures": n, "configuredSecrets": configured.len()}),
            ));
        } else if !stopped {
            findings.push(no_cause_found(body));
        }
    }
    if stopped {
        let spent = search.spent.get();
        findings.push(finding(
            "search_stopped",
            format!("the search for a re-encoded body stopped after trying {spent} bytes of candidate bodies (the limit is {MAX_CANDIDATE_BYTES}): causes that were not tried may remain; no candidate tried matched"),
            serde_json::json!({"candidateBytes": spent, "limitBytes": MAX_CANDIDATE_BYTES}),
        ));
    }
    findings
}

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// What the search could not try on this body, worst first: the body is not JSON (cut short?),
/// too large for JSON re-encodings, or has numbers a JSON decoder may have rewritten.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum BodyNote {
    NotJson,
    TooLargeToReencode,
    NumbersMayBeRewritten,
}

impl BodyNote {
    pub(super) fn of(body: &[u8]) -> Option<BodyNote> {
        let json = body.strip_prefix(BOM).unwrap_or(body);
        if let Err(e) = crate::parse::parse(json) {
            if matches!(e.status, Status::BodyNotJson | Status::BodyNotUtf8) {
                return Some(BodyNote::NotJson);
            }
        }
        if body.len() > MAX_REENCODE_BYTES {
            return Some(BodyNote::TooLargeToReencode);
        }
        has_fraction_or_exponent(json).then_some(BodyNote::NumbersMayBeRewritten)
    }

    fn code(self) -> &'static str {
        match self {
            BodyNote::NotJson => "not_json",
            BodyNote::TooLargeToReencode => "too_large_to_reencode",
            BodyNote::NumbersMayBeRewritten => "numbers_may_be_rewritten",
        }
    }
}

const CHECK_SECRET: &str = "check that the configured secret is this shop's current hook secret (compare the fingerprints) and that the raw, unmodified body is verified";

/// `no_cause_found`, with what the search could not try on this body (`"body"`) first.
fn no_cause_found(body: &[u8]) -> Finding {
    let Some(note) = BodyNote::of(body) else {
        return finding(
            "no_cause_found",
            format!("no common cause matched: {CHECK_SECRET}"),
            serde_json::json!({}),
        );
    };
    let why = match note {
        BodyNote::NotJson => "the body is not valid JSON, while Everifin signs a complete JSON event: it was probably cut short (truncated by a proxy, a body size limit or a log) or is not the body that was received; verify the whole raw body exactly as received. Otherwise".to_owned(),
        BodyNote::TooLargeToReencode => format!("the body is larger than {MAX_REENCODE_BYTES} bytes, so JSON re-encodings (pretty printing, key order, escapes, numbers) were not tried; verify the raw body exactly as received. Otherwise"),
        BodyNote::NumbersMayBeRewritten => "the body has numbers with a fraction or an exponent: a JSON decoder that re-encoded the body may have rewritten them in a way that cannot be undone (1.50 written 1.5 was tried; 1.500, 1E2 and the like cannot be rebuilt), so verify the raw body exactly as received (php://input, request.get_data()), never a decoded and re-encoded one. Otherwise".to_owned(),
    };
    finding(
        "no_cause_found",
        format!("no common cause matched: {why}, {CHECK_SECRET}"),
        serde_json::json!({"body": note.code()}),
    )
}

fn describe_whitespace(secret: &str) -> String {
    let kind = |c: Option<char>| match c {
        Some('\n') => "a newline",
        Some('\r') => "a carriage return",
        Some('\t') => "a tab",
        _ => "a space",
    };
    let lead = secret.len() != secret.trim_start().len();
    let trail = secret.len() != secret.trim_end().len();
    match (lead, trail) {
        (true, true) => format!(
            "starts with {} and ends with {}",
            kind(secret.chars().next()),
            kind(secret.chars().last())
        ),
        (true, false) => format!("starts with {}", kind(secret.chars().next())),
        _ => format!("ends with {}", kind(secret.chars().last())),
    }
}

/// The same instant in the spellings senders and frameworks commonly produce.
fn ts_spellings(ms: i64) -> Vec<String> {
    let canonical = timestamp::format_ms(ms);
    let base = &canonical[..19];
    let frac = &canonical[19..23];
    let mut out = vec![
        canonical.clone(),
        format!("{base}Z"),
        format!("{base}{frac}+00:00"),
        format!("{base}+00:00"),
        format!("{base}{frac}000Z"),
        format!("{base}{frac}000+00:00"),
        format!("{}{frac}Z", base.replace('T', " ")),
        format!("{base}{frac}"),
        (ms.div_euclid(1000)).to_string(),
        ms.to_string(),
    ];
    out.dedup();
    out
}

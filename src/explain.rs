//! Why does a signature fail? Verifies the request as `process` does and, when the signature does
//! not match, searches for the usual causes by trying what the sender could have signed instead:
//! a secret with stray whitespace, the body before a framework re-encoded it, another
//! concatenation of `ts` and body, another spelling of `ts`, a retired secret. Findings say what
//! matched, never an expected signature; secrets are named by index or fingerprint only.

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::Error;
use crate::options::{parse_secrets, Options, Secret};
use crate::signature::{mac_over, parse_header, SignatureInfo};
use crate::status::Status;
use crate::{timestamp, Verified, Verifier};

/// Bodies larger than this are not re-encoded in search of a cause (the plain checks still run).
const MAX_REENCODE_BYTES: usize = 256 * 1024;
/// Objects with at most this many keys have every key order tried (up to 2 x 720 bodies)...
const MAX_PERMUTED_KEYS: usize = 6;
/// ...when the body is at most this large.
const MAX_PERMUTED_BYTES: usize = 16 * 1024;

/// One cause found (or the lack of one).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub message: String,
    #[serde(flatten)]
    pub details: Map<String, Value>,
}

/// A configured secret, named without revealing it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SecretFingerprint {
    pub index: usize,
    pub fingerprint: String,
}

/// The verification outcome and what was found.
#[derive(Debug)]
pub struct Explanation {
    pub verification: Result<Verified, Error>,
    pub findings: Vec<Finding>,
    pub secrets: Vec<SecretFingerprint>,
}

/// `sha256:` and the first 8 hex digits of SHA-256 over the secret: enough to tell secrets apart,
/// far too little to recover one.
pub fn fingerprint(secret: &Secret) -> String {
    let digest = Sha256::digest(secret.expose());
    format!("sha256:{}", hex::encode(&digest[..4]))
}

fn finding(code: &'static str, message: String, details: Value) -> Finding {
    let details = match details {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    Finding {
        code,
        message,
        details,
    }
}

/// Explains a request. `options_json` holds the verifier options plus an optional
/// `retiredSecrets` array (secrets no longer configured, only used to recognise a signature).
pub fn explain(
    body: &[u8],
    signature_header: &[u8],
    options_json: &[u8],
    now_ms: i64,
) -> Result<Explanation, Error> {
    let (options, retired) = split_options(options_json)?;
    let now_ms = if now_ms == 0 {
        timestamp::now_ms()
    } else {
        now_ms
    };
    let secrets: Vec<SecretFingerprint> = options
        .secrets
        .iter()
        .enumerate()
        .map(|(index, s)| SecretFingerprint {
            index,
            fingerprint: fingerprint(s),
        })
        .collect();
    let verifier = Verifier::from_options(options);
    let verification = verifier.process(body, signature_header, now_ms);

    let mut findings = Vec::new();
    match &verification {
        Ok(v) => findings.extend(skew_finding(
            &v.signature,
            verifier.options().tolerance_seconds,
        )),
        Err(e) if e.signature.is_some() => findings.extend(
            e.signature
                .as_ref()
                .and_then(|s| skew_finding(s, verifier.options().tolerance_seconds)),
        ),
        Err(e) if e.status == Status::SignatureMismatch => {
            findings = search(
                body,
                signature_header,
                &verifier.options().secrets,
                &retired,
            );
        }
        Err(_) => {}
    }
    Ok(Explanation {
        verification,
        findings,
        secrets,
    })
}

fn split_options(options_json: &[u8]) -> Result<(Options, Vec<Secret>), Error> {
    let mut retired = Vec::new();
    if options_json.is_empty() {
        return Ok((Options::for_verifier(options_json)?, retired));
    }
    let mut value: Value = serde_json::from_slice(options_json)
        .map_err(|_| Error::new(Status::InvalidOptions, "options are not valid JSON"))?;
    if let Some(map) = value.as_object_mut() {
        if let Some(list) = map.remove("retiredSecrets") {
            if list.as_array().is_some_and(|a| !a.is_empty()) {
                retired = parse_secrets(&list, "options: \"retiredSecrets\"")?;
            } else if !list.is_array() {
                return Err(Error::new(
                    Status::InvalidOptions,
                    "options: \"retiredSecrets\" must be an array of strings",
                ));
            }
        }
    }
    let rest = serde_json::to_vec(&value)
        .map_err(|_| Error::new(Status::InvalidOptions, "options are not valid JSON"))?;
    Ok((Options::for_verifier(&rest)?, retired))
}

/// A clock-skew finding when the signature is authentic but not fresh (or more than a minute off).
fn skew_finding(info: &SignatureInfo, tolerance_seconds: u32) -> Option<Finding> {
    let age = info.age_ms;
    let outside = tolerance_seconds > 0 && age.unsigned_abs() > u64::from(tolerance_seconds) * 1000;
    if !outside && age.abs() < 60_000 {
        return None;
    }
    let (direction, message) = if age >= 0 {
        (
            "behind",
            format!(
                "the signature is authentic and was made {:.1} s before this server's now: the request was delayed or replayed, or this server's clock is {:.1} s ahead of Everifin's",
                age as f64 / 1000.0,
                age as f64 / 1000.0
            ),
        )
    } else {
        (
            "ahead",
            format!(
                "the signature is authentic but dated {:.1} s after this server's now: this server's clock is {:.1} s behind Everifin's (check NTP)",
                -age as f64 / 1000.0,
                -age as f64 / 1000.0
            ),
        )
    };
    Some(finding(
        "clock_skew",
        message,
        serde_json::json!({"ageMs": age, "direction": direction, "toleranceSeconds": tolerance_seconds, "outsideTolerance": outside}),
    ))
}

/// What a candidate message was signed with.
#[derive(Clone, Copy)]
enum KeyKind {
    Configured,
    Trimmed(usize),
    Retired(usize),
}

struct Search<'a> {
    ts: &'a str,
    given: Vec<[u8; 32]>,
    keys: Vec<(KeyKind, Secret)>,
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

    /// Tries a body with the header's `ts` under the configured secrets only.
    fn body_matches(&self, body: &[u8]) -> bool {
        self.keys
            .iter()
            .filter(|(kind, _)| matches!(kind, KeyKind::Configured))
            .any(|(_, secret)| self.carries(secret, &[self.ts.as_bytes(), b".", body]))
    }
}

fn search(body: &[u8], header: &[u8], configured: &[Secret], retired: &[Secret]) -> Vec<Finding> {
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
    keys.extend(
        retired
            .iter()
            .enumerate()
            .map(|(i, s)| (KeyKind::Retired(i), s.clone())),
    );
    let search = Search {
        ts: parsed.ts,
        given: parsed.signatures.iter().map(|(_, mac)| *mac).collect(),
        keys,
    };
    let mut findings = Vec::new();

    // The key: whitespace around a configured secret, or a retired secret.
    match search.matches(&[parsed.ts.as_bytes(), b".", body]) {
        Some(KeyKind::Trimmed(i)) => {
            let text = String::from_utf8_lossy(configured[i].expose()).into_owned();
            let what = describe_whitespace(&text);
            findings.push(finding(
                "secret_whitespace",
                format!("configured secret {i} {what}; the signature matches without it: remove the whitespace from the configured secret"),
                serde_json::json!({"secretIndex": i, "whitespace": what}),
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

    if findings.is_empty() {
        let n = parsed.signatures.len();
        if n > configured.len() {
            findings.push(finding(
                "rotation_in_progress",
                format!("the header carries {n} signatures: Everifin signs with {n} secrets while a regenerated secret is being rolled out, and none matches the {} configured: add the newest hook secret from the Back Office (oldest first)", configured.len()),
                serde_json::json!({"signatures": n, "configuredSecrets": configured.len()}),
            ));
        } else {
            findings.push(finding(
                "no_cause_found",
                "no common cause matched: check that the configured secret is this shop's current hook secret (compare the fingerprints) and that the raw, unmodified body is verified".to_owned(),
                serde_json::json!({}),
            ));
        }
    }
    findings
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

/// Transformations of the received body that undo a re-encoding; returns what was undone.
fn reencoding(body: &[u8], search: &Search) -> Option<Vec<&'static str>> {
    let textual: [(&'static str, Option<Vec<u8>>); 6] = [
        (
            "bom",
            body.strip_prefix(b"\xEF\xBB\xBF").map(<[u8]>::to_vec),
        ),
        (
            "crlf",
            contains(body, b"\r\n").then(|| replace(body, b"\r\n", b"\n")),
        ),
        (
            "lf",
            contains(body, b"\n").then(|| replace(&replace(body, b"\r\n", b"\n"), b"\n", b"\r\n")),
        ),
        (
            "trailing_newline",
            body.ends_with(b"\n")
                .then(|| body.trim_ascii_end().to_vec()),
        ),
        (
            "escaped_slashes",
            contains(body, b"\\/").then(|| replace(body, b"\\/", b"/")),
        ),
        (
            "unescaped_slashes",
            contains(body, b"/").then(|| replace(&replace(body, b"\\/", b"/"), b"/", b"\\/")),
        ),
    ];
    for (label, candidate) in &textual {
        if candidate
            .as_ref()
            .is_some_and(|c| c != body && search.body_matches(c))
        {
            return Some(vec![label]);
        }
    }
    if body.ends_with(b"}") || body.ends_with(b"]") {
        let mut with_newline = body.to_vec();
        with_newline.push(b'\n');
        if search.body_matches(&with_newline) {
            return Some(vec!["trailing_newline"]);
        }
    }
    if body.len() > MAX_REENCODE_BYTES {
        return None;
    }
    json_reencoding(body, search)
}

fn json_reencoding(body: &[u8], search: &Search) -> Option<Vec<&'static str>> {
    let text = std::str::from_utf8(body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)).ok()?;
    let received: Value = serde_json::from_str(text).ok()?;
    let received_pretty = has_whitespace_outside_strings(text.as_bytes());
    let received_escapes_unicode = text.contains("\\u");
    let received_escapes_slashes = text.contains("\\/");

    let mut orders = vec![
        ("received", received.clone()),
        ("sorted", sort_keys(&received)),
    ];
    orders.push(("documented", documented_order(&received)));
    for (order, value) in &orders {
        for format in [
            Format::Compact,
            Format::Spaced,
            Format::Pretty2,
            Format::Pretty4,
        ] {
            for ascii in [false, true] {
                for slashes in [false, true] {
                    let candidate = render(value, format, ascii, slashes);
                    if candidate.as_bytes() == body || !search.body_matches(candidate.as_bytes()) {
                        continue;
                    }
                    let mut t = Vec::new();
                    if *order != "received" && !same_order(&received, value) {
                        t.push("key_order");
                    }
                    match (format, received_pretty) {
                        (Format::Compact, true) => t.push("pretty_printed"),
                        (Format::Spaced | Format::Pretty2 | Format::Pretty4, false) => {
                            t.push("compacted")
                        }
                        (Format::Spaced | Format::Pretty2 | Format::Pretty4, true) => {
                            t.push("pretty_printed")
                        }
                        _ => {}
                    }
                    if !ascii && received_escapes_unicode {
                        t.push("unicode_escaped");
                    }
                    if ascii && !received_escapes_unicode {
                        t.push("unicode_unescaped");
                    }
                    if !slashes && received_escapes_slashes {
                        t.push("escaped_slashes");
                    }
                    if slashes && !received_escapes_slashes {
                        t.push("unescaped_slashes");
                    }
                    if t.is_empty() {
                        t.push("reformatted");
                    }
                    return Some(t);
                }
            }
        }
    }
    // One level re-ordered in any way: every order of the top-level keys, then of `data`'s.
    if body.len() > MAX_PERMUTED_BYTES {
        return None;
    }
    for path in [None, Some("data")] {
        for candidate in permutations_at(&received, path) {
            let rendered = render(&candidate, Format::Compact, false, false);
            if rendered.as_bytes() != body && search.body_matches(rendered.as_bytes()) {
                let mut t = vec!["key_order"];
                if received_pretty {
                    t.push("pretty_printed");
                }
                return Some(t);
            }
        }
    }
    None
}

/// Whether two values have the same key order everywhere.
fn same_order(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.keys().eq(y.keys()) && x.values().zip(y.values()).all(|(p, q)| same_order(p, q))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_order(p, q))
        }
        _ => true,
    }
}

#[derive(Clone, Copy)]
enum Format {
    Compact,
    /// One line with `", "` and `": "`, as Python's `json.dumps` writes by default.
    Spaced,
    Pretty2,
    Pretty4,
}

/// serde_json formatter for [`Format::Spaced`].
struct SpacedFormatter;

impl serde_json::ser::Formatter for SpacedFormatter {
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.begin_array_value(w, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
}

fn render_with<F: serde_json::ser::Formatter>(value: &Value, formatter: F) -> String {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    match value.serialize(&mut ser) {
        Ok(()) => String::from_utf8(buf).unwrap_or_default(),
        Err(_) => String::new(),
    }
}

fn render(value: &Value, format: Format, ascii: bool, slashes: bool) -> String {
    let mut out = match format {
        Format::Compact => serde_json::to_string(value).unwrap_or_default(),
        Format::Spaced => render_with(value, SpacedFormatter),
        Format::Pretty2 => serde_json::to_string_pretty(value).unwrap_or_default(),
        Format::Pretty4 => render_with(
            value,
            serde_json::ser::PrettyFormatter::with_indent(b"    "),
        ),
    };
    if ascii {
        out = escape_non_ascii(&out);
    }
    if slashes {
        out = out.replace('/', "\\/");
    }
    out
}

fn escape_non_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out
}

fn sort_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sort_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}

/// The key order of Everifin's documentation: metadata first, then `data` in its documented order.
fn documented_order(value: &Value) -> Value {
    const TOP: [&str; 7] = [
        "eventId",
        "eventType",
        "eventTimestamp",
        "clientId",
        "hookType",
        "timestamp",
        "data",
    ];
    const DATA: [&str; 8] = [
        "paymentId",
        "refundId",
        "orderId",
        "status",
        "reasonCode",
        "instructionId",
        "externalId",
        "hookData",
    ];
    fn reorder(
        map: &Map<String, Value>,
        order: &[&str],
        inner: Option<&dyn Fn(&Value) -> Value>,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        for key in order.iter().filter(|k| map.contains_key(**k)) {
            let v = &map[*key];
            out.insert(
                (*key).to_owned(),
                match (inner, *key) {
                    (Some(f), "data") => f(v),
                    _ => v.clone(),
                },
            );
        }
        for (k, v) in map {
            if !out.contains_key(k) {
                out.insert(k.clone(), v.clone());
            }
        }
        out
    }
    let data = |v: &Value| match v {
        Value::Object(m) => Value::Object(reorder(m, &DATA, None)),
        other => other.clone(),
    };
    match value {
        Value::Object(m) => Value::Object(reorder(m, &TOP, Some(&data))),
        other => other.clone(),
    }
}

/// Every key order of the object at `path` (None = top level), when it has few enough keys.
fn permutations_at(value: &Value, path: Option<&str>) -> Vec<Value> {
    let target = match path {
        None => value.as_object(),
        Some(key) => value.get(key).and_then(Value::as_object),
    };
    let Some(map) = target else { return Vec::new() };
    if map.len() < 2 || map.len() > MAX_PERMUTED_KEYS {
        return Vec::new();
    }
    let entries: Vec<(String, Value)> = map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let mut out = Vec::new();
    let mut indices: Vec<usize> = (0..entries.len()).collect();
    permute(&mut indices, 0, &mut |order| {
        let reordered: Map<String, Value> = order.iter().map(|&i| entries[i].clone()).collect();
        let mut whole = value.clone();
        match path {
            None => whole = Value::Object(reordered),
            Some(key) => whole[key] = Value::Object(reordered),
        }
        out.push(whole);
    });
    out
}

fn permute(items: &mut Vec<usize>, k: usize, visit: &mut dyn FnMut(&[usize])) {
    if k == items.len() {
        visit(items);
        return;
    }
    for i in k..items.len() {
        items.swap(k, i);
        permute(items, k + 1, visit);
        items.swap(k, i);
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

fn replace(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(i) = memchr::memmem::find(rest, from) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(to);
        rest = &rest[i + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

fn has_whitespace_outside_strings(json: &[u8]) -> bool {
    let (mut in_string, mut escaped) = (false, false);
    for &b in json {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign;

    const SECRET: &str = "explain-hook-secret-5d1c";
    const TS: &str = "2024-05-07T14:49:55.887Z";
    const NOW: i64 = 1_715_093_396_000;
    const BODY: &str = r#"{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"BOOKED","hookData":{"note":"objednávka/42"}}}"#;

    fn header_for(body: &[u8], ts: &str, secret: &str) -> String {
        sign(
            body,
            ts,
            serde_json::to_string(&[secret]).unwrap().as_bytes(),
            0,
        )
        .unwrap()
    }

    fn options(secret: &str) -> Vec<u8> {
        serde_json::json!({"secrets": [secret], "retiredSecrets": ["retired-hook-secret-0a9f"]})
            .to_string()
            .into_bytes()
    }

    fn codes(body: &[u8], header: &str, secret: &str) -> Vec<(String, Map<String, Value>)> {
        let e = explain(body, header.as_bytes(), &options(secret), NOW).unwrap();
        e.findings
            .into_iter()
            .map(|f| (f.code.to_owned(), f.details))
            .collect()
    }

    #[test]
    fn a_good_request_has_no_findings() {
        let header = header_for(BODY.as_bytes(), TS, SECRET);
        let e = explain(BODY.as_bytes(), header.as_bytes(), &options(SECRET), NOW).unwrap();
        assert!(e.verification.is_ok());
        assert!(e.findings.is_empty());
        assert_eq!(e.secrets[0].fingerprint.len(), "sha256:".len() + 8);
    }

    #[test]
    fn finds_each_planted_fault() {
        let header = header_for(BODY.as_bytes(), TS, SECRET);
        let value: Value = serde_json::from_str(BODY).unwrap();

        let f = codes(BODY.as_bytes(), &header, &format!("{SECRET}\n"));
        assert_eq!(f[0].0, "secret_whitespace");
        assert_eq!(f[0].1["whitespace"], "ends with a newline");

        let pretty = serde_json::to_string_pretty(&value).unwrap();
        assert_eq!(
            codes(pretty.as_bytes(), &header, SECRET)[0].1["transform"],
            "pretty_printed"
        );
        let sorted = serde_json::to_string(&sort_keys(&value)).unwrap();
        assert_eq!(
            codes(sorted.as_bytes(), &header, SECRET)[0].1["transform"],
            "key_order"
        );
        let escaped = BODY.replace('/', "\\/");
        assert_eq!(
            codes(escaped.as_bytes(), &header, SECRET)[0].1["transform"],
            "escaped_slashes"
        );
        let bom = [b"\xEF\xBB\xBF".as_slice(), BODY.as_bytes()].concat();
        assert_eq!(codes(&bom, &header, SECRET)[0].1["transform"], "bom");
        let python_default = render(&value, Format::Spaced, true, false);
        let python_header = header_for(python_default.as_bytes(), TS, SECRET);
        let f = codes(pretty.as_bytes(), &python_header, SECRET);
        assert_eq!(f[0].1["transform"], "pretty_printed", "{f:?}");
        let unicode = escape_non_ascii(BODY);
        assert_eq!(
            codes(unicode.as_bytes(), &header, SECRET)[0].1["transform"],
            "unicode_escaped"
        );

        let crlf_original = pretty.replace('\n', "\r\n");
        let crlf_header = header_for(crlf_original.as_bytes(), TS, SECRET);
        assert_eq!(
            codes(pretty.as_bytes(), &crlf_header, SECRET)[0].1["transform"],
            "lf"
        );
        let lf_header = header_for(pretty.as_bytes(), TS, SECRET);
        assert_eq!(
            codes(crlf_original.as_bytes(), &lf_header, SECRET)[0].1["transform"],
            "crlf"
        );

        let body_ts = mac_over(
            &Secret::new(SECRET.as_bytes()),
            &[BODY.as_bytes(), b".", TS.as_bytes()],
        );
        let f = codes(
            BODY.as_bytes(),
            &format!("ts={TS};v0={}", hex::encode(body_ts)),
            SECRET,
        );
        assert_eq!(
            (f[0].0.as_str(), &f[0].1["variant"]),
            ("concatenation_order", &Value::from("body.ts"))
        );

        let reformatted = header_for(BODY.as_bytes(), "2024-05-07T14:49:55.887+00:00", SECRET);
        let v0 = reformatted.split("v0=").nth(1).unwrap();
        let f = codes(BODY.as_bytes(), &format!("ts={TS};v0={v0}"), SECRET);
        assert_eq!(f[0].0, "ts_reformatted");
        assert_eq!(f[0].1["signedTs"], "2024-05-07T14:49:55.887+00:00");

        let retired = header_for(BODY.as_bytes(), TS, "retired-hook-secret-0a9f");
        let f = codes(BODY.as_bytes(), &retired, SECRET);
        assert_eq!(f[0].0, "retired_secret");
        assert_eq!(
            f[0].1["fingerprint"],
            fingerprint(&Secret::new("retired-hook-secret-0a9f".as_bytes()))
        );

        let two = sign(
            BODY.as_bytes(),
            TS,
            br#"["unknown-old-secret","unknown-new-secret"]"#,
            0,
        )
        .unwrap();
        assert_eq!(
            codes(BODY.as_bytes(), &two, SECRET)[0].0,
            "rotation_in_progress"
        );
        let forged = header_for(BODY.as_bytes(), TS, "guessed");
        assert_eq!(
            codes(BODY.as_bytes(), &forged, SECRET)[0].0,
            "no_cause_found"
        );
    }

    #[test]
    fn reports_clock_skew_with_size_and_direction() {
        let header = header_for(BODY.as_bytes(), TS, SECRET);
        let ts_ms = timestamp::parse_utc_ms(TS).unwrap();
        let late = explain(
            BODY.as_bytes(),
            header.as_bytes(),
            &options(SECRET),
            ts_ms + 412_000,
        )
        .unwrap();
        assert_eq!(
            late.verification.unwrap_err().status,
            Status::TimestampTooOld
        );
        assert_eq!(late.findings[0].code, "clock_skew");
        assert_eq!(late.findings[0].details["ageMs"], 412_000);
        assert_eq!(late.findings[0].details["direction"], "behind");
        let early = explain(
            BODY.as_bytes(),
            header.as_bytes(),
            &options(SECRET),
            ts_ms - 301_000,
        )
        .unwrap();
        assert_eq!(early.findings[0].details["direction"], "ahead");
        assert_eq!(early.findings[0].details["ageMs"], -301_000);
    }

    #[test]
    fn the_process_result_inside_is_byte_exact() {
        let body = BODY.replace(
            r#"{"note":"objednávka/42"}"#,
            r#"{"amount":1.50,"note":"caf\u00e9"}"#,
        );
        let header = header_for(body.as_bytes(), TS, SECRET);
        let e = explain(body.as_bytes(), header.as_bytes(), &options(SECRET), NOW);
        let json = crate::result::explain(&e);
        assert!(
            json.contains(r#""hookData":{"amount":1.50,"note":"caf\u00e9"}"#),
            "{json}"
        );
        let v: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            (v["ok"].as_bool(), v["findings"].as_array().map(Vec::len)),
            (Some(true), Some(0))
        );
        assert_eq!(v["secrets"][0]["index"], 0);
    }

    #[test]
    fn never_reveals_secrets_or_expected_signatures() {
        let header = header_for(BODY.as_bytes(), TS, "guessed");
        let expected = header_for(BODY.as_bytes(), TS, SECRET);
        let expected_mac = expected.split("v0=").nth(1).unwrap();
        let e = explain(
            BODY.as_bytes(),
            header.as_bytes(),
            &options(&format!("{SECRET} ")),
            NOW,
        );
        let json = crate::result::explain(&e);
        assert!(!json.contains(SECRET) && !json.contains("retired-hook-secret"));
        assert!(!json.contains(expected_mac));
    }
}

//! Step 1, verify: the `Signature` header: grammar, HMAC-SHA256 over `ts + "." + body`, rotation, tolerance
//! (docs/behaviour.md section 1), and creating headers for tests (`sign`).

use hmac::Mac;
use subtle::ConstantTimeEq;

use crate::error::Error;
use crate::secret::Secret;
use crate::signature_info::SignatureView;
use crate::status::Status;
use crate::text::{ascii_lowercase, truncate};
use crate::timestamp;

/// Longest `Signature` header accepted, in bytes.
pub const MAX_HEADER_BYTES: usize = 4096;
/// Most `vN` parts accepted in one header.
pub const MAX_SIGNATURES: usize = 16;

/// A parsed header: the `ts` text exactly as received (trimmed) and the signature candidates.
#[derive(Debug, PartialEq, Eq)]
pub struct ParsedHeader<'h> {
    pub ts: &'h str,
    /// The first signatures, kept inline (a header carries one, or two during a rotation).
    first: [(&'h str, [u8; 32]); INLINE_SIGNATURES],
    count: usize,
    /// The others (up to [`MAX_SIGNATURES`] in all).
    more: Vec<(&'h str, [u8; 32])>,
}

const INLINE_SIGNATURES: usize = 2;

impl<'h> ParsedHeader<'h> {
    /// The `vN` parts in header order: the key as written and the MAC it gives.
    pub fn signatures(&self) -> impl Iterator<Item = &(&'h str, [u8; 32])> {
        self.first[..self.count.min(INLINE_SIGNATURES)]
            .iter()
            .chain(&self.more)
    }

    pub fn signature_count(&self) -> usize {
        self.count
    }

    fn push(&mut self, key: &'h str, mac: [u8; 32]) {
        match self.first.get_mut(self.count) {
            Some(slot) => *slot = (key, mac),
            None => self.more.push((key, mac)),
        }
        self.count += 1;
    }
}

fn malformed(message: impl Into<String>) -> Error {
    Error::new(Status::HeaderMalformed, message)
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Text of a part of a header already checked to be printable ASCII (simdutf8: the standard
/// library's check costs about 1.5 instructions a byte).
fn ascii(s: &[u8]) -> &str {
    simdutf8::basic::from_utf8(s).unwrap_or_default()
}

fn is_signature_key(key: &[u8]) -> bool {
    let digits = match key.first() {
        Some(b'v' | b'V') => &key[1..],
        _ => return false,
    };
    (1..=3).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit)
}

/// Parses the header grammar (no timestamp or MAC checks).
pub fn parse_header(header: &[u8]) -> Result<ParsedHeader<'_>, Error> {
    if header.iter().all(|&b| is_space(b)) {
        return Err(Error::new(
            Status::HeaderMissing,
            "the Signature header is missing or empty",
        ));
    }
    if header.len() > MAX_HEADER_BYTES {
        return Err(malformed(format!(
            "the Signature header is {} bytes long; at most {MAX_HEADER_BYTES} are accepted",
            header.len()
        )));
    }
    let printable = |b: u8| b == b'\t' || b == b'\r' || b == b'\n' || (0x20..0x7f).contains(&b);
    // Checked without an early exit (vectorized), and searched only when it fails.
    if !header.iter().fold(true, |ok, &b| ok & printable(b)) {
        let pos = header.iter().position(|&b| !printable(b)).unwrap_or(0);
        return Err(malformed(format!(
            "the Signature header has a byte that is not printable ASCII at offset {pos}"
        )));
    }

    // Printable ASCII: text, sliced from here on (one conversion, not one per part).
    let header = ascii(header);
    let mut ts = None;
    let mut parsed = ParsedHeader {
        ts: "",
        first: [("", [0u8; 32]); INLINE_SIGNATURES],
        count: 0,
        more: Vec::new(),
    };
    let mut rest = Some(header);
    while let Some(text) = rest {
        let (part, next) = match memchr::memchr(b';', text.as_bytes()) {
            Some(semicolon) => (&text[..semicolon], Some(&text[semicolon + 1..])),
            None => (text, None),
        };
        rest = next;
        // Without the spaces, tabs and line breaks around it (`trim_ascii` also trims form
        // feeds, which the printable check above has refused).
        let part = part.trim_ascii();
        if part.is_empty() {
            continue;
        }
        // Right after a short key: a plain search beats memchr's set-up.
        let Some(eq) = part.bytes().position(|b| b == b'=') else {
            return Err(malformed(format!(
                "Signature header part {:?} is not key=value",
                truncate(part, 24)
            )));
        };
        let (key, value) = (part[..eq].trim_ascii(), part[eq + 1..].trim_ascii());
        if key.eq_ignore_ascii_case("ts") {
            if ts.replace(value).is_some() {
                return Err(malformed("the Signature header has more than one ts part"));
            }
        } else if is_signature_key(key.as_bytes()) {
            if parsed.count == MAX_SIGNATURES {
                return Err(malformed(format!(
                    "the Signature header has more than {MAX_SIGNATURES} signatures"
                )));
            }
            let mut mac = [0u8; 32];
            if value.len() != 64 || hex::decode_to_slice(value, &mut mac).is_err() {
                return Err(malformed(format!(
                    "Signature header part {key} is not 64 hexadecimal digits"
                )));
            }
            parsed.push(key, mac);
        }
    }
    parsed.ts = ts.ok_or_else(|| malformed("the Signature header has no ts part"))?;
    if parsed.count == 0 {
        return Err(malformed(
            "the Signature header has no v0 (or v1, v2, ...) signature",
        ));
    }
    Ok(parsed)
}

/// HMAC-SHA256 of `ts + "." + body` under `secret`.
pub fn compute_mac(secret: &Secret, ts: &str, body: &[u8]) -> [u8; 32] {
    mac_over(secret, &[ts.as_bytes(), b".", body])
}

/// A MAC as four words, for a constant-time comparison of 4 words instead of 32 bytes (subtle
/// guards each element it compares).
fn words(mac: &[u8; 32]) -> [u64; 4] {
    let mut words = [0u64; 4];
    for (word, bytes) in words.iter_mut().zip(mac.chunks_exact(8)) {
        let mut b = [0u8; 8];
        b.copy_from_slice(bytes);
        *word = u64::from_le_bytes(b);
    }
    words
}

/// HMAC-SHA256 of the concatenated `parts` under `secret`.
pub fn mac_over(secret: &Secret, parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = secret.keyed_mac();
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Verifies the header against the body: grammar, `ts`, MAC (constant time), then tolerance.
pub fn verify<'h>(
    header: &'h [u8],
    body: &[u8],
    secrets: &[Secret],
    tolerance_seconds: u32,
    now_ms: i64,
) -> Result<SignatureView<'h>, Error> {
    let parsed = parse_header(header)?;
    let ts_ms = timestamp::parse_utc_ms(parsed.ts).map_err(|e| {
        Error::new(
            Status::HeaderTimestampInvalid,
            format!(
                "the Signature header's ts {:?} {}",
                truncate(parsed.ts, 40),
                e.0
            ),
        )
    })?;

    // Every secret's MAC (the same work whichever matches), each compared in constant time with
    // every signature of the header. The first signature in header order that any secret
    // matches wins, with the first secret that matches it.
    let mut matched: Option<(usize, &str, usize)> = None;
    for (secret_index, secret) in secrets.iter().enumerate() {
        let mac = words(&compute_mac(secret, parsed.ts, body));
        for (position, (key, given)) in parsed.signatures().enumerate() {
            if bool::from(mac.ct_eq(&words(given)))
                && matched.is_none_or(|(first, _, _)| position < first)
            {
                matched = Some((position, *key, secret_index));
            }
        }
    }
    let Some((_, key, secret_index)) = matched else {
        return Err(Error::new(
            Status::SignatureMismatch,
            // No count of secrets: this message goes back to any caller, and a count would tell a
            // prober whether a rotation is in progress.
            "no signature in the Signature header matches the body under the configured secrets: check the hook secret and that the raw, unmodified request body is verified",
        ));
    };
    let info = SignatureView {
        timestamp: timestamp::canonical(parsed.ts.into(), ts_ms),
        key: ascii_lowercase(key.into()),
        secret_index,
        age_ms: now_ms.saturating_sub(ts_ms),
        plain: true,
    };
    let limit = i64::from(tolerance_seconds) * 1000;
    if tolerance_seconds > 0 && info.age_ms > limit {
        return Err(Error::new(
            Status::TimestampTooOld,
            format!("the signature is authentic but {} s old; at most {tolerance_seconds} s are accepted", info.age_ms.unsigned_abs() / 1000),
        )
        .with_signature(&info.to_info()));
    }
    if tolerance_seconds > 0 && info.age_ms < -limit {
        return Err(Error::new(
            Status::TimestampInFuture,
            format!(
                "the signature is authentic but dated {} s in the future; at most {tolerance_seconds} s of clock skew are accepted (check the server clock)",
                info.age_ms.unsigned_abs() / 1000
            ),
        )
        .with_signature(&info.to_info()));
    }
    Ok(info)
}

/// Builds a `Signature` header: `ts=<ts>;v0=<hex>;v1=<hex>...`, one `vN` per secret (oldest first).
/// An empty `ts` means now.
pub fn sign(body: &[u8], ts: &str, secrets: &[Secret], now_ms: i64) -> Result<String, Error> {
    let ts = if ts.is_empty() {
        timestamp::format_ms(now_ms)
    } else {
        ts.to_owned()
    };
    timestamp::parse_utc_ms(&ts).map_err(|e| {
        Error::new(
            Status::HeaderTimestampInvalid,
            format!("timestamp {:?} {}", truncate(&ts, 40), e.0),
        )
    })?;
    if secrets.is_empty() {
        return Err(Error::new(
            Status::InvalidOptions,
            "at least one secret is needed to sign",
        ));
    }
    let mut header = format!("ts={ts}");
    for (i, secret) in secrets.iter().enumerate() {
        header.push_str(&format!(
            ";v{i}={}",
            hex::encode(compute_mac(secret, &ts, body))
        ));
    }
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> Secret {
        Secret::new(s.as_bytes())
    }

    #[test]
    fn mac_is_over_ts_dot_body_keyed_by_the_secret_utf8_bytes() {
        // Expected value computed independently with Python's hmac module:
        // hmac.new("tajný-kľúč".encode(), b'2024-01-09T13:08:48.069Z.{"eventId":...}', sha256).
        let body = br#"{"eventId":"4e896aa3-bbba-4a75-a888-06bcfe403c99"}"#;
        let mac = compute_mac(&secret("tajný-kľúč"), "2024-01-09T13:08:48.069Z", body);
        assert_eq!(
            hex::encode(mac),
            "4408b9a16551a70e2dad98dbfe20d630be908ab51b59d01aeba5574bc64f2cc7"
        );
    }

    #[test]
    fn signs_and_verifies_with_rotation() {
        let (old, new) = (secret("old-hook-secret"), secret("new-hook-secret"));
        let body = br#"{"eventId":"x"}"#;
        let ts = "2024-01-09T13:08:48.069Z";
        let now = timestamp::parse_utc_ms(ts).unwrap() + 113;
        let header = sign(body, ts, &[old.clone(), new.clone()], 0).unwrap();
        let info = verify(
            header.as_bytes(),
            body,
            &[old.clone(), new.clone()],
            300,
            now,
        )
        .unwrap();
        assert_eq!((&*info.key, info.secret_index, info.age_ms), ("v0", 0, 113));
        let info = verify(
            header.as_bytes(),
            body,
            std::slice::from_ref(&new),
            300,
            now,
        )
        .unwrap();
        assert_eq!((&*info.key, info.secret_index), ("v1", 0));
        let err = verify(header.as_bytes(), b"{}", &[old, new], 300, now).unwrap_err();
        assert_eq!(err.status, Status::SignatureMismatch);
    }

    #[test]
    fn grammar_is_tolerant_where_documented() {
        let sig = "ab".repeat(32);
        let h = format!(
            " v0 = {} ;\r\n ts=2024-01-09T13:08:48.069Z ; foo=bar;;",
            sig.to_uppercase()
        );
        let parsed = parse_header(h.as_bytes()).unwrap();
        assert_eq!(parsed.ts, "2024-01-09T13:08:48.069Z");
        assert_eq!(
            parsed.signatures().collect::<Vec<_>>(),
            [&("v0", [0xab; 32])]
        );
    }

    #[test]
    fn grammar_errors() {
        let sig = "ab".repeat(32);
        let cases: Vec<(String, Status)> = vec![
            ("".into(), Status::HeaderMissing),
            (" \r\n".into(), Status::HeaderMissing),
            (format!("ts=1;v0={sig};junk"), Status::HeaderMalformed),
            (format!("v0={sig}"), Status::HeaderMalformed),
            (
                "ts=2024-01-09T13:08:48.069Z".into(),
                Status::HeaderMalformed,
            ),
            (format!("ts=a;ts=b;v0={sig}"), Status::HeaderMalformed),
            (format!("ts=a;v0={}", &sig[1..]), Status::HeaderMalformed),
            (
                format!(
                    "ts=a;{}",
                    (0..17).map(|i| format!("v{i}={sig};")).collect::<String>()
                ),
                Status::HeaderMalformed,
            ),
            (
                format!("ts=a;v0={sig};x={}", "y".repeat(4096)),
                Status::HeaderMalformed,
            ),
            (format!("ts=ä;v0={sig}"), Status::HeaderMalformed),
        ];
        for (header, status) in cases {
            assert_eq!(
                parse_header(header.as_bytes()).unwrap_err().status,
                status,
                "{header:?}"
            );
        }
    }

    #[test]
    fn tolerance_edges_are_inclusive() {
        let s = secret("edge-secret");
        let ts = "2024-01-09T13:08:48.069Z";
        let t = timestamp::parse_utc_ms(ts).unwrap();
        let header = sign(b"{}", ts, std::slice::from_ref(&s), 0).unwrap();
        let run = |now| {
            verify(header.as_bytes(), b"{}", std::slice::from_ref(&s), 300, now).map(|i| i.age_ms)
        };
        assert_eq!(run(t + 300_000), Ok(300_000));
        assert_eq!(run(t - 300_000), Ok(-300_000));
        assert_eq!(
            run(t + 300_001).unwrap_err().status,
            Status::TimestampTooOld
        );
        assert_eq!(
            run(t - 300_001).unwrap_err().status,
            Status::TimestampInFuture
        );
        assert!(verify(header.as_bytes(), b"{}", &[s], 0, t + 10 * 365 * 86_400_000).is_ok());
    }
}

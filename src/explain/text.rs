//! Byte helpers for building candidate bodies.

pub(super) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

pub(super) fn replace(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
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

/// Follows valid JSON byte by byte: whether each byte is outside its strings (a quote is inside).
#[derive(Default)]
struct Strings {
    inside: bool,
    escaped: bool,
}

impl Strings {
    /// Takes the next byte; true when it is outside every string.
    fn outside(&mut self, b: u8) -> bool {
        if self.inside {
            match (self.escaped, b) {
                (true, _) => self.escaped = false,
                (false, b'\\') => self.escaped = true,
                (false, b'"') => self.inside = false,
                _ => {}
            }
            false
        } else if b == b'"' {
            self.inside = true;
            false
        } else {
            true
        }
    }
}

pub(super) fn has_whitespace_outside_strings(json: &[u8]) -> bool {
    let mut strings = Strings::default();
    json.iter()
        .any(|&b| strings.outside(b) && matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
}

/// `json` (valid JSON) with its numbers written with two decimals as Everifin writes amounts,
/// undoing what a JSON decoder shortened: a one-digit fraction gets a second digit (`1.5` ->
/// `1.50`, Python's `100.0` -> `100.00`) and, with `integers`, an integer gets `.00` (PHP's and
/// JavaScript's `100` -> `100.00`). Numbers with an exponent or a longer fraction stay as they
/// are. `None` when no number changes.
pub(super) fn pad_decimals(json: &str, integers: bool) -> Option<String> {
    let b = json.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut strings = Strings::default();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !strings.outside(c) || (c != b'-' && !c.is_ascii_digit()) {
            i += 1;
            continue;
        }
        // A number (outside strings, `-` and digits start nothing else).
        let end = b[i..]
            .iter()
            .position(|x| !matches!(x, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'))
            .map_or(b.len(), |n| i + n);
        let number = &b[i..end];
        let suffix: &[u8] = match number.iter().position(|&x| x == b'.') {
            _ if number.iter().any(|x| matches!(x, b'e' | b'E')) => b"",
            Some(dot) if number.len() - dot == 2 => b"0",
            None if integers => b".00",
            _ => b"",
        };
        if !suffix.is_empty() {
            let buf = out.get_or_insert_with(|| Vec::with_capacity(b.len() + 16));
            buf.extend_from_slice(&b[copied..end]);
            buf.extend_from_slice(suffix);
            copied = end;
        }
        i = end;
    }
    let mut buf = out?;
    buf.extend_from_slice(&b[copied..]);
    String::from_utf8(buf).ok()
}

/// Whether `json` has a number with a fraction or an exponent (outside strings), whose spelling a
/// JSON decoder may change (`1.50` -> `1.5`, `1E2` -> `100.0`).
pub(super) fn has_fraction_or_exponent(json: &[u8]) -> bool {
    let mut strings = Strings::default();
    let mut previous = 0u8;
    for &b in json {
        if strings.outside(b)
            && (b == b'.' || (matches!(b, b'e' | b'E') && previous.is_ascii_digit()))
        {
            // Outside strings a dot is always in a number, and so is an `e` after a digit (the
            // `e` of `true` and `false` follows a letter).
            return true;
        }
        previous = b;
    }
    false
}

//! The fast path of step 2 (parse): one pass over a body already known to be UTF-8 that checks
//! it is strict JSON (syntax, nesting depth, no lone surrogate escapes, numbers within f64 range)
//! and keeps the members normalize reads as raw slices of the body. Nothing is allocated, nothing
//! is decoded: strings are skipped eight bytes at a time.
//!
//! It only ever accepts. Whatever it does not take as a well-formed event object (any error, a
//! member name with escapes, a body that is not an object) gives `None`, and parse.rs's reference
//! path (serde_json and `strict_scan`) decides, with its exact messages. The two agree on every
//! body the fast path accepts (tests below, and the `normalize` fuzz target).

use crate::parse::{beyond_f64, hex4, Body, Fields, Keys, Node, MAX_JSON_DEPTH};

/// Checks `json` (valid UTF-8) and returns its top-level and `data` members, or `None` to leave
/// the body to the reference path.
pub(crate) fn scan(json: &str) -> Option<Body<'_>> {
    let mut s = Scanner {
        text: json,
        s: json.as_bytes(),
        i: 0,
        depth: 0,
    };
    s.ws();
    if s.peek()? != b'{' {
        return None;
    }
    let mut fields = Fields::new(Keys::Top);
    let mut data = None;
    s.object(|s, key| {
        if key == b"data" {
            data = Some(s.node()?);
            return Some(());
        }
        s.keep(&mut fields, key)
    })?;
    s.ws();
    if s.i != json.len() {
        return None;
    }
    Some(Body { fields, data })
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `v` that is below `n` (n <= 0x80). Exact for the lowest such byte;
/// bytes above it may be flagged falsely (a borrow), which only the lowest one is used for.
#[inline(always)]
fn below(v: u64, n: u8) -> u64 {
    v.wrapping_sub(ONES * u64::from(n)) & !v & HIGHS
}

/// The high bit of each byte of `v` that equals `b` (exact for the lowest, as [`below`]).
#[inline(always)]
fn equal(v: u64, b: u8) -> u64 {
    below(v ^ (ONES * u64::from(b)), 1)
}

/// The index of the first quote, backslash or control character in `s` at or after `i` (eight
/// bytes at a time), or `s.len()`.
#[inline(always)]
pub(crate) fn next_special(s: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = s.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let v = u64::from_le_bytes(word);
        let stop = equal(v, b'"') | equal(v, b'\\') | below(v, 0x20);
        if stop != 0 {
            return i + (stop.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < s.len() && !matches!(s[i], b'"' | b'\\' | 0..=0x1f) {
        i += 1;
    }
    i
}

struct Scanner<'a> {
    text: &'a str,
    s: &'a [u8],
    i: usize,
    depth: usize,
}

impl<'a> Scanner<'a> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// Skips the member value at the current position and keeps its text in `fields` when `key`
    /// is one of theirs (a value starts and ends on UTF-8 boundaries: its first byte and just
    /// after its last are ASCII).
    #[inline(always)]
    fn keep(&mut self, fields: &mut Fields<'a>, key: &[u8]) -> Option<()> {
        let start = self.i;
        let plain = if self.peek()? == b'"' {
            let (end, escaped) = string_end(self.s, start)?;
            self.i = end;
            !escaped
        } else {
            self.value()?;
            false
        };
        fields.set(key, self.text.get(start..self.i).unwrap_or(""), plain);
        Some(())
    }

    #[inline(always)]
    fn ws(&mut self) {
        self.i = ws(self.s, self.i);
    }

    /// Skips one value.
    fn value(&mut self) -> Option<()> {
        self.i = skip(self.s, self.i, MAX_JSON_DEPTH - self.depth)?;
        Some(())
    }

    /// `data`: an object (its known members kept), null, or any other value.
    fn node(&mut self) -> Option<Node<'a>> {
        match self.peek()? {
            b'{' => {
                let mut fields = Fields::new(Keys::Data);
                self.object(|s, key| s.keep(&mut fields, key))?;
                Some(Node::Object(fields))
            }
            b'n' => self.literal(b"null").map(|_| Node::Null),
            _ => self.value().map(|_| Node::Other),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.i = literal(self.s, self.i, word)?;
        Some(())
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_JSON_DEPTH).then_some(())
    }

    /// An object; `member` is called at each value (after the colon and whitespace) with the
    /// member's name (raw bytes; a name with escapes leaves the body to the reference path).
    fn object(&mut self, mut member: impl FnMut(&mut Self, &[u8]) -> Option<()>) -> Option<()> {
        self.enter()?;
        self.i += 1;
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            self.depth -= 1;
            return Some(());
        }
        loop {
            let (key, escaped, value) = member_name(self.s, self.i)?;
            if escaped {
                return None;
            }
            self.i = value;
            member(self, key)?;
            self.ws();
            match self.peek()? {
                b',' => {
                    self.i += 1;
                    self.ws();
                }
                b'}' => break,
                _ => return None,
            }
        }
        self.i += 1;
        self.depth -= 1;
        Some(())
    }
}

/// Skips the value that starts at `s[i]` (not whitespace), whose containers may nest `room`
/// levels deep; the index just after it. Iterative: the open containers are a bit stack (`room`
/// is at most [`MAX_JSON_DEPTH`], 64), so skipping costs no recursion and keeps `i` in a register.
fn skip(s: &[u8], mut i: usize, room: usize) -> Option<usize> {
    // Bit d set: the container at relative depth d + 1 is an object.
    let mut objects = 0u64;
    let mut depth = 0usize;
    'value: loop {
        match *s.get(i)? {
            b'"' => i = string_end(s, i)?.0,
            open @ (b'{' | b'[') => {
                depth += 1;
                if depth > room {
                    return None;
                }
                let object = open == b'{';
                let bit = 1u64 << (depth - 1);
                objects = if object {
                    objects | bit
                } else {
                    objects & !bit
                };
                i = ws(s, i + 1);
                if *s.get(i)? == open + 2 {
                    // `{}` or `[]` (the closing bracket is the opening one + 2 in ASCII).
                    depth -= 1;
                    i += 1;
                } else {
                    if object {
                        i = member_name(s, i)?.2;
                    }
                    continue 'value;
                }
            }
            b't' => i = literal(s, i, b"true")?,
            b'f' => i = literal(s, i, b"false")?,
            b'n' => i = literal(s, i, b"null")?,
            b'-' | b'0'..=b'9' => i = number_end(s, i)?,
            _ => return None,
        }
        // After a value: the next member or element, or the end of containers.
        loop {
            if depth == 0 {
                return Some(i);
            }
            i = ws(s, i);
            let object = objects >> (depth - 1) & 1 == 1;
            match *s.get(i)? {
                b',' => {
                    i = ws(s, i + 1);
                    if object {
                        i = member_name(s, i)?.2;
                    }
                    continue 'value;
                }
                b'}' if object => {
                    depth -= 1;
                    i += 1;
                }
                b']' if !object => {
                    depth -= 1;
                    i += 1;
                }
                _ => return None,
            }
        }
    }
}

/// The index of the first byte at or after `i` that is not JSON whitespace.
#[inline(always)]
fn ws(s: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = s.get(i) {
        i += 1;
    }
    i
}

/// A member name at `s[i]` and its colon: the name's raw bytes (between the quotes), whether it
/// has escapes, and the index of the member's value.
#[inline(always)]
fn member_name(s: &[u8], i: usize) -> Option<(&[u8], bool, usize)> {
    if *s.get(i)? != b'"' {
        return None;
    }
    let (end, escaped) = string_end(s, i)?;
    let colon = ws(s, end);
    if *s.get(colon)? != b':' {
        return None;
    }
    Some((&s[i + 1..end - 1], escaped, ws(s, colon + 1)))
}

fn literal(s: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    (s.get(i..i + word.len())? == word).then_some(i + word.len())
}

/// The string whose opening quote is `s[i]`: the index just after its closing quote, and whether
/// it had escapes.
#[inline(always)]
fn string_end(s: &[u8], i: usize) -> Option<(usize, bool)> {
    let mut i = i + 1;
    let mut escaped = false;
    loop {
        i = next_special(s, i);
        match *s.get(i)? {
            b'"' => return Some((i + 1, escaped)),
            b'\\' => {
                escaped = true;
                i = escape(s, i)?;
            }
            _ => return None,
        }
    }
}

/// The number that starts at `s[start]`: JSON's grammar, and within the range of an f64 (the
/// reference path's rule, [`beyond_f64`]); the index just after it.
fn number_end(s: &[u8], start: usize) -> Option<usize> {
    let digits = |mut i: usize| {
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let mut i = start;
    if s.get(i) == Some(&b'-') {
        i += 1;
    }
    match s.get(i)? {
        b'0' => i += 1,
        b'1'..=b'9' => i = digits(i + 1),
        _ => return None,
    }
    if s.get(i) == Some(&b'.') {
        let end = digits(i + 1);
        if end == i + 1 {
            return None;
        }
        i = end;
    }
    let mut exponent = false;
    if let Some(b'e' | b'E') = s.get(i) {
        exponent = true;
        i += 1;
        if let Some(b'+' | b'-') = s.get(i) {
            i += 1;
        }
        let end = digits(i);
        if end == i {
            return None;
        }
        i = end;
    }
    (!beyond_f64(&s[start..i], exponent)).then_some(i)
}

/// One escape at `s[i] == b'\\'`; the index after it. `\u` escapes of UTF-16 surrogates must
/// come as a high-low pair.
fn escape(s: &[u8], i: usize) -> Option<usize> {
    match *s.get(i + 1)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(i + 2),
        b'u' => match hex4(s, i + 2)? {
            0xD800..=0xDBFF => {
                if s.get(i + 6..i + 8)? != b"\\u" {
                    return None;
                }
                matches!(hex4(s, i + 8)?, 0xDC00..=0xDFFF).then_some(i + 12)
            }
            0xDC00..=0xDFFF => None,
            _ => Some(i + 6),
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_masks_find_the_first_special_byte() {
        let v = u64::from_le_bytes(*b"ab\"c\\d\x01e");
        assert_eq!(equal(v, b'"').trailing_zeros() / 8, 2);
        assert_eq!(equal(v, b'\\').trailing_zeros() / 8, 4);
        assert_eq!(below(v, 0x20).trailing_zeros() / 8, 6);
        let plain = u64::from_le_bytes(*b"\xc5\xbe\x7f !~ab");
        assert_eq!(
            equal(plain, b'"') | equal(plain, b'\\') | below(plain, 0x20),
            0
        );
    }

    #[test]
    fn keeps_the_known_members_raw() {
        let body = br#" {"eventId" : "x", "other":[1,{"a":null}], "data":{"status":"BOOKED","hookData": {"k":[true, -1.5e3]} ,"x":"\u00e9"}} "#;
        let parsed = scan(std::str::from_utf8(body).unwrap()).expect("accepted");
        assert_eq!(parsed.fields.get("eventId"), Some(r#""x""#));
        let Some(Node::Object(data)) = parsed.data else {
            panic!("data is an object")
        };
        assert_eq!(data.get("status"), Some(r#""BOOKED""#));
        assert_eq!(data.get("hookData"), Some(r#"{"k":[true, -1.5e3]}"#));
    }

    #[test]
    fn leaves_everything_else_to_the_reference_path() {
        for body in [
            "",
            "[]",
            r#"{"a":1}x"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":-}"#,
            r#"{"a":1e}"#,
            r#"{"a":1e309}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"a":"\udc00\ud800"}"#,
            r#"{"a":"\x"}"#,
            "{\"a\":\"tab\there\"}",
            r#"{"a\u0062":1}"#,
            r#"{"a":1,}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":tru}"#,
            r#"{"a" 1}"#,
            r#"{"a":"open}"#,
        ] {
            assert!(scan(body).is_none(), "{body:?} was accepted");
        }
        let deep = |n: usize| format!("{{\"a\":{}{}}}", "[".repeat(n), "]".repeat(n));
        assert!(scan(&deep(MAX_JSON_DEPTH - 1)).is_some());
        assert!(scan(&deep(MAX_JSON_DEPTH)).is_none());
    }

    /// Random edits of the shared vectors' bodies: whatever the fast pass accepts, the reference
    /// path accepts with the same members; and it accepts the well-formed events themselves.
    #[test]
    fn agrees_with_the_reference_path() {
        let mut seeds: Vec<String> = Vec::new();
        for file in ["events.json", "body.json"] {
            let path = format!("{}/tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
            let vectors: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            for case in vectors["cases"].as_array().unwrap() {
                if let Some(body) = case["body"].as_str() {
                    seeds.push(body.to_owned());
                }
            }
        }
        let mut fast_seeds = 0;
        for seed in &seeds {
            if let Some(fast) = scan(seed) {
                fast_seeds += 1;
                assert_eq!(Some(fast), crate::parse::reference(seed).ok(), "{seed}");
            }
        }
        assert!(
            fast_seeds * 10 >= seeds.len() * 8,
            "{fast_seeds} of {}",
            seeds.len()
        );

        const TOKENS: &[&str] = &[
            "{",
            "}",
            "[",
            "]",
            "\"",
            ":",
            ",",
            "\\",
            "\\u",
            "d800",
            "\\ud800",
            "\\udc00",
            "\\ud83d\\ude00",
            "\\u00e9",
            "\\n",
            "0",
            "-",
            "1e309",
            "1e308",
            "-0",
            "01",
            "1.",
            ".5",
            "1e",
            "E+",
            "2",
            "true",
            "nul",
            "null",
            "false",
            " ",
            "\t",
            "\n",
            "\u{1}",
            "\u{1f}",
            "é",
            "\u{7f}",
            "12345678901234567890123",
            "\"data\"",
            "\"hookData\"",
            "\"eventId\"",
            "{\"a\":",
            "[[[[",
            "]]]]",
            "\"data\":{",
            "\"data\":null",
            "\"data\":[1]",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let (mut accepted, mut total) = (0, 0);
        for round in 0..60_000 {
            let mut text = seeds[round % seeds.len()].clone();
            for _ in 0..1 + next(3) {
                let boundary = |text: &str, at: usize| {
                    (at..=text.len())
                        .find(|&i| text.is_char_boundary(i))
                        .unwrap()
                };
                let at = boundary(&text, next(text.len() + 1));
                let end = boundary(&text, (at + next(8)).min(text.len()));
                let token = TOKENS[next(TOKENS.len())];
                match next(4) {
                    0 => text.insert_str(at, token),
                    1 => text.replace_range(at..end, ""),
                    2 => text.replace_range(at..end, token),
                    _ => {
                        let copy = text[at..end].to_owned();
                        text.insert_str(end, &copy);
                    }
                }
            }
            total += 1;
            if scan(&text).is_some() {
                accepted += 1;
            }
            assert!(crate::parse::paths_agree(text.as_bytes()), "{text}");
        }
        // Enough of the edits stay well-formed for the comparison to mean something.
        assert!(accepted * 20 > total, "{accepted} of {total} accepted");
    }
}

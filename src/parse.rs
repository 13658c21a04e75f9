//! Step 2, parse: the body bytes must be UTF-8 and strict JSON (nesting depth, no lone surrogate
//! escapes, numbers within f64 range), and an object. One pass keeps the top-level members and
//! those of `data` as raw slices of the body, for the normalize step to read.

use serde::de::{self, Deserialize, DeserializeSeed};
use serde_json::value::RawValue;

use crate::error::Error;
use crate::status::Status;
use crate::text::json_error_kind;

/// Arrays and objects may nest this deep (the top-level object counts as one).
pub const MAX_JSON_DEPTH: usize = 64;

/// Which members of an object normalize reads: the top level's (`data` is read apart) or
/// `data`'s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Keys {
    Top,
    Data,
}

impl Keys {
    /// The member names, in index order.
    #[cfg(test)]
    fn names(self) -> &'static [&'static str] {
        match self {
            Keys::Top => &[
                "eventId",
                "eventType",
                "hookType",
                "eventTimestamp",
                "timestamp",
                "clientId",
            ],
            Keys::Data => &[
                "paymentId",
                "refundId",
                "orderId",
                "instructionId",
                "externalId",
                "status",
                "reasonCode",
                "hookData",
            ],
        }
    }

    /// The index of member `name`, if it is one of the set's: by length, then one comparison of
    /// the whole name (compiled to one or two word comparisons, where a `match` on the names
    /// compared byte by byte). Folded away when `name` is a constant.
    #[inline(always)]
    fn index(self, name: &[u8]) -> Option<usize> {
        let is = |known: &[u8]| name == known;
        match self {
            Keys::Top => match name.len() {
                7 if is(b"eventId") => Some(0),
                9 if is(b"eventType") => Some(1),
                8 if is(b"hookType") => Some(2),
                14 if is(b"eventTimestamp") => Some(3),
                9 if is(b"timestamp") => Some(4),
                8 if is(b"clientId") => Some(5),
                _ => None,
            },
            Keys::Data => match name.len() {
                9 if is(b"paymentId") => Some(0),
                8 if is(b"refundId") => Some(1),
                7 if is(b"orderId") => Some(2),
                13 if is(b"instructionId") => Some(3),
                10 if is(b"externalId") => Some(4),
                6 if is(b"status") => Some(5),
                10 if is(b"reasonCode") => Some(6),
                8 if is(b"hookData") => Some(7),
                _ => None,
            },
        }
    }
}

/// The members of an object that normalize reads, each as the raw JSON text of its value (the
/// last duplicate wins). Other members are validated and skipped; nothing is allocated.
#[derive(Debug)]
pub(crate) struct Fields<'a> {
    keys: Keys,
    values: [Option<&'a str>; 8],
    /// Bit i: value i is known to be a string without escapes (the fast pass saw it whole), so
    /// its text is its content. Unset says nothing.
    plain: u8,
}

/// Equal members (what is known of them aside).
impl PartialEq for Fields<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.keys == other.keys && self.values == other.values
    }
}

impl Eq for Fields<'_> {}

impl<'a> Fields<'a> {
    pub(crate) fn new(keys: Keys) -> Fields<'a> {
        Fields {
            keys,
            values: [None; 8],
            plain: 0,
        }
    }

    /// Keeps `value` if `key` is one of the known keys (the last duplicate wins); `plain`: it is
    /// a string without escapes.
    #[inline(always)]
    pub(crate) fn set(&mut self, key: &[u8], value: &'a str, plain: bool) {
        if let Some(i) = self.keys.index(key) {
            self.values[i] = Some(value);
            self.plain = self.plain & !(1 << i) | u8::from(plain) << i;
        }
    }

    /// Whether member `key` is known to be a string without escapes.
    #[inline(always)]
    pub(crate) fn is_plain(&self, key: &str) -> bool {
        self.keys
            .index(key.as_bytes())
            .is_some_and(|i| self.plain >> i & 1 == 1)
    }

    /// The raw JSON text of member `key` (one of the known keys), if the object has it.
    #[inline(always)]
    pub(crate) fn get(&self, key: &str) -> Option<&'a str> {
        self.values[self.keys.index(key.as_bytes())?]
    }

    /// Whether the object has member `key` (one of the known keys), whatever its value.
    #[inline(always)]
    pub(crate) fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Reads the members of a map, keeping the known ones raw; `data` (when `data` is given) is
    /// read as a [`Node`] into it.
    fn read_map<'de: 'a, A: de::MapAccess<'de>>(
        &mut self,
        map: &mut A,
        mut data: Option<&mut Option<Node<'a>>>,
    ) -> Result<(), A::Error> {
        let known = KnownKey {
            keys: self.keys,
            data: data.is_some(),
        };
        while let Some(key) = map.next_key_seed(known)? {
            match key {
                Key::Known(i) => self.values[i] = Some(map.next_value::<&RawValue>()?.get()),
                Key::Data => {
                    if let Some(slot) = data.as_deref_mut() {
                        *slot = Some(map.next_value::<Node>()?);
                    }
                }
                Key::Other => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// A member name: the index of a known key, `data`, or another name (not kept).
enum Key {
    Known(usize),
    Data,
    Other,
}

/// Reads a member name without allocating: borrowed from the body, or from serde_json's scratch
/// buffer when it has escapes.
#[derive(Clone, Copy)]
struct KnownKey {
    keys: Keys,
    data: bool,
}

impl<'de> DeserializeSeed<'de> for KnownKey {
    type Value = Key;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> de::Visitor<'de> for KnownKey {
    type Value = Key;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Key, E> {
        if self.data && name == "data" {
            return Ok(Key::Data);
        }
        Ok(match self.keys.index(name.as_bytes()) {
            Some(i) => Key::Known(i),
            None => Key::Other,
        })
    }
}

/// A parsed body: its top-level members and `data` (absent, null, an object or something else).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Body<'a> {
    pub fields: Fields<'a>,
    pub data: Option<Node<'a>>,
}

/// Body bytes → the top-level members, raw, and `data`'s members, raw. Checks UTF-8, nesting
/// depth, strict-JSON rules and JSON syntax, and that the body is an object.
pub(crate) fn parse(body: &[u8]) -> Result<Body<'_>, Error> {
    // The common case, valid UTF-8, checked with SIMD; the standard library finds the offset.
    let text = match simdutf8::basic::from_utf8(body) {
        Ok(text) => text,
        Err(_) => std::str::from_utf8(body).map_err(|e| {
            Error::new(
                Status::BodyNotUtf8,
                format!(
                    "the body is not valid UTF-8 (invalid byte at offset {})",
                    e.valid_up_to()
                ),
            )
        })?,
    };
    // One pass that accepts every well-formed event; anything else takes the reference path.
    if let Some(body) = crate::scan::scan(text) {
        return Ok(body);
    }
    reference(text)
}

/// Whether the fast pass and the reference path agree on `body` (for the tests and fuzz targets).
#[cfg(any(test, fuzzing))]
pub(crate) fn paths_agree(body: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(body) else {
        return true;
    };
    match crate::scan::scan(text) {
        Some(fast) => reference(text).ok() == Some(fast),
        None => true,
    }
}

/// The reference path: strict-JSON checks ([`strict_scan`]) then serde_json, each with its own
/// messages. Decides every body the fast pass leaves (and is the fast pass's oracle in tests).
pub(crate) fn reference(text: &str) -> Result<Body<'_>, Error> {
    if let Err(e) = strict_scan(text.as_bytes(), MAX_JSON_DEPTH) {
        let what = match e {
            ScanError::TooDeep => {
                format!("nests arrays/objects deeper than {MAX_JSON_DEPTH} levels")
            }
            ScanError::LoneSurrogate => "has a \\u escape of a lone UTF-16 surrogate".to_owned(),
            ScanError::NumberOutOfRange => {
                "has a number beyond the range of a 64-bit float".to_owned()
            }
        };
        return Err(Error::new(Status::BodyNotJson, format!("the body {what}")));
    }
    // One pass: top-level members stay raw except `data`, whose members are collected too.
    let top: Top = serde_json::from_str(text).map_err(|e| {
        Error::new(
            Status::BodyNotJson,
            format!("the body is not JSON: {}", json_error_kind(&e)),
        )
    })?;
    match top {
        Top::Object { fields, data } => Ok(Body { fields, data }),
        Top::NotObject => Err(Error::event(
            "",
            "the body must be a JSON object (an Everifin event)",
        )),
    }
}

/// Any JSON value, keeping the known members of an object as raw values.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Node<'a> {
    Object(Fields<'a>),
    Null,
    Other,
}

/// The top-level value of the body: its members raw, except `data` (last one wins).
// Built once per request, on the stack, and moved out at once: its size is no concern.
#[allow(clippy::large_enum_variant)]
enum Top<'a> {
    Object {
        fields: Fields<'a>,
        data: Option<Node<'a>>,
    },
    NotObject,
}

/// Visitor methods for the values that are neither objects nor null: skipped, giving `$other`.
macro_rules! skip_non_objects {
    ($other:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($other)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<de::IgnoredAny>()?.is_some() {}
            Ok($other)
        }
    };
}

struct NodeVisitor;

impl<'de> de::Visitor<'de> for NodeVisitor {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        let mut fields = Fields::new(Keys::Data);
        fields.read_map(&mut map, None)?;
        Ok(Node::Object(fields))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }

    skip_non_objects!(Node::Other);
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct TopVisitor;

impl<'de> de::Visitor<'de> for TopVisitor {
    type Value = Top<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Top<'de>, A::Error> {
        let (mut fields, mut data) = (Fields::new(Keys::Top), None);
        fields.read_map(&mut map, Some(&mut data))?;
        Ok(Top::Object { fields, data })
    }

    fn visit_unit<E: de::Error>(self) -> Result<Top<'de>, E> {
        Ok(Top::NotObject)
    }

    skip_non_objects!(Top::NotObject);
}

impl<'de> Deserialize<'de> for Top<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TopVisitor)
    }
}

/// What [`strict_scan`] found wrong.
#[derive(Debug, PartialEq, Eq)]
enum ScanError {
    TooDeep,
    LoneSurrogate,
    NumberOutOfRange,
}

/// Checks what a JSON syntax check alone lets through, everywhere in the body (also in values
/// that are passed through raw, such as `hookData`, so that every result is strict JSON):
/// nesting deeper than `max`, `\u` escapes of lone UTF-16 surrogates, numbers beyond the range
/// of a 64-bit float. Malformed JSON is left for the parser to report.
fn strict_scan(json: &[u8], max: usize) -> Result<(), ScanError> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < json.len() {
        match json[i] {
            b'"' => i = skip_string(json, i + 1)?,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Err(ScanError::TooDeep);
                }
                i += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'-' | b'0'..=b'9' => i = check_number(json, i)?,
            _ => i += 1,
        }
    }
    Ok(())
}

/// From just after an opening quote to just after the closing one (or the end).
fn skip_string(json: &[u8], mut i: usize) -> Result<usize, ScanError> {
    loop {
        let Some(offset) = json
            .get(i..)
            .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
        else {
            return Ok(json.len());
        };
        i += offset;
        if json[i] == b'"' {
            return Ok(i + 1);
        }
        // A backslash: check \u escapes for surrogate pairs, skip any other escape.
        match hex4(json, i + 2).filter(|_| json.get(i + 1) == Some(&b'u')) {
            Some(0xD800..=0xDBFF) => {
                let low = hex4(json, i + 8).filter(|_| json.get(i + 6..i + 8) == Some(b"\\u"));
                if !matches!(low, Some(0xDC00..=0xDFFF)) {
                    return Err(ScanError::LoneSurrogate);
                }
                i += 12;
            }
            Some(0xDC00..=0xDFFF) => return Err(ScanError::LoneSurrogate),
            Some(_) => i += 6,
            None => i += 2,
        }
    }
}

/// The four hexadecimal digits at `json[at..]` as a number (`None` when they are not four hex
/// digits).
pub(crate) fn hex4(json: &[u8], at: usize) -> Option<u32> {
    json.get(at..at + 4)?.iter().try_fold(0u32, |n, &b| {
        let d = char::from(b).to_digit(16)?;
        Some(n * 16 + d)
    })
}

/// Whether a number token is beyond the range of a 64-bit float. Short plain integers always
/// fit; only exponents and long digit runs (20 characters or more) are parsed to see.
pub(crate) fn beyond_f64(token: &[u8], exponent: bool) -> bool {
    (exponent || token.len() >= 20)
        && std::str::from_utf8(token)
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .is_some_and(f64::is_infinite)
}

/// From the start of a number token to just after it; refuses numbers that overflow f64.
fn check_number(json: &[u8], start: usize) -> Result<usize, ScanError> {
    let len = json[start..]
        .iter()
        .take_while(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
        .count();
    let token = &json[start..start + len];
    if beyond_f64(token, token.iter().any(|b| matches!(b, b'e' | b'E'))) {
        return Err(ScanError::NumberOutOfRange);
    }
    Ok(start + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kept_name_has_its_index() {
        for keys in [Keys::Top, Keys::Data] {
            for (i, name) in keys.names().iter().enumerate() {
                assert_eq!(keys.index(name.as_bytes()), Some(i), "{name}");
                assert_eq!(keys.index(&name.as_bytes()[1..]), None, "{name}");
            }
            assert_eq!(keys.index(b"data"), None);
        }
    }

    #[test]
    fn nesting_is_counted_outside_strings_only() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert_eq!(strict_scan(deep(64).as_bytes(), 64), Ok(()));
        assert_eq!(
            strict_scan(deep(65).as_bytes(), 64),
            Err(ScanError::TooDeep)
        );
        // Escaped backslashes and quotes, brackets inside strings, an unterminated string.
        assert_eq!(strict_scan(br#"["\\", "\"[[[", "open \"#, 1), Ok(()));
        assert_eq!(strict_scan(br#"["\\", [[]]]"#, 2), Err(ScanError::TooDeep));
        assert_eq!(strict_scan(br#"["\\", [[]]]"#, 3), Ok(()));
    }

    #[test]
    fn lone_surrogates_and_huge_numbers_are_found_anywhere() {
        let ok = |s: &str| strict_scan(s.as_bytes(), 64);
        assert_eq!(ok(r#"{"a":"\ud83d\uded2 \u00e9 \\ud800"}"#), Ok(()));
        assert_eq!(ok(r#"{"a":"\ud800"}"#), Err(ScanError::LoneSurrogate));
        assert_eq!(ok(r#"{"a":"\ud800\u0041"}"#), Err(ScanError::LoneSurrogate));
        assert_eq!(ok(r#"{"a":"\udc00\ud800"}"#), Err(ScanError::LoneSurrogate));
        assert_eq!(ok(r#"{"\uDBFF":1}"#), Err(ScanError::LoneSurrogate));
        assert_eq!(
            ok(r#"[1e308, -1.7e308, 1e-400, 12345678901234567890123]"#),
            Ok(())
        );
        assert_eq!(ok("[1e309]"), Err(ScanError::NumberOutOfRange));
        assert_eq!(ok("-1E400"), Err(ScanError::NumberOutOfRange));
        assert_eq!(
            ok(&format!("[1{}]", "0".repeat(400))),
            Err(ScanError::NumberOutOfRange)
        );
    }
}

//! Parsing, validation and normalization of the webhook body into the schema-1 event
//! (docs/behaviour.md sections 2 and 3).

use std::collections::BTreeMap;

use serde::de::{self, Deserialize};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::error::Error;
use crate::options::{json_error_kind, truncate, Options};
use crate::status::Status;
use crate::timestamp;

/// Arrays and objects may nest this deep (the top-level object counts as one).
pub const MAX_JSON_DEPTH: usize = 64;

/// The entity an event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Entity {
    Payment,
    Refund,
    Order,
    Unknown,
}

impl Entity {
    pub fn name(self) -> &'static str {
        match self {
            Entity::Payment => "payment",
            Entity::Refund => "refund",
            Entity::Order => "order",
            Entity::Unknown => "unknown",
        }
    }
}

/// What a status means for the shop's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pending,
    Authorized,
    PartiallyPaid,
    Paid,
    Failed,
    Expired,
    Withdrawn,
    Review,
    RefundPending,
    Refunded,
    RefundFailed,
    Unknown,
}

impl Outcome {
    pub const ALL: [Outcome; 12] = [
        Outcome::Pending,
        Outcome::Authorized,
        Outcome::PartiallyPaid,
        Outcome::Paid,
        Outcome::Failed,
        Outcome::Expired,
        Outcome::Withdrawn,
        Outcome::Review,
        Outcome::RefundPending,
        Outcome::Refunded,
        Outcome::RefundFailed,
        Outcome::Unknown,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Authorized => "authorized",
            Outcome::PartiallyPaid => "partially_paid",
            Outcome::Paid => "paid",
            Outcome::Failed => "failed",
            Outcome::Expired => "expired",
            Outcome::Withdrawn => "withdrawn",
            Outcome::Review => "review",
            Outcome::RefundPending => "refund_pending",
            Outcome::Refunded => "refunded",
            Outcome::RefundFailed => "refund_failed",
            Outcome::Unknown => "unknown",
        }
    }

    pub fn from_name(name: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.name() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// `(final, outcome)` for a known status of an entity; `None` for an unknown status.
pub fn classify(entity: Entity, status: &str, confirmed_is_paid: bool) -> Option<(bool, Outcome)> {
    use Outcome::*;
    Some(match (entity, status) {
        (Entity::Payment, "CREATED" | "SEEN" | "PROCESSING") => (false, Pending),
        (Entity::Payment, "CONFIRMED") => {
            (false, if confirmed_is_paid { Paid } else { Authorized })
        }
        (Entity::Payment, "BOOKED" | "FINISHED") => (true, Paid),
        (Entity::Payment, "FAILED" | "REJECTED") => (true, Failed),
        (Entity::Payment, "EXPIRED") => (true, Expired),
        (Entity::Payment, "WITHDRAWN") => (true, Withdrawn),
        (Entity::Payment, "PROCESSING_EXPIRED") => (true, Review),
        (Entity::Refund, "CREATED" | "SEEN" | "PROCESSING" | "CONFIRMED") => (false, RefundPending),
        (Entity::Refund, "BOOKED" | "FINISHED") => (true, Refunded),
        (
            Entity::Refund,
            "FAILED" | "REJECTED" | "EXPIRED" | "WITHDRAWN" | "PROCESSING_EXPIRED",
        ) => (true, RefundFailed),
        (Entity::Order, "UNPAID") => (false, Pending),
        (Entity::Order, "PARTIALLY_PAID") => (false, PartiallyPaid),
        (Entity::Order, "PAID") => (true, Paid),
        _ => return None,
    })
}

/// Per-platform shop states for each outcome; `None` means "leave the order as it is".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuggestedStates {
    platforms: Vec<(String, [Option<String>; 12])>,
}

const DEFAULT_SUGGESTED: [(&str, [Option<&str>; 12]); 2] = [
    (
        "woocommerce",
        [
            Some("pending"),
            Some("on-hold"),
            Some("on-hold"),
            Some("processing"),
            Some("failed"),
            Some("failed"),
            Some("cancelled"),
            Some("on-hold"),
            None,
            Some("refunded"),
            None,
            None,
        ],
    ),
    (
        "prestashop",
        [
            Some("PS_OS_BANKWIRE"),
            Some("PS_OS_BANKWIRE"),
            Some("PS_OS_BANKWIRE"),
            Some("PS_OS_PAYMENT"),
            Some("PS_OS_ERROR"),
            Some("PS_OS_CANCELED"),
            Some("PS_OS_CANCELED"),
            Some("PS_OS_ERROR"),
            None,
            Some("PS_OS_REFUND"),
            None,
            None,
        ],
    ),
];

impl Default for SuggestedStates {
    fn default() -> SuggestedStates {
        SuggestedStates {
            platforms: DEFAULT_SUGGESTED
                .iter()
                .map(|(name, row)| (name.to_string(), row.map(|s| s.map(str::to_owned))))
                .collect(),
        }
    }
}

impl SuggestedStates {
    /// Replaces the given entries of a platform (adding the platform, all `None`, if new).
    pub fn set_platform(&mut self, platform: &str, entries: Vec<(Outcome, Option<String>)>) {
        let index = match self.platforms.iter().position(|(name, _)| name == platform) {
            Some(i) => i,
            None => {
                self.platforms
                    .push((platform.to_owned(), Default::default()));
                self.platforms.len() - 1
            }
        };
        for (outcome, state) in entries {
            self.platforms[index].1[outcome.index()] = state;
        }
    }

    /// The state a platform suggests for an outcome.
    pub fn get(&self, platform: &str, outcome: Outcome) -> Option<&str> {
        self.platforms
            .iter()
            .find(|(name, _)| name == platform)
            .and_then(|(_, row)| row[outcome.index()].as_deref())
    }

    fn for_outcome(&self, outcome: Outcome) -> Suggested {
        Suggested(
            self.platforms
                .iter()
                .map(|(name, row)| (name.clone(), row[outcome.index()].clone()))
                .collect(),
        )
    }
}

/// The `suggested` object of an event: platform → state or null, in table order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggested(pub Vec<(String, Option<String>)>);

impl Serialize for Suggested {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (platform, state) in &self.0 {
            map.serialize_entry(platform, state)?;
        }
        map.end()
    }
}

/// The normalized event, schema version 1 (DESIGN.md). Serializes with the keys of the design.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub schema_version: u32,
    pub event_id: String,
    pub event_type: String,
    pub event_timestamp: String,
    pub event_timestamp_ms: i64,
    pub entity: Entity,
    pub entity_id: Option<String>,
    pub payment_id: Option<String>,
    pub refund_id: Option<String>,
    pub order_id: Option<String>,
    pub instruction_id: Option<String>,
    pub external_id: Option<String>,
    pub status: Option<String>,
    pub status_known: bool,
    #[serde(rename = "final")]
    pub is_final: bool,
    pub outcome: Outcome,
    pub reason_code: Option<String>,
    /// The shop's custom data exactly as it appeared in the body.
    pub hook_data: Option<Box<RawValue>>,
    pub legacy_fields: bool,
    pub suggested: Suggested,
}

type Fields<'a> = BTreeMap<String, &'a RawValue>;

/// Body bytes → normalized event. Checks UTF-8, nesting depth, JSON syntax, then the fields.
pub fn parse_body(body: &[u8], options: &Options) -> Result<Event, Error> {
    let text = std::str::from_utf8(body).map_err(|e| {
        Error::new(
            Status::BodyNotUtf8,
            format!(
                "the body is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })?;
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
        Top::Object { fields, data } => normalize_fields(&fields, data, options),
        Top::NotObject => Err(Error::event(
            "",
            "the body must be a JSON object (an Everifin event)",
        )),
    }
}

/// Any JSON value, keeping an object's members as raw values.
enum Node<'a> {
    Object(Fields<'a>),
    Null,
    Other,
}

/// The top-level value of the body: its members raw, except `data` (last one wins).
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
        let mut fields = Fields::new();
        while let Some(key) = map.next_key::<String>()? {
            fields.insert(key, map.next_value()?);
        }
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
        let (mut fields, mut data) = (Fields::new(), None);
        while let Some(key) = map.next_key::<String>()? {
            if key == "data" {
                data = Some(map.next_value::<Node>()?);
            } else {
                fields.insert(key, map.next_value()?);
            }
        }
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

fn hex4(json: &[u8], at: usize) -> Option<u32> {
    let digits = std::str::from_utf8(json.get(at..at + 4)?).ok()?;
    u32::from_str_radix(digits, 16)
        .ok()
        .filter(|_| digits.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// From the start of a number token to just after it; refuses numbers that overflow f64.
fn check_number(json: &[u8], start: usize) -> Result<usize, ScanError> {
    let len = json[start..]
        .iter()
        .take_while(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
        .count();
    let token = &json[start..start + len];
    // Short plain integers always fit; only exponents and long digit runs can overflow.
    if len >= 20 || token.iter().any(|b| matches!(b, b'e' | b'E')) {
        let parsed = std::str::from_utf8(token)
            .ok()
            .and_then(|t| t.parse::<f64>().ok());
        if parsed.is_some_and(f64::is_infinite) {
            return Err(ScanError::NumberOutOfRange);
        }
    }
    Ok(start + len)
}

/// A field's raw value, with JSON `null` treated as absent.
fn present<'a>(fields: &Fields<'a>, key: &str) -> Option<&'a RawValue> {
    fields.get(key).copied().filter(|raw| raw.get() != "null")
}

fn string_field(
    fields: &Fields,
    key: &str,
    name: &str,
    non_empty: bool,
) -> Result<Option<String>, Error> {
    let Some(raw) = present(fields, key) else {
        return Ok(None);
    };
    match serde_json::from_str::<String>(raw.get()) {
        Ok(s) if non_empty && s.is_empty() => {
            Err(Error::event(name, format!("{name} must not be empty")))
        }
        Ok(s) => Ok(Some(s)),
        Err(_) => Err(Error::event(name, format!("{name} must be a string"))),
    }
}

fn uuid_field(fields: &Fields, key: &str, name: &str) -> Result<Option<String>, Error> {
    let Some(s) = string_field(fields, key, name, false)? else {
        return Ok(None);
    };
    match uuid::Uuid::try_parse(&s) {
        Ok(id) if s.len() == 36 => Ok(Some(id.hyphenated().to_string())),
        _ => Err(Error::event(
            name,
            format!(
                "{name} must be a UUID like 4e896aa3-bbba-4a75-a888-06bcfe403c99, got {:?}",
                truncate(&s, 40)
            ),
        )),
    }
}

/// A required field with a legacy fallback: returns the value and the name it came from.
fn with_fallback<'f>(
    fields: &Fields,
    key: &'f str,
    legacy: &'f str,
) -> Result<(String, &'f str), Error> {
    let name = if present(fields, key).is_none() && present(fields, legacy).is_some() {
        legacy
    } else {
        key
    };
    match string_field(fields, name, name, true)? {
        Some(v) => Ok((v, name)),
        None => Err(Error::event(name, format!("{name} is required"))),
    }
}

fn normalize_fields(
    fields: &Fields,
    data: Option<Node>,
    options: &Options,
) -> Result<Event, Error> {
    let event_id = uuid_field(fields, "eventId", "eventId")?
        .ok_or_else(|| Error::event("eventId", "eventId is required"))?;
    let (event_type, _) = with_fallback(fields, "eventType", "hookType")?;
    let (ts_text, ts_name) = with_fallback(fields, "eventTimestamp", "timestamp")?;
    let ts_ms = timestamp::parse_utc_ms(&ts_text).map_err(|e| {
        Error::event(
            ts_name,
            format!("{ts_name} {:?} {}", truncate(&ts_text, 40), e.0),
        )
    })?;

    let data = match data {
        Some(Node::Object(data)) => data,
        None | Some(Node::Null) => return Err(Error::event("data", "data is required")),
        Some(Node::Other) => return Err(Error::event("data", "data must be an object")),
    };

    let payment_id = uuid_field(&data, "paymentId", "data.paymentId")?;
    let refund_id = uuid_field(&data, "refundId", "data.refundId")?;
    let order_id = uuid_field(&data, "orderId", "data.orderId")?;
    let instruction_id = string_field(&data, "instructionId", "data.instructionId", false)?;
    let external_id = string_field(&data, "externalId", "data.externalId", false)?;
    let status = string_field(&data, "status", "data.status", true)?;
    let reason_code = string_field(&data, "reasonCode", "data.reasonCode", false)?;
    let hook_data = present(&data, "hookData").map(|raw| raw.to_owned());

    let known_type = matches!(
        event_type.as_str(),
        "payment.statusChange" | "payment.statusCheck" | "order.statusChange"
    );
    let entity = match event_type.as_str() {
        "payment.statusChange" | "payment.statusCheck" => match (&payment_id, &refund_id) {
            (None, None) => {
                return Err(Error::event(
                    "data.paymentId",
                    format!("a {event_type} event needs data.paymentId or data.refundId"),
                ))
            }
            (Some(_), Some(_)) => {
                return Err(Error::event(
                    "data.refundId",
                    "data has both paymentId and refundId; exactly one is expected",
                ))
            }
            (Some(_), None) => Entity::Payment,
            (None, Some(_)) => Entity::Refund,
        },
        "order.statusChange" => {
            if order_id.is_none() {
                return Err(Error::event(
                    "data.orderId",
                    "an order.statusChange event needs data.orderId",
                ));
            }
            Entity::Order
        }
        _ if refund_id.is_some() => Entity::Refund,
        _ if payment_id.is_some() => Entity::Payment,
        _ if order_id.is_some() => Entity::Order,
        _ => Entity::Unknown,
    };
    if status.is_none() && event_type.ends_with(".statusChange") && known_type {
        return Err(Error::event(
            "data.status",
            format!("a {event_type} event needs data.status"),
        ));
    }
    let entity_id = match entity {
        Entity::Payment => payment_id.clone(),
        Entity::Refund => refund_id.clone(),
        Entity::Order => order_id.clone(),
        Entity::Unknown => None,
    };
    let class = match (&status, known_type) {
        (Some(s), true) => classify(entity, s, options.confirmed_is_paid),
        _ => None,
    };
    let (is_final, outcome) = class.unwrap_or((false, Outcome::Unknown));

    Ok(Event {
        schema_version: 1,
        event_id,
        event_type,
        event_timestamp: timestamp::format_ms(ts_ms),
        event_timestamp_ms: ts_ms,
        entity,
        entity_id,
        payment_id,
        refund_id,
        order_id,
        instruction_id,
        external_id,
        status,
        status_known: class.is_some(),
        is_final,
        outcome,
        reason_code,
        hook_data,
        legacy_fields: ["clientId", "hookType", "timestamp"]
            .iter()
            .any(|k| fields.contains_key(*k)),
        suggested: options.suggested.for_outcome(outcome),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalize(body: &str) -> Result<Event, Error> {
        parse_body(body.as_bytes(), &Options::default())
    }

    const BOOKED: &str = r#"{"eventId":"C2949DFE-4585-46EB-9213-35F0F7FAF055","eventType":"payment.statusChange",
        "eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21",
        "status":"BOOKED","hookData":{ "customId": 12341234, "note": "order x54352" }}}"#;

    #[test]
    fn normalizes_a_booked_payment() {
        let e = normalize(BOOKED).unwrap();
        assert_eq!(e.event_id, "c2949dfe-4585-46eb-9213-35f0f7faf055");
        assert_eq!(
            (e.entity, e.is_final, e.outcome),
            (Entity::Payment, true, Outcome::Paid)
        );
        assert_eq!(e.entity_id, e.payment_id);
        assert_eq!(
            e.hook_data.as_ref().unwrap().get(),
            r#"{ "customId": 12341234, "note": "order x54352" }"#
        );
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json["suggested"],
            serde_json::json!({"woocommerce":"processing","prestashop":"PS_OS_PAYMENT"})
        );
        assert_eq!(json["final"], true);
        assert_eq!(json["legacyFields"], false);
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

    #[test]
    fn reports_the_first_bad_field() {
        let err = normalize(r#"{"eventId":"x","eventType":1}"#).unwrap_err();
        assert_eq!(
            (err.status, err.field.as_deref()),
            (Status::EventInvalid, Some("eventId"))
        );
        let err = normalize(r#"[1]"#).unwrap_err();
        assert_eq!(err.field.as_deref(), Some(""));
        let err = normalize(BOOKED.replace("\"BOOKED\"", "\"\"").as_str()).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("data.status"));
    }
}

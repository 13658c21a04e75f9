//! Step 3, normalize: the parsed body's fields → the schema-1 event (docs/behaviour.md sections 2
//! and 3): required fields and their legacy fallbacks, UUIDs, the timestamp, the entity and the
//! outcome, `hookData` passed through exactly as received.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::value::RawValue;

use crate::error::Error;
use crate::options::Options;
use crate::outcome::{classify, Entity, Outcome};
use crate::parse::{parse, Body, Fields, Node};
use crate::suggested::Suggested;
use crate::text::{ascii_lowercase, truncate};
use crate::timestamp;

/// The normalized event, schema version 1 (docs/design.md). Serializes with the keys of the design,
/// in its order.
#[derive(Clone, Debug)]
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
    pub is_final: bool,
    pub outcome: Outcome,
    pub reason_code: Option<String>,
    /// The shop's custom data exactly as it appeared in the body.
    pub hook_data: Option<RawJson>,
    pub legacy_fields: bool,
    pub suggested: Suggested,
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Event", 20)?;
        s.serialize_field("schemaVersion", &self.schema_version)?;
        s.serialize_field("eventId", &self.event_id)?;
        s.serialize_field("eventType", &self.event_type)?;
        s.serialize_field("eventTimestamp", &self.event_timestamp)?;
        s.serialize_field("eventTimestampMs", &self.event_timestamp_ms)?;
        s.serialize_field("entity", &self.entity)?;
        s.serialize_field("entityId", &self.entity_id)?;
        s.serialize_field("paymentId", &self.payment_id)?;
        s.serialize_field("refundId", &self.refund_id)?;
        s.serialize_field("orderId", &self.order_id)?;
        s.serialize_field("instructionId", &self.instruction_id)?;
        s.serialize_field("externalId", &self.external_id)?;
        s.serialize_field("status", &self.status)?;
        s.serialize_field("statusKnown", &self.status_known)?;
        s.serialize_field("final", &self.is_final)?;
        s.serialize_field("outcome", &self.outcome)?;
        s.serialize_field("reasonCode", &self.reason_code)?;
        s.serialize_field("hookData", &self.hook_data)?;
        s.serialize_field("legacyFields", &self.legacy_fields)?;
        s.serialize_field("suggested", &self.suggested)?;
        s.end()
    }
}

/// JSON text exactly as it appeared in a body that passed the strict-JSON checks (so it is valid,
/// strict JSON). Serializes as that JSON, not as a string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawJson(Box<str>);

impl RawJson {
    pub(crate) fn new(json: &str) -> RawJson {
        RawJson(json.into())
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        &self.0
    }
}

impl Serialize for RawJson {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Checked once more here, on the rare serde path (results are written by hand,
        // src/write.rs).
        let raw: &RawValue = serde_json::from_str(&self.0).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

/// The normalized event as borrowed as it can be: strings are slices of the body unless they had
/// to change (escapes decoded, a UUID lower-cased, a timestamp re-printed), `suggested` is the
/// options' shared table. The C ABI's results are written from it (src/write.rs) without building
/// an [`Event`], which is its owned form.
#[derive(Debug)]
pub(crate) struct EventView<'a> {
    pub schema_version: u32,
    pub event_id: Cow<'a, str>,
    pub event_type: Cow<'a, str>,
    pub event_timestamp: Cow<'a, str>,
    pub event_timestamp_ms: i64,
    pub entity: Entity,
    pub entity_id: Option<Cow<'a, str>>,
    pub payment_id: Option<Cow<'a, str>>,
    pub refund_id: Option<Cow<'a, str>>,
    pub order_id: Option<Cow<'a, str>>,
    pub instruction_id: Option<Cow<'a, str>>,
    pub external_id: Option<Cow<'a, str>>,
    pub status: Option<Cow<'a, str>>,
    pub status_known: bool,
    pub is_final: bool,
    pub outcome: Outcome,
    pub reason_code: Option<Cow<'a, str>>,
    /// The shop's custom data: a slice of the body (or of an owned event's `hook_data`).
    pub hook_data: Option<&'a str>,
    pub legacy_fields: bool,
    pub suggested: &'a Suggested,
    /// `suggested`'s JSON, when the options wrote it once for all events.
    pub suggested_json: Option<&'a str>,
    /// Whether the UUIDs and the timestamp are as normalize checked them (so no character of
    /// theirs needs a JSON escape), and so are the type and status of an event whose status is
    /// known (both then one of the names of docs/behaviour.md); false for a view of an [`Event`],
    /// whose fields are public.
    pub plain: bool,
}

impl EventView<'_> {
    /// The owned event (every borrowed string copied once, `hookData` included). Inlined: the
    /// view is large, and a call would copy it once more.
    #[inline(always)]
    pub(crate) fn into_event(self) -> Event {
        let owned = |s: Option<Cow<str>>| s.map(Cow::into_owned);
        Event {
            schema_version: self.schema_version,
            event_id: self.event_id.into_owned(),
            event_type: self.event_type.into_owned(),
            event_timestamp: self.event_timestamp.into_owned(),
            event_timestamp_ms: self.event_timestamp_ms,
            entity: self.entity,
            entity_id: owned(self.entity_id),
            payment_id: owned(self.payment_id),
            refund_id: owned(self.refund_id),
            order_id: owned(self.order_id),
            instruction_id: owned(self.instruction_id),
            external_id: owned(self.external_id),
            status: owned(self.status),
            status_known: self.status_known,
            is_final: self.is_final,
            outcome: self.outcome,
            reason_code: owned(self.reason_code),
            hook_data: self.hook_data.map(RawJson::new),
            legacy_fields: self.legacy_fields,
            suggested: self.suggested.clone(),
        }
    }
}

impl Event {
    /// This event borrowed, for writing its JSON (src/write.rs).
    pub(crate) fn view(&self) -> EventView<'_> {
        fn view(s: &Option<String>) -> Option<Cow<'_, str>> {
            s.as_deref().map(Cow::Borrowed)
        }
        EventView {
            schema_version: self.schema_version,
            event_id: Cow::Borrowed(&self.event_id),
            event_type: Cow::Borrowed(&self.event_type),
            event_timestamp: Cow::Borrowed(&self.event_timestamp),
            event_timestamp_ms: self.event_timestamp_ms,
            entity: self.entity,
            entity_id: view(&self.entity_id),
            payment_id: view(&self.payment_id),
            refund_id: view(&self.refund_id),
            order_id: view(&self.order_id),
            instruction_id: view(&self.instruction_id),
            external_id: view(&self.external_id),
            status: view(&self.status),
            status_known: self.status_known,
            is_final: self.is_final,
            outcome: self.outcome,
            reason_code: view(&self.reason_code),
            hook_data: self.hook_data.as_ref().map(RawJson::get),
            legacy_fields: self.legacy_fields,
            suggested: &self.suggested,
            suggested_json: None,
            plain: false,
        }
    }
}

/// A field's raw value, with JSON `null` treated as absent.
#[inline(always)]
fn present<'a>(fields: &Fields<'a>, key: &str) -> Option<&'a str> {
    // A `match`, not `Option::filter`, which stayed a call.
    match fields.get(key) {
        Some("null") | None => None,
        raw => raw,
    }
}

/// Member `key` as a string (`None` when absent or null). Inlined, so that the member is found by
/// a constant index; a string the fast pass saw without escapes is its own text, and anything
/// else goes to [`string_value`].
#[inline(always)]
fn string_field<'a>(
    fields: &Fields<'a>,
    key: &str,
    name: &str,
    non_empty: bool,
) -> Result<Option<Cow<'a, str>>, Error> {
    let Some(raw) = present(fields, key) else {
        return Ok(None);
    };
    if fields.is_plain(key) {
        debug_assert!(raw.starts_with('"') && !raw[1..].trim_end_matches('"').contains('\\'));
        match raw.get(1..raw.len() - 1) {
            Some(text) if !(non_empty && text.is_empty()) => return Ok(Some(Cow::Borrowed(text))),
            _ => {}
        }
    }
    string_value(raw, name, non_empty).map(Some)
}

/// The string a member's raw JSON holds: its own text when it has no escapes, else decoded by
/// serde_json; or why it is not an acceptable string.
#[inline(never)]
fn string_value<'a>(raw: &'a str, name: &str, non_empty: bool) -> Result<Cow<'a, str>, Error> {
    let plain = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .filter(|r| memchr::memchr(b'\\', r.as_bytes()).is_none());
    let decoded = match plain {
        Some(text) => Ok(Cow::Borrowed(text)),
        None => serde_json::from_str::<String>(raw).map(Cow::Owned),
    };
    match decoded {
        Ok(s) if non_empty && s.is_empty() => {
            Err(Error::event(name, format!("{name} must not be empty")))
        }
        Ok(s) => Ok(s),
        Err(_) => Err(Error::event(name, format!("{name} must be a string"))),
    }
}

#[inline(always)]
fn uuid_field<'a>(
    fields: &Fields<'a>,
    key: &str,
    name: &str,
) -> Result<Option<Cow<'a, str>>, Error> {
    let Some(s) = string_field(fields, key, name, false)? else {
        return Ok(None);
    };
    match uuid::Uuid::try_parse(&s) {
        // 36 characters: the hyphenated form, whose lower-case spelling is the canonical one.
        Ok(_) if s.len() == 36 => Ok(Some(ascii_lowercase(s))),
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
#[inline(always)]
fn with_fallback<'a, 'f>(
    fields: &Fields<'a>,
    key: &'f str,
    legacy: &'f str,
) -> Result<(Cow<'a, str>, &'f str), Error> {
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

/// Body bytes → normalized event: [`parse`], then the fields (docs/behaviour.md sections 2 and 3).
pub(crate) fn normalize_body(body: &[u8], options: &Options) -> Result<Event, Error> {
    normalize_view(body, options).map(EventView::into_event)
}

/// [`normalize_body`] without copying: the event borrows from the body and the options.
pub(crate) fn normalize_view<'a>(
    body: &'a [u8],
    options: &'a Options,
) -> Result<EventView<'a>, Error> {
    let Body { fields, data } = parse(body)?;
    normalize_fields(&fields, data, options)
}

fn normalize_fields<'a>(
    fields: &Fields<'a>,
    data: Option<Node<'a>>,
    options: &'a Options,
) -> Result<EventView<'a>, Error> {
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
    let hook_data = present(&data, "hookData");

    let known_type = matches!(
        &*event_type,
        "payment.statusChange" | "payment.statusCheck" | "order.statusChange"
    );
    let entity = match &*event_type {
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

    Ok(EventView {
        schema_version: 1,
        event_id,
        event_type,
        event_timestamp: timestamp::canonical(ts_text, ts_ms),
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
        // Written out, not a loop over the names: each constant name folds to its slot.
        legacy_fields: fields.contains("clientId")
            || fields.contains("hookType")
            || fields.contains("timestamp"),
        suggested: options.suggested.for_outcome(outcome),
        suggested_json: Some(options.suggested.json_for(outcome)),
        plain: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::Status;

    fn normalize(body: &str) -> Result<Event, Error> {
        normalize_body(body.as_bytes(), &Options::default())
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

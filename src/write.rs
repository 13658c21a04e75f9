//! The hot results written by hand into one pre-sized buffer: the success result of
//! `evf_verifier_process` and of `evf_normalize` (docs/design.md "Result JSON"). Byte for byte
//! what serde_json writes for the same values (the `Serialize` impls stay as the reference; the
//! tests below compare the two), without serde's per-field machinery, and with `hookData` copied
//! once, straight from the body.

use crate::normalize::EventView;
use crate::signature_info::SignatureView;

/// `{"ok":true,"status":"OK","httpStatus":200,` and `payload` (which writes its members and the
/// closing brace).
pub(crate) fn ok_result(capacity: usize, payload: impl FnOnce(&mut String)) -> String {
    let mut out = String::with_capacity(capacity);
    out.push_str(r#"{"ok":true,"status":"OK","httpStatus":200,"#);
    payload(&mut out);
    out.push('}');
    out
}

/// `"signature":{...}` of a process result.
pub(crate) fn signature(out: &mut String, s: &SignatureView) {
    out.push_str(r#""signature":{"timestamp":"#);
    known(out, &s.timestamp, s.plain);
    out.push_str(r#","key":"#);
    known(out, &s.key, s.plain);
    out.push_str(r#","secretIndex":"#);
    out.push_str(itoa::Buffer::new().format(s.secret_index));
    out.push_str(r#","ageMs":"#);
    out.push_str(itoa::Buffer::new().format(s.age_ms));
    out.push('}');
}

/// The event object.
pub(crate) fn event(out: &mut String, e: &EventView) {
    out.push_str(r#"{"schemaVersion":"#);
    out.push_str(itoa::Buffer::new().format(e.schema_version));
    out.push_str(r#","eventId":"#);
    known(out, &e.event_id, e.plain);
    out.push_str(r#","eventType":"#);
    known(out, &e.event_type, e.plain && e.status_known);
    out.push_str(r#","eventTimestamp":"#);
    known(out, &e.event_timestamp, e.plain);
    out.push_str(r#","eventTimestampMs":"#);
    out.push_str(itoa::Buffer::new().format(e.event_timestamp_ms));
    out.push_str(r#","entity":""#);
    out.push_str(e.entity.name());
    out.push('"');
    for (key, value, plain) in ids_and_status(e) {
        out.push_str(key);
        optional(out, value, plain);
    }
    out.push_str(r#","statusKnown":"#);
    out.push_str(if e.status_known { "true" } else { "false" });
    out.push_str(r#","final":"#);
    out.push_str(if e.is_final { "true" } else { "false" });
    out.push_str(r#","outcome":""#);
    out.push_str(e.outcome.name());
    out.push_str(r#"","reasonCode":"#);
    optional(out, e.reason_code.as_deref(), false);
    out.push_str(r#","hookData":"#);
    out.push_str(e.hook_data.unwrap_or("null"));
    out.push_str(r#","legacyFields":"#);
    out.push_str(if e.legacy_fields { "true" } else { "false" });
    out.push_str(r#","suggested":"#);
    suggested(out, e);
    out.push('}');
}

/// The event's optional strings from `entityId` to `status`, in the order of the event, each
/// with the text that precedes it in the event object (`,"key":`) and whether it is known to need
/// no escape (the UUIDs of an event normalize made).
fn ids_and_status<'e>(e: &'e EventView) -> [(&'static str, Option<&'e str>, bool); 7] {
    [
        (r#","entityId":"#, e.entity_id.as_deref(), e.plain),
        (r#","paymentId":"#, e.payment_id.as_deref(), e.plain),
        (r#","refundId":"#, e.refund_id.as_deref(), e.plain),
        (r#","orderId":"#, e.order_id.as_deref(), e.plain),
        (r#","instructionId":"#, e.instruction_id.as_deref(), false),
        (r#","externalId":"#, e.external_id.as_deref(), false),
        (
            r#","status":"#,
            e.status.as_deref(),
            e.plain && e.status_known,
        ),
    ]
}

/// The `suggested` object: platform → state or null, in table order (written once by the options,
/// when the event comes from them).
fn suggested(out: &mut String, e: &EventView) {
    if let Some(json) = e.suggested_json {
        out.push_str(json);
        return;
    }
    out.push('{');
    for (i, (platform, state)) in e.suggested.0.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(out, platform);
        out.push(':');
        optional(out, state.as_deref(), false);
    }
    out.push('}');
}

/// The compact success result of `evf_verifier_process` (option `compactResult`, docs/design.md):
/// one array in a fixed order, `hookData` as its byte offset and length in the body.
pub(crate) fn compact_process(
    capacity: usize,
    s: &SignatureView,
    e: &EventView,
    hook_data: Option<(usize, usize)>,
) -> String {
    let mut out = String::with_capacity(capacity);
    let int = |out: &mut String, n: i64| {
        out.push_str(itoa::Buffer::new().format(n));
        out.push(',');
    };
    let flag = |out: &mut String, b: bool| out.push_str(if b { "true," } else { "false," });
    let text = |out: &mut String, t: Option<&str>, plain: bool| {
        optional(out, t, plain);
        out.push(',');
    };
    out.push_str("[1,");
    text(&mut out, Some(&*s.timestamp), s.plain);
    text(&mut out, Some(&*s.key), s.plain);
    int(&mut out, s.secret_index as i64);
    int(&mut out, s.age_ms);
    text(&mut out, Some(&*e.event_id), e.plain);
    text(&mut out, Some(&*e.event_type), e.plain && e.status_known);
    text(&mut out, Some(&*e.event_timestamp), e.plain);
    int(&mut out, e.event_timestamp_ms);
    text(&mut out, Some(e.entity.name()), true);
    for (_, value, plain) in ids_and_status(e) {
        text(&mut out, value, plain);
    }
    flag(&mut out, e.status_known);
    flag(&mut out, e.is_final);
    text(&mut out, Some(e.outcome.name()), true);
    text(&mut out, e.reason_code.as_deref(), false);
    flag(&mut out, e.legacy_fields);
    match hook_data {
        Some((offset, length)) => {
            int(&mut out, offset as i64);
            int(&mut out, length as i64);
        }
        None => out.push_str("null,null,"),
    }
    suggested(&mut out, e);
    out.push(']');
    out
}

fn optional(out: &mut String, s: Option<&str>, plain: bool) {
    match s {
        Some(s) => known(out, s, plain),
        None => out.push_str("null"),
    }
}

/// A JSON string: `s` between quotes when it is known to need no escape (`plain`: text that a
/// check made of ASCII letters, digits and punctuation other than `"` and `\`), else [`string`].
fn known(out: &mut String, s: &str, plain: bool) {
    if plain {
        debug_assert_eq!(crate::scan::next_special(s.as_bytes(), 0), s.len(), "{s}");
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        string(out, s);
    }
}

/// A JSON string as serde_json writes it: `"` and `\` escaped, control characters as `\b \f \n
/// \r \t` or `\u00XX` (lower-case hex), everything else (also non-ASCII) as is.
pub(crate) fn string(out: &mut String, s: &str) {
    out.push('"');
    let mut rest = s;
    loop {
        let i = crate::scan::next_special(rest.as_bytes(), 0);
        if i == rest.len() {
            break;
        }
        out.push_str(&rest[..i]);
        let b = rest.as_bytes()[i];
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\x08' => out.push_str("\\b"),
            b'\x0c' => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Options;
    use crate::signature_info::SignatureInfo;

    #[test]
    fn strings_are_escaped_as_serde_json_does() {
        let all: String = (0u8..0x80).map(char::from).collect();
        for s in [
            "",
            "plain",
            "quote \" backslash \\ slash /",
            "žluťoučký kůň 🐴",
            &all,
            "\u{7f}\u{80}\u{2028}",
        ] {
            let mut out = String::new();
            string(&mut out, s);
            assert_eq!(out, serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn events_are_written_as_serde_json_writes_them() {
        let mut options = Options::default();
        options
            .suggested
            .set_platform("odd \"shop\"\n", vec![(crate::Outcome::Paid, None)]);
        for body in [
            r#"{"eventId":"C2949DFE-4585-46EB-9213-35F0F7FAF055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"BOOKED","reasonCode":"tab\there \u00e9 \"q\"","hookData":{ "a" : [1, 2.5e3, "\ud83d\ude00"] }}}"#,
            r#"{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","hookType":"order.statusChange","timestamp":"1970-01-01T00:00:00Z","clientId":"x","data":{"orderId":"8840d948-12da-4ca1-8269-3cfdc10b73bc","status":"X","externalId":"","instructionId":"\u0001"}}"#,
        ] {
            let view = crate::normalize::normalize_view(body.as_bytes(), &options).unwrap();
            let mut ours = String::new();
            event(&mut ours, &view);
            let e = view.into_event();
            let serde = serde_json::to_string(&e).unwrap();
            assert_eq!(ours, serde);
            let mut owned = String::new();
            event(&mut owned, &e.view());
            assert_eq!(owned, serde);
            // An Event's fields are public: whatever they hold is escaped.
            let mut odd = e.clone();
            odd.event_id = "quote \" and \\".into();
            odd.event_timestamp = "\n".into();
            odd.entity_id = Some("\u{1}".into());
            let mut ours = String::new();
            event(&mut ours, &odd.view());
            assert_eq!(ours, serde_json::to_string(&odd).unwrap());
        }
        let mut info = SignatureInfo {
            timestamp: "2024-05-07T14:49:55.884Z".into(),
            key: "v12".into(),
            secret_index: 3,
            age_ms: -1234,
        };
        let written = |info: &SignatureInfo| {
            let mut ours = String::from("{");
            signature(&mut ours, &info.view());
            ours.push('}');
            ours
        };
        assert_eq!(
            written(&info),
            serde_json::json!({ "signature": info }).to_string()
        );
        info.key = "\"v1\"".into();
        assert_eq!(
            written(&info),
            serde_json::json!({ "signature": info }).to_string()
        );
        // As verify makes it.
        let secret = crate::secret::Secret::new(b"write-test-secret");
        let ts = "2024-05-07T14:49:55.884Z";
        let header = crate::verify::sign(b"{}", ts, std::slice::from_ref(&secret), 0).unwrap();
        let now = crate::timestamp::parse_utc_ms(ts).unwrap();
        let view = crate::verify::verify(header.as_bytes(), b"{}", &[secret], 300, now).unwrap();
        let mut ours = String::from("{");
        signature(&mut ours, &view);
        ours.push('}');
        assert_eq!(
            ours,
            serde_json::json!({ "signature": view.to_info() }).to_string()
        );
    }
}

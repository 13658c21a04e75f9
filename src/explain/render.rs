//! Renders a JSON value the ways senders and frameworks commonly write it: compact, Python's
//! spaced default, pretty with 2 or 4 spaces, with non-ASCII or slashes escaped, in sorted or
//! documented key order.

use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Clone, Copy)]
pub(super) enum Format {
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

pub(super) fn render(value: &Value, format: Format, ascii: bool, slashes: bool) -> String {
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

pub(super) fn escape_non_ascii(s: &str) -> String {
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

pub(super) fn sort_keys(value: &Value) -> Value {
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
pub(super) fn documented_order(value: &Value) -> Value {
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

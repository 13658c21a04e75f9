//! Bodies the sender could have signed before something re-encoded the received one: textual
//! changes (BOM, line endings, slashes), then the JSON re-rendered in other key orders, layouts
//! and escapings.

use serde_json::{Map, Value};

use super::render::{documented_order, render, sort_keys, Format};
use super::search::Search;
use super::text::{contains, has_whitespace_outside_strings, replace};

/// Bodies larger than this are not re-encoded in search of a cause (the plain checks still run).
const MAX_REENCODE_BYTES: usize = 256 * 1024;
/// Objects with at most this many keys have every key order tried (up to 2 x 720 bodies)...
const MAX_PERMUTED_KEYS: usize = 6;
/// ...when the body is at most this large.
const MAX_PERMUTED_BYTES: usize = 16 * 1024;

/// Transformations of the received body that undo a re-encoding; returns what was undone.
pub(super) fn reencoding(body: &[u8], search: &Search) -> Option<Vec<&'static str>> {
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

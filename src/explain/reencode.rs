//! Bodies the sender could have signed before something re-encoded the received one: textual
//! changes (BOM, line endings, slashes), then the JSON re-rendered in other key orders, layouts
//! and escapings.

use serde_json::{Map, Value};

use super::render::{documented_order, render, sort_keys, Format};
use super::search::Search;
use super::text::{contains, has_whitespace_outside_strings, pad_decimals, replace};

/// Bodies larger than this are not re-encoded in search of a cause (the plain checks still run).
pub(super) const MAX_REENCODE_BYTES: usize = 256 * 1024;
/// Objects with at most this many keys have every key order tried (up to 2 x 720 bodies, built
/// one at a time and within the search's byte budget)...
const MAX_PERMUTED_KEYS: usize = 6;
/// ...when the body is at most this large.
const MAX_PERMUTED_BYTES: usize = 16 * 1024;

/// Transformations of the received body that undo a re-encoding; returns what was undone. Each
/// candidate body is built only when tried, and counts against the search's byte budget.
pub(super) fn reencoding(body: &[u8], search: &Search) -> Option<Vec<&'static str>> {
    // Slices of the body, and the body with a newline added: nothing to build.
    let bom = body.strip_prefix(b"\xEF\xBB\xBF");
    if bom.is_some_and(|b| search.body_matches(&[b])) {
        return Some(vec!["bom"]);
    }
    type Build = fn(&[u8]) -> Vec<u8>;
    let textual: [(&'static str, bool, Build); 5] = [
        ("crlf", contains(body, b"\r\n"), |b| {
            replace(b, b"\r\n", b"\n")
        }),
        ("lf", contains(body, b"\n"), |b| {
            replace(&replace(b, b"\r\n", b"\n"), b"\n", b"\r\n")
        }),
        ("trailing_newline", body.ends_with(b"\n"), |b| {
            b.trim_ascii_end().to_vec()
        }),
        ("escaped_slashes", contains(body, b"\\/"), |b| {
            replace(b, b"\\/", b"/")
        }),
        ("unescaped_slashes", contains(body, b"/"), |b| {
            replace(&replace(b, b"\\/", b"/"), b"/", b"\\/")
        }),
    ];
    for (label, applies, build) in textual {
        if !applies || search.stopped() {
            continue;
        }
        let candidate = build(body);
        if candidate != body && search.body_matches(&[&candidate]) {
            return Some(vec![label]);
        }
    }
    if (body.ends_with(b"}") || body.ends_with(b"]")) && search.body_matches(&[body, b"\n"]) {
        return Some(vec!["trailing_newline"]);
    }
    if body.len() > MAX_REENCODE_BYTES || search.stopped() {
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

    let received_flags = Received {
        pretty: received_pretty,
        escapes_unicode: received_escapes_unicode,
        escapes_slashes: received_escapes_slashes,
    };
    let orders = [
        ("received", None),
        ("sorted", Some(sort_keys(&received))),
        ("documented", Some(documented_order(&received))),
    ];
    const FORMATS: [Format; 4] = [
        Format::Compact,
        Format::Spaced,
        Format::Pretty2,
        Format::Pretty4,
    ];
    for (order, reordered) in &orders {
        let value = reordered.as_ref().unwrap_or(&received);
        for format in FORMATS {
            for ascii in [false, true] {
                for slashes in [false, true] {
                    if search.stopped() {
                        return None;
                    }
                    let candidate = render(value, format, ascii, slashes);
                    if candidate.as_bytes() == body || !search.body_matches(&[candidate.as_bytes()])
                    {
                        continue;
                    }
                    let mut t = labels(
                        &received,
                        value,
                        order,
                        format,
                        ascii,
                        slashes,
                        &received_flags,
                    );
                    if t.is_empty() {
                        t.push("reformatted");
                    }
                    return Some(t);
                }
            }
        }
    }
    // The renderings in the received key order (decoders keep it) with the amounts a JSON
    // decoder shortened written with two decimals again: one-digit fractions padded (`1.5` ->
    // `1.50`, Python's `100.0` -> `100.00`), then integers too (PHP's and JavaScript's `100` ->
    // `100.00`). Numbers are rendered alike whatever the layout, so one rendering tells whether
    // a variant changes anything.
    let compact = render(&received, Format::Compact, false, false);
    let fractions = pad_decimals(&compact, false);
    let integers = pad_decimals(&compact, true);
    let variants = [
        (false, fractions.is_some()),
        (true, integers.is_some() && integers != fractions),
    ];
    for (pad_integers, applies) in variants {
        if !applies {
            continue;
        }
        for format in FORMATS {
            for ascii in [false, true] {
                for slashes in [false, true] {
                    if search.stopped() {
                        return None;
                    }
                    let Some(candidate) =
                        pad_decimals(&render(&received, format, ascii, slashes), pad_integers)
                    else {
                        continue;
                    };
                    if candidate.as_bytes() == body || !search.body_matches(&[candidate.as_bytes()])
                    {
                        continue;
                    }
                    let mut t = labels(
                        &received,
                        &received,
                        "received",
                        format,
                        ascii,
                        slashes,
                        &received_flags,
                    );
                    t.push("decimals_shortened");
                    return Some(t);
                }
            }
        }
    }
    // One level re-ordered in any way: every order of the top-level keys, then of `data`'s.
    if body.len() > MAX_PERMUTED_BYTES {
        return None;
    }
    let Value::Object(top) = &received else {
        return None;
    };
    let found = match Permuted::top(top) {
        Some(p) => p.any(body, search),
        None => false,
    } || match Permuted::data(top) {
        Some(p) => p.any(body, search),
        None => false,
    };
    found.then(|| match received_pretty {
        true => vec!["key_order", "pretty_printed"],
        false => vec!["key_order"],
    })
}

/// How the received body is written.
struct Received {
    pretty: bool,
    escapes_unicode: bool,
    escapes_slashes: bool,
}

/// What a rendering changed from the received body: key order, layout, escapings.
fn labels(
    received: &Value,
    value: &Value,
    order: &str,
    format: Format,
    ascii: bool,
    slashes: bool,
    r: &Received,
) -> Vec<&'static str> {
    let mut t = Vec::new();
    if order != "received" && !same_order(received, value) {
        t.push("key_order");
    }
    match (format, r.pretty) {
        (Format::Compact, true) => t.push("pretty_printed"),
        (Format::Spaced | Format::Pretty2 | Format::Pretty4, false) => t.push("compacted"),
        (Format::Spaced | Format::Pretty2 | Format::Pretty4, true) => t.push("pretty_printed"),
        _ => {}
    }
    if !ascii && r.escapes_unicode {
        t.push("unicode_escaped");
    }
    if ascii && !r.escapes_unicode {
        t.push("unicode_unescaped");
    }
    if !slashes && r.escapes_slashes {
        t.push("escaped_slashes");
    }
    if slashes && !r.escapes_slashes {
        t.push("unescaped_slashes");
    }
    t
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

/// The compact rendering of the body with the members of one object (the top level, or `data`)
/// in any order: `prefix`, then the members joined by commas in the order tried, then `suffix`.
/// Each member is rendered once; each candidate is assembled in one reused buffer.
struct Permuted {
    prefix: String,
    members: Vec<String>,
    suffix: String,
}

impl Permuted {
    fn top(top: &Map<String, Value>) -> Option<Permuted> {
        Some(Permuted {
            prefix: "{".to_owned(),
            members: members(top)?,
            suffix: "}".to_owned(),
        })
    }

    fn data(top: &Map<String, Value>) -> Option<Permuted> {
        let Some(Value::Object(data)) = top.get("data") else {
            return None;
        };
        let members = members(data)?;
        let mut prefix = "{".to_owned();
        let mut suffix = "}".to_owned();
        let mut after = false;
        for (key, value) in top {
            if key == "data" {
                after = true;
                if prefix.len() > 1 {
                    prefix.push(',');
                }
                prefix.push_str("\"data\":{");
                continue;
            }
            let text = member(key, value)?;
            match after {
                false => {
                    if prefix.len() > 1 {
                        prefix.push(',');
                    }
                    prefix.push_str(&text);
                }
                true => {
                    suffix.push(',');
                    suffix.push_str(&text);
                }
            }
        }
        suffix.push('}');
        Some(Permuted {
            prefix,
            members,
            suffix,
        })
    }

    /// Whether a candidate other than `body` carries a header signature; stops with the budget.
    fn any(&self, body: &[u8], search: &Search) -> bool {
        let mut order: Vec<usize> = (0..self.members.len()).collect();
        let mut candidate = Vec::with_capacity(body.len() + 16);
        loop {
            if search.stopped() {
                return false;
            }
            candidate.clear();
            candidate.extend_from_slice(self.prefix.as_bytes());
            for (n, &i) in order.iter().enumerate() {
                if n > 0 {
                    candidate.push(b',');
                }
                candidate.extend_from_slice(self.members[i].as_bytes());
            }
            candidate.extend_from_slice(self.suffix.as_bytes());
            if candidate != body && search.body_matches(&[&candidate]) {
                return true;
            }
            if !next_permutation(&mut order) {
                return false;
            }
        }
    }
}

/// `"key":value` of each member, compact, when the object has few enough members to permute.
fn members(map: &Map<String, Value>) -> Option<Vec<String>> {
    if map.len() < 2 || map.len() > MAX_PERMUTED_KEYS {
        return None;
    }
    map.iter().map(|(k, v)| member(k, v)).collect()
}

fn member(key: &str, value: &Value) -> Option<String> {
    let mut text = serde_json::to_string(key).ok()?;
    text.push(':');
    text.push_str(&serde_json::to_string(value).ok()?);
    Some(text)
}

/// The next order in lexicographic sequence; false after the last one.
fn next_permutation(order: &mut [usize]) -> bool {
    let Some(i) = order.windows(2).rposition(|w| w[0] < w[1]) else {
        return false;
    };
    let Some(j) = order.iter().rposition(|&x| x > order[i]) else {
        return false;
    };
    order.swap(i, j);
    order[i + 1..].reverse();
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutations_are_all_visited_once() {
        let mut order = vec![0, 1, 2, 3];
        let mut seen = std::collections::HashSet::new();
        loop {
            assert!(seen.insert(order.clone()));
            if !next_permutation(&mut order) {
                break;
            }
        }
        assert_eq!(seen.len(), 24);
    }

    #[test]
    fn a_permuted_body_renders_like_serde_json() {
        let v: Value = serde_json::from_str(
            r#"{"a":1,"data":{"x":"/","y":[1,2],"z":{"k":null}},"b":"\u00e9"}"#,
        )
        .unwrap();
        let Value::Object(top) = &v else { panic!() };
        let p = Permuted::data(top).unwrap();
        let whole = format!("{}{}{}", p.prefix, p.members.join(","), p.suffix);
        assert_eq!(whole, serde_json::to_string(&v).unwrap());
        let p = Permuted::top(top).unwrap();
        let whole = format!("{}{}{}", p.prefix, p.members.join(","), p.suffix);
        assert_eq!(whole, serde_json::to_string(&v).unwrap());
    }
}

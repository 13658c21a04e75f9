//! Text helpers shared by every step: cutting a stranger-supplied string, describing a JSON
//! syntax error without echoing the input, and lower-casing a checked string without copying it
//! when it already is.

use std::borrow::Cow;

/// Cuts a stranger-supplied string for use in a message.
pub(crate) fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}

/// A short description of a JSON syntax error, without echoing the input.
pub(crate) fn json_error_kind(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => format!("it ends early, at line {} column {}", e.line(), e.column()),
        Category::Syntax => format!("syntax error at line {} column {}", e.line(), e.column()),
        Category::Data => "unexpected value".to_owned(),
        Category::Io => "read error".to_owned(),
    }
}

/// `s` with ASCII letters in lower case; borrowed as it came when it has no upper-case letter
/// (checked without an early exit: vectorized).
#[inline(always)]
pub(crate) fn ascii_lowercase(mut s: Cow<'_, str>) -> Cow<'_, str> {
    if s.bytes()
        .fold(false, |upper, b| upper | b.is_ascii_uppercase())
    {
        s.to_mut().make_ascii_lowercase();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_on_character_boundaries() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("žluťoučký", 4), "žluť...");
    }

    #[test]
    fn lowercases_only_what_needs_it() {
        assert!(matches!(ascii_lowercase("v0".into()), Cow::Borrowed("v0")));
        assert_eq!(ascii_lowercase("V1-AbC".into()), "v1-abc");
    }
}

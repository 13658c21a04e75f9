//! Message helpers shared by every step: cutting a stranger-supplied string, and describing a JSON
//! syntax error without echoing the input.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_on_character_boundaries() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("žluťoučký", 4), "žluť...");
    }
}

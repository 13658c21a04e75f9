//! `tests/vectors/statuses.json` is the one status table (name, code, httpStatus, family). The
//! Rust enum, the C ABI, the committed C header and the tables of docs/design.md and README.md
//! must say exactly what it says.

use std::collections::BTreeMap;

use everifin_webhook::ffi::{evf_status_http_status, evf_status_name};
use everifin_webhook::Status;
use serde_json::Value;

#[derive(Debug, PartialEq, Eq)]
struct Row {
    code: i64,
    http: i64,
    family: Option<String>,
}

fn read(path: &str) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    std::fs::read_to_string(format!("{root}/{path}"))
        .unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// name → row, from statuses.json.
fn table() -> BTreeMap<String, Row> {
    let doc: Value = serde_json::from_str(&read("tests/vectors/statuses.json")).unwrap();
    let families: Vec<&str> = doc["families"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    let mut rows = BTreeMap::new();
    for s in doc["statuses"].as_array().unwrap() {
        let family = s["family"].as_str().map(str::to_owned);
        if let Some(f) = &family {
            assert!(families.contains(&f.as_str()), "unknown family {f}");
        }
        let row = Row {
            code: s["code"].as_i64().unwrap(),
            http: s["httpStatus"].as_i64().unwrap(),
            family,
        };
        let name = s["name"].as_str().unwrap().to_owned();
        assert!(rows.insert(name.clone(), row).is_none(), "{name} twice");
    }
    assert!(rows.len() >= 15, "the table lost statuses");
    rows
}

/// Fails naming each status whose row in `what` differs from the table, and the file to fix.
fn assert_matches_table<T: std::fmt::Debug + PartialEq>(
    what: &str,
    fix: &str,
    ours: &BTreeMap<String, T>,
    want: &BTreeMap<String, T>,
) {
    let mut problems = Vec::new();
    for (name, row) in want {
        match ours.get(name) {
            None => problems.push(format!("{name} is missing")),
            Some(got) if got != row => {
                problems.push(format!("{name} is {got:?}, the table says {row:?}"))
            }
            Some(_) => {}
        }
    }
    for name in ours.keys().filter(|n| !want.contains_key(*n)) {
        problems.push(format!("{name} is not in the table"));
    }
    assert!(
        problems.is_empty(),
        "{what} differs from tests/vectors/statuses.json (the one status table):\n  {}\nfix: {fix}",
        problems.join("\n  ")
    );
}

#[test]
fn the_rust_enum_is_the_table() {
    let mut ours = BTreeMap::new();
    for s in Status::ALL {
        let row = Row {
            code: i64::from(s.code()),
            http: i64::from(s.http_status()),
            family: s.family().map(str::to_owned),
        };
        ours.insert(s.name().to_owned(), row);
        assert_eq!(Status::from_code(s.code()), Some(s));
    }
    assert_matches_table(
        "the Rust enum (src/status.rs)",
        "change src/status.rs to match (codes are never reused or renumbered), then `make headers`",
        &ours,
        &table(),
    );
}

#[test]
fn the_c_abi_answers_with_the_table() {
    for (name, row) in table() {
        let code = i32::try_from(row.code).unwrap();
        // SAFETY: evf_status_name returns a static NUL-terminated string.
        let got = unsafe { std::ffi::CStr::from_ptr(evf_status_name(code)) };
        assert_eq!(
            got.to_str().unwrap(),
            name,
            "evf_status_name({code}) differs from tests/vectors/statuses.json; fix src/status.rs"
        );
        assert_eq!(
            i64::from(evf_status_http_status(code)),
            row.http,
            "evf_status_http_status of {name} differs from tests/vectors/statuses.json; fix src/status.rs"
        );
    }
}

/// `#define EVF_OK 0` and `#define EVF_ERR_<NAME> <code>` lines of a header, name → code.
fn header_constants(header: &str) -> BTreeMap<String, i64> {
    header
        .lines()
        .filter_map(|l| l.strip_prefix("#define EVF_"))
        .filter_map(|l| {
            let (macro_name, value) = l.split_once(' ')?;
            let name = match macro_name {
                "OK" => "OK",
                other => other.strip_prefix("ERR_")?,
            };
            Some((name.to_owned(), value.trim().parse().ok()?))
        })
        .collect()
}

#[test]
fn the_c_header_defines_the_table() {
    let want: BTreeMap<String, i64> = table().into_iter().map(|(n, r)| (n, r.code)).collect();
    for (path, header) in [
        (
            "include/everifin_webhook.h",
            read("include/everifin_webhook.h"),
        ),
        (
            "generated header",
            include_str!(concat!(env!("OUT_DIR"), "/everifin_webhook.h")).to_owned(),
        ),
    ] {
        assert_matches_table(
            path,
            "change src/status.rs to match the table, then `make headers` (never edit the header)",
            &header_constants(&header),
            &want,
        );
    }
}

/// The rows of the markdown table under the heading `heading` of `path`: name → cells after it.
fn markdown_rows(path: &str, heading: &str) -> BTreeMap<String, Vec<String>> {
    let text = read(path);
    let start = text
        .find(heading)
        .unwrap_or_else(|| panic!("{path} has no {heading:?} section"));
    let mut rows = BTreeMap::new();
    for line in text[start..]
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
    {
        let cells: Vec<String> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_owned())
            .collect();
        let Some(name) = cells
            .first()
            .and_then(|c| c.strip_prefix('`'))
            .and_then(|c| c.strip_suffix('`'))
        else {
            continue;
        };
        rows.insert(name.to_owned(), cells[1..].to_vec());
    }
    rows
}

/// A number cell, which may carry a note: "500 (a caught panic: retryable)".
fn number(cell: &str) -> i64 {
    cell.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn the_design_table_is_the_table() {
    let rows: BTreeMap<String, Row> = markdown_rows("docs/design.md", "## Status codes")
        .into_iter()
        .map(|(name, cells)| {
            assert_eq!(cells.len(), 3, "docs/design.md row {name}: {cells:?}");
            let family = match cells[2].as_str() {
                "" | "-" | "—" => None,
                f => Some(f.trim_matches('`').to_owned()),
            };
            let row = Row {
                code: number(&cells[0]),
                http: number(&cells[1]),
                family,
            };
            (name, row)
        })
        .collect();
    assert_matches_table(
        "the table under \"## Status codes\" in docs/design.md",
        "edit that row of docs/design.md (code | HTTP | family)",
        &rows,
        &table(),
    );
}

#[test]
fn the_readme_table_is_the_table() {
    let rows: BTreeMap<String, (i64, i64)> = markdown_rows("README.md", "## Status codes")
        .into_iter()
        .map(|(name, cells)| (name, (number(&cells[0]), number(&cells[1]))))
        .collect();
    let want: BTreeMap<String, (i64, i64)> = table()
        .into_iter()
        .map(|(name, r)| (name, (r.code, r.http)))
        .collect();
    assert_matches_table(
        "the table under \"## Status codes\" in README.md",
        "edit that row of README.md (code | HTTP)",
        &rows,
        &want,
    );
}

//! explain: each planted fault is found, skew is reported, nothing secret leaks.

use serde_json::{Map, Value};

use super::render::{escape_non_ascii, render, sort_keys, Format};
use super::*;
use crate::sign;
use crate::verify::mac_over;

const SECRET: &str = "explain-hook-secret-5d1c";
const TS: &str = "2024-05-07T14:49:55.887Z";
const NOW: i64 = 1_715_093_396_000;
const BODY: &str = r#"{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"BOOKED","hookData":{"note":"objednávka/42"}}}"#;

fn header_for(body: &[u8], ts: &str, secret: &str) -> String {
    sign(
        body,
        ts,
        serde_json::to_string(&[secret]).unwrap().as_bytes(),
        0,
    )
    .unwrap()
}

fn options(secret: &str) -> Vec<u8> {
    serde_json::json!({"secrets": [secret], "retiredSecrets": ["retired-hook-secret-0a9f"]})
        .to_string()
        .into_bytes()
}

fn codes(body: &[u8], header: &str, secret: &str) -> Vec<(String, Map<String, Value>)> {
    let e = explain(body, header.as_bytes(), &options(secret), NOW).unwrap();
    e.findings
        .into_iter()
        .map(|f| (f.code.to_owned(), f.details))
        .collect()
}

#[test]
fn a_good_request_has_no_findings() {
    let header = header_for(BODY.as_bytes(), TS, SECRET);
    let e = explain(BODY.as_bytes(), header.as_bytes(), &options(SECRET), NOW).unwrap();
    assert!(e.verification.is_ok());
    assert!(e.findings.is_empty());
    assert_eq!(e.secrets[0].fingerprint.len(), "sha256:".len() + 8);
}

#[test]
fn finds_each_planted_fault() {
    let header = header_for(BODY.as_bytes(), TS, SECRET);
    let value: Value = serde_json::from_str(BODY).unwrap();

    let f = codes(BODY.as_bytes(), &header, &format!("{SECRET}\n"));
    assert_eq!(f[0].0, "secret_whitespace");
    assert_eq!(f[0].1["whitespace"], "ends with a newline");

    let pretty = serde_json::to_string_pretty(&value).unwrap();
    assert_eq!(
        codes(pretty.as_bytes(), &header, SECRET)[0].1["transform"],
        "pretty_printed"
    );
    let sorted = serde_json::to_string(&sort_keys(&value)).unwrap();
    assert_eq!(
        codes(sorted.as_bytes(), &header, SECRET)[0].1["transform"],
        "key_order"
    );
    let escaped = BODY.replace('/', "\\/");
    assert_eq!(
        codes(escaped.as_bytes(), &header, SECRET)[0].1["transform"],
        "escaped_slashes"
    );
    let bom = [b"\xEF\xBB\xBF".as_slice(), BODY.as_bytes()].concat();
    assert_eq!(codes(&bom, &header, SECRET)[0].1["transform"], "bom");
    let python_default = render(&value, Format::Spaced, true, false);
    let python_header = header_for(python_default.as_bytes(), TS, SECRET);
    let f = codes(pretty.as_bytes(), &python_header, SECRET);
    assert_eq!(f[0].1["transform"], "pretty_printed", "{f:?}");
    let unicode = escape_non_ascii(BODY);
    assert_eq!(
        codes(unicode.as_bytes(), &header, SECRET)[0].1["transform"],
        "unicode_escaped"
    );

    let crlf_original = pretty.replace('\n', "\r\n");
    let crlf_header = header_for(crlf_original.as_bytes(), TS, SECRET);
    assert_eq!(
        codes(pretty.as_bytes(), &crlf_header, SECRET)[0].1["transform"],
        "lf"
    );
    let lf_header = header_for(pretty.as_bytes(), TS, SECRET);
    assert_eq!(
        codes(crlf_original.as_bytes(), &lf_header, SECRET)[0].1["transform"],
        "crlf"
    );

    let body_ts = mac_over(
        &Secret::new(SECRET.as_bytes()),
        &[BODY.as_bytes(), b".", TS.as_bytes()],
    );
    let f = codes(
        BODY.as_bytes(),
        &format!("ts={TS};v0={}", hex::encode(body_ts)),
        SECRET,
    );
    assert_eq!(
        (f[0].0.as_str(), &f[0].1["variant"]),
        ("concatenation_order", &Value::from("body.ts"))
    );

    let reformatted = header_for(BODY.as_bytes(), "2024-05-07T14:49:55.887+00:00", SECRET);
    let v0 = reformatted.split("v0=").nth(1).unwrap();
    let f = codes(BODY.as_bytes(), &format!("ts={TS};v0={v0}"), SECRET);
    assert_eq!(f[0].0, "ts_reformatted");
    assert_eq!(f[0].1["signedTs"], "2024-05-07T14:49:55.887+00:00");

    let retired = header_for(BODY.as_bytes(), TS, "retired-hook-secret-0a9f");
    let f = codes(BODY.as_bytes(), &retired, SECRET);
    assert_eq!(f[0].0, "retired_secret");
    assert_eq!(
        f[0].1["fingerprint"],
        fingerprint(&Secret::new("retired-hook-secret-0a9f".as_bytes()))
    );

    let two = sign(
        BODY.as_bytes(),
        TS,
        br#"["unknown-old-secret","unknown-new-secret"]"#,
        0,
    )
    .unwrap();
    assert_eq!(
        codes(BODY.as_bytes(), &two, SECRET)[0].0,
        "rotation_in_progress"
    );
    let forged = header_for(BODY.as_bytes(), TS, "guessed");
    assert_eq!(
        codes(BODY.as_bytes(), &forged, SECRET)[0].0,
        "no_cause_found"
    );
}

#[test]
fn reports_clock_skew_with_size_and_direction() {
    let header = header_for(BODY.as_bytes(), TS, SECRET);
    let ts_ms = timestamp::parse_utc_ms(TS).unwrap();
    let late = explain(
        BODY.as_bytes(),
        header.as_bytes(),
        &options(SECRET),
        ts_ms + 412_000,
    )
    .unwrap();
    assert_eq!(
        late.verification.unwrap_err().status,
        Status::TimestampTooOld
    );
    assert_eq!(late.findings[0].code, "clock_skew");
    assert_eq!(late.findings[0].details["ageMs"], 412_000);
    assert_eq!(late.findings[0].details["direction"], "behind");
    let early = explain(
        BODY.as_bytes(),
        header.as_bytes(),
        &options(SECRET),
        ts_ms - 301_000,
    )
    .unwrap();
    assert_eq!(early.findings[0].details["direction"], "ahead");
    assert_eq!(early.findings[0].details["ageMs"], -301_000);
}

#[test]
fn the_process_result_inside_is_byte_exact() {
    let body = BODY.replace(
        r#"{"note":"objednávka/42"}"#,
        r#"{"amount":1.50,"note":"caf\u00e9"}"#,
    );
    let header = header_for(body.as_bytes(), TS, SECRET);
    let e = explain(body.as_bytes(), header.as_bytes(), &options(SECRET), NOW);
    let json = crate::result::explain(&e);
    assert!(
        json.contains(r#""hookData":{"amount":1.50,"note":"caf\u00e9"}"#),
        "{json}"
    );
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        (v["ok"].as_bool(), v["findings"].as_array().map(Vec::len)),
        (Some(true), Some(0))
    );
    assert_eq!(v["secrets"][0]["index"], 0);
}

#[test]
fn never_reveals_secrets_or_expected_signatures() {
    let header = header_for(BODY.as_bytes(), TS, "guessed");
    let expected = header_for(BODY.as_bytes(), TS, SECRET);
    let expected_mac = expected.split("v0=").nth(1).unwrap();
    let e = explain(
        BODY.as_bytes(),
        header.as_bytes(),
        &options(&format!("{SECRET} ")),
        NOW,
    );
    let json = crate::result::explain(&e);
    assert!(!json.contains(SECRET) && !json.contains("retired-hook-secret"));
    assert!(!json.contains(expected_mac));
}

/// BODY with `hookData` holding `amounts` (JSON text).
fn with_amounts(amounts: &str) -> String {
    BODY.replace(
        r#"{"note":"objednávka/42"}"#,
        &format!(r#"{{"amount":{amounts},"note":"objednávka/42"}}"#),
    )
}

#[test]
fn finds_decimals_a_json_decoder_shortened() {
    // Signed with two decimals; PHP json_encode(json_decode()) and Python json.dumps write 1.5
    // and 100.0.
    let signed = with_amounts("[1.50,100.00,12.34,7]");
    let header = header_for(signed.as_bytes(), TS, SECRET);
    let value: Value = serde_json::from_str(&signed).unwrap();
    let php = with_amounts("[1.5,100.0,12.34,7]");
    let f = codes(php.as_bytes(), &header, SECRET);
    assert_eq!(f[0].0, "body_reencoded", "{f:?}");
    assert_eq!(
        f[0].1["transforms"],
        serde_json::json!(["decimals_shortened"])
    );
    // Python's json.dumps default: spaced, non-ASCII escaped, and the decimals shortened.
    let python = render(&value, Format::Spaced, true, false)
        .replace("1.50", "1.5")
        .replace("100.00", "100.0");
    let f = codes(python.as_bytes(), &header, SECRET);
    assert_eq!(
        f[0].1["transforms"],
        serde_json::json!(["pretty_printed", "unicode_escaped", "decimals_shortened"]),
        "{f:?}"
    );
    // PHP's json_encode (and JavaScript) write 100.00 as 100: integers get two decimals too
    // when every integer of the body was an amount.
    let signed = with_amounts("[1.50,100.00]");
    let header = header_for(signed.as_bytes(), TS, SECRET);
    let php =
        serde_json::to_string(&serde_json::from_str::<Value>(&with_amounts("[1.5,100]")).unwrap())
            .unwrap()
            .replace('/', "\\/");
    let f = codes(php.as_bytes(), &header, SECRET);
    assert_eq!(
        f[0].1["transforms"],
        serde_json::json!(["escaped_slashes", "decimals_shortened"]),
        "{f:?}"
    );
    // The other way round stays `reformatted`.
    let shortened = with_amounts("[1.5,100.0,12.34,7]");
    let shortened_header = header_for(shortened.as_bytes(), TS, SECRET);
    let padded = with_amounts("[1.50,100.00,12.34,7]");
    let f = codes(padded.as_bytes(), &shortened_header, SECRET);
    assert_eq!(f[0].1["transforms"], serde_json::json!(["reformatted"]));
}

#[test]
fn no_cause_found_says_what_the_search_could_not_try() {
    let note = |body: &[u8]| {
        let forged = header_for(body, TS, "guessed");
        let f = codes(body, &forged, SECRET);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, "no_cause_found");
        f[0].1.get("body").cloned()
    };
    assert_eq!(note(BODY.as_bytes()), None);
    // Decimals a decoder may have rewritten beyond repair (1.500 -> 1.5).
    assert_eq!(
        note(with_amounts("1.5").as_bytes()),
        Some(Value::from("numbers_may_be_rewritten"))
    );
    assert_eq!(
        note(with_amounts("1e2").as_bytes()),
        Some(Value::from("numbers_may_be_rewritten"))
    );
    // `true` and `false` have an `e`, not a number.
    assert_eq!(note(with_amounts("[true,false,7]").as_bytes()), None);
    // Cut short by a proxy or a log.
    assert_eq!(note(&BODY.as_bytes()[..150]), Some(Value::from("not_json")));
    // Too large for JSON re-encodings.
    let big = with_amounts(&format!("\"{}\"", "x".repeat(300 * 1024)));
    let forged = header_for(big.as_bytes(), TS, "guessed");
    let e = explain(
        big.as_bytes(),
        forged.as_bytes(),
        br#"{"secrets":["explain-hook-secret-5d1c"],"maxBodyBytes":1048576}"#,
        NOW,
    )
    .unwrap();
    assert_eq!(e.findings[0].details["body"], "too_large_to_reencode");
    assert!(e.findings[0].message.contains("262144"));
}

#[test]
fn a_secret_saved_with_a_byte_order_mark_is_found() {
    let header = header_for(BODY.as_bytes(), TS, SECRET);
    let f = codes(BODY.as_bytes(), &header, &format!("\u{feff}{SECRET}"));
    assert_eq!(f[0].0, "secret_bom");
    assert_eq!(f[0].1["secretIndex"], 0);
    let f = codes(BODY.as_bytes(), &header, &format!("\u{feff}{SECRET} "));
    assert_eq!(f[0].0, "secret_bom");
}

#[test]
fn an_age_beyond_any_clock_skew_is_an_old_delivery() {
    let header = header_for(BODY.as_bytes(), TS, SECRET);
    let ts_ms = timestamp::parse_utc_ms(TS).unwrap();
    let at = |now: i64| {
        let e = explain(BODY.as_bytes(), header.as_bytes(), &options(SECRET), now).unwrap();
        e.findings[0].clone()
    };
    let day = MAX_PLAUSIBLE_SKEW_MS as i64;
    let skew = at(ts_ms + day);
    assert!(skew.message.contains("clock is"), "{}", skew.message);
    let old = at(ts_ms + day + 1);
    assert_eq!(old.code, "clock_skew");
    assert_eq!(old.details["direction"], "behind");
    assert!(old.message.contains("old delivery"), "{}", old.message);
    assert!(old.message.contains("--now"), "{}", old.message);
    assert!(!old.message.contains("clock is"), "{}", old.message);
    let future = at(ts_ms - day - 1);
    assert_eq!(future.details["direction"], "ahead");
    assert!(future.message.contains("--now"), "{}", future.message);
}

#[test]
fn decimals_are_padded_outside_strings_only() {
    use super::text::pad_decimals;
    let json = r#"{"a":[1.5,100.0,12.34,7,-3,1e2,1.5E3,0.125],"s":"1.5 and 7"}"#;
    assert_eq!(
        pad_decimals(json, false).as_deref(),
        Some(r#"{"a":[1.50,100.00,12.34,7,-3,1e2,1.5E3,0.125],"s":"1.5 and 7"}"#)
    );
    assert_eq!(
        pad_decimals(json, true).as_deref(),
        Some(r#"{"a":[1.50,100.00,12.34,7.00,-3.00,1e2,1.5E3,0.125],"s":"1.5 and 7"}"#)
    );
    assert_eq!(pad_decimals(r#"{"a":[12.34,1e2],"b":"1.5"}"#, true), None);
}

/// docs/behaviour.md section 9: which keys the result has, case by case.
#[test]
fn the_result_keys_by_case() {
    let keys = |json: &str| -> Vec<String> {
        let v: Value = serde_json::from_str(json).unwrap();
        v.as_object().unwrap().keys().cloned().collect()
    };
    let header = header_for(BODY.as_bytes(), TS, SECRET);
    let seventeen: Vec<String> = (0..17).map(|i| format!("retired-{i}")).collect();
    for options in [
        serde_json::json!({"secrets": []}),
        serde_json::json!({"secrets": [SECRET], "retiredSecrets": [""]}),
        serde_json::json!({"secrets": [SECRET], "retiredSecrets": [42]}),
        serde_json::json!({"secrets": [SECRET], "retiredSecrets": seventeen}),
    ] {
        let r = explain(
            BODY.as_bytes(),
            header.as_bytes(),
            options.to_string().as_bytes(),
            NOW,
        );
        let json = crate::result::explain(&r);
        assert_eq!(
            keys(&json),
            ["ok", "status", "httpStatus", "message"],
            "{json}"
        );
        assert!(json.contains("INVALID_OPTIONS"), "{json}");
    }
    let sixteen: Vec<String> = (0..16).map(|i| format!("retired-{i}")).collect();
    let with_sixteen =
        serde_json::json!({"secrets": [SECRET], "retiredSecrets": sixteen}).to_string();
    let ok = explain(
        BODY.as_bytes(),
        header.as_bytes(),
        with_sixteen.as_bytes(),
        NOW,
    );
    assert_eq!(
        keys(&crate::result::explain(&ok)),
        [
            "ok",
            "status",
            "httpStatus",
            "signature",
            "event",
            "findings",
            "secrets"
        ]
    );
    let missing = explain(BODY.as_bytes(), b"", &options(SECRET), NOW);
    let json = crate::result::explain(&missing);
    assert_eq!(
        keys(&json),
        [
            "ok",
            "status",
            "httpStatus",
            "message",
            "findings",
            "secrets"
        ],
        "{json}"
    );
    assert!(
        json.contains(r#""findings":[],"secrets":[{"index":0,"#),
        "{json}"
    );
}

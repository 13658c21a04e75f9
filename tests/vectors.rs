//! Runs every case of tests/vectors/*.json twice: through the safe Rust API and through the
//! C ABI exports, which must agree with each other and with the case (tests/vectors/README.md).

use std::ffi::{c_char, CStr};
use std::path::PathBuf;

use everifin_webhook::ffi::*;
use everifin_webhook::{result, Verifier};
use serde_json::Value;

struct Case {
    file: String,
    name: String,
    raw: Value,
}

fn load_cases() -> Vec<Case> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/vectors exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        // The status table is no case file (tests/statuses.rs checks it).
        .filter(|p| !p.ends_with("statuses.json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no vector files in {}", dir.display());
    let mut cases = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read vector file");
        let doc: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        for case in doc["cases"]
            .as_array()
            .unwrap_or_else(|| panic!("{file}: no cases"))
        {
            cases.push(Case {
                file: file.clone(),
                name: case["name"].as_str().expect("case name").to_owned(),
                raw: case.clone(),
            });
        }
    }
    cases
}

/// A JSON input: `key` serialized compactly, or `keyRaw` as given, or empty.
fn json_input(case: &Value, key: &str) -> Vec<u8> {
    if let Some(v) = case.get(key) {
        return serde_json::to_vec(v).unwrap();
    }
    match case.get(format!("{key}Raw")) {
        Some(Value::String(s)) => s.as_bytes().to_vec(),
        Some(other) => panic!("{key}Raw must be a string, got {other}"),
        None => Vec::new(),
    }
}

fn body(case: &Value) -> Vec<u8> {
    if let Some(s) = case.get("body") {
        return s.as_str().expect("body is a string").as_bytes().to_vec();
    }
    if let Some(h) = case.get("bodyHex") {
        return hex::decode(h.as_str().expect("bodyHex is a string")).expect("bodyHex is hex");
    }
    let parts = case["bodyParts"]
        .as_array()
        .expect("one of body, bodyHex, bodyParts");
    let mut out = String::new();
    for part in parts {
        match part {
            Value::String(s) => out.push_str(s),
            Value::Object(o) => out.push_str(
                &o["repeat"]
                    .as_str()
                    .unwrap()
                    .repeat(o["times"].as_u64().unwrap() as usize),
            ),
            other => panic!("bad body part {other}"),
        }
    }
    out.into_bytes()
}

fn str_input(case: &Value, key: &str) -> Vec<u8> {
    case.get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
        .as_bytes()
        .to_vec()
}

/// Runs a case through the safe API: (status name, result JSON).
fn run_safe(case: &Value) -> String {
    let f = case["function"].as_str().unwrap();
    match f {
        "process" => match Verifier::new(&json_input(case, "options")) {
            Ok(v) => result::process(&v.process(
                &body(case),
                &str_input(case, "header"),
                case["nowMs"].as_i64().unwrap(),
            )),
            Err(e) => result::error(&e),
        },
        "normalize" => result::normalize(&everifin_webhook::normalize(
            &body(case),
            &json_input(case, "options"),
        )),
        "decide" => result::decide(&everifin_webhook::decide(
            &json_input(case, "event"),
            &json_input(case, "state"),
        )),
        "sign" => {
            let ts = case["timestamp"].as_str().unwrap_or("");
            result::sign(&everifin_webhook::sign(
                &body(case),
                ts,
                &json_input(case, "secrets"),
                0,
            ))
        }
        other => panic!("unknown function {other}"),
    }
}

/// Takes ownership of a result: checks status/JSON consistency and returns (status code, JSON).
unsafe fn take(r: *mut evf_result) -> (i32, String) {
    assert!(!r.is_null());
    let status = evf_result_status(r);
    let ptr = evf_result_json(r);
    let json = CStr::from_ptr(ptr).to_str().unwrap().to_owned();
    assert_eq!(json.len(), evf_result_json_len(r));
    evf_result_free(r);
    (status, json)
}

fn p(v: &[u8]) -> *const c_char {
    v.as_ptr().cast()
}

/// Runs a case through the C ABI: (status code, result JSON or None when creation failed).
fn run_ffi(case: &Value) -> (i32, Option<String>) {
    let f = case["function"].as_str().unwrap();
    unsafe {
        let (status, json) = match f {
            "process" => {
                let options = json_input(case, "options");
                let mut v = std::ptr::null_mut();
                let s = evf_verifier_new(p(&options), options.len(), &mut v);
                if s != EVF_OK {
                    assert!(v.is_null());
                    let (check_status, json) = take(evf_options_check(p(&options), options.len()));
                    assert_eq!(check_status, s);
                    return (s, Some(json));
                }
                let (b, h) = (body(case), str_input(case, "header"));
                let out = take(evf_verifier_process(
                    v,
                    p(&b),
                    b.len(),
                    p(&h),
                    h.len(),
                    case["nowMs"].as_i64().unwrap(),
                ));
                evf_verifier_free(v);
                out
            }
            "normalize" => {
                let (b, o) = (body(case), json_input(case, "options"));
                take(evf_normalize(p(&b), b.len(), p(&o), o.len()))
            }
            "decide" => {
                let (e, s) = (json_input(case, "event"), json_input(case, "state"));
                take(evf_decide(p(&e), e.len(), p(&s), s.len()))
            }
            "sign" => {
                let (b, t, s) = (
                    body(case),
                    str_input(case, "timestamp"),
                    json_input(case, "secrets"),
                );
                take(evf_sign(p(&b), b.len(), p(&t), t.len(), p(&s), s.len()))
            }
            other => panic!("unknown function {other}"),
        };
        (status, Some(json))
    }
}

fn secrets_of(case: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for list in [
        case.get("options").and_then(|o| o.get("secrets")),
        case.get("secrets"),
    ]
    .into_iter()
    .flatten()
    {
        if let Some(items) = list.as_array() {
            out.extend(items.iter().filter_map(Value::as_str).map(str::to_owned));
        }
    }
    out
}

/// Checks one result JSON against the case; returns a description of every mismatch.
fn check(case: &Value, json: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let expect = &case["expect"];
    let got: Value = match serde_json::from_str(json) {
        Ok(v) => v,
        Err(e) => return vec![format!("result is not JSON ({e}): {json}")],
    };
    let status = expect["status"].as_str().unwrap();
    if let Some(want) = expect.get("compact") {
        // The compact process result (option `compactResult`): exactly this array.
        if &got != want {
            problems.push(format!("compact: expected {want}, got {got}"));
        }
        for secret in secrets_of(case) {
            if json.contains(&secret) {
                problems.push("a secret appears in the result".into());
            }
        }
        return problems;
    }
    let mut eq = |key: &str, want: &Value| {
        if got.get(key) != Some(want) {
            problems.push(format!(
                "{key}: expected {want}, got {}",
                got.get(key).unwrap_or(&Value::Null)
            ));
        }
    };
    eq("status", &expect["status"]);
    eq("httpStatus", &expect["httpStatus"]);
    eq("ok", &Value::Bool(status == "OK"));
    for key in ["field", "event", "decision", "state", "header"] {
        if let Some(want) = expect.get(key) {
            eq(key, want);
        }
    }
    match expect.get("signature") {
        Some(Value::Null) if got.get("signature").is_some() => {
            problems.push("signature: expected none".into())
        }
        Some(Value::Null) | None => {}
        Some(want) => eq("signature", want),
    }
    for text in expect
        .get("resultContains")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let text = text.as_str().unwrap_or_default();
        if !json.contains(text) {
            problems.push(format!("the result text does not contain {text}"));
        }
    }
    if status != "OK" && got["message"].as_str().is_none_or(str::is_empty) {
        problems.push("failure without a message".into());
    }
    if case["function"] != "sign" {
        for secret in secrets_of(case) {
            if json.contains(&secret) {
                problems.push("a secret appears in the result".into());
            }
        }
    }
    problems
}

/// Whether the two runs agree. `sign` with an empty timestamp reads the clock in each run, which
/// may tick between them: there the headers are compared by form only.
fn same_result(case: &Value, safe: &str, ffi: &str) -> bool {
    let clock = case["function"] == "sign" && case["timestamp"].as_str().unwrap_or("").is_empty();
    if !clock {
        return safe == ffi;
    }
    let parse = |json: &str| -> Value { serde_json::from_str(json).unwrap() };
    let (mut a, mut b) = (parse(safe), parse(ffi));
    let form = |h: Option<Value>| {
        h.and_then(|h| {
            h.as_str()
                .map(|s| s.starts_with("ts=") && s.contains(";v0="))
        })
    };
    let (ha, hb) = (
        a.as_object_mut().and_then(|o| o.remove("header")),
        b.as_object_mut().and_then(|o| o.remove("header")),
    );
    a == b && form(ha) == form(hb)
}

#[test]
fn every_vector_passes_through_the_safe_api_and_the_c_abi() {
    let cases = load_cases();
    let mut failures = Vec::new();
    for c in &cases {
        let safe = run_safe(&c.raw);
        let (code, ffi) = run_ffi(&c.raw);
        let ffi = ffi.unwrap();
        let compact = c.raw["expect"].get("compact").is_some();
        // A compact case: the C ABI's array is checked, and must stand for exactly the object the
        // safe API answers (which has no compact form).
        let mut problems = check(&c.raw, if compact { &ffi } else { &safe });
        if compact {
            let array: Value = serde_json::from_str(&ffi).unwrap_or(Value::Null);
            let object: Value = serde_json::from_str(&safe).unwrap();
            if !array.is_array() || expand_compact(&array, &body(&c.raw)) != object {
                problems.push(format!(
                    "the compact result is not the object result:\n  safe: {safe}\n  ffi:  {ffi}"
                ));
            }
        } else if !same_result(&c.raw, &safe, &ffi) {
            problems.push(format!(
                "the C ABI gave other JSON:\n  safe: {safe}\n  ffi:  {ffi}"
            ));
        }
        let want = c.raw["expect"]["status"].as_str().unwrap();
        let name = unsafe { CStr::from_ptr(evf_status_name(code)) }
            .to_str()
            .unwrap();
        if name != want {
            problems.push(format!("C status code {code} ({name}), expected {want}"));
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{} / {}:\n  {}\n  result: {}",
                c.file,
                c.name,
                problems.join("\n  "),
                safe
            ));
        }
    }
    println!("{} vector cases run", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} vector cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_status_code_has_a_vector_or_an_abi_test() {
    let mut seen: std::collections::HashSet<String> = load_cases()
        .iter()
        .map(|c| c.raw["expect"]["status"].as_str().unwrap().to_owned())
        .collect();
    // Not expressible as a language-neutral vector: NULL_ARGUMENT (tests/ffi.rs, tests/c) and
    // INTERNAL (a caught panic: src/ffi.rs unit test).
    seen.extend(["NULL_ARGUMENT".to_owned(), "INTERNAL".to_owned()]);
    for s in everifin_webhook::Status::ALL {
        assert!(seen.contains(s.name()), "no vector expects {}", s.name());
    }
}

/// The compact process result (option `compactResult`, docs/design.md) read back into the object
/// result: `[1, signature timestamp, key, secretIndex, ageMs, eventId, eventType, eventTimestamp,
/// eventTimestampMs, entity, entityId, paymentId, refundId, orderId, instructionId, externalId,
/// status, statusKnown, final, outcome, reasonCode, legacyFields, hookData offset, hookData
/// length, suggested]`, hookData cut from the body.
fn expand_compact(compact: &Value, body: &[u8]) -> Value {
    let a = compact.as_array().expect("a compact result is an array");
    assert_eq!(a.len(), 25, "compact layout has 25 members: {compact}");
    assert_eq!(a[0], 1, "compact layout version");
    let hook = match (&a[22], &a[23]) {
        (Value::Null, Value::Null) => Value::Null,
        (offset, length) => {
            let (o, l) = (
                offset.as_u64().unwrap() as usize,
                length.as_u64().unwrap() as usize,
            );
            serde_json::from_slice(&body[o..o + l]).expect("hookData's range is its JSON")
        }
    };
    let event_keys = [
        "eventId",
        "eventType",
        "eventTimestamp",
        "eventTimestampMs",
        "entity",
        "entityId",
        "paymentId",
        "refundId",
        "orderId",
        "instructionId",
        "externalId",
        "status",
        "statusKnown",
        "final",
        "outcome",
        "reasonCode",
    ];
    let mut event = serde_json::Map::new();
    event.insert("schemaVersion".into(), a[0].clone());
    for (i, key) in event_keys.iter().enumerate() {
        event.insert((*key).into(), a[5 + i].clone());
    }
    event.insert("hookData".into(), hook);
    event.insert("legacyFields".into(), a[21].clone());
    event.insert("suggested".into(), a[24].clone());
    serde_json::json!({
        "ok": true, "status": "OK", "httpStatus": 200,
        "signature": {"timestamp": a[1], "key": a[2], "secretIndex": a[3], "ageMs": a[4]},
        "event": event,
    })
}

/// Also: `evf_decide` gives the same answer for either result.
#[test]
fn the_compact_process_result_carries_exactly_the_object_result() {
    let (mut compared, mut errors) = (0, 0);
    for c in load_cases() {
        let case = &c.raw;
        // Cases that set compactResult themselves (compact.json, options.json) are checked as
        // they are by the test above.
        if case["function"] != "process"
            || !case["options"].is_object()
            || case["options"].get("compactResult").is_some()
        {
            continue;
        }
        let mut compact_case = case.clone();
        compact_case["options"]["compactResult"] = Value::Bool(true);
        let (code, object) = run_ffi(case);
        let (compact_code, compact) = run_ffi(&compact_case);
        let (object, compact) = (object.unwrap(), compact.unwrap());
        assert_eq!(code, compact_code, "{}", c.name);
        if code != EVF_OK {
            // Errors are the same object either way.
            assert_eq!(object, compact, "{}", c.name);
            errors += 1;
            continue;
        }
        // evf_decide reads the compact result as the object result: the same decision and state,
        // for a new order, an order paid before, and the order after this very event.
        let decide = |event: &str, state: &str| unsafe {
            take(evf_decide(
                p(event.as_bytes()),
                event.len(),
                p(state.as_bytes()),
                state.len(),
            ))
        };
        let first = decide(&object, "");
        assert_eq!(first.0, EVF_OK, "{}: {}", c.name, first.1);
        let after: Value = serde_json::from_str(&first.1).unwrap();
        let after = after["state"].to_string();
        for state in ["", r#"{"status":"BOOKED"}"#, after.as_str()] {
            assert_eq!(
                decide(&compact, state),
                decide(&object, state),
                "{}: decide with state {state}",
                c.name
            );
        }
        let object: Value = serde_json::from_str(&object).unwrap();
        let compact: Value = serde_json::from_str(&compact).unwrap();
        assert_eq!(
            expand_compact(&compact, &body(case)),
            object,
            "{}: compact {compact}",
            c.name
        );
        compared += 1;
    }
    assert!(
        compared >= 50 && errors >= 20,
        "{compared} ok, {errors} errors compared"
    );
}

#[test]
fn compact_result_is_an_option_like_the_others() {
    let check = |options: &str| unsafe {
        let (code, json) = take(evf_options_check(p(options.as_bytes()), options.len()));
        (code, json)
    };
    assert_eq!(check(r#"{"secrets":["s"],"compactResult":true}"#).0, EVF_OK);
    assert_eq!(
        check(r#"{"secrets":["s"],"compactResult":false}"#).0,
        EVF_OK
    );
    let (code, json) = check(r#"{"secrets":["s"],"compactResult":1}"#);
    assert_eq!(code, EVF_ERR_INVALID_OPTIONS);
    assert!(json.contains("compactResult"), "{json}");
}

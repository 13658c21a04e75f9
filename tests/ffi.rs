//! C ABI behaviour that vectors cannot express: NULL arguments, free(NULL), versions, sharing a
//! verifier between threads.

use std::ffi::{c_char, CStr};
use std::ptr;

use everifin_webhook::ffi::*;

unsafe fn take(r: *mut evf_result) -> (i32, serde_json::Value) {
    assert!(!r.is_null());
    let status = evf_result_status(r);
    let json = CStr::from_ptr(evf_result_json(r))
        .to_str()
        .unwrap()
        .to_owned();
    evf_result_free(r);
    (status, serde_json::from_str(&json).unwrap())
}

fn s(text: &str) -> *const c_char {
    text.as_ptr().cast()
}

const OPTIONS: &str = r#"{"secrets":["ffi-test-hook-secret"]}"#;
const BODY: &str = r#"{"eventId":"4e896aa3-bbba-4a75-a888-06bcfe403c99","eventType":"payment.statusChange","eventTimestamp":"2023-12-21T20:34:59.895Z","data":{"paymentId":"f0489615-fb8a-4c76-bb28-7f9726d815d6","status":"BOOKED"}}"#;
const TS: &str = "2023-12-21T20:35:00.000Z";
const NOW: i64 = 1_703_190_900_113;

unsafe fn verifier() -> *mut evf_verifier {
    let mut v = ptr::null_mut();
    assert_eq!(evf_verifier_new(s(OPTIONS), OPTIONS.len(), &mut v), EVF_OK);
    v
}

unsafe fn header() -> String {
    let secrets = r#"["ffi-test-hook-secret"]"#;
    let (status, json) = take(evf_sign(
        s(BODY),
        BODY.len(),
        s(TS),
        TS.len(),
        s(secrets),
        secrets.len(),
    ));
    assert_eq!(status, EVF_OK);
    json["header"].as_str().unwrap().to_owned()
}

#[test]
fn null_arguments_are_reported_not_crashed_on() {
    unsafe {
        assert_eq!(
            evf_verifier_new(s(OPTIONS), OPTIONS.len(), ptr::null_mut()),
            EVF_ERR_NULL_ARGUMENT
        );
        let mut v = std::ptr::dangling_mut::<evf_verifier>();
        assert_eq!(
            evf_verifier_new(ptr::null(), 5, &mut v),
            EVF_ERR_NULL_ARGUMENT
        );
        assert!(v.is_null(), "out is cleared on failure");
        // NULL with length 0 is empty options: no secrets.
        assert_eq!(
            evf_verifier_new(ptr::null(), 0, &mut v),
            EVF_ERR_INVALID_OPTIONS
        );

        let (status, json) = take(evf_verifier_process(
            ptr::null(),
            s(BODY),
            BODY.len(),
            s("x"),
            1,
            NOW,
        ));
        assert_eq!(status, EVF_ERR_NULL_ARGUMENT);
        assert_eq!(json["status"], "NULL_ARGUMENT");
        assert_eq!(json["httpStatus"], 500);

        let v = verifier();
        let (status, _) = take(evf_verifier_process(v, ptr::null(), 10, s("x"), 1, NOW));
        assert_eq!(status, EVF_ERR_NULL_ARGUMENT);
        let (status, _) = take(evf_verifier_process(
            v,
            s(BODY),
            BODY.len(),
            ptr::null(),
            3,
            NOW,
        ));
        assert_eq!(status, EVF_ERR_NULL_ARGUMENT);
        let (status, _) = take(evf_verifier_process(
            v,
            s(BODY),
            BODY.len(),
            ptr::null(),
            0,
            NOW,
        ));
        assert_eq!(status, EVF_ERR_HEADER_MISSING);
        evf_verifier_free(v);

        assert_eq!(
            take(evf_normalize(ptr::null(), 1, ptr::null(), 0)).0,
            EVF_ERR_NULL_ARGUMENT
        );
        assert_eq!(
            take(evf_normalize(s(BODY), BODY.len(), ptr::null(), 2)).0,
            EVF_ERR_NULL_ARGUMENT
        );
        assert_eq!(
            take(evf_normalize(s(BODY), BODY.len(), ptr::null(), 0)).0,
            EVF_OK
        );
        assert_eq!(
            take(evf_decide(ptr::null(), 1, ptr::null(), 0)).0,
            EVF_ERR_NULL_ARGUMENT
        );
        assert_eq!(
            take(evf_sign(
                s(BODY),
                BODY.len(),
                ptr::null(),
                0,
                ptr::null(),
                1
            ))
            .0,
            EVF_ERR_NULL_ARGUMENT
        );
        assert_eq!(
            take(evf_options_check(ptr::null(), 1)).0,
            EVF_ERR_NULL_ARGUMENT
        );

        assert_eq!(evf_result_status(ptr::null()), EVF_ERR_NULL_ARGUMENT);
        assert!(evf_result_json(ptr::null()).is_null());
        assert_eq!(evf_result_json_len(ptr::null()), 0);
        evf_result_free(ptr::null_mut());
        evf_verifier_free(ptr::null_mut());
    }
}

/// What each result-returning export's header comment promises: never NULL (`take` asserts it),
/// and NULL_ARGUMENT naming the pointer for every pointer that is NULL with a non-zero length.
#[test]
fn every_input_pointer_null_with_a_length_is_null_argument() {
    let null = ptr::null::<c_char>();
    let (o, ol) = (s(OPTIONS), OPTIONS.len());
    let (b, bl) = (s(BODY), BODY.len());
    let (t, tl) = (s(TS), TS.len());
    let secrets = r#"["ffi-test-hook-secret"]"#;
    let (k, kl) = (s(secrets), secrets.len());
    let state = "{}";
    let (st, stl) = (s(state), state.len());
    unsafe {
        let v = verifier();
        let hdr = header();
        let (h, hl) = (s(&hdr), hdr.len());
        let cases: Vec<(&str, *mut evf_result)> = vec![
            ("options_json", evf_options_check(null, 1)),
            ("body", evf_verifier_process(v, null, 1, h, hl, NOW)),
            (
                "signature_header",
                evf_verifier_process(v, b, bl, null, 1, NOW),
            ),
            ("body", evf_normalize(null, 1, o, ol)),
            ("options_json", evf_normalize(b, bl, null, 1)),
            ("event_json", evf_decide(null, 1, st, stl)),
            ("state_json", evf_decide(b, bl, null, 1)),
            ("body", evf_sign(null, 1, t, tl, k, kl)),
            ("timestamp", evf_sign(b, bl, null, 1, k, kl)),
            ("secrets_json", evf_sign(b, bl, t, tl, null, 1)),
            ("body", evf_explain(null, 1, h, hl, o, ol, NOW)),
            ("signature_header", evf_explain(b, bl, null, 1, o, ol, NOW)),
            ("options_json", evf_explain(b, bl, h, hl, null, 1, NOW)),
        ];
        for (what, r) in cases {
            let (status, json) = take(r);
            assert_eq!(status, EVF_ERR_NULL_ARGUMENT, "{what}: {json}");
            assert_eq!(json["status"], "NULL_ARGUMENT", "{what}: {json}");
            assert_eq!(
                json["message"],
                format!("{what} is NULL"),
                "names the argument"
            );
        }
        evf_verifier_free(v);
    }
}

/// `evf_verifier_process_into` has no result to carry `NULL_ARGUMENT` when its `out` is NULL with
/// a non-zero `out_cap`: it returns 0 (never the length of a result) and processes nothing. NULL
/// with `out_cap` 0 asks for the length; NULL inputs are the `NULL_ARGUMENT` result, written out.
#[test]
fn process_into_with_a_null_out_and_a_capacity_returns_0() {
    unsafe {
        let v = verifier();
        let hdr = header();
        let (b, bl, h, hl) = (s(BODY), BODY.len(), s(&hdr), hdr.len());
        let r = evf_verifier_process(v, b, bl, h, hl, NOW);
        assert_eq!(evf_result_status(r), EVF_OK);
        let len = evf_result_json_len(r);
        let (_, object) = take(r);
        let into = |out: *mut c_char, cap: usize| {
            evf_verifier_process_into(v, b, bl, h, hl, NOW, out, cap)
        };
        assert_eq!(into(ptr::null_mut(), 100_000), 0);
        assert_eq!(into(ptr::null_mut(), 1), 0);
        assert_eq!(into(ptr::null_mut(), usize::MAX), 0);
        assert_eq!(
            into(ptr::null_mut(), 0),
            len,
            "NULL with 0 asks for the length"
        );
        let mut buf = vec![0u8; len];
        assert_eq!(into(buf.as_mut_ptr().cast(), len), len);
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&buf).unwrap(),
            object
        );
        // A NULL input with a length: the NULL_ARGUMENT result, in the buffer.
        let mut buf = vec![0u8; 4096];
        let n =
            evf_verifier_process_into(v, ptr::null(), 1, h, hl, NOW, buf.as_mut_ptr().cast(), 4096);
        let json: serde_json::Value = serde_json::from_slice(&buf[..n]).unwrap();
        assert_eq!(json["status"], "NULL_ARGUMENT", "{json}");
        assert_eq!(json["message"], "body is NULL");
        evf_verifier_free(v);
    }
}

#[test]
fn versions_and_status_names() {
    let version = unsafe { CStr::from_ptr(evf_version()) }.to_str().unwrap();
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    assert_eq!(evf_abi_version(), EVF_ABI_VERSION);
    let name = |code| {
        unsafe { CStr::from_ptr(evf_status_name(code)) }
            .to_str()
            .unwrap()
    };
    assert_eq!(name(EVF_ERR_SIGNATURE_MISMATCH), "SIGNATURE_MISMATCH");
    assert_eq!(name(EVF_ERR_STATE_INVALID), "STATE_INVALID");
    assert_eq!(name(4), "UNKNOWN_STATUS");
    assert_eq!(evf_status_http_status(EVF_ERR_BODY_TOO_LARGE), 413);
    assert_eq!(evf_status_http_status(12345), 500);
}

#[test]
fn options_check_explains_without_leaking() {
    let bad = r#"{"secrets":["ffi-test-hook-secret",""],"toleranceSeconds":300}"#;
    let (status, json) = unsafe { take(evf_options_check(s(bad), bad.len())) };
    assert_eq!(status, EVF_ERR_INVALID_OPTIONS);
    let message = json["message"].as_str().unwrap();
    assert!(message.contains("secret 1 is empty"), "{message}");
    assert!(!json.to_string().contains("ffi-test-hook-secret"));
    let (status, json) = unsafe { take(evf_options_check(s(OPTIONS), OPTIONS.len())) };
    assert_eq!((status, json["ok"].as_bool()), (EVF_OK, Some(true)));
}

#[test]
fn one_verifier_serves_eight_threads() {
    struct Shared(*mut evf_verifier);
    // SAFETY: evf_verifier is immutable and documented as shareable.
    unsafe impl Sync for Shared {}
    let shared = Shared(unsafe { verifier() });
    let header = unsafe { header() };
    std::thread::scope(|scope| {
        for t in 0..8 {
            let (shared, header) = (&shared, &header);
            scope.spawn(move || {
                for i in 0..500 {
                    let tampered = (i + t) % 3 == 0;
                    let body = if tampered {
                        BODY.replace("BOOKED", "FAILED")
                    } else {
                        BODY.to_owned()
                    };
                    let (status, json) = unsafe {
                        take(evf_verifier_process(
                            shared.0,
                            s(&body),
                            body.len(),
                            s(header),
                            header.len(),
                            NOW,
                        ))
                    };
                    if tampered {
                        assert_eq!(status, EVF_ERR_SIGNATURE_MISMATCH);
                    } else {
                        assert_eq!(status, EVF_OK);
                        assert_eq!(json["event"]["outcome"], "paid");
                        assert_eq!(json["signature"]["ageMs"], 113);
                    }
                }
            });
        }
    });
    unsafe { evf_verifier_free(shared.0) };
}

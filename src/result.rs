//! Result JSON (docs/design.md "Result JSON"): one object with `ok`, `status`, `httpStatus`, and either
//! the payload or `message` (+ `field`, `signature`).

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::decide::{Action, Decision, Reason};
use crate::error::Error;
use crate::normalize::{Event, EventView};
use crate::signature_info::{SignatureInfo, SignatureView};
use crate::status::Status;
use crate::verifier::{Verified, Verifier};
use crate::write;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Head {
    ok: bool,
    status: &'static str,
    http_status: u16,
}

fn head(status: Status) -> Head {
    Head {
        ok: status == Status::Ok,
        status: status.name(),
        http_status: status.http_status(),
    }
}

#[derive(Serialize)]
struct WithPayload<'a, T: Serialize> {
    #[serde(flatten)]
    head: Head,
    #[serde(flatten)]
    payload: &'a T,
}

#[derive(Serialize)]
struct Failure<'a> {
    #[serde(flatten)]
    head: Head,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature: Option<&'a SignatureInfo>,
}

#[derive(Serialize)]
struct DecisionPayload<'a> {
    decision: DecisionBody<'a>,
    state: &'a RawValue,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DecisionBody<'a> {
    action: Action,
    reason: Reason,
    order_outcome: &'a str,
    suggested: &'a Map<String, Value>,
}

#[derive(Serialize)]
struct HeaderPayload<'a> {
    header: &'a str,
}

fn ok<T: Serialize>(payload: &T) -> String {
    to_json(&WithPayload {
        head: head(Status::Ok),
        payload,
    })
}

/// Room for a result around an event (without its hookData): its fixed keys (about 530 bytes)
/// plus the text of its variable fields, and room for the NUL the C ABI appends (so the FFI does
/// not copy the JSON again).
fn event_capacity(event: &EventView) -> usize {
    let strings = [
        Some(&event.event_id),
        Some(&event.event_type),
        event.entity_id.as_ref(),
        event.payment_id.as_ref(),
        event.refund_id.as_ref(),
        event.order_id.as_ref(),
        event.instruction_id.as_ref(),
        event.external_id.as_ref(),
        event.status.as_ref(),
        event.reason_code.as_ref(),
    ];
    let text: usize = strings.iter().flatten().map(|s| s.len()).sum();
    let suggested: usize = event
        .suggested
        .0
        .iter()
        .map(|(k, v)| k.len() + v.as_ref().map_or(4, String::len) + 6)
        .sum();
    560 + text + suggested
}

/// The JSON of an error.
pub fn error(e: &Error) -> String {
    to_json(&Failure {
        head: head(e.status),
        message: &e.message,
        field: e.field.as_deref(),
        signature: e.signature.as_ref(),
    })
}

fn to_json<T: Serialize>(value: &T) -> String {
    to_json_sized(value, 256)
}

/// Renders into one buffer of `capacity` bytes (it grows only if the estimate was short).
fn to_json_sized<T: Serialize>(value: &T, capacity: usize) -> String {
    let mut buf = Vec::with_capacity(capacity);
    // Serializing these plain structs cannot fail; fall back to a fixed INTERNAL object anyway.
    match serde_json::to_writer(&mut buf, value) {
        // serde_json writes UTF-8 only.
        Ok(()) => String::from_utf8(buf).unwrap_or_else(|_| internal_json()),
        Err(_) => internal_json(),
    }
}

fn internal_json() -> String {
    r#"{"ok":false,"status":"INTERNAL","httpStatus":500,"message":"could not render the result"}"#
        .to_owned()
}

/// Result of `evf_verifier_process`.
pub fn process(r: &Result<Verified, Error>) -> String {
    match r {
        Ok(v) => process_json(&v.signature.view(), &v.event.view()),
        Err(e) => error(e),
    }
}

/// Result of `evf_verifier_process` from [`Verifier::process_view`]: written from the header and
/// the body (`hookData` included) without copying them apart first.
pub(crate) fn process_view(r: &Result<(SignatureView, EventView), Error>) -> String {
    match r {
        Ok((signature, event)) => process_json(signature, event),
        Err(e) => error(e),
    }
}

/// Result of `evf_verifier_process` with the option `compactResult`: success as the compact array
/// (`hookData` as its offset and length in `body`, of which it is a slice), errors as usual.
pub(crate) fn process_compact(
    r: &Result<(SignatureView, EventView), Error>,
    body: &[u8],
) -> String {
    match r {
        Ok((signature, event)) => {
            // hookData is a slice of the body: its place is the distance between their starts.
            let span = event
                .hook_data
                .map(|h| (h.as_ptr() as usize - body.as_ptr() as usize, h.len()));
            let capacity = event_capacity(event) + signature.timestamp.len();
            write::compact_process(capacity, signature, event, span)
        }
        Err(e) => error(e),
    }
}

fn process_json(signature: &SignatureView, event: &EventView) -> String {
    let capacity = event_capacity(event)
        + event.hook_data.map_or(0, str::len)
        + signature.timestamp.len()
        + signature.key.len();
    write::ok_result(capacity, |out| {
        write::signature(out, signature);
        out.push_str(r#","event":"#);
        write::event(out, event);
    })
}

/// Result of `evf_normalize`.
pub fn normalize(r: &Result<Event, Error>) -> String {
    match r {
        Ok(event) => {
            let event = event.view();
            let capacity = event_capacity(&event) + event.hook_data.map_or(0, str::len);
            write::ok_result(capacity, |out| {
                out.push_str(r#""event":"#);
                write::event(out, &event);
            })
        }
        Err(e) => error(e),
    }
}

/// Result of `evf_decide`.
pub fn decide(r: &Result<Decision, Error>) -> String {
    match r {
        Ok(d) => ok(&DecisionPayload {
            decision: DecisionBody {
                action: d.action,
                reason: d.reason,
                order_outcome: &d.order_outcome,
                suggested: &d.suggested,
            },
            state: &d.state,
        }),
        Err(e) => error(e),
    }
}

/// Result of `evf_sign`.
pub fn sign(r: &Result<String, Error>) -> String {
    match r {
        Ok(header) => ok(&HeaderPayload { header }),
        Err(e) => error(e),
    }
}

/// Result of `evf_options_check`.
pub fn options_check(r: &Result<Verifier, Error>) -> String {
    match r {
        Ok(_) => to_json(&head(Status::Ok)),
        Err(e) => error(e),
    }
}

/// Result of `evf_explain`: the process result plus `findings` and `secrets` (fingerprints).
pub fn explain(r: &Result<crate::explain::Explanation, Error>) -> String {
    let e = match r {
        Ok(e) => e,
        Err(e) => return error(e),
    };
    #[derive(Serialize)]
    struct Extra<'a> {
        findings: &'a [crate::explain::Finding],
        secrets: &'a [crate::explain::SecretFingerprint],
    }
    // Appended to the process result's text, so that hookData stays exactly as received.
    let process = process(&e.verification);
    let extra = to_json(&Extra {
        findings: &e.findings,
        secrets: &e.secrets,
    });
    match (process.strip_suffix('}'), extra.strip_prefix('{')) {
        (Some(head), Some(tail)) => format!("{head},{tail}"),
        _ => process,
    }
}

//! Result JSON (DESIGN.md "Result JSON"): one object with `ok`, `status`, `httpStatus`, and either
//! the payload or `message` (+ `field`, `signature`).

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::decide::{Action, Decision, Reason};
use crate::error::Error;
use crate::normalize::Event;
use crate::signature_info::SignatureInfo;
use crate::status::Status;
use crate::verifier::{Verified, Verifier};

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
struct ProcessPayload<'a> {
    signature: &'a SignatureInfo,
    event: &'a Event,
}

#[derive(Serialize)]
struct EventPayload<'a> {
    event: &'a Event,
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
    // Serializing these plain structs cannot fail; fall back to a fixed INTERNAL object anyway.
    serde_json::to_string(value).unwrap_or_else(|_| {
        r#"{"ok":false,"status":"INTERNAL","httpStatus":500,"message":"could not render the result"}"#.to_owned()
    })
}

/// Result of `evf_verifier_process`.
pub fn process(r: &Result<Verified, Error>) -> String {
    match r {
        Ok(v) => ok(&ProcessPayload {
            signature: &v.signature,
            event: &v.event,
        }),
        Err(e) => error(e),
    }
}

/// Result of `evf_normalize`.
pub fn normalize(r: &Result<Event, Error>) -> String {
    match r {
        Ok(event) => ok(&EventPayload { event }),
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

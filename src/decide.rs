//! What to do with an event given the order's stored state (docs/behaviour.md section 6):
//! skip duplicates, stale (out-of-order) events and regressions of a final status, apply the rest.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::outcome::{classify, Entity};
use crate::status::Status;
use crate::text::json_error_kind;

/// How many recent event ids the state remembers.
pub const MAX_RECENT_EVENT_IDS: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Apply,
    Skip,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reason {
    First,
    Newer,
    Duplicate,
    Stale,
    Regression,
    Unchanged,
}

/// The decision and the state to store afterwards.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub action: Action,
    pub reason: Reason,
    pub state: Map<String, Value>,
}

/// The parts of an event that decide looks at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventFacts {
    pub event_id: String,
    pub timestamp_ms: i64,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub status: Option<String>,
    pub is_final: bool,
    pub outcome: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct State {
    status: Option<String>,
    entity: Option<String>,
    entity_id: Option<String>,
    outcome: Option<String>,
    is_final: Option<bool>,
    last_event_id: Option<String>,
    last_event_timestamp_ms: Option<i64>,
    recent_event_ids: Vec<String>,
    other: Map<String, Value>,
}

fn parse_object(json: &[u8], what: &str, status: Status) -> Result<Map<String, Value>, Error> {
    if json.is_empty() {
        return Ok(Map::new());
    }
    let make = |message: String| match status {
        Status::EventInvalid => Error::event("", message),
        _ => Error::new(status, message),
    };
    match serde_json::from_slice::<Value>(json) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(make(format!("the {what} must be a JSON object"))),
        Err(e) => Err(make(format!(
            "the {what} is not valid JSON ({})",
            json_error_kind(&e)
        ))),
    }
}

/// Reads a value that must be a string or null/absent.
fn opt_string(
    map: &Map<String, Value>,
    key: &str,
    err: &dyn Fn(&str) -> Error,
) -> Result<Option<String>, Error> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(err(key)),
    }
}

/// Parses the event: a normalized event, or a whole result whose `event` is used.
pub fn parse_event(json: &[u8]) -> Result<EventFacts, Error> {
    let mut map = parse_object(json, "event", Status::EventInvalid)?;
    if let Some(Value::Object(inner)) = map.get("event") {
        map = inner.clone();
    }
    let err = |key: &str| Error::event(key, format!("event field {key} has the wrong type"));
    let event_id = opt_string(&map, "eventId", &err)?
        .ok_or_else(|| Error::event("eventId", "the event has no eventId"))?
        .to_ascii_lowercase();
    let timestamp_ms = match map.get("eventTimestampMs") {
        Some(v) => v.as_i64().ok_or_else(|| err("eventTimestampMs"))?,
        None => {
            return Err(Error::event(
                "eventTimestampMs",
                "the event has no eventTimestampMs",
            ))
        }
    };
    let is_final = match map.get("final") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(err("final")),
    };
    Ok(EventFacts {
        event_id,
        timestamp_ms,
        entity: opt_string(&map, "entity", &err)?,
        entity_id: opt_string(&map, "entityId", &err)?,
        status: opt_string(&map, "status", &err)?,
        is_final,
        outcome: opt_string(&map, "outcome", &err)?,
    })
}

fn parse_state(json: &[u8]) -> Result<State, Error> {
    let map = parse_object(json, "state", Status::StateInvalid)?;
    let err = |key: &str| {
        Error::new(
            Status::StateInvalid,
            format!("state field {key} has the wrong type"),
        )
    };
    let mut state = State {
        status: opt_string(&map, "status", &err)?,
        entity: opt_string(&map, "entity", &err)?,
        entity_id: opt_string(&map, "entityId", &err)?,
        outcome: opt_string(&map, "outcome", &err)?,
        last_event_id: opt_string(&map, "lastEventId", &err)?,
        ..State::default()
    };
    state.is_final = match map.get("final") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(err("final")),
    };
    state.last_event_timestamp_ms = match map.get("lastEventTimestampMs") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_i64().ok_or_else(|| err("lastEventTimestampMs"))?),
    };
    state.recent_event_ids = match map.get("recentEventIds") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| err("recentEventIds"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(err("recentEventIds")),
    };
    // Fill in what a shop-written state leaves out, from the status.
    if let Some(status) = &state.status {
        let looked_up = classify(Entity::Payment, status, false)
            .or_else(|| classify(Entity::Order, status, false));
        if let Some((is_final, outcome)) = looked_up {
            state.is_final.get_or_insert(is_final);
            state
                .outcome
                .get_or_insert_with(|| outcome.name().to_owned());
        }
    }
    const KNOWN: [&str; 8] = [
        "status",
        "entity",
        "entityId",
        "outcome",
        "final",
        "lastEventId",
        "lastEventTimestampMs",
        "recentEventIds",
    ];
    state.other = map
        .into_iter()
        .filter(|(k, _)| !KNOWN.contains(&k.as_str()))
        .collect();
    Ok(state)
}

impl State {
    fn to_json(&self) -> Map<String, Value> {
        let mut out = Map::new();
        out.insert("status".into(), self.status.clone().into());
        out.insert("entity".into(), self.entity.clone().into());
        out.insert("entityId".into(), self.entity_id.clone().into());
        out.insert("outcome".into(), self.outcome.clone().into());
        out.insert("final".into(), self.is_final.into());
        out.insert("lastEventId".into(), self.last_event_id.clone().into());
        out.insert(
            "lastEventTimestampMs".into(),
            self.last_event_timestamp_ms.into(),
        );
        out.insert(
            "recentEventIds".into(),
            self.recent_event_ids.clone().into(),
        );
        for (k, v) in &self.other {
            out.insert(k.clone(), v.clone());
        }
        out
    }

    fn remember(&mut self, event_id: &str) {
        self.recent_event_ids
            .retain(|id| !id.eq_ignore_ascii_case(event_id));
        self.recent_event_ids.push(event_id.to_owned());
        let excess = self
            .recent_event_ids
            .len()
            .saturating_sub(MAX_RECENT_EVENT_IDS);
        self.recent_event_ids.drain(..excess);
    }
}

/// Decides from JSON inputs (empty input = `{}`).
pub fn decide_json(event_json: &[u8], state_json: &[u8]) -> Result<Decision, Error> {
    let event = parse_event(event_json)?;
    let state = parse_state(state_json)?;
    Ok(decide(&event, state))
}

fn decide(event: &EventFacts, mut state: State) -> Decision {
    let id = event.event_id.as_str();
    let seen = state
        .last_event_id
        .as_deref()
        .is_some_and(|l| l.eq_ignore_ascii_case(id))
        || state
            .recent_event_ids
            .iter()
            .any(|r| r.eq_ignore_ascii_case(id));
    if seen {
        return Decision {
            action: Action::Skip,
            reason: Reason::Duplicate,
            state: state.to_json(),
        };
    }
    state.remember(id);
    let skip = |reason, state: &State| Decision {
        action: Action::Skip,
        reason,
        state: state.to_json(),
    };

    if state
        .last_event_timestamp_ms
        .is_some_and(|last| event.timestamp_ms < last)
    {
        return skip(Reason::Stale, &state);
    }
    if let Some(stored) = &state.status {
        let same_entity = state.entity_id.is_none() || state.entity_id == event.entity_id;
        let regression = if same_entity {
            state.is_final == Some(true) && event.status.as_deref() != Some(stored.as_str())
        } else {
            state.outcome.as_deref() == Some("paid")
                && event.entity.as_deref() == Some("payment")
                && event.outcome.as_deref() != Some("paid")
        };
        if regression {
            return skip(Reason::Regression, &state);
        }
        if same_entity && event.status.as_deref() == Some(stored.as_str()) {
            state.last_event_id = Some(id.to_owned());
            state.last_event_timestamp_ms = Some(event.timestamp_ms);
            return skip(Reason::Unchanged, &state);
        }
    }
    let reason = if state.status.is_none() && state.last_event_timestamp_ms.is_none() {
        Reason::First
    } else {
        Reason::Newer
    };
    state.last_event_id = Some(id.to_owned());
    state.last_event_timestamp_ms = Some(event.timestamp_ms);
    if event.status.is_some() {
        state.status = event.status.clone();
        state.entity = event.entity.clone();
        state.entity_id = event.entity_id.clone();
        state.outcome = event.outcome.clone();
        state.is_final = Some(event.is_final);
    }
    Decision {
        action: Action::Apply,
        reason,
        state: state.to_json(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(
        id: &str,
        ts: i64,
        entity_id: &str,
        status: &str,
        is_final: bool,
        outcome: &str,
    ) -> Vec<u8> {
        serde_json::json!({"eventId": id, "eventTimestampMs": ts, "entity": "payment", "entityId": entity_id,
            "status": status, "final": is_final, "outcome": outcome})
        .to_string()
        .into_bytes()
    }

    fn run(event: &[u8], state: &Map<String, Value>) -> Decision {
        decide_json(event, Value::Object(state.clone()).to_string().as_bytes()).unwrap()
    }

    #[test]
    fn a_payment_flow_with_a_duplicate_a_stale_event_and_a_regression() {
        let first = decide_json(
            &event("e1", 100, "p1", "PROCESSING", false, "pending"),
            b"{}",
        )
        .unwrap();
        assert_eq!((first.action, first.reason), (Action::Apply, Reason::First));
        let booked = run(
            &event("e2", 200, "p1", "BOOKED", true, "paid"),
            &first.state,
        );
        assert_eq!(
            (booked.action, booked.reason),
            (Action::Apply, Reason::Newer)
        );
        assert_eq!(booked.state["status"], "BOOKED");
        let dup = run(
            &event("E2", 200, "p1", "BOOKED", true, "paid"),
            &booked.state,
        );
        assert_eq!((dup.action, dup.reason), (Action::Skip, Reason::Duplicate));
        assert_eq!(dup.state, booked.state);
        let stale = run(
            &event("e3", 150, "p1", "PROCESSING", false, "pending"),
            &booked.state,
        );
        assert_eq!(stale.reason, Reason::Stale);
        assert_eq!(stale.state["status"], "BOOKED");
        let regression = run(
            &event("e4", 300, "p1", "PROCESSING", false, "pending"),
            &stale.state,
        );
        assert_eq!(regression.reason, Reason::Regression);
        let again = run(
            &event("e5", 400, "p1", "BOOKED", true, "paid"),
            &regression.state,
        );
        assert_eq!(again.reason, Reason::Unchanged);
        assert_eq!(again.state["lastEventId"], "e5");
        assert_eq!(
            again.state["recentEventIds"],
            serde_json::json!(["e1", "e2", "e3", "e4", "e5"])
        );
    }

    #[test]
    fn confirmed_may_still_fail_and_a_new_attempt_follows_a_failure() {
        let s = decide_json(&event("e1", 1, "p1", "CONFIRMED", false, "authorized"), b"")
            .unwrap()
            .state;
        let failed = run(&event("e2", 2, "p1", "FAILED", true, "failed"), &s);
        assert_eq!(failed.action, Action::Apply);
        let retry = run(
            &event("e3", 3, "p2", "CREATED", false, "pending"),
            &failed.state,
        );
        assert_eq!((retry.action, retry.reason), (Action::Apply, Reason::Newer));
        let paid = run(&event("e4", 4, "p2", "BOOKED", true, "paid"), &retry.state);
        let late_other = run(
            &event("e5", 5, "p3", "EXPIRED", true, "expired"),
            &paid.state,
        );
        assert_eq!(late_other.reason, Reason::Regression);
    }

    #[test]
    fn recent_ids_stay_bounded_and_unknown_keys_survive() {
        let mut state = Map::new();
        state.insert("shopNote".into(), "kept".into());
        for i in 0..40 {
            state = run(
                &event(&format!("e{i}"), i, "p1", "PROCESSING", false, "pending"),
                &state,
            )
            .state;
        }
        let recent = state["recentEventIds"].as_array().unwrap();
        assert_eq!(recent.len(), MAX_RECENT_EVENT_IDS);
        assert_eq!(recent[0], "e8");
        assert_eq!(state["shopNote"], "kept");
        assert_eq!(state.keys().next_back().unwrap(), "shopNote");
    }

    #[test]
    fn bad_inputs_name_their_status() {
        assert_eq!(
            decide_json(b"{", b"{}").unwrap_err().status,
            Status::EventInvalid
        );
        let e = decide_json(br#"{"eventTimestampMs":1}"#, b"{}").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("eventId"));
        let ev = event("e1", 1, "p1", "BOOKED", true, "paid");
        assert_eq!(
            decide_json(&ev, b"[]").unwrap_err().status,
            Status::StateInvalid
        );
        assert_eq!(
            decide_json(&ev, br#"{"lastEventTimestampMs":"1"}"#)
                .unwrap_err()
                .status,
            Status::StateInvalid
        );
    }
}

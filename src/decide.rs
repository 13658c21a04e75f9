//! What to do with an event given the order's stored state (docs/design.md "Decide",
//! docs/behaviour.md section 6).
//!
//! The state tracks every entity of the order it has seen (payments, refunds, the order itself) and
//! derives the order's outcome from them, so that a paid order is never un-paid by a late or foreign
//! event: only a booked refund, or the reversal of the paying `CONFIRMED` payment, moves it away
//! from paid. Unknown keys of the stored state are kept as their exact JSON text.

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::outcome::{classify, Entity, Outcome};
use crate::status::Status;
use crate::suggested::SuggestedStates;
use crate::text::json_error_kind;

/// How many recent event ids the state remembers.
pub const MAX_RECENT_EVENT_IDS: usize = 32;
/// How many entities (payments, refunds, the order) the state tracks.
pub const MAX_ENTITIES: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Apply,
    Skip,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Applied: nothing was applied to the order before.
    First,
    /// Applied: the event moves the order.
    Newer,
    /// Skipped: this eventId was already decided on.
    Duplicate,
    /// Skipped: older than the newest recorded event of the same entity.
    Stale,
    /// Skipped: a final or paid entity would move back.
    Regression,
    /// Skipped: the entity already has this status.
    Unchanged,
    /// Skipped: same millisecond as the newest event of the entity, and it would move it back.
    SameTimestamp,
    /// Skipped: the event has no known outcome (unknown type or status, no status).
    NoOutcome,
    /// Skipped (and recorded): the order is paid; another payment or the order level says otherwise.
    AlreadyPaid,
    /// Skipped (and recorded): the order's outcome is not the event's (e.g. a refund still pending).
    Recorded,
}

impl Reason {
    pub fn name(self) -> &'static str {
        match self {
            Reason::First => "first",
            Reason::Newer => "newer",
            Reason::Duplicate => "duplicate",
            Reason::Stale => "stale",
            Reason::Regression => "regression",
            Reason::Unchanged => "unchanged",
            Reason::SameTimestamp => "same_timestamp",
            Reason::NoOutcome => "no_outcome",
            Reason::AlreadyPaid => "already_paid",
            Reason::Recorded => "recorded",
        }
    }
}

/// The decision, the order's outcome after the event, and the state to store afterwards.
#[derive(Clone, Debug)]
pub struct Decision {
    pub action: Action,
    pub reason: Reason,
    /// The order's outcome after this event (an outcome name: `paid`, `refunded`, `unknown`, ...).
    pub order_outcome: String,
    /// The shop states for `order_outcome`, platform → state or null, in table order.
    pub suggested: Map<String, Value>,
    /// The new state to store, as JSON text (unknown keys exactly as they were received).
    pub state: Box<RawValue>,
}

impl Decision {
    /// The new state as JSON text.
    pub fn state_json(&self) -> &str {
        self.state.get()
    }
}

/// The parts of an event that decide looks at.
#[derive(Clone, Debug, PartialEq)]
pub struct EventFacts {
    pub event_id: String,
    pub timestamp_ms: i64,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub status: Option<String>,
    pub is_final: bool,
    pub outcome: Option<String>,
    pub suggested: Option<Map<String, Value>>,
}

impl EventFacts {
    /// `payment`, `refund` or `order` with an outcome other than `unknown`.
    fn has_outcome(&self) -> bool {
        matches!(self.entity.as_deref(), Some("payment" | "refund" | "order"))
            && known_outcome(self.outcome.as_deref())
    }
}

/// One tracked entity of the order.
#[derive(Clone, Debug, Default, PartialEq)]
struct Record {
    entity: Option<String>,
    entity_id: Option<String>,
    status: Option<String>,
    outcome: Option<String>,
    is_final: Option<bool>,
    timestamp_ms: Option<i64>,
}

impl Record {
    fn is_paid(&self) -> bool {
        self.outcome.as_deref() == Some("paid")
    }
}

#[derive(Clone, Debug, Default)]
struct State {
    status: Option<String>,
    entity: Option<String>,
    entity_id: Option<String>,
    outcome: Option<String>,
    is_final: Option<bool>,
    last_event_id: Option<String>,
    last_event_timestamp_ms: Option<i64>,
    recent_event_ids: Vec<String>,
    records: Vec<Record>,
    /// Unknown keys with their JSON text, in input order.
    other: Vec<(String, Box<RawValue>)>,
}

const KNOWN_KEYS: [&str; 10] = [
    "status",
    "entity",
    "entityId",
    "outcome",
    "final",
    "lastEventId",
    "lastEventTimestampMs",
    "recentEventIds",
    "orderOutcome",
    "entities",
];

fn known_outcome(outcome: Option<&str>) -> bool {
    outcome
        .and_then(Outcome::from_name)
        .is_some_and(|o| o != Outcome::Unknown)
}

/// An object's members with each value's exact JSON text (duplicate keys: the last value wins,
/// in the place of the first).
struct RawObject(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for RawObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawObject, D::Error> {
        struct Members;
        impl<'de> Visitor<'de> for Members {
            type Value = RawObject;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawObject, A::Error> {
                let mut members: Vec<(String, Box<RawValue>)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Box<RawValue>>()? {
                    match members.iter_mut().find(|(k, _)| *k == key) {
                        Some(slot) => slot.1 = value,
                        None => members.push((key, value)),
                    }
                }
                Ok(RawObject(members))
            }
        }
        d.deserialize_map(Members)
    }
}

fn parse_members(
    json: &[u8],
    what: &str,
    status: Status,
) -> Result<Vec<(String, Box<RawValue>)>, Error> {
    if json.is_empty() {
        return Ok(Vec::new());
    }
    let make = |message: String| match status {
        Status::EventInvalid => Error::event("", message),
        _ => Error::new(status, message),
    };
    let raw: Box<RawValue> = serde_json::from_slice(json).map_err(|e| {
        make(format!(
            "the {what} is not valid JSON ({})",
            json_error_kind(&e)
        ))
    })?;
    if !raw.get().starts_with('{') {
        return Err(make(format!("the {what} must be a JSON object")));
    }
    // Members kept raw must still be strict JSON (no lone surrogate escape, no number beyond f64),
    // or the result that carries them would not be: a full parse checks that.
    serde_json::from_str::<Value>(raw.get()).map_err(|e| {
        make(format!(
            "the {what} is not valid JSON ({})",
            json_error_kind(&e)
        ))
    })?;
    serde_json::from_str::<RawObject>(raw.get())
        .map(|o| o.0)
        .map_err(|e| {
            make(format!(
                "the {what} is not valid JSON ({})",
                json_error_kind(&e)
            ))
        })
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

type ErrFn<'a> = &'a dyn Fn(&str) -> Error;

/// Reads a value that must be a string or null/absent.
fn opt_string(map: &Map<String, Value>, key: &str, err: ErrFn) -> Result<Option<String>, Error> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(err(key)),
    }
}

fn opt_bool(map: &Map<String, Value>, key: &str, err: ErrFn) -> Result<Option<bool>, Error> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(err(key)),
    }
}

fn opt_i64(map: &Map<String, Value>, key: &str, err: ErrFn) -> Result<Option<i64>, Error> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_i64().map(Some).ok_or_else(|| err(key)),
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
    let is_final = opt_bool(&map, "final", &err)?.unwrap_or(false);
    let suggested = match map.get("suggested") {
        None | Some(Value::Null) => None,
        Some(Value::Object(s)) => Some(s.clone()),
        Some(_) => return Err(err("suggested")),
    };
    Ok(EventFacts {
        event_id,
        timestamp_ms,
        entity: opt_string(&map, "entity", &err)?,
        entity_id: opt_string(&map, "entityId", &err)?,
        status: opt_string(&map, "status", &err)?,
        is_final,
        outcome: opt_string(&map, "outcome", &err)?,
        suggested,
    })
}

fn parse_record(value: &Value, err: ErrFn) -> Result<Record, Error> {
    let Value::Object(map) = value else {
        return Err(err("entities"));
    };
    let err = |key: &str| err(&format!("entities[].{key}"));
    Ok(Record {
        entity: opt_string(map, "entity", &err)?,
        entity_id: opt_string(map, "entityId", &err)?,
        status: opt_string(map, "status", &err)?,
        outcome: opt_string(map, "outcome", &err)?,
        is_final: opt_bool(map, "final", &err)?,
        timestamp_ms: opt_i64(map, "lastEventTimestampMs", &err)?,
    })
}

fn parse_state(json: &[u8]) -> Result<State, Error> {
    let members = parse_members(json, "state", Status::StateInvalid)?;
    let err = |key: &str| {
        Error::new(
            Status::StateInvalid,
            format!("state field {key} has the wrong type"),
        )
    };
    let mut map = Map::new();
    let mut other = Vec::new();
    for (key, raw) in members {
        if KNOWN_KEYS.contains(&key.as_str()) {
            let value: Value = serde_json::from_str(raw.get()).map_err(|_| err(&key))?;
            map.insert(key, value);
        } else {
            other.push((key, raw));
        }
    }
    let mut state = State {
        status: opt_string(&map, "status", &err)?,
        entity: opt_string(&map, "entity", &err)?,
        entity_id: opt_string(&map, "entityId", &err)?,
        outcome: opt_string(&map, "outcome", &err)?,
        is_final: opt_bool(&map, "final", &err)?,
        last_event_id: opt_string(&map, "lastEventId", &err)?,
        last_event_timestamp_ms: opt_i64(&map, "lastEventTimestampMs", &err)?,
        other,
        ..State::default()
    };
    opt_string(&map, "orderOutcome", &err)?; // derived: checked, then ignored
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
    let mut looked_up_entity = None;
    if let Some(status) = &state.status {
        let looked_up = [Entity::Payment, Entity::Order]
            .into_iter()
            .find_map(|e| classify(e, status, false).map(|found| (e, found)));
        if let Some((entity, (is_final, outcome))) = looked_up {
            looked_up_entity = Some(entity);
            state.is_final.get_or_insert(is_final);
            state
                .outcome
                .get_or_insert_with(|| outcome.name().to_owned());
        }
    }
    match map.get("entities") {
        None | Some(Value::Null) => state.records = upgrade(&state, looked_up_entity),
        Some(Value::Array(items)) => {
            state.records = items
                .iter()
                .map(|v| parse_record(v, &err))
                .collect::<Result<_, _>>()?
        }
        Some(_) => return Err(err("entities")),
    }
    Ok(state)
}

/// The record of a state without `entities` (release 0.1, or written by the shop).
fn upgrade(state: &State, looked_up_entity: Option<Entity>) -> Vec<Record> {
    let outcome = state.outcome.as_deref();
    if (state.status.is_none() && outcome.is_none()) || !known_outcome(outcome) {
        return Vec::new();
    }
    let is_refund = matches!(
        outcome,
        Some("refund_pending" | "refunded" | "refund_failed")
    );
    let entity = state
        .entity
        .clone()
        .or_else(|| looked_up_entity.map(|e| e.name().to_owned()))
        .unwrap_or_else(|| if is_refund { "refund" } else { "payment" }.to_owned());
    vec![Record {
        entity: Some(entity),
        entity_id: state.entity_id.clone(),
        status: state.status.clone(),
        outcome: state.outcome.clone(),
        is_final: Some(state.is_final.unwrap_or(false)),
        timestamp_ms: state.last_event_timestamp_ms,
    }]
}

/// The order's outcome derived from its entities.
fn order_outcome(records: &[Record]) -> String {
    let money = |r: &&Record| matches!(r.entity.as_deref(), Some("payment" | "order"));
    if records
        .iter()
        .any(|r| r.entity.as_deref() == Some("refund") && r.outcome.as_deref() == Some("refunded"))
    {
        return "refunded".to_owned();
    }
    if records.iter().filter(money).any(Record::is_paid) {
        return "paid".to_owned();
    }
    records
        .iter()
        .filter(money)
        .filter(|r| known_outcome(r.outcome.as_deref()))
        // max_by_key keeps the last of equal keys: on a tie, the later record.
        .max_by_key(|r| r.timestamp_ms.map_or(i128::MIN, i128::from))
        .and_then(|r| r.outcome.clone())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// How far along its life a status is (for events at the same millisecond).
fn rank(entity: Option<&str>, status: Option<&str>, is_final: bool) -> u8 {
    if is_final {
        return 4;
    }
    match (entity, status) {
        (Some("order"), Some("PARTIALLY_PAID")) => 1,
        (Some("order"), _) => 0,
        (_, Some("SEEN")) => 1,
        (_, Some("PROCESSING")) => 2,
        (_, Some("CONFIRMED")) => 3,
        _ => 0,
    }
}

impl State {
    fn is_duplicate(&self, id: &str) -> bool {
        self.last_event_id
            .as_deref()
            .is_some_and(|l| l.eq_ignore_ascii_case(id))
            || self
                .recent_event_ids
                .iter()
                .any(|r| r.eq_ignore_ascii_case(id))
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

    /// The index of the event's record: same entity and id, else same entity without an id.
    fn find(&self, event: &EventFacts) -> Option<usize> {
        let entity = event.entity.as_deref();
        self.records
            .iter()
            .position(|r| r.entity.as_deref() == entity && r.entity_id == event.entity_id)
            .or_else(|| {
                self.records
                    .iter()
                    .position(|r| r.entity.as_deref() == entity && r.entity_id.is_none())
            })
    }

    /// Records the event as its entity's newest state, at the end of the list.
    fn record(&mut self, found: Option<usize>, event: &EventFacts) {
        if let Some(i) = found {
            self.records.remove(i);
        }
        self.records.push(Record {
            entity: event.entity.clone(),
            entity_id: event.entity_id.clone(),
            status: event.status.clone(),
            outcome: event.outcome.clone(),
            is_final: Some(event.is_final),
            timestamp_ms: Some(event.timestamp_ms),
        });
    }

    fn bound_records(&mut self) {
        while self.records.len() > MAX_ENTITIES {
            let i = self
                .records
                .iter()
                .position(|r| !matches!(r.outcome.as_deref(), Some("paid" | "refunded")))
                .unwrap_or(0);
            self.records.remove(i);
        }
    }

    /// The state as JSON text, in the documented key order.
    fn to_json(&self, order_outcome: &str) -> String {
        fn member(out: &mut String, key: &str, value: &str) {
            if out.len() > 1 {
                out.push(',');
            }
            out.push_str(&Value::from(key).to_string());
            out.push(':');
            out.push_str(value);
        }
        let text = |v: &Option<String>| Value::from(v.clone()).to_string();
        let mut out = String::from("{");
        member(&mut out, "status", &text(&self.status));
        member(&mut out, "entity", &text(&self.entity));
        member(&mut out, "entityId", &text(&self.entity_id));
        member(&mut out, "outcome", &text(&self.outcome));
        member(&mut out, "final", &Value::from(self.is_final).to_string());
        member(&mut out, "lastEventId", &text(&self.last_event_id));
        member(
            &mut out,
            "lastEventTimestampMs",
            &Value::from(self.last_event_timestamp_ms).to_string(),
        );
        member(
            &mut out,
            "recentEventIds",
            &Value::from(self.recent_event_ids.clone()).to_string(),
        );
        member(
            &mut out,
            "orderOutcome",
            &Value::from(order_outcome).to_string(),
        );
        let records: Vec<Value> = self
            .records
            .iter()
            .map(|r| {
                let mut m = Map::new();
                m.insert("entity".into(), r.entity.clone().into());
                m.insert("entityId".into(), r.entity_id.clone().into());
                m.insert("status".into(), r.status.clone().into());
                m.insert("outcome".into(), r.outcome.clone().into());
                m.insert("final".into(), r.is_final.into());
                m.insert("lastEventTimestampMs".into(), r.timestamp_ms.into());
                Value::Object(m)
            })
            .collect();
        member(&mut out, "entities", &Value::Array(records).to_string());
        for (key, raw) in &self.other {
            member(&mut out, key, raw.get());
        }
        out.push('}');
        out
    }
}

/// Decides from JSON inputs (empty input = `{}`).
pub fn decide_json(event_json: &[u8], state_json: &[u8]) -> Result<Decision, Error> {
    let event = parse_event(event_json)?;
    let state = parse_state(state_json)?;
    let (action, reason, mut state) = decide(&event, state);
    state.bound_records();
    let order_outcome = order_outcome(&state.records);
    let suggested = match &event.suggested {
        Some(s) if event.outcome.as_deref() == Some(order_outcome.as_str()) => s.clone(),
        _ => default_suggested(&order_outcome),
    };
    let state = RawValue::from_string(state.to_json(&order_outcome)).map_err(|_| {
        Error::new(
            Status::Internal,
            "the new state could not be written as JSON",
        )
    })?;
    Ok(Decision {
        action,
        reason,
        order_outcome,
        suggested,
        state,
    })
}

/// The default shop states for an outcome name (`unknown` for a name not in the table).
fn default_suggested(outcome: &str) -> Map<String, Value> {
    let outcome = Outcome::from_name(outcome).unwrap_or(Outcome::Unknown);
    let table = SuggestedStates::default();
    ["woocommerce", "prestashop"]
        .into_iter()
        .map(|p| {
            (
                p.to_owned(),
                table.get(p, outcome).map(str::to_owned).into(),
            )
        })
        .collect()
}

/// The rules of docs/behaviour.md section 6, first match wins.
fn decide(event: &EventFacts, mut state: State) -> (Action, Reason, State) {
    use Reason::*;
    let skip = |reason, state| (Action::Skip, reason, state);
    let id = event.event_id.as_str();
    if state.is_duplicate(id) {
        return skip(Duplicate, state);
    }
    state.remember(id);
    let paid_before = order_outcome(&state.records) == "paid";
    let had_records = !state.records.is_empty();
    let found = state.find(event);
    let record = found.map(|i| state.records[i].clone());

    if let Some(r) = &record {
        if r.timestamp_ms.is_some_and(|ts| event.timestamp_ms < ts) {
            return skip(Stale, state);
        }
    }
    if !event.has_outcome() {
        return skip(NoOutcome, state);
    }
    if let (Some(r), Some(i)) = (&record, found) {
        if event.status.is_some() && r.status == event.status {
            let describes_top = state.status.is_some()
                && state.status == r.status
                && state.entity_id == r.entity_id
                && (state.entity.is_none() || state.entity == r.entity);
            let mut r = state.records.remove(i);
            r.timestamp_ms = Some(event.timestamp_ms);
            if r.entity_id.is_none() {
                r.entity_id = event.entity_id.clone();
            }
            state.records.push(r);
            if describes_top {
                state.last_event_id = Some(id.to_owned());
                state.last_event_timestamp_ms = Some(event.timestamp_ms);
            }
            return skip(Unchanged, state);
        }
        let event_paid = event.outcome.as_deref() == Some("paid");
        let reversal = r.status.as_deref() == Some("CONFIRMED") && event.is_final;
        if r.is_final == Some(true) || (r.is_paid() && !event_paid && !reversal) {
            return skip(Regression, state);
        }
        let same_ms = r.timestamp_ms == Some(event.timestamp_ms);
        let event_rank = rank(
            event.entity.as_deref(),
            event.status.as_deref(),
            event.is_final,
        );
        let record_rank = rank(
            r.entity.as_deref(),
            r.status.as_deref(),
            r.is_final == Some(true),
        );
        if same_ms && event_rank < record_rank {
            return skip(SameTimestamp, state);
        }
    }
    let money = matches!(event.entity.as_deref(), Some("payment" | "order"));
    if paid_before
        && money
        && event.outcome.as_deref() != Some("paid")
        && !record.as_ref().is_some_and(Record::is_paid)
    {
        state.record(found, event);
        return skip(AlreadyPaid, state);
    }
    state.record(found, event);
    if event.outcome.as_deref() != Some(order_outcome(&state.records).as_str()) {
        return skip(Recorded, state);
    }
    let reason = if !had_records && state.last_event_timestamp_ms.is_none() {
        First
    } else {
        Newer
    };
    state.status = event.status.clone();
    state.entity = event.entity.clone();
    state.entity_id = event.entity_id.clone();
    state.outcome = event.outcome.clone();
    state.is_final = Some(event.is_final);
    state.last_event_id = Some(id.to_owned());
    state.last_event_timestamp_ms = Some(event.timestamp_ms);
    (Action::Apply, reason, state)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, ts: i64, entity_id: &str, status: &str) -> Vec<u8> {
        let (is_final, outcome) = classify(Entity::Payment, status, false).unwrap();
        serde_json::json!({"eventId": id, "eventTimestampMs": ts, "entity": "payment", "entityId": entity_id,
            "status": status, "final": is_final, "outcome": outcome.name()})
        .to_string()
        .into_bytes()
    }

    fn run(event: &[u8], state: &str) -> Decision {
        decide_json(event, state.as_bytes()).unwrap()
    }

    fn state_of(d: &Decision) -> Value {
        serde_json::from_str(d.state_json()).unwrap()
    }

    #[test]
    fn a_paid_order_is_not_unpaid_by_another_attempt_or_an_unknown_event() {
        let paid = run(&event("e1", 100, "p1", "BOOKED"), "");
        assert_eq!((paid.action, paid.reason), (Action::Apply, Reason::First));
        assert_eq!(paid.order_outcome, "paid");
        let unknown = br#"{"eventId":"e2","eventTimestampMs":200,"entity":"unknown","status":"BOOKED","outcome":"unknown"}"#;
        let ignored = run(unknown, paid.state_json());
        assert_eq!(ignored.reason, Reason::NoOutcome);
        assert_eq!(state_of(&ignored)["entities"], state_of(&paid)["entities"]);
        let expired = run(&event("e3", 300, "p2", "EXPIRED"), ignored.state_json());
        assert_eq!(
            (expired.action, expired.reason),
            (Action::Skip, Reason::AlreadyPaid)
        );
        assert_eq!(expired.order_outcome, "paid");
        assert_eq!(expired.suggested["woocommerce"], "processing");
        let s = state_of(&expired);
        assert_eq!(s["status"], "BOOKED");
        assert_eq!(s["entities"].as_array().unwrap().len(), 2);
        assert_eq!(s["entities"][1]["status"], "EXPIRED");
    }

    #[test]
    fn duplicates_stale_and_same_millisecond_events() {
        let a = run(&event("e1", 100, "p1", "CONFIRMED"), "{}");
        let dup = run(&event("E1", 100, "p1", "CONFIRMED"), a.state_json());
        assert_eq!(dup.reason, Reason::Duplicate);
        assert_eq!(dup.state_json(), a.state_json());
        let stale = run(&event("e2", 50, "p1", "SEEN"), a.state_json());
        assert_eq!(stale.reason, Reason::Stale);
        let same = run(&event("e3", 100, "p1", "PROCESSING"), stale.state_json());
        assert_eq!(same.reason, Reason::SameTimestamp);
        let forward = run(&event("e4", 100, "p1", "BOOKED"), same.state_json());
        assert_eq!(
            (forward.action, forward.reason),
            (Action::Apply, Reason::Newer)
        );
        assert_eq!(
            state_of(&forward)["recentEventIds"],
            serde_json::json!(["e1", "e2", "e3", "e4"])
        );
    }

    #[test]
    fn confirmed_is_paid_may_only_be_reversed_by_a_final_status() {
        let confirmed = br#"{"eventId":"e1","eventTimestampMs":1,"entity":"payment","entityId":"p1","status":"CONFIRMED","outcome":"paid"}"#;
        let s = run(confirmed, "");
        assert_eq!(s.order_outcome, "paid");
        let back = run(&event("e2", 2, "p1", "PROCESSING"), s.state_json());
        assert_eq!(back.reason, Reason::Regression);
        let failed = run(&event("e3", 3, "p1", "FAILED"), back.state_json());
        assert_eq!(
            (failed.action, failed.order_outcome.as_str()),
            (Action::Apply, "failed")
        );
    }

    #[test]
    fn refunds_and_bounded_entities() {
        let mut state = run(&event("e0", 0, "p0", "BOOKED"), "")
            .state_json()
            .to_owned();
        for i in 1..30 {
            state = run(
                &event(&format!("e{i}"), i, &format!("p{i}"), "FAILED"),
                &state,
            )
            .state_json()
            .to_owned();
        }
        let s: Value = serde_json::from_str(&state).unwrap();
        let records = s["entities"].as_array().unwrap();
        assert_eq!(records.len(), MAX_ENTITIES);
        assert_eq!(records[0]["entityId"], "p0", "the paid record is kept");
        let refund = br#"{"eventId":"r1","eventTimestampMs":40,"entity":"refund","entityId":"r","status":"BOOKED","final":true,"outcome":"refunded"}"#;
        let refunded = run(refund, &state);
        assert_eq!(
            (refunded.action, refunded.order_outcome.as_str()),
            (Action::Apply, "refunded")
        );
    }

    #[test]
    fn unknown_keys_keep_their_exact_text() {
        let state = r#"{"price": 1.50,"big":12345678901234567890123,"status":"SEEN","x":{"a":[1.0, 2E+3]}}"#;
        let d = run(&event("e1", 1, "p1", "BOOKED"), state);
        assert!(d
            .state_json()
            .ends_with(r#""price":1.50,"big":12345678901234567890123,"x":{"a":[1.0, 2E+3]}}"#));
    }

    #[test]
    fn bad_inputs_name_their_status() {
        assert_eq!(
            decide_json(b"{", b"{}").unwrap_err().status,
            Status::EventInvalid
        );
        let e = decide_json(br#"{"eventTimestampMs":1}"#, b"{}").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("eventId"));
        let ev = event("e1", 1, "p1", "BOOKED");
        for state in [
            &b"[]"[..],
            br#"{"lastEventTimestampMs":"1"}"#,
            br#"{"entities":[{"final":"no"}]}"#,
            br#"{"entities":{}}"#,
            br#"{"orderOutcome":3}"#,
            b"{\"a\":1",
        ] {
            assert_eq!(
                decide_json(&ev, state).unwrap_err().status,
                Status::StateInvalid
            );
        }
    }
}

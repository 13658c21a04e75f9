//! The order's stored state for decide: the tracked records, the parsing of the event facts and
//! of the stored state (unknown keys kept as their exact JSON text, old states upgraded), the
//! order's outcome derived from the records, and the state written back.

use std::collections::HashMap;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{known_outcome, EventFacts, MAX_ENTITIES, MAX_RECENT_EVENT_IDS};
use crate::error::Error;
use crate::outcome::{classify, Entity};
use crate::status::Status;
use crate::text::json_error_kind;

/// One tracked entity of the order.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Record {
    pub(super) entity: Option<String>,
    pub(super) entity_id: Option<String>,
    pub(super) status: Option<String>,
    outcome: Option<String>,
    pub(super) is_final: Option<bool>,
    pub(super) timestamp_ms: Option<i64>,
}

impl Record {
    pub(super) fn is_paid(&self) -> bool {
        self.outcome.as_deref() == Some("paid")
    }
}

#[derive(Clone, Debug, Default)]
pub(super) struct State {
    pub(super) status: Option<String>,
    pub(super) entity: Option<String>,
    pub(super) entity_id: Option<String>,
    pub(super) outcome: Option<String>,
    pub(super) is_final: Option<bool>,
    pub(super) last_event_id: Option<String>,
    pub(super) last_event_timestamp_ms: Option<i64>,
    recent_event_ids: Vec<String>,
    pub(super) records: Vec<Record>,
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
                // Where each key is in `members`: a stored state is the shop's, whatever its
                // size, and a linear search per key made 200,000 keys take a minute.
                let mut index: HashMap<String, usize> = HashMap::new();
                while let Some((key, value)) = map.next_entry::<String, Box<RawValue>>()? {
                    match index.get(&key) {
                        Some(&i) => members[i].1 = value,
                        None => {
                            index.insert(key.clone(), members.len());
                            members.push((key, value));
                        }
                    }
                }
                Ok(RawObject(members))
            }
        }
        d.deserialize_map(Members)
    }
}

/// The members of the stored state ('' = none), each kept raw.
fn parse_members(json: &[u8]) -> Result<Vec<(String, Box<RawValue>)>, Error> {
    if json.is_empty() {
        return Ok(Vec::new());
    }
    let invalid = |e: serde_json::Error| {
        Error::new(
            Status::StateInvalid,
            format!("the state is not valid JSON ({})", json_error_kind(&e)),
        )
    };
    let raw: Box<RawValue> = serde_json::from_slice(json).map_err(invalid)?;
    if !raw.get().starts_with('{') {
        return Err(Error::new(
            Status::StateInvalid,
            "the state must be a JSON object",
        ));
    }
    // Members kept raw must still be strict JSON (no lone surrogate escape, no number beyond f64),
    // or the result that carries them would not be: a full parse checks that.
    serde_json::from_str::<Value>(raw.get()).map_err(invalid)?;
    serde_json::from_str::<RawObject>(raw.get())
        .map(|o| o.0)
        .map_err(invalid)
}

/// The members of the compact process result of layout version 1 (docs/design.md "Compact process
/// result", written by `write::compact_process`), each under its name in the object result.
const COMPACT_V1: [&str; 25] = [
    "layoutVersion",
    "signature.timestamp",
    "signature.key",
    "signature.secretIndex",
    "signature.ageMs",
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
    "legacyFields",
    "hookDataOffset",
    "hookDataLength",
    "suggested",
];

/// The event input as an object: an object as it is ('' = `{}`), a compact process result as the
/// object of its members (named as in [`COMPACT_V1`]).
fn event_object(json: &[u8]) -> Result<Map<String, Value>, Error> {
    if json.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(json) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(Value::Array(items)) => compact_members(items),
        Ok(_) => Err(Error::event(
            "",
            "the event must be a JSON object (an event or a result), or the array of a compact process result",
        )),
        Err(e) => Err(Error::event(
            "",
            format!("the event is not valid JSON ({})", json_error_kind(&e)),
        )),
    }
}

/// Whether `v` is an integer outside the range of `i64` (`2**70`, `-2**64`): serde_json reads
/// one as a `u64` up to `u64::MAX`, and beyond that as a whole `f64` of magnitude `2**63` or more.
fn integer_beyond_i64(v: &Value) -> bool {
    match v {
        Value::Number(n) if n.is_u64() => n.as_i64().is_none(),
        Value::Number(n) if n.is_f64() => n
            .as_f64()
            .is_some_and(|f| f.fract() == 0.0 && f.abs() >= 9_223_372_036_854_775_808.0),
        _ => false,
    }
}

/// A compact process result's members by name: layout version 1 only, with all its members.
fn compact_members(items: Vec<Value>) -> Result<Map<String, Value>, Error> {
    let first = items.first();
    if first.is_some_and(integer_beyond_i64) {
        return Err(Error::event(
            "",
            "the event is a compact result of a layout version beyond a 64-bit integer; this library reads version 1",
        ));
    }
    let Some(version) = first.and_then(Value::as_i64) else {
        return Err(Error::event(
            "",
            "the event is an array but not a compact process result (its first member must be the layout version, an integer)",
        ));
    };
    if version != 1 {
        return Err(Error::event(
            "",
            format!(
                "the event is a compact result of layout version {version}; this library reads version 1"
            ),
        ));
    }
    if items.len() != COMPACT_V1.len() {
        return Err(Error::event(
            "",
            format!(
                "the event is a compact result of layout version 1 with {} members; that layout has {}",
                items.len(),
                COMPACT_V1.len()
            ),
        ));
    }
    Ok(COMPACT_V1
        .iter()
        .map(|name| (*name).to_owned())
        .zip(items)
        .collect())
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

/// Parses the event: a normalized event, a whole result whose `event` is used, or a compact
/// process result (its members are read under their names in the object result).
pub(super) fn parse_event(json: &[u8]) -> Result<EventFacts, Error> {
    let mut map = event_object(json)?;
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

pub(super) fn parse_state(json: &[u8]) -> Result<State, Error> {
    let members = parse_members(json)?;
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
pub(super) fn order_outcome(records: &[Record]) -> String {
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
pub(super) fn rank(entity: Option<&str>, status: Option<&str>, is_final: bool) -> u8 {
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
    pub(super) fn is_duplicate(&self, id: &str) -> bool {
        self.last_event_id
            .as_deref()
            .is_some_and(|l| l.eq_ignore_ascii_case(id))
            || self
                .recent_event_ids
                .iter()
                .any(|r| r.eq_ignore_ascii_case(id))
    }

    pub(super) fn remember(&mut self, event_id: &str) {
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
    pub(super) fn find(&self, event: &EventFacts) -> Option<usize> {
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
    pub(super) fn record(&mut self, found: Option<usize>, event: &EventFacts) {
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

    /// Keeps at most MAX_ENTITIES records: while there are more, the first record that is
    /// neither paid nor refunded is dropped (else the first). Done in one pass: a stored state
    /// may hold any number of records, and dropping them one at a time was quadratic.
    pub(super) fn bound_records(&mut self) {
        let mut excess = self.records.len().saturating_sub(MAX_ENTITIES);
        if excess == 0 {
            return;
        }
        let mut drop = vec![false; self.records.len()];
        for (i, r) in self.records.iter().enumerate() {
            if excess == 0 {
                break;
            }
            if !matches!(r.outcome.as_deref(), Some("paid" | "refunded")) {
                drop[i] = true;
                excess -= 1;
            }
        }
        // Every record left is paid or refunded: the first ones go.
        for d in drop.iter_mut().filter(|d| !**d).take(excess) {
            *d = true;
        }
        let mut i = 0;
        self.records.retain(|_| {
            i += 1;
            !drop[i - 1]
        });
    }

    /// The state as JSON text, in the documented key order.
    pub(super) fn to_json(&self, order_outcome: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn records(paid: &[bool]) -> Vec<Record> {
        paid.iter()
            .enumerate()
            .map(|(i, &p)| Record {
                entity_id: Some(i.to_string()),
                outcome: Some(if p { "paid" } else { "failed" }.to_owned()),
                ..Record::default()
            })
            .collect()
    }

    /// The rule as documented, one record at a time (what bound_records did before).
    fn reference(mut records: Vec<Record>) -> Vec<Record> {
        while records.len() > MAX_ENTITIES {
            let i = records
                .iter()
                .position(|r| !matches!(r.outcome.as_deref(), Some("paid" | "refunded")))
                .unwrap_or(0);
            records.remove(i);
        }
        records
    }

    #[test]
    fn bound_records_in_one_pass_drops_what_the_rule_drops() {
        // Every mix of paid and unpaid records up to one over the bound, then sampled mixes of
        // a few more (a fixed LCG).
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut masks: Vec<(usize, u64)> = [0, 1, MAX_ENTITIES, MAX_ENTITIES + 1]
            .iter()
            .flat_map(|&len| (0..1u64 << len).map(move |m| (len, m)))
            .collect();
        for len in MAX_ENTITIES + 2..MAX_ENTITIES + 8 {
            for _ in 0..2000 {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                masks.push((len, seed >> 20));
            }
        }
        for (len, mask) in masks {
            let paid: Vec<bool> = (0..len).map(|i| mask & (1 << i) != 0).collect();
            let mut state = State {
                records: records(&paid),
                ..State::default()
            };
            state.bound_records();
            assert_eq!(state.records, reference(records(&paid)), "{paid:?}");
        }
        // Far more records than the bound, as a stored state may hold.
        let paid: Vec<bool> = (0..5000).map(|i| i % 7 == 0 || i > 4990).collect();
        let mut state = State {
            records: records(&paid),
            ..State::default()
        };
        state.bound_records();
        assert_eq!(state.records, reference(records(&paid)));
    }

    #[test]
    fn duplicate_keys_of_a_large_state_keep_the_last_value_in_the_first_place() {
        let mut json = String::from("{");
        for i in 0..20_000 {
            json.push_str(&format!("\"k{i}\":{i},"));
        }
        json.push_str("\"k7\":\"last\",\"k19999\":[1]}");
        let state = parse_state(json.as_bytes()).expect("state");
        assert_eq!(state.other.len(), 20_000);
        assert_eq!(
            (state.other[7].0.as_str(), state.other[7].1.get()),
            ("k7", "\"last\"")
        );
        assert_eq!(state.other[19_999].1.get(), "[1]");
        assert_eq!(state.other[8].1.get(), "8");
    }
}

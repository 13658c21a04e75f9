//! What to do with an event given the order's stored state (docs/design.md "Decide",
//! docs/behaviour.md section 6).
//!
//! The state tracks every entity of the order it has seen (payments, refunds, the order itself) and
//! derives the order's outcome from them, so that a paid order is never un-paid by a late or foreign
//! event: only a booked refund, or the reversal of the paying `CONFIRMED` payment, moves it away
//! from paid. Unknown keys of the stored state are kept as their exact JSON text.
//!
//! The parts: this file holds the public types and the rules ([`decide_json`], `decide`);
//! `state` holds the stored state (its records, parsing and upgrade of the inputs, the order's
//! outcome derived from the records, the state written back); `tests` the unit tests.

mod state;
#[cfg(test)]
mod tests;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::outcome::Outcome;
use crate::status::Status;
use crate::suggested::SuggestedStates;
use state::{order_outcome, parse_event, parse_state, rank, Record, State};

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
    /// Applied: the state held no event before (no entity recorded, no `lastEventTimestampMs`).
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

fn known_outcome(outcome: Option<&str>) -> bool {
    outcome
        .and_then(Outcome::from_name)
        .is_some_and(|o| o != Outcome::Unknown)
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

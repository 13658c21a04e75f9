//! What an event is about (its entity) and what its status means for the shop's order (its
//! outcome): the classification table of docs/behaviour.md section 3. Used by normalize, decide
//! and the options' `suggestedStates`.

use serde::Serialize;

/// The entity an event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Entity {
    Payment,
    Refund,
    Order,
    Unknown,
}

impl Entity {
    pub fn name(self) -> &'static str {
        match self {
            Entity::Payment => "payment",
            Entity::Refund => "refund",
            Entity::Order => "order",
            Entity::Unknown => "unknown",
        }
    }
}

/// What a status means for the shop's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pending,
    Authorized,
    PartiallyPaid,
    Paid,
    Failed,
    Expired,
    Withdrawn,
    Review,
    RefundPending,
    Refunded,
    RefundFailed,
    Unknown,
}

impl Outcome {
    pub const ALL: [Outcome; 12] = [
        Outcome::Pending,
        Outcome::Authorized,
        Outcome::PartiallyPaid,
        Outcome::Paid,
        Outcome::Failed,
        Outcome::Expired,
        Outcome::Withdrawn,
        Outcome::Review,
        Outcome::RefundPending,
        Outcome::Refunded,
        Outcome::RefundFailed,
        Outcome::Unknown,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Authorized => "authorized",
            Outcome::PartiallyPaid => "partially_paid",
            Outcome::Paid => "paid",
            Outcome::Failed => "failed",
            Outcome::Expired => "expired",
            Outcome::Withdrawn => "withdrawn",
            Outcome::Review => "review",
            Outcome::RefundPending => "refund_pending",
            Outcome::Refunded => "refunded",
            Outcome::RefundFailed => "refund_failed",
            Outcome::Unknown => "unknown",
        }
    }

    pub fn from_name(name: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.name() == name)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// `(final, outcome)` for a known status of an entity; `None` for an unknown status.
pub fn classify(entity: Entity, status: &str, confirmed_is_paid: bool) -> Option<(bool, Outcome)> {
    use Outcome::*;
    Some(match (entity, status) {
        (Entity::Payment, "CREATED" | "SEEN" | "PROCESSING") => (false, Pending),
        (Entity::Payment, "CONFIRMED") => {
            (false, if confirmed_is_paid { Paid } else { Authorized })
        }
        (Entity::Payment, "BOOKED" | "FINISHED") => (true, Paid),
        (Entity::Payment, "FAILED" | "REJECTED") => (true, Failed),
        (Entity::Payment, "EXPIRED") => (true, Expired),
        (Entity::Payment, "WITHDRAWN") => (true, Withdrawn),
        (Entity::Payment, "PROCESSING_EXPIRED") => (true, Review),
        (Entity::Refund, "CREATED" | "SEEN" | "PROCESSING" | "CONFIRMED") => (false, RefundPending),
        (Entity::Refund, "BOOKED" | "FINISHED") => (true, Refunded),
        (
            Entity::Refund,
            "FAILED" | "REJECTED" | "EXPIRED" | "WITHDRAWN" | "PROCESSING_EXPIRED",
        ) => (true, RefundFailed),
        (Entity::Order, "UNPAID") => (false, Pending),
        (Entity::Order, "PARTIALLY_PAID") => (false, PartiallyPaid),
        (Entity::Order, "PAID") => (true, Paid),
        _ => return None,
    })
}

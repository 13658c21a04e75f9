"""Result types: frozen dataclasses built from the library's JSON results."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, Mapping, Optional

__all__ = ["SignatureInfo", "Event", "Decision", "RawResult"]


def _opt_str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class SignatureInfo:
    """Which signature part matched: ``{"timestamp", "key", "secretIndex", "ageMs"}``."""

    timestamp: str
    key: str
    secret_index: int
    age_ms: int

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SignatureInfo":
        return cls(
            timestamp=str(data["timestamp"]),
            key=str(data["key"]),
            secret_index=int(data["secretIndex"]),
            age_ms=int(data["ageMs"]),
        )

    def to_dict(self) -> Dict[str, Any]:
        return {
            "timestamp": self.timestamp,
            "key": self.key,
            "secretIndex": self.secret_index,
            "ageMs": self.age_ms,
        }


@dataclass(frozen=True)
class Event:
    """The normalized event (schema version 1).

    The attributes mirror the keys of the normalized event in snake_case. :meth:`to_dict` returns
    the normalized event exactly as the library produced it (camelCase keys, including keys a
    newer library adds), ready to be passed to :meth:`Verifier.decide` or stored.

    ``signature`` is set by :meth:`Verifier.verify` (which secret and key matched, the age); it is
    not part of the normalized event and not in :meth:`to_dict`.
    """

    schema_version: int
    event_id: str
    event_type: str
    event_timestamp: str
    event_timestamp_ms: int
    entity: str
    entity_id: Optional[str]
    payment_id: Optional[str]
    refund_id: Optional[str]
    order_id: Optional[str]
    instruction_id: Optional[str]
    external_id: Optional[str]
    status: Optional[str]
    status_known: bool
    final: bool
    outcome: str
    reason_code: Optional[str]
    hook_data: Any = field(hash=False)
    legacy_fields: bool
    suggested: Mapping[str, Optional[str]] = field(hash=False)
    signature: Optional[SignatureInfo] = field(default=None, compare=False)
    _raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], signature: Optional[SignatureInfo] = None
    ) -> "Event":
        """Build from a normalized event (e.g. a stored ``to_dict()``)."""
        raw = copy.deepcopy(dict(data))
        suggested = raw.get("suggested")
        return cls(
            schema_version=int(raw.get("schemaVersion", 1)),
            event_id=str(raw["eventId"]),
            event_type=str(raw.get("eventType", "")),
            event_timestamp=str(raw.get("eventTimestamp", "")),
            event_timestamp_ms=int(raw["eventTimestampMs"]),
            entity=str(raw.get("entity") or "unknown"),
            entity_id=_opt_str(raw.get("entityId")),
            payment_id=_opt_str(raw.get("paymentId")),
            refund_id=_opt_str(raw.get("refundId")),
            order_id=_opt_str(raw.get("orderId")),
            instruction_id=_opt_str(raw.get("instructionId")),
            external_id=_opt_str(raw.get("externalId")),
            status=_opt_str(raw.get("status")),
            status_known=bool(raw.get("statusKnown", False)),
            final=bool(raw.get("final", False)),
            outcome=str(raw.get("outcome") or "unknown"),
            reason_code=_opt_str(raw.get("reasonCode")),
            hook_data=copy.deepcopy(raw.get("hookData")),
            legacy_fields=bool(raw.get("legacyFields", False)),
            suggested=dict(suggested) if isinstance(suggested, Mapping) else {},
            signature=signature,
            _raw=raw,
        )

    def to_dict(self) -> Dict[str, Any]:
        """The normalized event as the library returned it (a fresh deep copy)."""
        return copy.deepcopy(dict(self._raw))

    def to_json(self) -> str:
        """The normalized event as compact JSON (for storing, or for ``decide``)."""
        return json.dumps(self._raw, separators=(",", ":"), ensure_ascii=False)

    @property
    def event_time(self) -> datetime:
        """``eventTimestampMs`` as an aware UTC datetime."""
        return datetime.fromtimestamp(self.event_timestamp_ms / 1000, tz=timezone.utc)

    @property
    def is_paid(self) -> bool:
        """True when the outcome is ``paid`` (BOOKED/FINISHED, an order PAID, or CONFIRMED with
        ``confirmed_is_paid``)."""
        return self.outcome == "paid"


@dataclass(frozen=True)
class Decision:
    """What to do with the order, and the state to store for it.

    ``action`` is ``"apply"`` (move the order to ``suggested``) or ``"skip"`` (leave it);
    ``reason`` is ``first`` or ``newer`` (apply), ``duplicate``, ``stale``, ``regression``,
    ``unchanged``, ``same_timestamp``, ``no_outcome``, ``already_paid`` or ``recorded`` (skip).
    A skip is still answered with HTTP 200. ``order_outcome`` is the order's outcome after this
    event (``paid``, ``refunded``, ``failed``, ...), derived from every payment, refund and
    order-level status of the order: a late failure of another payment attempt never un-pays it.
    ``suggested`` maps each platform to the shop state for ``order_outcome`` (None: leave it).
    ``state`` is the new state to persist for the order (also on a skip).
    """

    action: str
    reason: str
    state: Mapping[str, Any] = field(hash=False)
    http_status: int = 200
    order_outcome: str = "unknown"
    suggested: Mapping[str, Optional[str]] = field(default_factory=dict, hash=False)

    @property
    def apply(self) -> bool:
        return self.action == "apply"

    @classmethod
    def from_result(cls, data: Mapping[str, Any]) -> "Decision":
        decision = data["decision"]
        suggested = decision.get("suggested")
        return cls(
            action=str(decision["action"]),
            reason=str(decision["reason"]),
            state=copy.deepcopy(dict(data["state"])),
            http_status=int(data.get("httpStatus", 200)),
            order_outcome=str(decision.get("orderOutcome") or "unknown"),
            suggested=dict(suggested) if isinstance(suggested, Mapping) else {},
        )

    def to_dict(self) -> Dict[str, Any]:
        """``{"decision": {"action", "reason", "orderOutcome", "suggested"}, "state": {...}}`` as in
        the library's result."""
        return {
            "decision": {
                "action": self.action,
                "reason": self.reason,
                "orderOutcome": self.order_outcome,
                "suggested": dict(self.suggested),
            },
            "state": copy.deepcopy(dict(self.state)),
        }

    def state_json(self) -> str:
        """The new state as compact JSON, ready to store."""
        return json.dumps(self.state, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class RawResult:
    """One result of the C ABI, exactly as returned (``text`` is the JSON; no secrets in it)."""

    code: int
    text: str

    @property
    def data(self) -> Dict[str, Any]:
        value = json.loads(self.text)
        if not isinstance(value, dict):
            raise ValueError("result is not a JSON object")
        return value

    @property
    def ok(self) -> bool:
        return self.code == 0

    @property
    def status(self) -> str:
        return str(self.data.get("status", ""))

    @property
    def http_status(self) -> int:
        return int(self.data.get("httpStatus", 500))

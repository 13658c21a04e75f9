"""Result types, built once from the ``json.loads`` output of the library's result, never copied.

Ownership and copies (the contract ``tests/test_api.py`` checks):

- An :class:`Event` is a read-only view over the normalized-event object that ``json.loads``
  produced for this event alone. Its attributes read that object; nothing is copied when the
  event is built, however large ``hookData`` is.
- A large ``hookData`` is decoded only when it is read: the event keeps its JSON text (cut out
  of the library's result) until :attr:`Event.hook_data`, ``get("hookData")``,
  :meth:`Event.to_dict`, :meth:`Event.to_json`, ``==`` or pickling first needs it, then decodes
  it once (``json.loads``) and keeps the decoded value. The signature details are decoded on
  first use too. Neither is observable except in time.
- :meth:`Event.to_dict` returns a NEW top-level dict on every call (so setting or deleting a key
  of it never changes the event); the nested values (``hookData``, ``suggested``) are the event's
  own objects, shared, not copied. Copy them (``copy.deepcopy``) before mutating them.
- :attr:`Event.hook_data` is the event's own parsed ``hookData`` (shared, like in ``to_dict``);
  :attr:`Event.suggested` is a read-only mapping.
- :class:`Decision` keeps the ``state`` dict of the result as is (a plain dict, to read);
  :meth:`Decision.state_json` is the state's exact JSON text from the result, the one to store
  (unknown keys keep their bytes: ``1.50`` is not turned into ``1.5``);
  :meth:`Decision.to_dict` returns new dicts for the top level, the decision and the state (its
  lists are shared).

Fields whose values form a closed set in schema version 1 are typed as ``Literal`` unions of the
known values (``Entity``, ``Outcome``, ``Action``, ``Reason``, ``PaymentStatus``, ``StatusName``),
each together with ``str``: a value a newer library adds passes through unchanged as a ``str``.
Keys a newer library adds to a result pass through too (in ``to_dict()``, ``Decision.result``).
"""

from __future__ import annotations

import json
import json.scanner
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any, Callable, Dict, Literal, Mapping, Optional, Tuple, Union, cast


__all__ = [
    "SignatureInfo",
    "Event",
    "Decision",
    "RawResult",
    "Entity",
    "Outcome",
    "Action",
    "Reason",
    "PaymentStatus",
]

#: ``Event.entity``: what the event is about (``unknown`` for an event type the library does not
#: know).
Entity = Literal["payment", "refund", "order", "unknown"]

#: ``Event.outcome``: what the status means for the shop (docs/design.md, "Normalized event").
Outcome = Literal[
    "pending",
    "authorized",
    "partially_paid",
    "paid",
    "failed",
    "expired",
    "withdrawn",
    "review",
    "refund_pending",
    "refunded",
    "refund_failed",
    "unknown",
]

#: ``Decision.action``.
Action = Literal["apply", "skip"]

#: ``Decision.reason``.
Reason = Literal[
    "first",
    "newer",
    "duplicate",
    "stale",
    "regression",
    "unchanged",
    "same_timestamp",
    "no_outcome",
    "already_paid",
    "recorded",
]

#: ``Event.status``: the Everifin status of the payment, refund or order (an unknown one passes
#: through with ``status_known`` false).
PaymentStatus = Literal[
    "CREATED",
    "SEEN",
    "PROCESSING",
    "CONFIRMED",
    "BOOKED",
    "FINISHED",
    "FAILED",
    "REJECTED",
    "EXPIRED",
    "WITHDRAWN",
    "PROCESSING_EXPIRED",
    "UNPAID",
    "PARTIALLY_PAID",
    "PAID",
]


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


_REQUIRED = ("eventId", "eventTimestampMs")

# Python's own JSON scanner (what json.loads runs, from json.scanner), called without the
# wrappers of json.loads (the library's results have no surrounding whitespace): it decodes the
# value at an index of a text and returns it with where it ended.
_SCAN: Callable[[str, int], Tuple[Any, int]] = json.scanner.make_scanner(
    cast(Any, json.JSONDecoder())
)


def _loads_hook(
    text: bytes, _scan: Callable[[str, int], Tuple[Any, int]] = _SCAN
) -> Any:
    """Decode a hookData given as its exact text (a range of the body the library validated:
    strict JSON, UTF-8, no surrounding whitespace) with Python's own scanner, without the wrappers
    of json.loads; anything unexpected goes to json.loads, which raises its own error."""
    s = text.decode("utf-8")
    try:
        value, end = _scan(s, 0)
    except StopIteration:
        end = -1
    return value if end == len(s) else json.loads(s)


# What decodes a hookData given as its range in the body (a compact result).
_LOADS: Callable[[bytes], Any] = _loads_hook


class Event:
    """The normalized event (schema version 1): a read-only view over the library's result.

    The attributes mirror the keys of the normalized event in snake_case. :meth:`to_dict` returns
    the normalized event exactly as the library produced it (camelCase keys, including keys a
    newer library adds), ready to be passed to :meth:`Verifier.decide` or stored.

    ``signature`` is set by :meth:`Verifier.verify` (which secret and key matched, the age); it is
    not part of the normalized event, not in :meth:`to_dict` and not compared by ``==``.

    Events are immutable (setting an attribute raises ``AttributeError``), hashable and compare
    equal when their normalized events are equal. See the module's documentation for what is
    shared and what is copied.
    """

    __slots__ = ("_data", "_sig", "_hook")

    # _data: the normalized event; while _hook is set, its "hookData" holds None.
    # _sig: SignatureInfo, or its mapping or JSON text until first read, or None.
    # _hook: where hookData is, not decoded yet: (the result's JSON text, or the body for a
    # compact result, start, end); else None.
    _data: Dict[str, Any]
    _sig: Union[SignatureInfo, Mapping[str, Any], str, None]
    _hook: Optional[Tuple[Union[str, bytes], int, int]]

    def __init__(self, data: Mapping[str, Any], signature: Optional[SignatureInfo] = None) -> None:
        """Same as :meth:`from_dict`."""
        own = dict(data)  # a new top-level dict: the caller's later changes do not reach us
        for key in _REQUIRED:
            if key not in own:
                raise KeyError(key)
        object.__setattr__(self, "_data", own)
        object.__setattr__(self, "_sig", signature)
        object.__setattr__(self, "_hook", None)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], signature: Optional[SignatureInfo] = None
    ) -> "Event":
        """Build from a normalized event (e.g. a stored ``to_dict()``). The top level is copied
        (one small dict); nested values are shared with ``data``. ``KeyError`` when ``eventId``
        or ``eventTimestampMs`` is missing."""
        return cls(data, signature)

    @classmethod
    def _of_result(
        cls,
        data: Dict[str, Any],
        signature: Union[Mapping[str, Any], str, None],
        hook: Optional[Tuple[Union[str, bytes], int, int]] = None,
    ) -> "Event":
        """Adopt the normalized event of a fresh result (nothing else refers to it): no copy.
        ``signature``: its mapping or JSON text; ``hook``: where the JSON text of ``hookData``
        is (text, start, end) when ``data["hookData"]`` is a None that stands for it (decoded on
        first read)."""
        self = _new_event(cls)
        _set_data(self, data)
        _set_sig(self, signature)
        _set_hook(self, hook)
        return self

    def _full(self) -> Dict[str, Any]:
        """The normalized event with ``hookData`` decoded (decoded here the first time)."""
        if self._hook is not None:
            with _HOOK_LOCK:  # decoded once, also when threads read it at the same time
                hook = self._hook
                if hook is not None:
                    text, start, end = hook
                    if isinstance(text, bytes):  # the body itself (a compact result's range)
                        value = _LOADS(text[start:end])
                    else:
                        try:  # in place: no copy of the text
                            value, stop = _SCAN(text, start)
                        except StopIteration:
                            stop = -1
                        if stop != end:  # pragma: no cover - the library's layout guarantees it
                            value = json.loads(text[start:end])  # raises the decoder's error
                    self._data["hookData"] = value
                    _set_hook(self, None)  # after the value is in place
        return self._data

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Event is read-only (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Event is read-only (cannot delete {name!r})")

    def __reduce__(self) -> Any:
        return (Event, (self._full(), self.signature))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Event):
            return NotImplemented
        return self._full() == other._full()

    def __hash__(self) -> int:
        return hash((self.event_id, self.event_timestamp_ms, self.status, self.outcome))

    def __repr__(self) -> str:
        return (
            f"Event(event_id={self.event_id!r}, event_type={self.event_type!r}, "
            f"entity={self.entity!r}, status={self.status!r}, outcome={self.outcome!r}, "
            f"external_id={self.external_id!r})"
        )

    # --- the normalized event's keys ----------------------------------------------------------

    @property
    def schema_version(self) -> int:
        return int(self._data.get("schemaVersion", 1))

    @property
    def event_id(self) -> str:
        v = self._data["eventId"]
        return v if type(v) is str else str(v)

    @property
    def event_type(self) -> str:
        return str(self._data.get("eventType", ""))

    @property
    def event_timestamp(self) -> str:
        return str(self._data.get("eventTimestamp", ""))

    @property
    def event_timestamp_ms(self) -> int:
        v = self._data["eventTimestampMs"]
        return v if type(v) is int else int(v)

    @property
    def entity(self) -> Union[Entity, str]:
        v = self._data.get("entity")
        return v if type(v) is str and v else str(v or "unknown")

    @property
    def entity_id(self) -> Optional[str]:
        v = self._data.get("entityId")
        return v if type(v) is str or isinstance(v, str) else None

    @property
    def payment_id(self) -> Optional[str]:
        v = self._data.get("paymentId")
        return v if type(v) is str or isinstance(v, str) else None

    @property
    def refund_id(self) -> Optional[str]:
        v = self._data.get("refundId")
        return v if type(v) is str or isinstance(v, str) else None

    @property
    def order_id(self) -> Optional[str]:
        v = self._data.get("orderId")
        return v if type(v) is str or isinstance(v, str) else None

    @property
    def instruction_id(self) -> Optional[str]:
        v = self._data.get("instructionId")
        return v if type(v) is str or isinstance(v, str) else None

    @property
    def external_id(self) -> Optional[str]:
        v = self._data.get("externalId")
        return v if type(v) is str or isinstance(v, str) else None

    @property
    def status(self) -> Union[PaymentStatus, str, None]:
        v = self._data.get("status")
        return v if type(v) is str or isinstance(v, str) else None

    @property
    def status_known(self) -> bool:
        return self._data.get("statusKnown") is True

    @property
    def final(self) -> bool:
        return self._data.get("final") is True

    @property
    def outcome(self) -> Union[Outcome, str]:
        v = self._data.get("outcome")
        return v if type(v) is str and v else str(v or "unknown")

    @property
    def reason_code(self) -> Optional[str]:
        v = self._data.get("reasonCode")
        return v if type(v) is str or isinstance(v, str) else None

    @property
    def hook_data(self) -> Any:
        """The parsed ``hookData`` (the event's own object, shared: do not mutate it)."""
        return self._full().get("hookData")

    @property
    def legacy_fields(self) -> bool:
        return self._data.get("legacyFields") is True

    @property
    def suggested(self) -> Mapping[str, Optional[str]]:
        """The suggested shop state per platform (read-only)."""
        value = self._data.get("suggested")
        return MappingProxyType(value) if isinstance(value, dict) else MappingProxyType({})

    # --- derived --------------------------------------------------------------------------------

    @property
    def signature(self) -> Optional[SignatureInfo]:
        """Which secret and key matched (set by :meth:`Verifier.verify`), else None."""
        sig = self._sig
        if sig is None or isinstance(sig, SignatureInfo):
            return sig
        info = SignatureInfo.from_dict(json.loads(sig) if isinstance(sig, str) else sig)
        object.__setattr__(self, "_sig", info)  # built on first use, once
        return info

    @property
    def event_time(self) -> datetime:
        """``eventTimestampMs`` as an aware UTC datetime."""
        return datetime.fromtimestamp(self.event_timestamp_ms / 1000, tz=timezone.utc)

    @property
    def is_paid(self) -> bool:
        """True when the outcome is ``paid`` (BOOKED/FINISHED, an order PAID, or CONFIRMED with
        ``confirmed_is_paid``)."""
        return self._data.get("outcome") == "paid"

    def get(self, key: str, default: Any = None) -> Any:
        """A key of the normalized event by its camelCase name (also keys a newer library adds),
        shared like :attr:`hook_data`."""
        return (self._full() if key == "hookData" else self._data).get(key, default)

    def to_dict(self) -> Dict[str, Any]:
        """The normalized event as the library returned it: a new top-level dict on each call;
        nested values (``hookData``, ``suggested``) are shared with the event, not copied."""
        return dict(self._data if self._hook is None else self._full())

    def to_json(self) -> str:
        """The normalized event as compact JSON, ``hookData`` decoded and included (for storing;
        ``decide`` takes the Event itself and does not need hookData)."""
        return json.dumps(self._full(), separators=(",", ":"), ensure_ascii=False)


# The slots' own setters: build an Event without going through its read-only __setattr__.
_new_event = object.__new__
_set_data: Callable[[Event, Any], None] = Event.__dict__["_data"].__set__
_set_sig: Callable[[Event, Any], None] = Event.__dict__["_sig"].__set__
_set_hook: Callable[[Event, Any], None] = Event.__dict__["_hook"].__set__
_HOOK_LOCK = threading.Lock()


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
    ``state`` is the new state for the order (also on a skip): the dict of the library's
    result, not copied; store :meth:`state_json` (its exact text). ``result`` is the library's
    whole result object (keys a newer library adds are there), ``result_text`` its JSON text.
    """

    action: Union[Action, str]
    reason: Union[Reason, str]
    state: Dict[str, Any]
    http_status: int = 200
    order_outcome: Union[Outcome, str] = "unknown"
    suggested: Mapping[str, Optional[str]] = field(default_factory=dict, hash=False)
    result: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    result_text: Optional[str] = field(default=None, repr=False, compare=False)

    def __hash__(self) -> int:
        return hash((self.action, self.reason, self.http_status, self.order_outcome))

    @property
    def apply(self) -> bool:
        return self.action == "apply"

    @classmethod
    def from_result(cls, data: Mapping[str, Any], text: Optional[str] = None) -> "Decision":
        """The decision of a decide result ``data``; ``text`` is the result's JSON text as the
        library wrote it (kept for :meth:`state_json`)."""
        decision = data["decision"]
        suggested = decision.get("suggested")
        state = data["state"]
        return cls(
            action=str(decision["action"]),
            reason=str(decision["reason"]),
            state=state if isinstance(state, dict) else dict(state),
            http_status=int(data.get("httpStatus", 200)),
            order_outcome=str(decision.get("orderOutcome") or "unknown"),
            suggested=suggested if isinstance(suggested, Mapping) else {},
            result=data,
            result_text=text,
        )

    def to_dict(self) -> Dict[str, Any]:
        """``{"decision": {"action", "reason", "orderOutcome", "suggested"}, "state": {...}}`` as
        in the library's result: new dicts each call (the state's top level is copied, its lists
        are shared)."""
        return {
            "decision": {
                "action": self.action,
                "reason": self.reason,
                "orderOutcome": self.order_outcome,
                "suggested": dict(self.suggested),
            },
            "state": dict(self.state),
        }

    def state_json(self) -> str:
        """The new state as JSON text, ready to store: the exact text of the library's result,
        so unknown keys keep their bytes (``1.50`` stays ``1.50``, a 23-digit integer stays as it
        was). The library writes ``state`` last in a decide result, right after the decision
        object (whose last member, ``suggested``, holds only strings and nulls): the text between
        ``}},"state":`` and the final ``}`` is the state. It is used only when it parses to
        exactly :attr:`state`, compared as JSON values (types included: ``true`` is not ``1``,
        ``0.0`` is not ``0``, ``1E2`` is not ``100``; key order aside); otherwise (a decision
        built from a dict, a library of another layout, a state changed after the decision, also
        to a value Python calls equal) the state is serialized with ``json.dumps``.
        """
        text = self.result_text
        if text is not None and text.endswith("}"):
            at = text.find(_STATE_MARK)
            if at >= 0:
                cut = text[at + len(_STATE_MARK) : -1]
                try:
                    same = _same_json(json.loads(cut), self.state)
                except (ValueError, RecursionError):
                    same = False
                if same:
                    return cut
        return json.dumps(self.state, separators=(",", ":"), ensure_ascii=False)


def _same_json(parsed: Any, value: Any) -> bool:
    """Whether ``value`` is the JSON value ``parsed`` (what ``json.loads`` gave): equal and of the
    same types throughout, so that ``json.dumps(value)`` would mean what the parsed text says.
    ``==`` alone is not enough: ``True == 1``, ``0.0 == 0``, ``100.0 == 100``, ``-0.0 == 0.0``,
    ``(1,) != [1]`` but ``{"a": 1} == {"a": 1.0}``. Object key order is not compared (a JSON
    object's members are unordered)."""
    if type(parsed) is not type(value):
        return False
    if isinstance(parsed, dict):
        return parsed.keys() == value.keys() and all(
            _same_json(item, value[key]) for key, item in parsed.items()
        )
    if isinstance(parsed, list):
        return len(parsed) == len(value) and all(map(_same_json, parsed, value))
    if isinstance(parsed, float):
        return repr(parsed) == repr(value)  # -0.0 is not 0.0 (nor is a NaN equal to itself)
    return bool(parsed == value)


# Where a decide result's state starts: the end of "suggested", the end of "decision", then
# "state". An unescaped quote cannot occur inside a JSON string, so this cannot match inside one;
# before the decision's end the result holds flat members and the flat "suggested" object only.
_STATE_MARK = '}},"state":'


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

"""The Python API over the C ABI."""

from __future__ import annotations

import ctypes
import json
import threading
from collections.abc import Sequence as SequenceABC
from datetime import datetime, timedelta, timezone
from typing import (
    Any,
    Callable,
    Dict,
    List,
    Mapping,
    NoReturn,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from . import _lib
from .errors import STATUSES, InternalError, error_class_for
from .types import _SCAN, Decision, Event, RawResult, SignatureInfo, _new_event, _set_data
from .types import _set_hook, _set_sig

__all__ = [
    "Verifier",
    "decide",
    "normalize",
    "sign",
    "version",
    "abi_version",
    "status_name",
    "status_http_status",
    "library_path",
    "decide_raw",
    "normalize_raw",
    "sign_raw",
    "options_check_raw",
]

BytesLike = Union[bytes, bytearray, memoryview]
JsonInput = Union[Mapping[str, Any], str, bytes]
SuggestedStates = Mapping[str, Mapping[str, Optional[str]]]

_LIB: Optional[_lib.Lib] = None
_LIB_LOCK = threading.Lock()


def lib() -> _lib.Lib:
    """The loaded native library (loaded once, at import of the package)."""
    global _LIB
    if _LIB is None:
        with _LIB_LOCK:
            if _LIB is None:
                _LIB = _lib.load()
    return _LIB


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MS_END = 2**63  # now_ms must be in 1 .. 2**63 - 1
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
"""The body limit of a verifier without ``max_body_bytes``: the library's default (1 MiB)."""
_ONE_MS = timedelta(milliseconds=1)


def _now_ms(now: Optional[datetime], now_ms: Optional[int]) -> int:
    """``now`` (aware datetime) or ``now_ms`` (Unix ms) -> Unix ms; neither -> 0 (system clock)."""
    if now is not None and now_ms is not None:
        raise TypeError("give either now or now_ms, not both")
    if now is not None:
        if not isinstance(now, datetime):
            raise TypeError(f"now must be a datetime, not {type(now).__name__}")
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(
                "now must be timezone-aware (e.g. datetime.now(timezone.utc)); a naive datetime "
                "is ambiguous"
            )
        ms = (now - _EPOCH) // _ONE_MS
    elif now_ms is not None:
        if isinstance(now_ms, bool) or not isinstance(now_ms, int):
            raise TypeError(f"now_ms must be an int, not {type(now_ms).__name__}")
        ms = now_ms
    else:
        return 0
    if ms <= 0 or ms >= _MS_END:
        raise ValueError("now is out of range: it must be after 1970-01-01T00:00:00Z")
    return ms


def _bytes(value: Any, what: str) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise TypeError(
        f"{what} must be bytes (the raw request body exactly as received), "
        f"not {type(value).__name__}"
    )


def _text(value: Union[str, bytes, None], what: str) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    raise TypeError(f"{what} must be str or bytes, not {type(value).__name__}")


def _json(value: Union[JsonInput, None], what: str) -> bytes:
    """A mapping is serialized compactly; str/bytes are passed through as raw JSON text."""
    if value is None:
        return b""
    if isinstance(value, (str, bytes)):
        return _text(value, what)
    if isinstance(value, Mapping):
        return _dumps(dict(value))
    raise TypeError(f"{what} must be a mapping or JSON text, not {type(value).__name__}")


def _event_json(value: Union[Event, JsonInput]) -> bytes:
    """The event for ``evf_decide``. Decide never reads ``hookData`` (docs/design.md "Decide":
    the rules use the event's id, time, entity, status, final flag, outcome and suggested states;
    src/decide/state.rs ``parse_event``), so an Event or a mapping is sent with ``"hookData":null``:
    an Event's lazy hookData is not decoded, and a large one is neither re-encoded nor parsed
    again by the library. JSON text is passed through as given."""
    if isinstance(value, Event):
        data: Dict[str, Any] = dict(value._data)  # the top level only; hookData is not read
    elif isinstance(value, Mapping):
        data = dict(value)
    else:
        return _json(value, "event")
    if data.get("hookData") is not None:
        data["hookData"] = None
    return _dumps(data)


def _take(ptr: Any) -> RawResult:
    """The raw layer: copy a result out of the library exactly as returned (status code and JSON
    text) and free it (always, also when reading fails)."""
    lib_ = _LIB or lib()
    if not ptr:
        raise MemoryError("everifin-webhook: the library returned no result (out of memory)")
    try:
        code = int(lib_.evf_result_status(ptr))
        length = int(lib_.evf_result_json_len(ptr))
        raw = lib_.evf_result_json(ptr) or b""  # c_char_p: a copy up to the terminating NUL
    finally:
        lib_.evf_result_free(ptr)
    if len(raw) != length:
        raise InternalError(
            "INTERNAL", 3, 500, "the library returned a result whose length does not match"
        )
    return RawResult(code=code, text=raw.decode("utf-8"))


# The typed layer reads a result with one foreign call when it is OK: JSON text never contains a
# raw NUL (the terminator is the end), and the library writes "ok" first, so an OK result starts
# with this prefix (tests/test_results.py checks it). Anything else also asks evf_result_status
# before the result is freed.
_OK_PREFIX = b'{"ok":true,'




def _take_json(ptr: Any, ok_prefix: bytes) -> Tuple[bytes, int]:
    """Copy a result's JSON out and free the result (always): (the JSON, its status). A result
    that starts with ``ok_prefix`` is OK without asking evf_result_status."""
    lib_ = _LIB or lib()
    if not ptr:
        raise MemoryError("everifin-webhook: the library returned no result (out of memory)")
    try:
        raw = lib_.evf_result_json(ptr) or b""
        code = 0 if raw.startswith(ok_prefix) else int(lib_.evf_result_status(ptr))
    finally:
        lib_.evf_result_free(ptr)
    return raw, code


def _result_text_data(ptr: Any) -> Tuple[str, Dict[str, Any]]:
    """Copy a result out, free it (always), parse it once; return its JSON text and the object
    when it is OK and raise the matching WebhookError otherwise."""
    raw, code = _take_json(ptr, _OK_PREFIX)
    text, data = _parse_result(raw)
    if code == 0 and type(data) is dict and data.get("ok") is True:
        return text, data
    _raise_error(code, data)


# Where the parts of an OK process or normalize result are (docs/design.md, schema v1: the keys
# come in a fixed order). Every string of a result is written with its quotes escaped, so a marker
# that holds a quote cannot occur inside a string:
# - the envelope is the fixed text below, then (process only) the "signature" object of fixed
#   keys, then ',"event":' with the event, which is the last member;
# - in the event, "hookData" follows keys whose values are strings, numbers, booleans or null
#   (so its first '"hookData":' is the key), and is followed by ',"legacyFields":' with a boolean
#   and ',"suggested":{' whose members are strings or null (so the last ',"legacyFields":' that
#   is followed by a boolean and ',"suggested":{' ends hookData; a platform named legacyFields in
#   "suggested" has a string or null after it).
_OK_ENVELOPE_BYTES = b'{"ok":true,"status":"OK","httpStatus":200'
_ENVELOPE_LEN = len(_OK_ENVELOPE_BYTES)
_SIGNATURE_KEY = ',"signature":'
_SIGNATURE_AT = _ENVELOPE_LEN + len(_SIGNATURE_KEY)
_EVENT_KEY = ',"event":'
_EVENT_LEN = len(_EVENT_KEY)
_HOOK_KEY = '"hookData":'
_AFTER_HOOK = ',"legacyFields":'
_SUGGESTED_KEY = ',"suggested":{'
# A result shorter than this decodes its (small) hookData with the rest of the event: cutting it
# out and decoding it apart costs about 1 µs more for verify and 2 µs more for to_dict() (the
# official event's result has about 830 characters). In a longer one, hookData is kept as text
# until it is read: verify() of a 1.3 KiB result (600 B of hookData) is about 3 µs faster, of a
# 1.9 KiB one 10 µs, while to_dict() costs about 2 µs more.
_LAZY_HOOK_FROM = 1024


def _event_of(ptr: Any) -> Event:
    """Copy a process or normalize result out, free it (always) and return its Event; raise the
    matching WebhookError for a non-OK result.

    The event alone is decoded (the envelope is known, the signature is decoded on first use),
    and a large ``hookData`` is cut out by its fixed place and kept as text until it is read.
    A result of another layout is decoded whole instead."""
    return _event_from(*_take_json(ptr, _OK_ENVELOPE_BYTES))


def _event_from(raw: bytes, code: int) -> Event:
    """The Event of a process or normalize result's JSON ``raw`` (status ``code``), or its
    WebhookError."""
    if code == 0 and raw.startswith(_OK_ENVELOPE_BYTES):
        try:
            text = raw.decode("utf-8")
            at = text.find(_EVENT_KEY, _ENVELOPE_LEN)
            if at == _ENVELOPE_LEN:
                sig: Optional[str] = None  # a normalize result: no signature
            elif at > 0 and text.startswith(_SIGNATURE_KEY, _ENVELOPE_LEN):
                sig = text[_SIGNATURE_AT:at]
            else:
                at = -1
            if at > 0:
                if len(text) < _LAZY_HOOK_FROM:
                    event, end = _SCAN(text, at + _EVENT_LEN)
                    hook: Optional[Tuple[str, int, int]] = None
                    whole = end == len(text) - 1  # only the envelope's closing brace follows
                else:
                    hook, event, whole = _cut_hook(text, at + _EVENT_LEN)
                if whole and type(event) is dict:
                    e = _new_event(Event)  # Event._of_result, inlined
                    _set_data(e, event)
                    _set_sig(e, sig)
                    _set_hook(e, hook)
                    return e
        except (StopIteration, ValueError):  # unreadable: decoded whole below, which raises
            pass
    # An error, or a result of another layout (or unreadable): decode it whole.
    data = _parse_result(raw)[1]
    if code == 0 and type(data) is dict and data.get("ok") is True:
        event = data.get("event")
        if type(event) is dict:
            return Event._of_result(event, data.get("signature"))
        raise InternalError("INTERNAL", 3, 500, "the library returned a result without an event")
    _raise_error(code, data)


def _cut_hook(text: str, start: int) -> Tuple[Optional[Tuple[str, int, int]], Any, bool]:
    """Decode the event that starts at ``start`` without its hookData: (where hookData's JSON
    text is, or None when it is null or not at its place; the event; whether the event was the
    rest of the result)."""
    at = text.find(_HOOK_KEY, start)
    if at > 0:
        begin = at + len(_HOOK_KEY)
        stop = text.rfind(_AFTER_HOOK, begin)
        while stop > begin:
            value = stop + len(_AFTER_HOOK)
            if text.startswith(_SUGGESTED_KEY, value + (4 if text.startswith("t", value) else 5)):
                if stop - begin == 4 and text.startswith("null", begin):
                    break
                rest = text[start:begin] + "null" + text[stop:-1]
                event, end = _SCAN(rest, 0)
                return (text, begin, stop), event, end == len(rest)
            stop = text.rfind(_AFTER_HOOK, begin, stop)
    event, end = _SCAN(text, start)
    return None, event, end == len(text) - 1


def _parse_result(raw: bytes) -> Tuple[str, Any]:
    """The result's text and its whole value decoded; an unreadable one raises InternalError."""
    try:
        text = raw.decode("utf-8")
        data, end = _SCAN(text, 0)
        if end != len(text):
            raise ValueError(f"extra data at {end}")
    except StopIteration:  # the scanner's "no JSON value here"
        raise InternalError("INTERNAL", 3, 500, "the library returned an empty result") from None
    except ValueError as exc:  # json.JSONDecodeError, UnicodeDecodeError
        raise InternalError(
            "INTERNAL", 3, 500, f"the library returned an unreadable result ({exc})"
        ) from None
    return text, data


def _raise_error(code: int, data: Any) -> NoReturn:
    if not isinstance(data, dict):
        raise InternalError("INTERNAL", 3, 500, "the library returned a non-object result")
    if code == 0:  # "ok" is not true, yet the status is OK: trust the result's own status name
        code = STATUSES.get(str(data.get("status")), (3, 500, None))[0]
    status = str(data.get("status") or status_name(code))
    sig = data.get("signature")
    field = data.get("field")
    raise error_class_for(status)(
        status,
        code,
        int(data.get("httpStatus") or status_http_status(code)),
        str(data.get("message") or status),
        field=field if isinstance(field, str) else None,
        signature=SignatureInfo.from_dict(sig) if isinstance(sig, Mapping) else None,
        result=data,
    )


def _raise_for(result: RawResult) -> Dict[str, Any]:
    """Return the result object of a raw result when it is OK; raise the matching WebhookError
    otherwise."""
    try:
        data = result.data
    except ValueError as exc:
        raise InternalError(
            "INTERNAL", 3, 500, f"the library returned an unreadable result ({exc})"
        ) from None
    if result.code == 0 and data.get("ok") is True:
        return data
    _raise_error(result.code, data)


# ---------------------------------------------------------------------------------------------
# Small functions


def version() -> str:
    """The library's version, e.g. ``"0.2.0"``."""
    raw = lib().evf_version()
    return raw.decode("ascii") if raw else ""


def abi_version() -> int:
    return int(lib().evf_abi_version())


_INT32_MIN, _INT32_END = -(2**31), 2**31  # evf_status is int32_t


def _status_code(code: Any) -> Optional[int]:
    """``code`` as an ``evf_status``, or None for an int that is not one (outside int32: ctypes
    would truncate it, and 2**40 + 13 would read as 13)."""
    if isinstance(code, bool) or not isinstance(code, int):
        raise TypeError(f"code must be an int (a status code), not {type(code).__name__}")
    return int(code) if _INT32_MIN <= code < _INT32_END else None


def status_name(code: int) -> str:
    """The name of a status code (``13`` -> ``"SIGNATURE_MISMATCH"``). Any int that is not a
    status, also one outside the int32 range of ``evf_status``, gives the library's answer for a
    number that is not a status, ``"UNKNOWN_STATUS"``. A non-int is a TypeError."""
    c = _status_code(code)
    raw = lib().evf_status_name(_UNKNOWN_CODE if c is None else c)
    return raw.decode("ascii") if raw else "UNKNOWN_STATUS"


def status_http_status(code: int) -> int:
    """The HTTP status for a status code; 500 for any int that is not a status (also outside the
    int32 range), as the library answers. A non-int is a TypeError."""
    c = _status_code(code)
    return int(lib().evf_status_http_status(_UNKNOWN_CODE if c is None else c))


# An int32 that is no status (status codes are small and not negative): asked instead of a code outside int32, so that the
# answer is the library's own for "not a status".
_UNKNOWN_CODE = _INT32_MIN


def library_path() -> str:
    """The path of the loaded native library."""
    return lib().path


# ---------------------------------------------------------------------------------------------
# Raw layer: one call of the C ABI each, the result as returned (never raises for a non-OK
# status). The typed functions below are built on these.


def options_check_raw(options_json: Union[str, bytes]) -> RawResult:
    data = _text(options_json, "options_json")
    return _take(lib().evf_options_check(data, len(data)))


def normalize_raw(body: BytesLike, options_json: Union[str, bytes, None] = None) -> RawResult:
    b = _bytes(body, "body")
    o = _text(options_json, "options_json")
    return _take(lib().evf_normalize(b, len(b), o, len(o)))


def decide_raw(event_json: Union[str, bytes], state_json: Union[str, bytes, None] = None) -> RawResult:
    e = _text(event_json, "event_json")
    s = _text(state_json, "state_json")
    return _take(lib().evf_decide(e, len(e), s, len(s)))


def sign_raw(
    body: BytesLike, timestamp: Union[str, bytes, None], secrets_json: Union[str, bytes]
) -> RawResult:
    b = _bytes(body, "body")
    t = _text(timestamp, "timestamp")
    s = _text(secrets_json, "secrets_json")
    return _take(lib().evf_sign(b, len(b), t, len(t), s, len(s)))


def explain_raw(
    body: BytesLike,
    signature_header: Union[str, bytes, None],
    options_json: Union[str, bytes],
    *,
    now: Optional[datetime] = None,
    now_ms: Optional[int] = None,
) -> RawResult:
    """One ``evf_explain`` call: the process result plus ``findings`` and ``secrets``
    (fingerprints). ``options_json`` may add ``retiredSecrets``."""
    b = _bytes(body, "body")
    h = _text(signature_header, "signature_header")
    o = _text(options_json, "options_json")
    ms = _now_ms(now, now_ms)
    return _take(lib().evf_explain(b, len(b), h, len(h), o, len(o), ms))


# ---------------------------------------------------------------------------------------------
# Typed layer


def _options(
    secrets: Optional[Sequence[str]],
    tolerance_seconds: Optional[int],
    confirmed_is_paid: Optional[bool],
    max_body_bytes: Optional[int],
    suggested_states: Optional[SuggestedStates],
) -> Dict[str, Any]:
    """The options JSON object. The values are the library's to judge (a wrong one is
    INVALID_OPTIONS, as tests/vectors/options.json defines); what Python itself must read (the
    secrets, the mappings of suggested_states) raises TypeError naming the argument."""
    opts: Dict[str, Any] = {}
    if secrets is not None:
        opts["secrets"] = _secret_list(secrets)
    if tolerance_seconds is not None:
        opts["toleranceSeconds"] = tolerance_seconds
    if confirmed_is_paid is not None:
        opts["confirmedIsPaid"] = confirmed_is_paid
    if max_body_bytes is not None:
        opts["maxBodyBytes"] = max_body_bytes
    if suggested_states is not None:
        opts["suggestedStates"] = _suggested_states(suggested_states)
    return opts


def _suggested_states(value: Any) -> Dict[str, Dict[str, Any]]:
    """``{platform: {outcome: state or None}}`` as plain dicts: the mappings and their str keys
    are checked here (json.dumps would turn a key 1 into "1"); the states are the library's to
    check (a state that is not a str or None is INVALID_OPTIONS)."""
    what = "suggested_states"
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{what} must be a mapping {{platform: {{outcome: state or None}}}}, "
            f"not {type(value).__name__}"
        )
    out: Dict[str, Dict[str, Any]] = {}
    for platform, states in value.items():
        if not isinstance(platform, str):
            raise TypeError(f"{what} keys (platforms) must be str, not {type(platform).__name__}")
        if not isinstance(states, Mapping):
            raise TypeError(
                f"{what}[{platform!r}] must be a mapping {{outcome: state or None}}, "
                f"not {type(states).__name__}"
            )
        inner = dict(states)
        for outcome in inner:
            if not isinstance(outcome, str):
                raise TypeError(
                    f"{what}[{platform!r}] keys (outcomes) must be str, "
                    f"not {type(outcome).__name__}"
                )
        out[platform] = inner
    return out


def _secret_list(secrets: Union[str, Sequence[str]]) -> List[str]:
    """A str is one secret; else a sequence (list, tuple) of str. The messages never show a
    secret, only types."""
    if isinstance(secrets, str):
        return [secrets]  # one secret, not a sequence of characters
    if isinstance(secrets, (bytes, bytearray, memoryview)):
        raise TypeError("secrets must be str (the hook secret as pasted), not bytes")
    if not isinstance(secrets, SequenceABC):  # e.g. None, a dict (its keys), a set (no order)
        raise TypeError(
            f"secrets must be a str or a list/tuple of str (oldest first), "
            f"not {type(secrets).__name__}"
        )
    out = list(secrets)
    for s in out:
        if not isinstance(s, str):
            raise TypeError(f"each secret must be a str, not {type(s).__name__}")
    return out


def _compact_event(raw: bytes, body: bytes) -> Event:
    """The Event of a compact process result (docs/design.md "Compact process result"): the
    array in its fixed order, hookData given as its byte range in ``body`` (decoded when read)."""
    try:
        a = _SCAN(raw.decode("utf-8"), 0)[0]
        if type(a) is not list or len(a) != 25 or a[0] != 1:
            raise ValueError("not the compact layout 1")
        data = {
            "schemaVersion": 1,
            "eventId": a[5],
            "eventType": a[6],
            "eventTimestamp": a[7],
            "eventTimestampMs": a[8],
            "entity": a[9],
            "entityId": a[10],
            "paymentId": a[11],
            "refundId": a[12],
            "orderId": a[13],
            "instructionId": a[14],
            "externalId": a[15],
            "status": a[16],
            "statusKnown": a[17],
            "final": a[18],
            "outcome": a[19],
            "reasonCode": a[20],
            "hookData": None,
            "legacyFields": a[21],
            "suggested": a[24],
        }
        at = a[22]
        hook = None if at is None else (body, at, at + a[23])
        sig = {"timestamp": a[1], "key": a[2], "secretIndex": a[3], "ageMs": a[4]}
    except (StopIteration, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise InternalError(
            "INTERNAL", 3, 500, f"the library returned an unreadable result ({exc})"
        ) from None
    e = _new_event(Event)  # Event._of_result, inlined
    _set_data(e, data)
    _set_sig(e, sig)
    _set_hook(e, hook)
    return e


def _dumps(value: Any) -> bytes:
    # "surrogatepass", as for text (_text): a str with a lone surrogate (bytes of another encoding
    # read with surrogateescape, e.g. a Latin-1 secret from os.environ) goes to the library as the
    # invalid UTF-8 it is, and the library names the offset, never the text; a strict encode
    # raised UnicodeEncodeError, whose args held the whole JSON, secrets included.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8", "surrogatepass"
    )


class Verifier:
    """Verifies and normalizes webhooks with fixed options; immutable and thread-safe.

    Create one per process (or per configuration) and share it between threads and requests.
    It holds a native verifier: :meth:`close` (or a ``with`` block) frees it at once, else it is
    freed when the object is garbage-collected. Any use after :meth:`close` raises ``ValueError``.
    Closing while other threads are inside a call is safe: those calls finish, the last one frees.

    Args:
        secrets: the hook secrets, oldest first (a single ``str`` is one secret). During a
            secret rotation pass both. They are kept only inside the native verifiers (and for
            :meth:`sign`), never in ``repr``, messages or results.
        tolerance_seconds: maximum clock difference for the ``ts`` of the signature, in both
            directions (default 300; 0 turns the check off).
        confirmed_is_paid: treat CONFIRMED payments as paid.
        max_body_bytes: reject larger bodies before computing any HMAC (library default 1 MiB).
        suggested_states: overrides of the suggested shop states,
            ``{platform: {outcome: state or None}}``.

    Raises:
        ConfigurationError: invalid options (no secret, an empty secret, out-of-range values).
    """

    __slots__ = (
        "_ptr",
        "_fast",
        "_owned",
        "_calls",
        "_normalize_options",
        "_secrets_json",
        "_secret_count",
        "_max_body_bytes",
        "__weakref__",
    )

    # _ptr: the native verifier, None once closed (read by every call).
    # _fast: the same options with compactResult (docs/design.md), for verify(); None once closed.
    # _owned: the native verifiers until they are freed; list.pop() is atomic, so each is freed
    # once.
    # _calls: one entry per call in progress (append/pop are atomic): close() defers the free.
    _ptr: Any
    _owned: List[Any]
    _calls: List[None]

    def __init__(
        self,
        secrets: Union[str, Sequence[str]],
        *,
        tolerance_seconds: int = 300,
        confirmed_is_paid: bool = False,
        max_body_bytes: Optional[int] = None,
        suggested_states: Optional[SuggestedStates] = None,
    ) -> None:
        opts: Dict[str, Any] = {"secrets": _secret_list(secrets)}  # None: a TypeError too
        opts.update(
            _options(None, tolerance_seconds, confirmed_is_paid, max_body_bytes, suggested_states)
        )
        self._init(_dumps(opts))

    @classmethod
    def from_options_json(cls, options_json: Union[str, bytes]) -> "Verifier":
        """Create from the library's options JSON (``{"secrets": [...], "toleranceSeconds": ...}``),
        e.g. read from a configuration file. Unknown keys are rejected."""
        self = cls.__new__(cls)
        self._init(_text(options_json, "options_json"))
        return self

    def _init(self, options_json: bytes) -> None:
        self._ptr = None
        self._fast = None
        self._owned = []
        self._calls = []
        self._secrets_json = b""
        self._secret_count = 0
        self._max_body_bytes = DEFAULT_MAX_BODY_BYTES
        lib_ = lib()
        out = _lib.VerifierPtr()
        code = int(lib_.evf_verifier_new(options_json, len(options_json), ctypes.byref(out)))
        handle = out.value  # the address as an int (None for NULL): what every call passes
        if code != 0 or not handle:
            if handle:
                lib_.evf_verifier_free(handle)
            # Ask the library for the message (INVALID_OPTIONS); the options are never echoed.
            checked = _take(lib_.evf_options_check(options_json, len(options_json)))
            if checked.code != 0:
                _raise_for(checked)
            raise error_class_for(status_name(code))(
                status_name(code),
                code,
                status_http_status(code),
                "evf_verifier_new failed",
            )
        self._owned.append(handle)
        try:
            opts = json.loads(options_json) if options_json.strip() else {}
        except ValueError:  # pragma: no cover - the library accepted it
            opts = {}
        if not isinstance(opts, dict):  # pragma: no cover - the library accepted it
            opts = {}
        # verify() reads the compact result (an array; hookData as its range in the body): about
        # half the decoding of the object, and a large hookData is neither copied nor decoded
        # before it is read. process_raw() keeps the result as configured.
        fast_json = _dumps(dict(opts, compactResult=True))
        fast = _lib.VerifierPtr()
        if int(lib_.evf_verifier_new(fast_json, len(fast_json), ctypes.byref(fast))) != 0 or not fast.value:
            raise InternalError("INTERNAL", 3, 500, "evf_verifier_new refused compactResult")
        self._owned.append(fast.value)
        self._fast = fast.value
        self._ptr = handle
        secrets = opts.pop("secrets", [])
        # normalize() gets the options without the secrets (it does not need them).
        self._normalize_options = _dumps(opts)
        self._secrets_json = _dumps(secrets)
        self._secret_count = len(secrets) if isinstance(secrets, list) else 0
        limit = opts.get("maxBodyBytes", DEFAULT_MAX_BODY_BYTES)
        self._max_body_bytes = limit if isinstance(limit, int) else DEFAULT_MAX_BODY_BYTES

    # --- lifetime -------------------------------------------------------------------------------

    def close(self) -> None:
        """Free the native verifier now. Idempotent. Afterwards every method raises ValueError.

        Calls already in progress in other threads finish normally; the last of them frees."""
        self._ptr = None  # first: a call that starts from now on sees it closed
        self._fast = None
        self._secrets_json = b""
        if not getattr(self, "_calls", None):  # then: no call in progress, free it here
            self._free()

    @property
    def closed(self) -> bool:
        return self._ptr is None

    @property
    def max_body_bytes(self) -> int:
        """The largest body this verifier accepts: ``max_body_bytes`` as configured, else
        :data:`DEFAULT_MAX_BODY_BYTES`. A server reading a body of unknown length reads at most
        one byte more, so that a larger body is ``BODY_TOO_LARGE`` (413) rather than cut."""
        return self._max_body_bytes

    def __enter__(self) -> "Verifier":
        self._check_open()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self._free()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass

    def _free(self) -> None:
        owned = getattr(self, "_owned", None)
        while owned:
            try:
                ptr = owned.pop()  # atomic: only one caller gets each
            except IndexError:
                return
            lib().evf_verifier_free(ptr)

    def _check_open(self) -> None:
        if self._ptr is None:
            raise ValueError(_CLOSED)

    def _enter(self) -> Any:
        """Start a native call: the pointer, valid until :meth:`_leave`."""
        self._calls.append(None)  # before reading _ptr: close() then sees this call
        ptr = self._ptr
        if ptr is None:
            self._leave()
            raise ValueError(_CLOSED)
        return ptr

    def _leave(self) -> None:
        self._calls.pop()
        if self._ptr is None and not self._calls:  # closed meanwhile, and we were the last
            self._free()

    def __repr__(self) -> str:
        state = "closed" if self._ptr is None else f"with {self._secret_count} secret(s)"
        return f"<everifin_webhook.Verifier {state}>"

    def __reduce__(self) -> Any:
        raise TypeError("a Verifier cannot be pickled or copied (it holds native state)")

    # --- calls ---------------------------------------------------------------------------------

    def process_raw(
        self,
        body: BytesLike,
        signature_header: Union[str, bytes, None],
        *,
        now: Optional[datetime] = None,
        now_ms: Optional[int] = None,
    ) -> RawResult:
        """One ``evf_verifier_process`` call; the result as returned, without raising."""
        b = _bytes(body, "body")
        h = _text(signature_header, "signature_header")
        ms = _now_ms(now, now_ms)
        ptr = self._enter()
        try:
            res = lib().evf_verifier_process(ptr, b, len(b), h, len(h), ms)
        finally:
            self._leave()
        return _take(res)

    def verify(
        self,
        body: BytesLike,
        signature_header: Union[str, bytes, None],
        *,
        now: Optional[datetime] = None,
        now_ms: Optional[int] = None,
    ) -> Event:
        """Verify the signature and timestamp, validate and normalize the body.

        Args:
            body: the raw request body, exactly as received (never re-encoded JSON).
            signature_header: the value of the ``Signature`` header (None or "" when absent).
            now: the current time as an aware datetime (a naive one raises ValueError);
                default: the system clock.
            now_ms: alternatively, the current time in Unix milliseconds.

        Returns:
            The normalized event; ``event.signature`` tells which secret and key matched.

        Raises:
            SignatureError, TimestampError, BodyError (and their ``http_status``).
        """
        # The hot path: the common types are checked inline, and _enter/_leave are inlined.
        b = body if type(body) is bytes else _bytes(body, "body")
        h = signature_header
        if type(h) is str:
            h = h.encode("utf-8", "surrogatepass")
        elif type(h) is not bytes:
            h = _text(h, "signature_header")
        if now is None and (now_ms is None or (type(now_ms) is int and 0 < now_ms < _MS_END)):
            ms = now_ms or 0
        else:
            ms = _now_ms(now, now_ms)
        lib_ = _LIB or lib()
        calls = self._calls
        calls.append(None)  # as _enter: before reading _fast
        try:
            ptr = self._fast
            if ptr is None:
                raise ValueError(_CLOSED)
            res = lib_.evf_verifier_process(ptr, b, len(b), h, len(h), ms)
        finally:
            calls.pop()  # as _leave
            if self._fast is None and not calls:
                self._free()
        if not res:
            raise MemoryError("everifin-webhook: the library returned no result (out of memory)")
        try:
            raw = lib_.evf_result_json(res) or b""
            compact = raw[:1] == b"["  # only a success is an array
            code = 0 if compact else int(lib_.evf_result_status(res))
        finally:
            lib_.evf_result_free(res)
        if compact:
            return _compact_event(raw, b)
        # An error (the usual object, raised), or an OK object: decoded as such.
        return _event_from(raw, code)

    def normalize(self, body: BytesLike) -> Event:
        """Validate and normalize a body with this verifier's options, WITHOUT checking any
        signature (for bodies that were verified elsewhere, or fetched from the API)."""
        self._check_open()
        b = _bytes(body, "body")
        o = self._normalize_options
        return _event_of(lib().evf_normalize(b, len(b), o, len(o)))

    def decide(
        self, event: Union[Event, JsonInput], state: Union[JsonInput, None] = None
    ) -> Decision:
        """See :func:`decide`."""
        self._check_open()
        return decide(event, state)

    def sign(self, body: BytesLike, *, timestamp: Union[str, datetime, None] = None) -> str:
        """A ``Signature`` header for ``body`` with this verifier's secrets (for tests and tools)."""
        self._check_open()
        return _sign(body, self._secrets_json, timestamp)

    def explain(
        self,
        body: BytesLike,
        signature_header: Union[str, bytes, None],
        *,
        retired_secrets: Optional[Sequence[str]] = None,
        now: Optional[datetime] = None,
        now_ms: Optional[int] = None,
    ) -> Dict[str, Any]:
        """Why does this request fail? The process result for the request plus ``findings``
        (``[{"code": ..., "message": ...}]``: secret_whitespace, secret_bom, body_reencoded,
        concatenation_order, ts_reformatted, clock_skew, retired_secret, rotation_in_progress,
        no_cause_found, search_stopped) and ``secrets`` (fingerprints). For a logged delivery,
        give the time it was received as ``now``. Never raises for a rejected request and
        never contains a secret or an expected signature. For diagnosis, not for verifying."""
        self._check_open()
        options = json.loads(self._normalize_options)
        options["secrets"] = json.loads(self._secrets_json)
        if retired_secrets is not None:
            options["retiredSecrets"] = _secret_list(retired_secrets)
        raw = explain_raw(body, signature_header, _dumps(options), now=now, now_ms=now_ms)
        if raw.status in ("INVALID_OPTIONS", "NULL_ARGUMENT", "INTERNAL"):
            _raise_for(raw)
        return raw.data


_CLOSED = "this everifin_webhook.Verifier is closed (close() or the end of its with block)"


def decide(event: Union[Event, JsonInput], state: Union[JsonInput, None] = None) -> Decision:
    """Decide what to do with the order for this event, given its stored state.

    Args:
        event: an :class:`Event`, a normalized event mapping, or its JSON text. An Event or a
            mapping is passed with ``hookData`` null: decide does not read it, so an Event's
            hookData is not decoded for it.
        state: the state stored for the order: a mapping, its JSON text, or None/{} for a new order.

    Returns:
        The decision and the new state to store (store it also on a skip).

    Raises:
        BodyError (EVENT_INVALID) for an invalid event, StateError for an invalid state.
    """
    e = _event_json(event)
    s = _json(state, "state")
    text, data = _result_text_data((_LIB or lib()).evf_decide(e, len(e), s, len(s)))
    return Decision.from_result(data, text)


def normalize(
    body: BytesLike,
    *,
    confirmed_is_paid: bool = False,
    max_body_bytes: Optional[int] = None,
    suggested_states: Optional[SuggestedStates] = None,
) -> Event:
    """Validate and normalize a body WITHOUT checking any signature."""
    paid = None if confirmed_is_paid is False else confirmed_is_paid  # the default: leave it out
    opts = _options(None, None, paid, max_body_bytes, suggested_states)
    b = _bytes(body, "body")
    o = _dumps(opts) if opts else b""
    return _event_of(lib().evf_normalize(b, len(b), o, len(o)))


def _format_ts(ts: datetime) -> str:
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError("timestamp must be timezone-aware")
    utc = ts.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _sign(body: BytesLike, secrets_json: bytes, timestamp: Union[str, datetime, None]) -> str:
    ts: Union[str, None] = _format_ts(timestamp) if isinstance(timestamp, datetime) else timestamp
    data = _raise_for(sign_raw(body, ts, secrets_json))
    return str(data["header"])


def sign(
    body: BytesLike,
    secrets: Union[str, Sequence[str]],
    *,
    timestamp: Union[str, datetime, None] = None,
) -> str:
    """Make a ``Signature`` header (``ts=...;v0=...;v1=...``) as Everifin does.

    ``timestamp``: the ``ts`` to sign (ISO-8601 UTC string, used exactly as given, or an aware
    datetime); default: now.
    """
    return _sign(body, _dumps(_secret_list(secrets)), timestamp)


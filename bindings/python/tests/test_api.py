"""The typed API: verify / decide / sign / normalize, exceptions, `now`, no secrets anywhere,
results always freed, and the library loader."""

from __future__ import annotations

import ctypes
import gc
import json
import multiprocessing
import os
import pickle
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest

import everifin_webhook as ew
from everifin_webhook import _core, _lib
from helpers import PY_ROOT, SECRET_NEW, SECRET_OLD, T0, iso_ms, payment_body, python_sign
from helpers import verify_in_worker

TS0 = "2024-05-07T14:49:55.887Z"
EVENT_KEYS = [
    "schemaVersion", "eventId", "eventType", "eventTimestamp", "eventTimestampMs", "entity",
    "entityId", "paymentId", "refundId", "orderId", "instructionId", "externalId", "status",
    "statusKnown", "final", "outcome", "reasonCode", "hookData", "legacyFields", "suggested",
]  # fmt: skip


@pytest.fixture
def verifier() -> ew.Verifier:
    return ew.Verifier([SECRET_OLD, SECRET_NEW])


def signed(body: bytes, secrets: List[str], ts: str = TS0) -> str:
    return python_sign(body, secrets, ts)


# --- verify ------------------------------------------------------------------------------------


def test_verify_success_and_rotation(verifier: ew.Verifier) -> None:
    body = payment_body("BOOKED", event_id="C2949DFE-4585-46EB-9213-35F0F7FAF055", event_time=T0)
    # Only the new secret signed (after rotation, Everifin signs with both; here v0 is the new one).
    event = verifier.verify(body, signed(body, [SECRET_NEW]), now=T0 + timedelta(milliseconds=113))
    assert event.event_id == "c2949dfe-4585-46eb-9213-35f0f7faf055"  # lower-cased
    assert (event.entity, event.status, event.final, event.outcome) == (
        "payment", "BOOKED", True, "paid"
    )
    assert event.is_paid and event.status_known and not event.legacy_fields
    assert event.external_id == "order-1001" and event.refund_id is None
    assert event.event_timestamp == TS0 and event.event_time == T0
    assert event.signature == ew.SignatureInfo(TS0, "v0", 1, 113)
    d = event.to_dict()
    assert list(d) == EVENT_KEYS
    assert d["suggested"] == {"woocommerce": "processing", "prestashop": "PS_OS_PAYMENT"}
    d["status"] = "changed"  # to_dict returns a copy
    assert event.to_dict()["status"] == "BOOKED"
    assert ew.Event.from_dict(event.to_dict()) == event
    # both secrets sign: the first header part that matches wins, with the lowest secret index
    both = verifier.verify(body, signed(body, [SECRET_OLD, SECRET_NEW]), now=T0)
    assert both.signature is not None and both.signature.secret_index == 0


def test_now_handling(verifier: ew.Verifier) -> None:
    body = payment_body(event_time=T0)
    header = signed(body, [SECRET_OLD])
    assert verifier.verify(body, header, now=T0 + timedelta(seconds=300)).event_id
    # another timezone, same instant
    cest = timezone(timedelta(hours=2))
    assert verifier.verify(body, header, now=(T0 + timedelta(seconds=300)).astimezone(cest))
    with pytest.raises(ew.TimestampError) as too_old:
        verifier.verify(body, header, now=T0 + timedelta(seconds=300, milliseconds=1))
    assert too_old.value.status == "TIMESTAMP_TOO_OLD" and too_old.value.http_status == 401
    assert too_old.value.signature is not None  # authentic but too old: not "forged"
    assert too_old.value.signature.age_ms == 300_001
    with pytest.raises(ew.TimestampError) as future:
        verifier.verify(body, header, now_ms=int(T0.timestamp() * 1000) - 300_001)
    assert future.value.status == "TIMESTAMP_IN_FUTURE"
    with pytest.raises(ValueError, match="timezone-aware"):
        verifier.verify(body, header, now=datetime(2024, 5, 7, 14, 50))
    with pytest.raises(TypeError):
        verifier.verify(body, header, now=T0, now_ms=1)
    with pytest.raises(ValueError):
        verifier.verify(body, header, now=datetime(1970, 1, 1, tzinfo=timezone.utc))
    with pytest.raises(TypeError):
        verifier.verify(body, header, now_ms=True)
    # None: the system clock -> a signature made now verifies, one from 2024 is too old
    fresh = payment_body()
    now_ts = iso_ms(datetime.now(timezone.utc))
    assert verifier.verify(fresh, signed(fresh, [SECRET_NEW], now_ts)).signature is not None
    with pytest.raises(ew.TimestampError):
        verifier.verify(body, header)


def test_non_ascii_secret_is_used_as_utf8_bytes() -> None:
    secret = "tajné-heslo-€ 2024"  # the text the merchant pasted; its UTF-8 bytes are the key
    body = payment_body(event_time=T0)
    event = ew.Verifier([secret]).verify(body, python_sign(body, [secret], TS0), now=T0)
    assert event.signature is not None and event.signature.secret_index == 0
    assert ew.sign(body, [secret], timestamp=TS0) == python_sign(body, [secret], TS0)


def test_tolerance_zero_turns_the_check_off() -> None:
    v = ew.Verifier(SECRET_OLD, tolerance_seconds=0)  # a single str is one secret
    body = payment_body(event_time=T0)
    assert v.verify(body, signed(body, [SECRET_OLD])).event_id  # system clock, years later


@pytest.mark.parametrize(
    "body,header,status,http,cls",
    [
        (b"{}", None, "HEADER_MISSING", 401, ew.SignatureError),
        (b"{}", "   ", "HEADER_MISSING", 401, ew.SignatureError),
        (b"{}", "ts=" + TS0, "HEADER_MALFORMED", 401, ew.SignatureError),
        (b"{}", "ts=yesterday;v0=" + "0" * 64, "HEADER_TIMESTAMP_INVALID", 401, ew.SignatureError),
        (b"{}", "ts=" + TS0 + ";v0=" + "0" * 64, "SIGNATURE_MISMATCH", 401, ew.SignatureError),
    ],
)
def test_signature_failures(
    verifier: ew.Verifier, body: bytes, header: Any, status: str, http: int, cls: type
) -> None:
    with pytest.raises(cls) as info:
        verifier.verify(body, header, now=T0)
    err = info.value
    assert isinstance(err, ew.WebhookError)
    assert (err.status, err.http_status, err.signature) == (status, http, None)
    assert err.to_dict()["error"] == status


def test_body_failures_after_an_authentic_signature(verifier: ew.Verifier) -> None:
    cases: List[Any] = [
        (b"\xff\xfe", "BODY_NOT_UTF8", 400, None),
        (b"{not json", "BODY_NOT_JSON", 400, None),
        (b"[1]", "EVENT_INVALID", 400, ""),
        (json.dumps({"eventId": "nope"}).encode(), "EVENT_INVALID", 400, "eventId"),
    ]
    for body, status, http, field in cases:
        with pytest.raises(ew.BodyError) as info:
            verifier.verify(body, signed(body, [SECRET_OLD]), now=T0)
        err = info.value
        assert (err.status, err.http_status, err.field) == (status, http, field)
        assert err.signature is not None and err.signature.secret_index == 0
    small = ew.Verifier(SECRET_OLD, max_body_bytes=16)
    body = payment_body(event_time=T0)
    with pytest.raises(ew.BodyError) as info2:
        small.verify(body, signed(body, [SECRET_OLD]), now=T0)
    assert (info2.value.status, info2.value.http_status) == ("BODY_TOO_LARGE", 413)


def test_max_body_bytes_is_the_limit_the_library_applies() -> None:
    # the default the binding reports is the one the library applies: at the limit the body is
    # read (and found forged), one byte more is refused before any HMAC
    for made, limit in (
        (ew.Verifier(SECRET_OLD), ew.DEFAULT_MAX_BODY_BYTES),
        (ew.Verifier(SECRET_OLD, max_body_bytes=None), ew.DEFAULT_MAX_BODY_BYTES),
        (ew.Verifier(SECRET_OLD, max_body_bytes=300), 300),
        (ew.Verifier.from_options_json('{"secrets":["s"],"maxBodyBytes":4096}'), 4096),
        (ew.Verifier.from_options_json('{"secrets":["s"]}'), ew.DEFAULT_MAX_BODY_BYTES),
    ):
        with made as verifier:
            assert verifier.max_body_bytes == limit
            with pytest.raises(ew.WebhookError) as at_limit:
                verifier.verify(b" " * limit, "ts=1,sig=00", now=T0)
            assert at_limit.value.status != "BODY_TOO_LARGE"
            with pytest.raises(ew.BodyError) as over:
                verifier.verify(b" " * (limit + 1), "ts=1,sig=00", now=T0)
            assert over.value.status == "BODY_TOO_LARGE"
    assert ew.DEFAULT_MAX_BODY_BYTES == 1024 * 1024  # documented as 1 MiB


def test_wrong_python_types(verifier: ew.Verifier) -> None:
    with pytest.raises(TypeError, match="raw request body"):
        verifier.verify("{}", "ts=x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        verifier.verify(b"{}", 12)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ew.Verifier([b"bytes secret"])  # type: ignore[list-item]
    # bytearray / memoryview bodies are accepted
    body = payment_body(event_time=T0)
    header = signed(body, [SECRET_OLD])
    assert verifier.verify(bytearray(body), header, now=T0).event_id
    assert verifier.verify(memoryview(body), header.encode(), now=T0).event_id


def test_wrong_argument_types_raise_type_error_naming_the_argument() -> None:
    bad: Any
    # secrets: a str, or a list/tuple of str; never None, bytes, a dict (its keys) or a set
    for bad in (None, {"a": 1}, {SECRET_OLD}, b"secret", 12):
        with pytest.raises(TypeError, match="secrets") as info:
            ew.Verifier(bad)
        with pytest.raises(TypeError, match="secrets"):
            ew.sign(b"", bad)
        assert SECRET_OLD not in str(info.value)
    with pytest.raises(TypeError, match="secret must be a str"):
        ew.sign(b"", [SECRET_OLD, None])  # type: ignore[list-item]
    body = payment_body(event_time=T0)
    header = python_sign(body, [SECRET_OLD], TS0)
    assert ew.Verifier((SECRET_OLD,)).verify(body, header, now=T0).event_id  # a tuple is fine
    assert ew.sign(body, (SECRET_OLD,), timestamp=TS0) == header
    # suggested_states: {platform: {outcome: state or None}}
    states: Any
    for states, where in (
        ({"woocommerce": None}, r"suggested_states\['woocommerce'\] must be a mapping"),
        ({"woocommerce": "completed"}, r"suggested_states\['woocommerce'\] must be a mapping"),
        ({"woocommerce": [("paid", "x")]}, r"suggested_states\['woocommerce'\] must be a mapping"),
        ({"woocommerce": {1: "x"}}, r"suggested_states\['woocommerce'\] keys"),
        ({1: {"paid": "x"}}, r"suggested_states keys"),
        (["woocommerce"], r"suggested_states must be a mapping"),
    ):
        with pytest.raises(TypeError, match=where):
            ew.Verifier([SECRET_OLD], suggested_states=states)
        with pytest.raises(TypeError, match=where):
            ew.normalize(body, suggested_states=states)
    # None as a state means "leave the shop order as it is": accepted. The option values are the
    # library's to judge (tests/vectors/options.json): INVALID_OPTIONS, as from options JSON.
    v = ew.Verifier([SECRET_OLD], suggested_states={"woocommerce": {"paid": None}})
    assert v.verify(body, header, now=T0).suggested["woocommerce"] is None
    for kwargs in ({"suggested_states": {"woocommerce": {"paid": 5}}},
                   {"tolerance_seconds": "300"}, {"confirmed_is_paid": "yes"}):  # fmt: skip
        with pytest.raises(ew.ConfigurationError):
            ew.Verifier([SECRET_OLD], **kwargs)


def test_status_name_and_http_status_take_int_codes_only() -> None:
    assert (ew.status_name(13), ew.status_http_status(13)) == ("SIGNATURE_MISMATCH", 401)
    for bad in ("13", 13.0, None, True):
        with pytest.raises(TypeError, match="code must be an int"):
            ew.status_name(bad)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="code must be an int"):
            ew.status_http_status(bad)  # type: ignore[arg-type]
    # Any int that is not a status gets the library's answer for "not a status", also beyond the
    # int32 range of evf_status: never the status its low 32 bits would name.
    for code in (99, 2**31 - 1, -(2**31), 2**32 + 13, 2**40 + 13, 2**70, -(2**40) + 13, -(2**31) - 1):
        assert ew.status_name(code) == "UNKNOWN_STATUS", code
        assert ew.status_http_status(code) == 500, code


# --- configuration -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"secrets": []},
        {"secrets": [""]},
        {"secrets": ["x"], "tolerance_seconds": -1},
        {"secrets": ["x"], "max_body_bytes": 0},
        {"secrets": ["x"], "suggested_states": {"woocommerce": {"no-such-outcome": "x"}}},
    ],
)
def test_configuration_errors(kwargs: Dict[str, Any]) -> None:
    secrets = kwargs.pop("secrets")
    with pytest.raises(ew.ConfigurationError) as info:
        ew.Verifier(secrets, **kwargs)
    assert isinstance(info.value, ValueError)
    assert info.value.status == "INVALID_OPTIONS" and info.value.http_status == 500
    assert info.value.message


def test_from_options_json_rejects_unknown_keys_without_echoing_secrets() -> None:
    with pytest.raises(ew.ConfigurationError) as info:
        ew.Verifier.from_options_json('{"secrets":["top secret value"],"tolerence":5}')
    assert "top secret value" not in str(info.value) + repr(info.value)
    assert "top secret value" not in json.dumps(info.value.result)
    v = ew.Verifier.from_options_json(
        json.dumps({"secrets": [SECRET_OLD], "toleranceSeconds": 0, "confirmedIsPaid": True})
    )
    body = payment_body("CONFIRMED", event_time=T0)
    assert v.verify(body, signed(body, [SECRET_OLD])).outcome == "paid"


def test_a_secret_read_in_another_encoding_is_named_by_offset_never_shown() -> None:
    # A Latin-1 byte read from the environment under a UTF-8 locale: os.environ gives it as a
    # lone surrogate (surrogateescape). The library says where the bad byte is, never the text.
    secret = b"TOPSECRET\xff".decode("utf-8", "surrogateescape")
    with pytest.raises(ew.ConfigurationError) as info:
        ew.Verifier([secret])
    assert info.value.status == "INVALID_OPTIONS"
    assert info.value.message == (
        "options are not valid UTF-8 (invalid byte at offset 22): "
        "secrets are text, used as their UTF-8 bytes"
    )
    with pytest.raises(ew.ConfigurationError) as sign_info:
        ew.sign(b"{}", ["ok", secret])
    assert sign_info.value.message.startswith(
        "secrets are not valid UTF-8 (invalid byte at offset 16)"
    )
    for exc in (info.value, sign_info.value):
        shown = str(exc) + repr(exc) + repr(exc.args) + json.dumps(exc.result)
        assert "TOPSECRET" not in shown
        assert exc.__context__ is None and exc.__cause__ is None


def test_secrets_never_shown(verifier: ew.Verifier) -> None:
    text = repr(verifier) + str(verifier)
    assert SECRET_OLD not in text and SECRET_NEW not in text
    with pytest.raises(TypeError):
        pickle.dumps(verifier)
    body = payment_body(event_time=T0)
    for header in (signed(body, ["wrong"]), signed(body, [SECRET_OLD]) + "x"):
        raw = verifier.process_raw(body, header, now=T0)
        assert not raw.ok
        assert SECRET_OLD not in raw.text and SECRET_NEW not in raw.text


# --- normalize / decide / sign -----------------------------------------------------------------


def test_normalize_options() -> None:
    body = payment_body("CONFIRMED", event_time=T0)
    assert ew.normalize(body).outcome == "authorized"
    assert ew.normalize(body, confirmed_is_paid=True).outcome == "paid"
    custom = ew.normalize(body, suggested_states={"shopware": {"authorized": "in_progress"}})
    assert dict(custom.suggested) == {
        "woocommerce": "on-hold",
        "prestashop": "PS_OS_BANKWIRE",
        "shopware": "in_progress",
    }
    v = ew.Verifier(SECRET_OLD, confirmed_is_paid=True)
    assert v.normalize(body).outcome == "paid"  # no signature needed
    with pytest.raises(ew.BodyError):
        ew.normalize(b"{}")


def test_decide_flow(verifier: ew.Verifier) -> None:
    pay = "f0489615-fb8a-4c76-bb28-7f9726d815d6"
    e1 = ew.normalize(payment_body("PROCESSING", payment_id=pay, event_time=T0))
    e2 = ew.normalize(
        payment_body("BOOKED", payment_id=pay, event_time=T0 + timedelta(seconds=5))
    )
    e3 = ew.normalize(
        payment_body("PROCESSING", payment_id=pay, event_time=T0 + timedelta(seconds=9))
    )
    d1 = verifier.decide(e1, None)
    assert (d1.action, d1.reason, d1.apply) == ("apply", "first", True)
    d2 = ew.decide(e2.to_dict(), d1.state_json())  # mapping event, JSON state
    assert (d2.action, d2.reason) == ("apply", "newer")
    assert d2.state["status"] == "BOOKED" and d2.state["lastEventId"] == e2.event_id
    assert ew.decide(e2, d2.state).reason == "duplicate"
    assert ew.decide(e1, d2.state).reason == "duplicate"  # rule 1 before rule 2
    older = ew.normalize(payment_body("FAILED", payment_id=pay, event_time=T0))
    assert (ew.decide(older, d2.state).action, ew.decide(older, d2.state).reason) == (
        "skip", "stale"
    )
    d3 = ew.decide(e3.to_json(), dict(d2.state))  # newer, but BOOKED -> PROCESSING
    assert (d3.action, d3.reason) == ("skip", "regression")
    assert d3.state["status"] == "BOOKED" and e3.event_id in d3.state["recentEventIds"]
    assert d3.order_outcome == "paid" and d3.suggested["woocommerce"] == "processing"
    assert d3.to_dict() == {"decision": {"action": "skip", "reason": "regression", "orderOutcome": "paid",
                                         "suggested": {"woocommerce": "processing", "prestashop": "PS_OS_PAYMENT"}},
                            "state": dict(d3.state)}  # fmt: skip
    # Another payment attempt expiring later never un-pays the order.
    other = ew.normalize(payment_body("EXPIRED", payment_id="0b7e3f52-9c1a-4d8e-a6f4-2c5b8d7e9f01",
                                      event_time=T0 + timedelta(seconds=20)))  # fmt: skip
    d4 = ew.decide(other, d3.state)
    assert (d4.action, d4.reason, d4.order_outcome) == ("skip", "already_paid", "paid")
    with pytest.raises(ew.StateError) as bad_state:
        ew.decide(e1, '{"lastEventTimestampMs":"yesterday"}')
    assert bad_state.value.status == "STATE_INVALID" and bad_state.value.http_status == 500
    with pytest.raises(ew.BodyError) as bad_event:
        ew.decide('{"eventId":"x"}', {})
    assert bad_event.value.status == "EVENT_INVALID" and bad_event.value.field


def test_state_json_is_the_exact_text_of_the_result() -> None:
    # Unknown keys of a stored state survive byte-exact (docs/design.md, Decide, rule 6): numbers
    # json.dumps would rewrite (1.50, 1e-400, 2E+3), a 23-digit integer, escapes, whitespace.
    stored = ('{"shopPrice": 1.50,"shopLedger":{"total":12345678901234567890123,'
              '"rate":1e-400,"items":[1.0, 2E+3]},"shopNote":"a\\u00e9\\/b"}')  # fmt: skip
    kept = ['"shopPrice":1.50', '"shopLedger":{"total":12345678901234567890123,'
            '"rate":1e-400,"items":[1.0, 2E+3]}', '"shopNote":"a\\u00e9\\/b"']  # fmt: skip
    # A platform named "state" puts ',"state":' inside "suggested" too: the cut must not use it.
    opts = {"state": {"pending": "waiting", "paid": "done"}}
    pay = "f0489615-fb8a-4c76-bb28-7f9726d815d6"
    e1 = ew.normalize(payment_body("PROCESSING", payment_id=pay, event_time=T0),
                      suggested_states=opts)  # fmt: skip
    d1 = ew.decide(e1, stored)
    assert (d1.reason, d1.suggested["state"]) == ("first", "waiting")
    assert d1.result_text is not None and '"state":"waiting"}},"state":{' in d1.result_text
    text = d1.state_json()
    assert d1.result_text.endswith(',"state":' + text + "}")
    assert json.loads(text) == d1.state and d1.state["shopPrice"] == 1.5
    for member in kept:
        assert member in text, (member, text)
    # stored and passed back: still exact, on an apply and on a skip
    e2 = ew.normalize(payment_body("BOOKED", payment_id=pay, event_time=T0 + timedelta(seconds=5)))
    d2 = ew.decide(e2, text)
    d3 = ew.decide(e2, d2.state_json())
    assert (d2.reason, d3.reason) == ("newer", "duplicate")
    for member in kept:
        assert member in d2.state_json() and member in d3.state_json()
    # Without the text (a Decision built from a dict) or when the text is not the state's, the
    # state is serialized: equal as JSON, no longer byte-exact.
    from_dict = ew.Decision.from_result(d1.result)
    assert from_dict.result_text is None and from_dict.state_json() != text
    assert json.loads(from_dict.state_json()) == json.loads(text)
    assert '"shopPrice":1.5,' in from_dict.state_json()
    assert d1.result_text is not None
    shuffled = d1.result_text.replace('"shopPrice":1.50', '"shopPrice":2.50')
    other = ew.Decision.from_result(d1.result, shuffled)
    assert other.state_json() == from_dict.state_json()
    d1.state["shopPrice"] = 3  # changed after the decision: what is stored is the changed state
    assert json.loads(d1.state_json())["shopPrice"] == 3


def test_state_json_sees_a_change_to_an_equal_value_of_another_type() -> None:
    # Python calls 1 == True, 0.0 == 0 and 1E2 == 100 equal; as JSON they are different values:
    # a state changed to one of them is serialized, not answered with the library's old text.
    event = ew.normalize(payment_body("PROCESSING", event_time=T0))
    cases: List[Any] = [
        ('{"flag": 1}', lambda s: s.__setitem__("flag", True), '"flag":true'),
        ('{"flag": true}', lambda s: s.__setitem__("flag", 1), '"flag":1'),
        ('{"flag": 0.0}', lambda s: s.__setitem__("flag", 0), '"flag":0}'),
        ('{"n": 1E2}', lambda s: s.__setitem__("n", 100), '"n":100}'),
        ('{"z": -0.0}', lambda s: s.__setitem__("z", 0.0), '"z":0.0}'),
        ('{"shop": {"a": [1, 2.0]}}', lambda s: s["shop"]["a"].__setitem__(1, 2), '"a":[1,2]'),
        ('{"shop": {"a": [1]}}', lambda s: s["shop"].__setitem__("a", (1,)), '"a":[1]'),
    ]
    for stored, change, expected in cases:
        d = ew.decide(event, stored)
        unchanged = d.state_json()
        assert d.result_text is not None and d.result_text.endswith(unchanged + "}"), stored
        change(d.state)
        text = d.state_json()
        assert expected in text and text != unchanged, (stored, text)
        assert json.loads(text) == json.loads(json.dumps(d.state))
    # unchanged (also after setting a value to one of the same type): the exact text, 1.50 kept
    d = ew.decide(event, '{"price": 1.50, "flag": 1, "shop": {"a": [1E2]}}')
    text = d.state_json()
    assert text.endswith('"price":1.50,"flag":1,"shop":{"a": [1E2]}}'), text
    d.state["flag"] = 1
    d.state["price"] = 1.5
    d.state["shop"] = {"a": [100.0]}
    assert d.state_json() == text


def test_sign_matches_python_hmac(verifier: ew.Verifier) -> None:
    body = b'{"eventId":"x"}'
    assert ew.sign(body, [SECRET_OLD, SECRET_NEW], timestamp=TS0) == python_sign(
        body, [SECRET_OLD, SECRET_NEW], TS0
    )
    assert verifier.sign(body, timestamp=T0) == python_sign(body, [SECRET_OLD, SECRET_NEW], TS0)
    header = verifier.sign(payment_body())  # now
    assert header.startswith("ts=20") and ";v0=" in header and ";v1=" in header
    fresh = payment_body()
    assert verifier.verify(fresh, verifier.sign(fresh)).signature is not None
    with pytest.raises(ew.SignatureError) as info:
        ew.sign(body, [SECRET_OLD], timestamp="2024-05-07 14:49")
    assert info.value.status == "HEADER_TIMESTAMP_INVALID"
    with pytest.raises(ew.ConfigurationError):
        ew.sign(body, [])
    with pytest.raises(ValueError):
        ew.sign(body, [SECRET_OLD], timestamp=datetime(2024, 1, 1))


# --- explain -----------------------------------------------------------------------------------


def test_explain_names_the_cause_without_revealing_secrets() -> None:
    body = payment_body()
    header = python_sign(body, [SECRET_NEW], TS0)
    now = T0 + timedelta(milliseconds=113)

    # The shop pasted the secret with a trailing newline.
    pasted = ew.Verifier([SECRET_NEW + "\n"])
    report = pasted.explain(body, header, now=now)
    assert report["status"] == "SIGNATURE_MISMATCH" and report["httpStatus"] == 401
    assert [f["code"] for f in report["findings"]] == ["secret_whitespace"]
    assert report["findings"][0]["secretIndex"] == 0

    # A framework pretty-printed the body before it was verified.
    pretty = json.dumps(json.loads(body), indent=2).encode()
    report = ew.Verifier([SECRET_NEW]).explain(pretty, header, now=now)
    assert report["findings"][0]["code"] == "body_reencoded"
    assert report["findings"][0]["transform"] == "pretty_printed"

    # Signed with a secret that was rotated out: recognised by fingerprint only.
    report = ew.Verifier([SECRET_OLD]).explain(body, header, retired_secrets=[SECRET_NEW], now=now)
    assert report["findings"][0]["code"] == "retired_secret"
    assert report["findings"][0]["fingerprint"].startswith("sha256:")

    # Authentic but 412 s late: clock skew with its size and direction.
    report = ew.Verifier([SECRET_NEW]).explain(body, header, now=T0 + timedelta(seconds=412))
    assert report["status"] == "TIMESTAMP_TOO_OLD"
    assert report["findings"][0]["code"] == "clock_skew"
    assert (report["findings"][0]["ageMs"], report["findings"][0]["direction"]) == (412000, "behind")

    # A good request: verified, nothing to report.
    report = ew.Verifier([SECRET_NEW]).explain(body, header, now=now)
    assert report["ok"] is True and report["findings"] == []

    text = json.dumps(report) + json.dumps(pasted.explain(body, header, now=now))
    assert SECRET_NEW not in text and SECRET_OLD not in text
    assert header.split("v0=")[1] not in json.dumps(pasted.explain(body, header, now=now))


# --- exceptions cross process boundaries ------------------------------------------------------


def test_errors_raised_in_a_worker_process_reach_the_caller() -> None:
    # A ProcessPoolExecutor pickles what its worker raises: SignatureError must arrive whole, and
    # the pool must stay usable (an exception that does not unpickle breaks the pool).
    body = payment_body(event_time=T0)
    now_ms = int(T0.timestamp() * 1000)
    forged = python_sign(body, ["not the secret"], TS0)
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing shared
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(verify_in_worker, [SECRET_OLD], body, forged, now_ms)
        with pytest.raises(ew.SignatureError) as info:
            future.result(timeout=120)
        err = info.value
        assert (err.status, err.code, err.http_status) == ("SIGNATURE_MISMATCH", 13, 401)
        assert err.message and str(err) == f"SIGNATURE_MISMATCH: {err.message}"
        assert err.result["status"] == "SIGNATURE_MISMATCH"
        late = pool.submit(verify_in_worker, [SECRET_OLD], body, python_sign(body, [SECRET_OLD], TS0),
                           now_ms + 300_001)  # fmt: skip
        with pytest.raises(ew.TimestampError) as too_old:
            late.result(timeout=120)
        assert too_old.value.signature == ew.SignatureInfo(TS0, "v0", 0, 300_001)
        good = pool.submit(verify_in_worker, [SECRET_OLD], body,
                           python_sign(body, [SECRET_OLD], TS0), now_ms).result(timeout=120)  # fmt: skip
        assert isinstance(good, ew.Event) and good.outcome == "paid"


# --- results are always freed ------------------------------------------------------------------


class Ledger:
    def __init__(self) -> None:
        self.made: List[int] = []
        self.freed: List[int] = []


def addr(ptr: Any) -> int:
    return int(ctypes.cast(ptr, ctypes.c_void_p).value or 0)


def test_every_result_is_freed_also_on_errors(
    monkeypatch: pytest.MonkeyPatch, verifier: ew.Verifier
) -> None:
    lib = _core.lib()
    ledger = Ledger()

    def producing(fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            ptr = fn(*args)
            ledger.made.append(addr(ptr))
            return ptr

        return wrapper

    for name in ("evf_options_check", "evf_verifier_process", "evf_normalize", "evf_decide",
                 "evf_sign"):  # fmt: skip
        monkeypatch.setattr(lib, name, producing(getattr(lib, name)))
    real_free = lib.evf_result_free

    def free(ptr: Any) -> None:
        ledger.freed.append(addr(ptr))
        real_free(ptr)

    monkeypatch.setattr(lib, "evf_result_free", free)

    body = payment_body(event_time=T0)
    good = signed(body, [SECRET_OLD])
    verifier.verify(body, good, now=T0)
    for call in (
        lambda: verifier.verify(body, good + "0", now=T0),
        lambda: verifier.verify(body, good, now=T0 + timedelta(hours=1)),
        lambda: verifier.verify(b"[]", signed(b"[]", [SECRET_OLD]), now=T0),
        lambda: ew.Verifier([""]),
        lambda: ew.decide("{", "{}"),
        lambda: ew.sign(b"", []),
        lambda: ew.normalize(b"\xff"),
    ):
        with pytest.raises(ew.WebhookError):
            call()
    ew.decide(ew.normalize(body), {})
    ew.sign(body, ["s"], timestamp=TS0)

    # A failure while reading the result (simulated) must still free it: the typed layer reads
    # the JSON (one call when OK), the raw layer also the status and the length.
    def broken(ptr: Any) -> Any:
        raise RuntimeError("simulated failure while reading a result")

    with monkeypatch.context() as m:
        m.setattr(lib, "evf_result_json", broken)
        with pytest.raises(RuntimeError, match="simulated"):
            verifier.verify(body, good, now=T0)
        with pytest.raises(RuntimeError, match="simulated"):
            ew.decide(ew.Event.from_dict(json.loads(ew.normalize_raw(body).text)["event"]))
    for name in ("evf_result_json_len", "evf_result_status"):
        with monkeypatch.context() as m:
            m.setattr(lib, name, broken)
            with pytest.raises(RuntimeError, match="simulated"):
                verifier.process_raw(body, good, now=T0)
            with pytest.raises(RuntimeError, match="simulated"):  # an error result: status read
                verifier.verify(body, good + "0", now=T0) if name == "evf_result_status" else (
                    verifier.process_raw(body, "", now=T0)
                )

    assert len(ledger.made) >= 17 and all(ledger.made)
    assert sorted(ledger.made) == sorted(ledger.freed)  # each result freed exactly once


def test_verifier_is_freed(monkeypatch: pytest.MonkeyPatch) -> None:
    lib = _core.lib()
    freed: List[int] = []
    real = lib.evf_verifier_free

    def free(ptr: Any) -> None:
        freed.append(addr(ptr))
        real(ptr)

    monkeypatch.setattr(lib, "evf_verifier_free", free)
    v = ew.Verifier(SECRET_OLD)
    expected = addr(v._ptr)
    assert expected
    del v
    gc.collect()
    # (verifiers of earlier tests may be collected here too: look for this one)
    assert freed.count(expected) == 1
    with pytest.raises(ew.ConfigurationError):
        ew.Verifier([])
    gc.collect()
    assert freed.count(expected) == 1 and 0 not in freed  # a failed creation frees nothing


# --- loading the library -----------------------------------------------------------------------


def run_python(code: str, cwd: str = "/", **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k != _lib.ENV_VAR}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=full, cwd=cwd, timeout=60
    )


def test_env_override_relative_to_the_current_directory(tmp_path: Path) -> None:
    # A bare name is a file of the current directory (CDLL alone would search the loader's path
    # for it); the path loaded, and reported, is absolute.
    (tmp_path / "sub").mkdir()
    for rel in ("libevf.so", "sub/libevf.so"):
        shutil.copyfile(ew.library_path(), tmp_path / rel)
    code = "import everifin_webhook as e; print(e.library_path()); print(e.abi_version())"
    for rel in ("libevf.so", "sub/libevf.so", "./sub/../libevf.so"):
        out = run_python(code, cwd=str(tmp_path), EVERIFIN_WEBHOOK_LIB=rel)
        assert out.returncode == 0, out.stderr
        path, abi = out.stdout.split()
        assert os.path.isabs(path) and os.path.samefile(path, tmp_path / rel), (rel, path)
        assert abi == "1"
    bad = run_python("import everifin_webhook", cwd=str(tmp_path), EVERIFIN_WEBHOOK_LIB="none.so")
    assert bad.returncode != 0 and "file not found" in bad.stderr
    assert os.path.join(os.path.realpath(tmp_path), "none.so") in bad.stderr  # reported absolute


def test_env_override_and_clear_import_error(tmp_path: Path) -> None:
    real = ew.library_path()
    ok = run_python("import everifin_webhook as e; print(e.library_path())", EVERIFIN_WEBHOOK_LIB=real)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == real

    missing = str(tmp_path / "nowhere" / "libeverifin_webhook.so")
    bad = run_python("import everifin_webhook", EVERIFIN_WEBHOOK_LIB=missing)
    assert bad.returncode != 0
    assert "ImportError" in bad.stderr and missing in bad.stderr
    assert "file not found" in bad.stderr and "EVERIFIN_WEBHOOK_LIB" in bad.stderr

    not_a_lib = tmp_path / "libeverifin_webhook.so"
    not_a_lib.write_text("not a shared object")
    bad2 = run_python("import everifin_webhook", EVERIFIN_WEBHOOK_LIB=str(not_a_lib))
    assert bad2.returncode != 0 and str(not_a_lib) in bad2.stderr


def test_import_error_lists_every_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    libc = next(
        (p for p in ("/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
                     "/lib64/libc.so.6", "/usr/lib64/libc.so.6") if os.path.exists(p)),
        None,
    )  # fmt: skip
    paths = [str(tmp_path / "a.so"), ew.library_path()]
    if libc:
        paths.insert(1, libc)
    monkeypatch.setattr(_lib, "ABI_VERSION", 2)  # as if the package were newer than the library
    with pytest.raises(ImportError) as info:
        _lib.load(paths=paths)
    msg = str(info.value)
    for p in paths:
        assert p in msg
    assert "file not found" in msg
    assert "ABI version 1, this package needs ABI version 2" in msg
    if libc:
        assert "not the everifin-webhook library" in msg
    monkeypatch.setattr(_lib, "ABI_VERSION", 1)
    assert _lib.load(paths=paths[1:]).path == ew.library_path()


def test_candidates_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(_lib.ENV_VAR, raising=False)
    monkeypatch.delenv("CARGO_TARGET_DIR", raising=False)
    if os.environ.get("EVERIFIN_EXPECT_INSTALLED"):  # tests/run.sh: the installed package
        assert _lib._checkout_root() is None
        assert [o for _, o in _lib.candidates()] == ["installed package"]
    # imported from a source checkout: then the checkout's Cargo builds
    repo = PY_ROOT.parent.parent
    monkeypatch.setattr(_lib, "_checkout_root", lambda: repo)
    name = "libeverifin_webhook.so"
    cands = _lib.candidates()
    origins = [o for _, o in cands]
    assert origins[0] == "installed package" and origins[-2:] == ["source checkout"] * 2
    assert [p for p, _ in cands[-2:]] == [
        str(repo / "target" / "release" / name),
        str(repo / "target" / "debug" / name),
    ]
    # Cargo's output folder: CARGO_TARGET_DIR (a relative one from the checkout), only there.
    for value, folder in [("/x/td", "/x/td"), ("td", str(repo / "td")), ("", str(repo / "target"))]:
        monkeypatch.setenv("CARGO_TARGET_DIR", value)
        cands = _lib.candidates()
        assert [o for _, o in cands] == origins
        assert [p for p, _ in cands if p.endswith(name)] == [
            f"{folder}/release/{name}",
            f"{folder}/debug/{name}",
        ], value
    monkeypatch.setenv(_lib.ENV_VAR, "/x/libeverifin_webhook.so")
    assert _lib.candidates() == [("/x/libeverifin_webhook.so", "$EVERIFIN_WEBHOOK_LIB")]


def copy_package(dest: Path) -> Path:
    """The package's Python files (not its library) copied into ``dest``/everifin_webhook."""
    pkg = dest / "everifin_webhook"
    pkg.mkdir(parents=True)
    for src in Path(ew.__file__).resolve().parent.glob("*.py"):
        shutil.copyfile(src, pkg / src.name)
    return pkg


def test_import_error_of_an_installed_package_without_its_library(tmp_path: Path) -> None:
    # An installed package (site-packages) whose library is missing: only its own place is tried,
    # and the advice is to reinstall (pip builds nothing from a wheel).
    pkg = copy_package(tmp_path / "site-packages")
    bad = run_python("import everifin_webhook", PYTHONPATH=str(pkg.parent),
                     PYTHONDONTWRITEBYTECODE="1")  # fmt: skip
    assert bad.returncode != 0
    tried = [line for line in bad.stderr.splitlines() if line.startswith("  - ")]
    assert len(tried) == 1 and str(pkg.resolve() / "_native") in tried[0], bad.stderr
    assert "(installed package): file not found" in tried[0]
    assert "target" not in bad.stderr and "cargo" not in bad.stderr, bad.stderr
    assert "reinstall the package" in bad.stderr and "EVERIFIN_WEBHOOK_LIB" in bad.stderr

    # The same files in a source checkout's bindings/python/: the Cargo builds are tried too
    repo = tmp_path / "repo"
    pkg = copy_package(repo / "bindings" / "python")
    (repo / "Cargo.toml").write_text("[package]\n")
    (repo / "bindings" / "python" / "pyproject.toml").write_text("[project]\n")
    bad = run_python("import everifin_webhook", PYTHONPATH=str(pkg.parent),
                     PYTHONDONTWRITEBYTECODE="1", CARGO_TARGET_DIR="")  # fmt: skip
    assert bad.returncode != 0
    real = repo.resolve()
    for build in ("release", "debug"):
        line = f"{real / 'target' / build / 'libeverifin_webhook.so'} (source checkout): file not found"
        assert line in bad.stderr, bad.stderr
    assert "cargo build --release --lib" in bad.stderr and "reinstall" not in bad.stderr


def test_source_checkout_uses_the_cargo_release_build() -> None:
    """Imported from the source tree (no library inside the package dir), the package falls back
    to the Cargo build of the checkout (in $CARGO_TARGET_DIR when set), or says that it tried it."""
    target = PY_ROOT.parent.parent / (os.environ.get("CARGO_TARGET_DIR") or "target")
    dev_lib = target / "release" / "libeverifin_webhook.so"
    code = "import everifin_webhook as e; print(e.__file__); print(e.library_path())"
    out = run_python(code, PYTHONPATH=str(PY_ROOT), PYTHONDONTWRITEBYTECODE="1")
    if dev_lib.is_file():
        assert out.returncode == 0, out.stderr
        file, path = out.stdout.split()
        assert Path(file).resolve().parent == PY_ROOT / "everifin_webhook"
        assert Path(path).resolve() == dev_lib.resolve()
    else:
        assert out.returncode != 0 and str(dev_lib) in out.stderr


@pytest.mark.skipif(
    os.environ.get("EVERIFIN_EXPECT_INSTALLED") != "1", reason="only when run by tests/run.sh"
)
def test_running_the_installed_package() -> None:
    pkg = Path(ew.__file__).resolve().parent
    assert PY_ROOT not in pkg.parents, f"tests imported the source tree {pkg}"
    assert Path(ew.library_path()).resolve().parent == pkg  # the library built into the package
    assert (pkg / "py.typed").is_file()


# --- secrets from the environment (everifin_webhook.config) --------------------------------------


@pytest.mark.parametrize(
    "text,secrets",
    [
        (json.dumps([SECRET_OLD, SECRET_NEW]), [SECRET_OLD, SECRET_NEW]),  # oldest first
        (json.dumps(SECRET_OLD), [SECRET_OLD]),  # one JSON string: one secret, not its characters
        (' [ "' + SECRET_OLD + '" ]\n', [SECRET_OLD]),
    ],
)
def test_secrets_from_env_reads_an_array_or_one_string(text: str, secrets: List[str]) -> None:
    environ = {"EVERIFIN_WEBHOOK_SECRETS": text}
    assert ew.secrets_from_env(environ=environ) == secrets
    assert ew.secrets_from_json(text) == secrets
    # what it returns is what Verifier takes: a delivery signed with the last secret verifies
    body = payment_body(event_time=T0)
    v = ew.Verifier(ew.secrets_from_env(environ=environ))
    assert "with %d secret(s)" % len(secrets) in repr(v)
    sig = v.verify(body, signed(body, [secrets[-1]]), now=T0).signature
    assert sig is not None and sig.secret_index == len(secrets) - 1


@pytest.mark.parametrize(
    "text,why",
    [
        (None, "EVERIFIN_WEBHOOK_SECRETS is not set"),
        ("", "EVERIFIN_WEBHOOK_SECRETS is not set"),
        ("  \n", "EVERIFIN_WEBHOOK_SECRETS is not set"),
        (SECRET_OLD, "EVERIFIN_WEBHOOK_SECRETS is not JSON"),  # the secret without its quotes
        ("['" + SECRET_OLD + "']", "EVERIFIN_WEBHOOK_SECRETS is not JSON"),
        ("[]", "EVERIFIN_WEBHOOK_SECRETS is an empty array"),
        ("12345678", "EVERIFIN_WEBHOOK_SECRETS is a number"),
        ("null", "EVERIFIN_WEBHOOK_SECRETS is null"),
        ('{"secrets": ["' + SECRET_OLD + '"]}', "EVERIFIN_WEBHOOK_SECRETS is an object"),
        ('["' + SECRET_OLD + '", 7]', "EVERIFIN_WEBHOOK_SECRETS[1] is a number"),
        ('[["' + SECRET_OLD + '"]]', "EVERIFIN_WEBHOOK_SECRETS[0] is an array"),
    ],
)
def test_secrets_from_env_refuses_other_forms_without_showing_them(
    text: Any, why: str
) -> None:
    environ = {} if text is None else {"EVERIFIN_WEBHOOK_SECRETS": text}
    with pytest.raises(ew.ConfigurationError) as info:
        ew.secrets_from_env(environ=environ)
    exc = info.value
    assert (exc.status, exc.http_status) == ("INVALID_OPTIONS", 500)
    assert exc.message.startswith(why), exc.message
    assert isinstance(exc, ValueError)
    shown = str(exc) + repr(exc) + json.dumps(exc.to_dict())
    assert SECRET_OLD not in shown and "12345678" not in shown
    # no chained decoder error in a traceback: its message quotes the text
    assert exc.__cause__ is None and (exc.__context__ is None or exc.__suppress_context__)


def test_secrets_from_env_names_the_variable_and_reads_os_environ(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SHOP_HOOK_SECRETS", json.dumps(SECRET_NEW))
    assert ew.secrets_from_env("SHOP_HOOK_SECRETS") == [SECRET_NEW]
    monkeypatch.setenv("SHOP_HOOK_SECRETS", "[true]")
    with pytest.raises(ew.ConfigurationError, match=r"SHOP_HOOK_SECRETS\[0\] is a boolean"):
        ew.secrets_from_env("SHOP_HOOK_SECRETS")
    # an empty secret is the Verifier's to refuse, as from options JSON
    monkeypatch.setenv("EVERIFIN_WEBHOOK_SECRETS", '""')
    with pytest.raises(ew.ConfigurationError, match="secret 0 is empty"):
        ew.Verifier(ew.secrets_from_env())


def test_every_entry_point_takes_a_str_as_one_secret() -> None:
    body = payment_body(event_time=T0)
    header = signed(body, [SECRET_OLD])
    assert repr(ew.Verifier(SECRET_OLD)).endswith("with 1 secret(s)>")
    assert ew.sign(body, SECRET_OLD, timestamp=TS0) == header
    report = ew.Verifier([SECRET_NEW]).explain(body, header, retired_secrets=SECRET_OLD, now=T0)
    assert report["findings"][0]["code"] == "retired_secret", report
    # a str-like object that is not a str is refused, not split into characters
    from collections import UserString

    with pytest.raises(TypeError, match="each secret must be a str"):
        ew.Verifier(UserString(SECRET_OLD))  # type: ignore[arg-type]

"""Runs every case of every file in tests/vectors/ (format: tests/vectors/README.md) through the
binding: once through the raw layer (one C call, the result as returned) with all the checks the
README asks of every runner, and once through the typed API (Event / Decision / exceptions)."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

import pytest

import everifin_webhook as ew
from helpers import VECTORS_DIR, status_table, vector_files

STATUS_CODES = {s["name"]: s["code"] for s in status_table()}


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def load_cases() -> List[Any]:
    params: List[Any] = []
    for path in vector_files():
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(doc, dict) and isinstance(doc.get("cases"), list), path
        names = set()
        for case in doc["cases"]:
            assert case["name"] not in names, f"duplicate case name {case['name']} in {path.name}"
            names.add(case["name"])
            params.append(pytest.param(path.name, case, id=f"{path.stem}::{case['name']}"))
    return params


CASES = load_cases()


def test_vector_files_exist() -> None:
    files = vector_files()
    assert files, f"no vector files (*.json) in {VECTORS_DIR}"
    assert len(CASES) >= len(files)


def body_of(case: Dict[str, Any]) -> bytes:
    given = [k for k in ("body", "bodyHex", "bodyParts") if k in case]
    assert len(given) <= 1, f"more than one BODY key: {given}"
    if "body" in case:
        return str(case["body"]).encode("utf-8")
    if "bodyHex" in case:
        return bytes.fromhex(case["bodyHex"])
    if "bodyParts" in case:
        out: List[str] = []
        for part in case["bodyParts"]:
            if isinstance(part, str):
                out.append(part)
            else:
                out.append(part["repeat"] * int(part["times"]))
        return "".join(out).encode("utf-8")
    return b""


def json_input(case: Dict[str, Any], key: str) -> Optional[str]:
    """`key` (a JSON value, serialized compactly) or `keyRaw` (exact text); None when absent."""
    if key + "Raw" in case:
        return str(case[key + "Raw"])
    if key in case:
        return compact(case[key])
    return None


def case_secrets(case: Dict[str, Any]) -> List[str]:
    found: List[str] = []
    opts = case.get("options")
    if isinstance(opts, dict) and isinstance(opts.get("secrets"), list):
        found += [s for s in opts["secrets"] if isinstance(s, str) and s]
    if isinstance(case.get("secrets"), list):
        found += [s for s in case["secrets"] if isinstance(s, str) and s]
    return found


def run_raw(case: Dict[str, Any]) -> ew.RawResult:
    fn = case["function"]
    if fn == "process":
        options = json_input(case, "options") or ""
        try:
            verifier = ew.Verifier.from_options_json(options)
        except ew.WebhookError:
            # The runner reports the verifier creation failure without calling process.
            return ew.options_check_raw(options)
        return verifier.process_raw(body_of(case), case.get("header", ""), now_ms=case["nowMs"])
    if fn == "normalize":
        return ew.normalize_raw(body_of(case), json_input(case, "options"))
    if fn == "decide":
        event = json_input(case, "event")
        assert event is not None, "decide case without event"
        return ew.decide_raw(event, json_input(case, "state"))
    if fn == "sign":
        secrets = json_input(case, "secrets")
        assert secrets is not None, "sign case without secrets"
        return ew.sign_raw(body_of(case), case.get("timestamp", ""), secrets)
    raise AssertionError(f"unknown function {fn!r}")


# The compact process result (option compactResult, docs/design.md "Compact process result"):
# its members by their names in the object result.
COMPACT_V1 = ["layoutVersion", "signature.timestamp", "signature.key", "signature.secretIndex",
              "signature.ageMs", "eventId", "eventType", "eventTimestamp", "eventTimestampMs", "entity",
              "entityId", "paymentId", "refundId", "orderId", "instructionId", "externalId", "status",
              "statusKnown", "final", "outcome", "reasonCode", "legacyFields", "hookDataOffset",
              "hookDataLength", "suggested"]  # fmt: skip


def expand_compact(array: List[Any], body: bytes) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """(event, signature) of a compact process result, hookData decoded from its range in body."""
    m = dict(zip(COMPACT_V1, array))
    at, n = m["hookDataOffset"], m["hookDataLength"]
    hook = None if at is None else json.loads(body[at : at + n].decode("utf-8"))
    event: Dict[str, Any] = {"schemaVersion": 1}
    for key in ("eventId", "eventType", "eventTimestamp", "eventTimestampMs", "entity", "entityId",
                "paymentId", "refundId", "orderId", "instructionId", "externalId", "status",
                "statusKnown", "final", "outcome", "reasonCode"):  # fmt: skip
        event[key] = m[key]
    event.update(hookData=hook, legacyFields=m["legacyFields"], suggested=m["suggested"])
    sig = {k: m["signature." + k] for k in ("timestamp", "key", "secretIndex", "ageMs")}
    return event, sig


@pytest.mark.parametrize("file,case", CASES)
def test_vector_raw(file: str, case: Dict[str, Any]) -> None:
    expect = case["expect"]
    result = run_raw(case)
    if "compact" in expect:
        # a success as the compact array: exactly the expected one
        assert result.code == STATUS_CODES["OK"] == 0
        assert json.loads(result.text) == expect["compact"], result.text
        for secret in case_secrets(case):
            assert secret not in result.text, "a secret appears in the result"
        return
    data = result.data  # one JSON object
    assert isinstance(data, dict)
    assert data["status"] == expect["status"], data
    assert data["httpStatus"] == expect["httpStatus"], data
    assert data["ok"] is (expect["status"] == "OK"), data
    assert result.code == STATUS_CODES[expect["status"]]
    assert ew.status_name(result.code) == expect["status"]
    assert ew.status_http_status(result.code) == expect["httpStatus"]
    if expect["status"] != "OK":
        assert isinstance(data.get("message"), str) and data["message"], data
    if "field" in expect:
        assert data.get("field") == expect["field"], data
    if "event" in expect:
        assert data.get("event") == expect["event"]
    if "signature" in expect:
        if expect["signature"] is None:
            assert "signature" not in data, data
        else:
            assert data.get("signature") == expect["signature"], data
    if "decision" in expect:
        assert data.get("decision") == expect["decision"], data
    if "state" in expect:
        assert data.get("state") == expect["state"], data
    if "header" in expect:
        assert data.get("header") == expect["header"], data
    for member in expect.get("resultContains", []):
        assert member in result.text, (member, result.text)
    if case["function"] != "sign":
        for secret in case_secrets(case):
            assert secret not in result.text, "a secret appears in the result"


KNOWN_NORMALIZE_OPTIONS = {"confirmedIsPaid", "maxBodyBytes", "suggestedStates"}


def run_typed(case: Dict[str, Any]) -> Tuple[str, Any]:
    """('ok', value) or ('error', WebhookError) or ('skip', reason)."""
    fn = case["function"]
    try:
        if fn == "process":
            verifier = ew.Verifier.from_options_json(json_input(case, "options") or "")
            return "ok", verifier.verify(
                body_of(case), case.get("header", ""), now_ms=case["nowMs"]
            )
        if fn == "normalize":
            if "optionsRaw" in case:
                return "skip", "raw options"
            opts = case.get("options", {})
            if not isinstance(opts, dict) or not set(opts) <= KNOWN_NORMALIZE_OPTIONS:
                return "skip", "options the typed normalize() does not take"
            return "ok", ew.normalize(
                body_of(case),
                confirmed_is_paid=opts.get("confirmedIsPaid", False),
                max_body_bytes=opts.get("maxBodyBytes"),
                suggested_states=opts.get("suggestedStates"),
            )
        if fn == "decide":
            event = json_input(case, "event")
            assert event is not None
            return "ok", ew.decide(event, json_input(case, "state"))
        if fn == "sign":
            secrets = case.get("secrets")
            if not (isinstance(secrets, list) and all(isinstance(s, str) for s in secrets)):
                return "skip", "secrets that are not a list of strings"
            if "secretsRaw" in case:
                return "skip", "raw secrets"
            return "ok", ew.sign(body_of(case), secrets, timestamp=case.get("timestamp") or None)
    except ew.WebhookError as exc:
        return "error", exc
    raise AssertionError(f"unknown function {fn!r}")


@pytest.mark.parametrize("file,case", CASES)
def test_vector_typed(file: str, case: Dict[str, Any]) -> None:
    expect = case["expect"]
    kind, value = run_typed(case)
    if kind == "skip":
        pytest.skip(value)
    if expect["status"] != "OK":
        assert kind == "error", f"expected {expect['status']}, got {value!r}"
        exc: ew.WebhookError = value
        assert exc.status == expect["status"]
        assert exc.http_status == expect["httpStatus"]
        assert exc.code == STATUS_CODES[expect["status"]]
        assert type(exc) is ew.errors.error_class_for(expect["status"])
        assert exc.message
        if "field" in expect:
            assert exc.field == expect["field"]
        if "signature" in expect:
            if expect["signature"] is None:
                assert exc.signature is None
            else:
                assert exc.signature is not None
                assert exc.signature.to_dict() == expect["signature"]
        for secret in case_secrets(case):
            assert secret not in str(exc) and secret not in repr(exc)
            assert secret not in json.dumps(exc.result)
        return
    assert kind == "ok", f"expected OK, got {value!r}"
    fn = case["function"]
    if "compact" in expect:
        # The typed API answers the Event the compact array stands for.
        want_event, want_sig = expand_compact(expect["compact"], body_of(case))
        assert value.to_dict() == want_event
        assert value.signature is not None and value.signature.to_dict() == want_sig
        return
    if fn in ("process", "normalize"):
        event: ew.Event = value
        if "event" in expect:
            assert event.to_dict() == expect["event"]
            assert event.event_id == expect["event"]["eventId"]
            assert event.outcome == expect["event"]["outcome"]
            assert event.status == expect["event"]["status"]
            assert dict(event.suggested) == expect["event"]["suggested"]
        if fn == "process" and expect.get("signature") is not None:
            assert event.signature is not None
            assert event.signature.to_dict() == expect["signature"]
    elif fn == "decide":
        decision: ew.Decision = value
        if "decision" in expect:
            assert decision.to_dict()["decision"] == expect["decision"]
            assert decision.apply is (expect["decision"]["action"] == "apply")
        if "state" in expect:
            assert dict(decision.state) == expect["state"]
        # the state to store is the exact text of the result (the member written last), so the
        # result's verbatim members (unknown keys kept byte-exact) are in it
        text = decision.state_json()
        assert decision.result_text is not None
        assert decision.result_text.endswith(',"state":' + text + "}")
        assert json.loads(text) == decision.state
        for member in expect.get("resultContains", []):
            assert member in text, (member, text)
    elif fn == "sign":
        if "header" in expect:
            assert value == expect["header"]
        else:
            assert isinstance(value, str) and value.startswith("ts=")



# Every decide case whose event is a JSON object: the event as a mapping (what Event and dict
# events become) and with a hookData added.
DECIDE_CASES = [
    p for p in CASES
    if p.values[1]["function"] == "decide" and isinstance(p.values[1].get("event"), dict)
    and "eventRaw" not in p.values[1]
]  # fmt: skip
HOOK_DATA = {"lines": [{"sku": "A-1", "qty": 2}] * 50, "eventId": "x", "status": "FAILED",
             "decision": {"action": "skip"}, "outcome": "failed", "pad": "é" * 300}  # fmt: skip


@pytest.mark.parametrize("file,case", DECIDE_CASES)
def test_vector_decide_does_not_depend_on_hook_data(file: str, case: Dict[str, Any]) -> None:
    # decide reads no hookData (docs/design.md "Decide"): the library gives the same result with
    # and without it, and the typed decide, which sends an Event or a mapping with hookData null,
    # gives that result too.
    state = json_input(case, "state")
    reference = ew.decide_raw(compact(case["event"]), state)
    with_hook = dict(case["event"], hookData=HOOK_DATA)
    assert ew.decide_raw(compact(with_hook), state).text == reference.text
    if reference.ok:
        assert ew.decide(with_hook, state).result_text == reference.text
        assert ew.decide(compact(with_hook), state).result_text == reference.text
    else:
        with pytest.raises(ew.WebhookError) as info:
            ew.decide(with_hook, state)
        assert info.value.result == reference.data
    assert with_hook["hookData"] is HOOK_DATA  # the caller's mapping is not changed


def test_decide_vectors_are_covered() -> None:
    assert len(DECIDE_CASES) >= 100

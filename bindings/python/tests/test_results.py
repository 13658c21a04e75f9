"""Result types without copies, Literal-typed fields, the Verifier's lifetime (close, with, __del__)
and the exception families of the one status table (tests/vectors/statuses.json)."""

from __future__ import annotations

import copy
import gc
import inspect
import json
import pickle
import threading
from datetime import timedelta
from typing import Any, Callable, Dict, List, Optional, Set, Union, get_args, get_type_hints

import pytest

import everifin_webhook as ew
from everifin_webhook import _core, errors, types
from helpers import SECRET_NEW, SECRET_OLD, T0, iso_ms, payment_body, python_sign, status_table
from helpers import vector_files

TS0 = iso_ms(T0)


def verified(verifier: ew.Verifier, hook_data: Any = None) -> ew.Event:
    body = payment_body("BOOKED", event_time=T0, hook_data=hook_data)
    return verifier.verify(body, python_sign(body, [SECRET_OLD], TS0), now=T0)


# --- results: built once, no deep copies --------------------------------------------------------


def test_event_shares_parsed_values_and_to_dict_copies_only_the_top_level() -> None:
    v = ew.Verifier([SECRET_OLD])
    hook = {"lines": [{"sku": "A-1", "qty": 2}] * 3, "note": "x"}
    event = verified(v, hook)
    assert event.hook_data == hook
    d1, d2 = event.to_dict(), event.to_dict()
    assert d1 == d2 and d1 is not d2  # a new top-level dict per call
    assert d1["hookData"] is event.hook_data is d2["hookData"]  # nested values shared, not copied
    d1["status"] = "changed"
    del d1["outcome"]
    assert event.status == "BOOKED" and event.to_dict()["outcome"] == "paid"
    # read-only: attributes cannot be set, suggested cannot be changed through the event
    with pytest.raises(AttributeError):
        event.status = "FAILED"  # type: ignore[misc]
    with pytest.raises(TypeError):
        event.suggested["woocommerce"] = "x"  # type: ignore[index]
    # from_dict copies the top level only: a later change of the caller's dict does not reach it
    src = event.to_dict()
    again = ew.Event.from_dict(src)
    src["status"] = "FAILED"
    assert again.status == "BOOKED" and again == event and hash(again) == hash(event)
    assert again.hook_data is event.hook_data
    with pytest.raises(KeyError):
        ew.Event.from_dict({"eventType": "payment.statusChange"})
    # pickle and deepcopy work (e.g. a task queue), and give an equal, independent event
    for clone in (pickle.loads(pickle.dumps(event)), copy.deepcopy(event)):
        assert clone == event and clone.signature == event.signature
        assert clone.hook_data is not event.hook_data


def test_no_deep_copy_on_the_verify_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # A body with many small arrays: any copy per node would show in a profile; here no copy
    # function of the copy module may run at all while verifying and reading the event.
    calls: List[str] = []
    for name in ("deepcopy", "copy"):
        real = getattr(copy, name)

        def spy(*a: Any, _real: Any = real, _name: str = name, **k: Any) -> Any:
            calls.append(_name)
            return _real(*a, **k)

        monkeypatch.setattr(copy, name, spy)
    v = ew.Verifier([SECRET_OLD])
    event = verified(v, {"grid": [[i, i + 1] for i in range(5000)]})
    assert len(event.hook_data["grid"]) == 5000 and event.to_dict()["hookData"] is event.hook_data
    decision = v.decide(event, {})
    assert decision.to_dict()["state"] == decision.state
    assert calls == []


def signed_result(verifier: ew.Verifier, body: bytes) -> Dict[str, Any]:
    """The library's whole result for a genuine request, decoded by json.loads (the reference)."""
    raw = verifier.process_raw(body, python_sign(body, [SECRET_OLD], TS0), now=T0)
    data = json.loads(raw.text)
    assert isinstance(data, dict) and data["ok"] is True
    return data


@pytest.mark.parametrize(
    "hook",
    [
        {"pad": "x" * 5000, "lines": [[1, 2]] * 500},
        # hookData holding the event's own markers, as keys and inside strings
        {"x": 1, "legacyFields": True, "suggested": {"a": "b"}, "pad": "y" * 3000,
         "s": ',"legacyFields":true,"suggested":{ "hookData": \\" \u2028 é'},
        ["a list", {"legacyFields": False, "suggested": {}}, "z" * 4000],
        "one long string " * 300,
        [int("9" * 300)] * 10,  # integers beyond 64 bits (within the range of a float)
        [1.50, -0.0, 2.5e-300, None, True] * 400,
    ],
)  # fmt: skip
def test_large_hook_data_is_decoded_when_read(monkeypatch: pytest.MonkeyPatch, hook: Any) -> None:
    # A large hookData is kept as text and decoded on first read, once; every way of reading the
    # event gives exactly what json.loads gives for the library's result.
    v = ew.Verifier(
        [SECRET_OLD],
        suggested_states={"legacyFields": {"paid": "x"}, 'suggested"': {"paid": None}},
    )
    body = payment_body("BOOKED", event_time=T0, hook_data=hook)
    expected = signed_result(v, body)
    decoded: List[int] = []
    real_scan, real_loads = types._SCAN, types._LOADS

    def spy(text: str, at: int) -> Any:
        decoded.append(at)
        return real_scan(text, at)

    def spy_loads(text: bytes) -> Any:
        decoded.append(-1)
        return real_loads(text)

    # What decodes a hookData kept as text, or as its range in the body (compact results).
    monkeypatch.setattr(types, "_SCAN", spy)
    monkeypatch.setattr(types, "_LOADS", spy_loads)
    event = v.verify(body, python_sign(body, [SECRET_OLD], TS0), now=T0)
    assert event.outcome == "paid" and event.suggested["legacyFields"] == "x"
    assert decoded == []  # nothing of hookData decoded yet
    assert event.hook_data == expected["event"]["hookData"]
    assert len(decoded) == 1
    assert event.hook_data is event.get("hookData") is event.to_dict()["hookData"]
    assert len(decoded) == 1  # decoded once
    d = event.to_dict()
    assert d == expected["event"] and list(d) == list(expected["event"])
    assert event.to_json() == json.dumps(expected["event"], separators=(",", ":"),
                                         ensure_ascii=False)  # fmt: skip
    assert event.signature == ew.SignatureInfo.from_dict(expected["signature"])
    # equality, pickling and normalize() decode it too
    monkeypatch.setattr(types, "_SCAN", real_scan)
    monkeypatch.setattr(types, "_LOADS", real_loads)
    again = v.verify(body, python_sign(body, [SECRET_OLD], TS0), now=T0)
    assert again == event and event == again
    assert pickle.loads(pickle.dumps(v.verify(body, python_sign(body, [SECRET_OLD], TS0),
                                              now=T0))) == event  # fmt: skip
    normalized = v.normalize(body)
    assert normalized.to_dict() == expected["event"] and normalized.signature is None


def test_large_result_without_hook_data() -> None:
    # A result that is large for another reason (a long eventType) and whose hookData is null.
    v = ew.Verifier([SECRET_OLD])
    doc = json.loads(payment_body("BOOKED", event_time=T0))
    doc["eventType"] = "payment.statusChange" + "x" * 5000
    body = json.dumps(doc).encode()
    expected = signed_result(v, body)
    event = v.verify(body, python_sign(body, [SECRET_OLD], TS0), now=T0)
    assert event.hook_data is None and event.to_dict() == expected["event"]
    assert event.event_type == doc["eventType"] and event.status_known is False


@pytest.mark.parametrize("layout", ["hookData last", "no legacyFields", "small, reordered"])
def test_a_result_of_another_layout_is_decoded_whole(
    monkeypatch: pytest.MonkeyPatch, layout: str
) -> None:
    # The fast paths rely on the layout of schema v1; a library that writes the event otherwise
    # still gives the right event (decoded whole), never a wrong cut.
    v = ew.Verifier([SECRET_OLD])
    hook = {"x": 1, "legacyFields": True, "suggested": {"a": "b"}, "pad": "p" * 2000}
    body = payment_body("BOOKED", event_time=T0, hook_data=hook)
    header = python_sign(body, [SECRET_OLD], TS0)
    result = signed_result(v, body)
    event = dict(result["event"])
    if layout == "hookData last":
        event["hookData"] = event.pop("hookData")
    elif layout == "no legacyFields":
        del event["legacyFields"]
    else:
        event["hookData"] = {"n": 1}
        event = dict(reversed(list(event.items())))
    result["event"] = event
    text = json.dumps(result, separators=(",", ":"), ensure_ascii=False).encode()
    monkeypatch.setattr(_core.lib(), "evf_result_json", lambda ptr: text)
    got = v.verify(body, header, now=T0)
    assert got.to_dict() == event and list(got.to_dict()) == list(event)
    assert got.signature == ew.SignatureInfo.from_dict(result["signature"])


def test_hook_data_read_by_threads_at_once_is_one_object() -> None:
    v = ew.Verifier([SECRET_OLD])
    event = verified(v, {"grid": [[i, i + 1] for i in range(20000)]})
    seen: List[Any] = []
    start = threading.Barrier(4)

    def read() -> None:
        start.wait()
        seen.append(event.hook_data)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert len(seen) == 4 and all(x is seen[0] for x in seen)
    assert seen[0]["grid"][19999] == [19999, 20000]


def test_unknown_keys_pass_through() -> None:
    # A newer library may add keys to the event and to decide's result: they pass through.
    v = ew.Verifier([SECRET_OLD])
    data = verified(v).to_dict()
    data["newerKey"] = {"a": 1}
    data["entity"] = "mandate"  # an entity this version does not know
    data["outcome"] = "chargeback"
    event = ew.Event.from_dict(data)
    assert event.to_dict()["newerKey"] == {"a": 1} and event.get("newerKey") == {"a": 1}
    assert (event.entity, event.outcome, event.is_paid) == ("mandate", "chargeback", False)
    result = {
        "ok": True, "status": "OK", "httpStatus": 200,
        "decision": {"action": "apply", "reason": "first"},
        "state": {"status": "BOOKED", "orders": {"o-1": {"status": "PAID"}}},
        "orderOutcome": "paid",
    }  # fmt: skip
    decision = ew.Decision.from_result(result)
    assert decision.apply and decision.result["orderOutcome"] == "paid"
    assert decision.state is result["state"]  # the result's own dict, not copied
    assert decision.to_dict()["state"] == result["state"]
    assert decision.to_dict()["state"] is not result["state"]
    newer = ew.Decision.from_result(dict(result, decision={"action": "defer", "reason": "x"}))
    assert (newer.action, newer.reason, newer.apply) == ("defer", "x", False)
    assert pickle.loads(pickle.dumps(decision)) == decision


def literal_values(alias: Any) -> Set[str]:
    return set(get_args(alias))


def test_fields_are_typed_as_literal_unions() -> None:
    hints = {name: get_type_hints(getattr(ew.Event, name).fget) for name in
             ("entity", "outcome", "status")}  # fmt: skip
    assert hints["entity"]["return"] == Union[types.Entity, str]
    assert hints["outcome"]["return"] == Union[types.Outcome, str]
    decision_hints = get_type_hints(ew.Decision)
    assert decision_hints["action"] == Union[types.Action, str]
    assert decision_hints["reason"] == Union[types.Reason, str]
    hints_error = get_type_hints(ew.WebhookError)  # nothing to supply: resolved at runtime
    assert hints_error["status"] == Union[errors.StatusName, str]
    assert hints_error["signature"] == Optional[ew.SignatureInfo]
    # the literals list every value the library produces (the one status table; the vectors)
    assert literal_values(errors.StatusName) == {s["name"] for s in status_table()}
    seen: Dict[str, Set[str]] = {"entity": set(), "outcome": set(), "status": set(),
                                 "action": set(), "reason": set()}  # fmt: skip
    for path in vector_files():
        for case in json.loads(path.read_text(encoding="utf-8"))["cases"]:
            exp = case.get("expect", {})
            ev = exp.get("event")
            if isinstance(ev, dict):
                seen["entity"].add(ev["entity"])
                seen["outcome"].add(ev["outcome"])
                if ev.get("statusKnown") and ev.get("status"):
                    seen["status"].add(ev["status"])
            if isinstance(exp.get("decision"), dict):
                seen["action"].add(exp["decision"]["action"])
                seen["reason"].add(exp["decision"]["reason"])
    assert seen["entity"] <= literal_values(types.Entity), seen["entity"]
    assert seen["outcome"] <= literal_values(types.Outcome), seen["outcome"]
    assert seen["status"] <= literal_values(types.PaymentStatus), seen["status"]
    assert seen["action"] == literal_values(types.Action)
    assert seen["reason"] <= literal_values(types.Reason), seen["reason"]
    assert len(seen["outcome"]) >= 8 and len(seen["reason"]) >= 5  # the vectors cover them


def public_annotated() -> Dict[str, Callable[..., Any]]:
    """Every public class and function of the package, and the public methods and properties of
    the classes (also __init__ and inherited ones defined in the package)."""
    found: Dict[str, Any] = {}
    for name in ew.__all__:
        obj = getattr(ew, name)
        if inspect.isclass(obj):
            found[name] = obj
            for klass in obj.__mro__:
                if not klass.__module__.startswith("everifin_webhook"):
                    continue
                for attr, member in vars(klass).items():
                    if attr.startswith("_") and attr != "__init__":
                        continue
                    if isinstance(member, property):
                        member = member.fget
                    elif isinstance(member, (classmethod, staticmethod)):
                        member = member.__func__
                    if inspect.isfunction(member):
                        found.setdefault(f"{name}.{attr}", member)
        elif inspect.isfunction(obj):
            found[name] = obj
    return found


def test_type_hints_resolve_for_every_public_name() -> None:
    # typing.get_type_hints evaluates the (postponed) annotations: a name imported only for type
    # checkers is a NameError here (it was, for WebhookError's SignatureInfo).
    found = public_annotated()
    expected = {"WebhookError", "SignatureError", "Verifier.verify", "decide", "Event.hook_data"}
    assert expected <= set(found)
    assert len(found) > 60, sorted(found)
    for name, obj in found.items():
        try:
            get_type_hints(obj)
        except Exception as exc:  # pragma: no cover - the failure message
            pytest.fail(f"get_type_hints({name}): {exc!r}")
    assert get_type_hints(ew.decide)["return"] is ew.Decision
    assert get_type_hints(ew.Verifier.verify)["return"] is ew.Event


# --- decide does not read hookData ----------------------------------------------------------------


def test_decide_does_not_decode_hook_data(monkeypatch: pytest.MonkeyPatch) -> None:
    # decide's rules never read hookData (docs/design.md "Decide"): an Event is passed with
    # hookData null, its lazy hookData stays undecoded, and the decision is the one for the
    # whole event.
    v = ew.Verifier([SECRET_OLD])
    hook = {"grid": [[i, i + 1] for i in range(20000)], "note": "x" * 1000}
    body = payment_body("BOOKED", event_time=T0, hook_data=hook)
    header = python_sign(body, [SECRET_OLD], TS0)
    sent: List[bytes] = []
    decoded: List[str] = []
    lib = _core.lib()
    real_decide, real_scan, real_loads = lib.evf_decide, types._SCAN, types._LOADS

    def spy_decide(event: bytes, event_len: int, state: bytes, state_len: int) -> Any:
        sent.append(event)
        return real_decide(event, event_len, state, state_len)

    def spy_scan(text: str, at: int) -> Any:
        decoded.append("scan")
        return real_scan(text, at)

    def spy_loads(text: bytes) -> Any:
        decoded.append("loads")
        return real_loads(text)

    def no_json_loads(*a: Any, **k: Any) -> Any:
        raise AssertionError("json.loads called by decide")

    def decide_spied(state: str) -> ew.Decision:
        with monkeypatch.context() as m:
            m.setattr(lib, "evf_decide", spy_decide)
            m.setattr(types, "_SCAN", spy_scan)
            m.setattr(types, "_LOADS", spy_loads)
            m.setattr(json, "loads", no_json_loads)  # the json module types.py and _core use
            return v.decide(event, state)

    event = v.verify(body, header, now=T0)
    decision = decide_spied("{}")
    again = decide_spied(decision.state_json())
    assert decoded == [] and event._hook is not None  # hookData still its range of the body
    assert len(sent) == 2 and all(b'"hookData":null' in e and len(e) < 2000 for e in sent), sent
    assert (decision.action, decision.reason, again.reason) == ("apply", "first", "duplicate")
    # The same decision and state as for the whole event (hookData included), from the library.
    whole = ew.decide_raw(event.to_json(), "{}")
    assert b'"grid":[[0,1]' in event.to_json().encode()
    assert decision.result_text == whole.text
    assert decision.state_json() == ew.Decision.from_result(whole.data, whole.text).state_json()
    # An event whose hookData is decoded, and its mapping, go the same way; the mapping is not
    # changed.
    assert event.hook_data == hook
    mapping = event.to_dict()
    sent.clear()
    monkeypatch.setattr(lib, "evf_decide", spy_decide)
    assert ew.decide(event, "{}").result_text == whole.text
    assert ew.decide(mapping, "{}").result_text == whole.text
    assert mapping["hookData"] is event.hook_data and mapping == event.to_dict()
    assert all(b'"hookData":null' in e and len(e) < 2000 for e in sent)
    # JSON text is passed as given (the library parses it, hookData included)
    sent.clear()
    assert ew.decide(event.to_json(), "{}").result_text == whole.text
    assert sent == [event.to_json().encode()]


# --- the status table ----------------------------------------------------------------------------


def test_exception_families_are_the_status_table() -> None:
    table = status_table()
    families = {"signature", "timestamp", "body", "configuration", "state", "internal"}
    assert set(errors.FAMILY_CLASSES) == families
    assert {name: (code, http, fam) for name, (code, http, fam) in ew.STATUSES.items()} == {
        s["name"]: (s["code"], s["httpStatus"], s["family"]) for s in table
    }
    for s in table:
        # the library agrees with the table (name and HTTP status of each code)
        assert ew.status_name(s["code"]) == s["name"]
        assert ew.status_http_status(s["code"]) == s["httpStatus"]
        cls = errors.error_class_for(s["name"])
        if s["family"] is None:
            assert cls is ew.WebhookError
        else:
            assert cls is errors.FAMILY_CLASSES[s["family"]], s
    # the two that had drifted between the bindings: the table decides
    assert errors.error_class_for("HEADER_TIMESTAMP_INVALID") is ew.SignatureError
    assert errors.error_class_for("NULL_ARGUMENT") is ew.InternalError
    assert errors.error_class_for("A_STATUS_ADDED_LATER") is ew.WebhookError


def every_family_error() -> List[ew.WebhookError]:
    """One exception per status of tests/vectors/statuses.json (its family's class), with every
    attribute set, one of a status added later (the base class), and real ones from the library."""
    sig = ew.SignatureInfo(TS0, "v1", 1, 300_001)
    made: List[ew.WebhookError] = []
    for s in status_table() + [{"name": "A_STATUS_ADDED_LATER", "code": 99, "httpStatus": 500}]:
        cls = errors.error_class_for(s["name"])
        made.append(cls(s["name"], s["code"], s["httpStatus"], f"what {s['name']} means",
                        field="data.status", signature=sig,
                        result={"ok": False, "status": s["name"], "httpStatus": s["httpStatus"],
                                "nested": [1, {"a": None}]}))  # fmt: skip
    made.append(ew.BodyError("BODY_NOT_JSON", 22, 400, ""))  # no message: str() is the status
    v = ew.Verifier([SECRET_OLD])
    body = payment_body(event_time=T0)
    for call in (
        lambda: v.verify(body, python_sign(body, ["wrong"], TS0), now=T0),
        lambda: v.verify(body, python_sign(body, [SECRET_OLD], TS0), now=T0 + timedelta(hours=1)),
        lambda: v.verify(b"[1]", python_sign(b"[1]", [SECRET_OLD], TS0), now=T0),
        lambda: ew.Verifier([""]),
        lambda: ew.decide(ew.normalize(body), '{"entities": 5}'),
    ):
        with pytest.raises(ew.WebhookError) as info:
            call()
        made.append(info.value)
    return made


def test_exceptions_pickle_and_copy_with_every_attribute() -> None:
    made = every_family_error()
    classes = {type(e) for e in made}
    assert set(errors.FAMILY_CLASSES.values()) | {ew.WebhookError} <= classes
    for exc in made:
        clones = [pickle.loads(pickle.dumps(exc, protocol=p))
                  for p in range(pickle.HIGHEST_PROTOCOL + 1)]  # fmt: skip
        clones += [copy.copy(exc), copy.deepcopy(exc)]
        for clone in clones:
            assert type(clone) is type(exc) and clone is not exc
            assert (str(clone), repr(clone), clone.args) == (str(exc), repr(exc), exc.args)
            assert vars(clone) == vars(exc) and vars(exc)  # every attribute
            assert (clone.status, clone.code, clone.http_status, clone.message, clone.field,
                    clone.signature, clone.result) == (exc.status, exc.code, exc.http_status,
                    exc.message, exc.field, exc.signature, exc.result)  # fmt: skip
            assert clone.to_dict() == exc.to_dict()
            assert isinstance(clone, ValueError) is isinstance(exc, ValueError)
    real = made[-5:]
    assert [type(e) for e in real] == [ew.SignatureError, ew.TimestampError, ew.BodyError,
                                       ew.ConfigurationError, ew.StateError]  # fmt: skip
    assert real[1].signature is not None and real[2].field == ""
    assert str(made[-6]) == "BODY_NOT_JSON"
    deep = copy.deepcopy(made[0])
    assert deep.result == made[0].result and deep.result is not made[0].result


def test_header_timestamp_invalid_raises_signature_error() -> None:
    v = ew.Verifier([SECRET_OLD])
    body = payment_body(event_time=T0)
    header = python_sign(body, [SECRET_OLD], "yesterday")
    with pytest.raises(ew.SignatureError) as err:
        v.verify(body, header, now=T0)
    assert err.value.status == "HEADER_TIMESTAMP_INVALID" and err.value.http_status == 401
    assert err.value.code == ew.STATUSES["HEADER_TIMESTAMP_INVALID"][0]


# --- the Verifier's lifetime ---------------------------------------------------------------------


def times_freed(freed: List[Any], ptr: Any) -> int:
    return sum(p is ptr for p in freed)


def count_frees(monkeypatch: pytest.MonkeyPatch) -> List[Any]:
    lib = _core.lib()
    freed: List[Any] = []  # the pointer objects themselves (kept alive: identities stay unique)
    real = lib.evf_verifier_free

    def free(ptr: Any) -> None:
        freed.append(ptr)
        real(ptr)

    monkeypatch.setattr(lib, "evf_verifier_free", free)
    return freed


def test_close_and_context_manager(monkeypatch: pytest.MonkeyPatch) -> None:
    freed = count_frees(monkeypatch)
    body = payment_body(event_time=T0)
    header = python_sign(body, [SECRET_OLD], TS0)
    with ew.Verifier([SECRET_OLD]) as v:
        mine = v._ptr
        assert not v.closed and v.verify(body, header, now=T0).outcome == "paid"
    assert v.closed and times_freed(freed, mine) == 1 and "closed" in repr(v)
    calls = [
        lambda: v.verify(body, header, now=T0),
        lambda: v.process_raw(body, header, now=T0),
        lambda: v.normalize(body),
        lambda: v.decide(ew.normalize(body), {}),
        lambda: v.sign(body),
        lambda: v.explain(body, header, now=T0),
        lambda: v.__enter__(),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="Verifier is closed"):
            call()
    v.close()  # idempotent
    del v
    gc.collect()
    assert times_freed(freed, mine) == 1  # __del__ after close frees nothing more

    # close() inside the block, an exception leaving the block: freed exactly once either way
    with pytest.raises(RuntimeError):
        with ew.Verifier([SECRET_OLD]) as w:
            second = w._ptr
            w.close()
            raise RuntimeError("leaving the block")
    del w
    gc.collect()
    assert times_freed(freed, second) == 1
    # a call in progress when close() comes: the free waits for its end
    y = ew.Verifier([SECRET_OLD])
    fourth = y._ptr
    assert y._enter() is fourth  # what verify() does around its native call
    y.close()
    assert times_freed(freed, fourth) == 0 and y.closed
    with pytest.raises(ValueError, match="closed"):
        y.verify(body, header, now=T0)
    y._leave()
    assert times_freed(freed, fourth) == 1
    # never closed: __del__ frees it
    x = ew.Verifier([SECRET_NEW])
    third = x._ptr
    del x
    gc.collect()
    assert times_freed(freed, third) == 1


def test_close_while_other_threads_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    # Closing while calls are in progress must not free the native verifier under them: each
    # call either completes normally or raises the closed error; it is freed once, afterwards.
    freed = count_frees(monkeypatch)
    body = payment_body("BOOKED", event_time=T0, hook_data={"pad": "x" * 200_000})
    header = python_sign(body, [SECRET_OLD], TS0)
    mine: List[Any] = []
    for _ in range(5):
        v = ew.Verifier([SECRET_OLD])
        mine.append(v._ptr)
        outcomes: List[str] = []
        lock = threading.Lock()
        started = threading.Barrier(5)

        def work() -> None:
            started.wait()
            for _ in range(200):
                try:
                    got = v.verify(body, header, now=T0 + timedelta(milliseconds=5)).outcome
                except ValueError as exc:
                    got = "closed" if "closed" in str(exc) else repr(exc)
                with lock:
                    outcomes.append(got)
                if got == "closed":
                    return

        threads = [threading.Thread(target=work) for _ in range(4)]
        for th in threads:
            th.start()
        started.wait()
        v.close()
        for th in threads:
            th.join(timeout=60)
        assert set(outcomes) <= {"paid", "closed"}, set(outcomes)
        assert outcomes.count("closed") == 4  # every thread saw the close and stopped
        assert v.closed and not v._calls
        assert times_freed(freed, mine[-1]) == 1  # freed by close() or by the last call, once
    gc.collect()
    assert [times_freed(freed, p) for p in mine] == [1] * 5


def test_an_ok_result_is_read_with_one_call(monkeypatch: pytest.MonkeyPatch) -> None:
    # verify() reads an OK result with evf_result_json alone (then frees it); a rejection also
    # asks evf_result_status. Guards the fast path: the library's OK results start with "ok":true.
    lib = _core.lib()
    counts: Dict[str, int] = {}
    for name in ("evf_result_status", "evf_result_json", "evf_result_json_len", "evf_result_free"):
        real = getattr(lib, name)

        def counting(ptr: Any, _real: Any = real, _name: str = name) -> Any:
            counts[_name] = counts.get(_name, 0) + 1
            return _real(ptr)

        monkeypatch.setattr(lib, name, counting)
    v = ew.Verifier([SECRET_OLD])
    assert verified(v).outcome == "paid"
    assert counts == {"evf_result_json": 1, "evf_result_free": 1}
    counts.clear()
    body = payment_body(event_time=T0)
    with pytest.raises(ew.SignatureError) as err:
        v.verify(body, python_sign(body, ["another secret"], TS0), now=T0)
    assert err.value.code == 13 and err.value.status == "SIGNATURE_MISMATCH"
    assert counts == {"evf_result_json": 1, "evf_result_status": 1, "evf_result_free": 1}


@pytest.mark.parametrize(
    "text", [b"", b'{"ok":true,"status":"OK"} trailing', b'{"ok":true,\xff}', b"[1]", b'{"ok":tru']
)
def test_an_unreadable_result_is_an_internal_error(
    monkeypatch: pytest.MonkeyPatch, text: bytes
) -> None:
    lib = _core.lib()
    freed: List[Any] = []
    real_free = lib.evf_result_free
    monkeypatch.setattr(lib, "evf_result_json", lambda ptr: text)

    def free(ptr: Any) -> None:
        freed.append(ptr)
        real_free(ptr)

    monkeypatch.setattr(lib, "evf_result_free", free)
    v = ew.Verifier([SECRET_OLD])
    body = payment_body(event_time=T0)
    with pytest.raises(ew.InternalError) as err:
        v.verify(body, python_sign(body, [SECRET_OLD], TS0), now=T0)
    assert err.value.status == "INTERNAL" and err.value.http_status == 500
    assert len(freed) == 1  # the native result was freed all the same

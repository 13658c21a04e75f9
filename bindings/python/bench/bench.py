"""Speed of the Python binding against a lean hand-written verifier and the raw library call.

    python3 bindings/python/bench/bench.py [--rounds N] [--check]     (or: make bench-python)

Everything is timed in this one process, interleaved: each round times a batch of calls of every
contender, in an order that rotates from round to round, and the figures are the medians over the
rounds (per call). The clock is the thread's CPU time (``--clock wall`` for wall time), so that
other processes on a shared machine do not count; the ctypes calls run on this thread. The
contenders, for the same body and Signature header:

- ``lean``: what a shop would write by hand in plain Python (``lean_verify`` below: split the
  header, ``hmac`` + ``compare_digest``, the ``ts`` within 300 s, ``json.loads``, ``uuid.UUID``
  for the ids, ``datetime`` for the event time);
- ``binding``: ``Verifier.verify`` and the same four values read from the ``Event``;
- ``to_dict``: ``Verifier.verify(...).to_dict()`` (the whole normalized event as a dict);
- ``raw``: the floor: the ctypes call ``evf_verifier_process`` plus the copy of its result JSON
  into a ``bytes`` object and ``evf_result_free``, through the binding's own declarations and the
  native verifier ``verify`` uses (options with ``compactResult``);
- ``json.loads of hookData alone``: decoding the shop's own data, which ``to_dict`` must do and
  no binding can avoid (the lean verifier decodes it too, with the whole body);
- ``json.loads of the result alone``: shown to tell where the time goes (not a goal);
- ``binding minus raw``: what the binding adds to the library call, for ``binding`` and
  ``to_dict`` (the library's own time aside).

A last line times ``verify`` + ``decide`` on an event with 458 KB of hookData against ``verify``
alone, and prints the ratio: decide does not read hookData, so it adds the same small cost
whatever its size (``decide(event.to_json())``, which decodes and re-encodes hookData and has
the library parse it, is printed next to it).

Goals (issue 11): the binding is at least 1.2x faster than lean on the official event; no input
costs the binding more than 5x the raw library call: ``verify`` within 5x raw, and ``to_dict``
within 5x raw plus the decoding of hookData by ``json`` (its floor). ``--check`` exits 1 when a
goal is missed.
The library comes from ``$EVERIFIN_WEBHOOK_LIB`` or the package (see ``everifin_webhook._lib``).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import statistics
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

HERE = Path(__file__).resolve().parent
sys.path.append(str(HERE.parent))  # an installed package first, else this checkout's

import everifin_webhook as ew  # noqa: E402
from everifin_webhook import _core  # noqa: E402

SECRET = "bench-hook-secret-3f9a"
TS = "2024-05-07T14:49:55.887Z"
NOW_MS = 1_715_093_396_000
HEAD = (
    '{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange",'
    '"eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":'
    '"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","status":"BOOKED","hookData":'
)


def official_body() -> bytes:
    """The official payment event (benches/verify.rs "typical"; tests/vectors' typical body)."""
    return (
        b'{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange",'
        b'"eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":'
        b'"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","orderId":"8840d948-12da-4ca1-8269-3cfdc10b73bc",'
        b'"status":"BOOKED","instructionId":"302d7603-f5ce-45fb-82b3-a1a90ee26aca",'
        b'"hookData":{"customId":12341234,"note":"order x54352"}}}'
    )


def lines_body(hook_bytes: int) -> bytes:
    """The event whose hookData carries about ``hook_bytes`` of order lines (as the PHP bench)."""
    line = '{"sku":"SKU-000123","qty":2,"price":12.5,"name":"Modrotlačový obrus 140×180"}'
    size = len(line.encode())
    count = max(1, (hook_bytes - 40) // (size + 1))
    hook = '{"lines":[' + ",".join([line] * count) + '],"pad":"'
    hook += "x" * max(0, hook_bytes - len(hook.encode()) - 2) + '"}'
    return (HEAD + hook + "}}").encode()


def small_arrays_body(total_bytes: int) -> bytes:
    """An event of about ``total_bytes`` whose hookData is many small arrays (the worst shape for
    a copy per node: ~60,000 arrays in 300 KB)."""
    cell = "[1,2]"
    count = (total_bytes - len(HEAD) - 20) // (len(cell) + 1)
    return (HEAD + '{"grid":[' + ",".join([cell] * count) + "]}}}").encode()


def string_body(total_bytes: int) -> bytes:
    """An event of about ``total_bytes`` whose hookData is one long string (HMAC-bound)."""
    return (HEAD + '{"note":"' + "x" * (total_bytes - len(HEAD) - 20) + '"}}}').encode()


def lean_verify(body: bytes, header: str, secret: bytes, now_ms: int) -> Tuple[str, str, str, int]:
    """The lean hand-written verifier: (eventId, status, paymentId, event time ms) or raise."""
    ts = None
    sigs = []
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == "ts":
            ts = value
        elif key.startswith("v"):
            sigs.append(value)
    if ts is None or not sigs:
        raise ValueError("malformed header")
    mac = hmac.new(secret, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(mac, s) for s in sigs):
        raise ValueError("bad signature")
    signed = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    if abs(now_ms - int(signed.timestamp() * 1000)) > 300_000:
        raise ValueError("too old")
    event = json.loads(body)
    data = event.get("data") if isinstance(event, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("status"), str):
        raise ValueError("bad event")
    event_id = str(uuid.UUID(event["eventId"]))
    payment_id = str(uuid.UUID(data["paymentId"]))
    at = datetime.fromisoformat(str(event["eventTimestamp"]).replace("Z", "+00:00"))
    return event_id, data["status"], payment_id, int(at.timestamp() * 1000)


CLOCK: Callable[[], float] = time.thread_time


def measure(
    contenders: Dict[str, Callable[[], Any]], rounds: int, batch_seconds: float
) -> Dict[str, float]:
    """Median seconds per call of each contender, timed interleaved (rotating order)."""
    clock = CLOCK
    names = list(contenders)
    # Batch size per contender: about batch_seconds per batch.
    sizes: Dict[str, int] = {}
    for name in names:
        fn = contenders[name]
        n = 1
        while True:
            t0 = clock()
            for _ in range(n):
                fn()
            elapsed = clock() - t0
            if elapsed >= batch_seconds / 4 or n >= 1 << 20:
                break
            n *= 2
        sizes[name] = max(1, int(n * batch_seconds / max(elapsed, 1e-9)))
    samples: Dict[str, List[float]] = {name: [] for name in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for name in order:
            fn, n = contenders[name], sizes[name]
            t0 = clock()
            for _ in range(n):
                fn()
            samples[name].append((clock() - t0) / n)
    return {name: statistics.median(values) for name, values in samples.items()}


def fmt(seconds: float) -> str:
    us = seconds * 1e6
    return f"{us:.2f} µs" if us < 100 else f"{us:.0f} µs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=31, help="interleaved rounds (default 31)")
    parser.add_argument("--batch-ms", type=float, default=8.0, help="time per batch (default 8)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                        help="the thread's CPU time (default) or wall time")  # fmt: skip
    args = parser.parse_args()
    rounds = max(5, args.rounds)
    global CLOCK
    CLOCK = time.thread_time if args.clock == "cpu" else time.perf_counter

    lib = _core.lib()
    verifier = ew.Verifier([SECRET], max_body_bytes=2 * 1024 * 1024)
    # The native verifier verify() calls (the options with compactResult): the same library call.
    ptr = verifier._fast
    secret = SECRET.encode()
    shapes = [
        ("official event", official_body(), True),
        ("official event, forged signature", official_body(), False),
        ("64 KiB hookData", lines_body(64 * 1024), True),
        ("300 KB of small arrays in hookData", small_arrays_body(300 * 1000), True),
        ("1 MiB hookData string", string_body(1024 * 1024), True),
    ]
    print(
        f"bench-python: Python {sys.version.split()[0]}, library {ew.version()} "
        f"({ew.library_path()}); {rounds} interleaved rounds, medians per call, "
        f"{'thread CPU' if args.clock == 'cpu' else 'wall'} time"
    )
    missed: List[str] = []
    for name, body, genuine in shapes:
        header = ew.sign(body, [SECRET] if genuine else ["a secret the shop does not know"],
                         timestamp=TS)
        hb = header.encode()

        # The contenders must agree before they are timed.
        expected = lean_verify(body, header, secret, NOW_MS) if genuine else None
        if genuine:
            e = verifier.verify(body, header, now_ms=NOW_MS)
            got = (e.event_id, e.status, e.payment_id, e.event_timestamp_ms)
            assert got == expected, (got, expected)
        else:
            try:
                lean_verify(body, header, secret, NOW_MS)
                raise AssertionError("lean accepted a forged signature")
            except ValueError:
                pass

        def raw() -> bytes:
            res = lib.evf_verifier_process(ptr, body, len(body), hb, len(hb), NOW_MS)
            try:
                return lib.evf_result_json(res) or b""
            finally:
                lib.evf_result_free(res)

        first = json.loads(raw())
        assert (type(first) is list) is genuine  # a compact success is an array (docs/design.md)
        result_text = raw().decode("utf-8")

        def parse() -> Any:  # Python's json on the result alone: any consumer's floor
            return json.loads(result_text)

        hook_text = b"null"
        if genuine and first[22] is not None:  # hookData's exact text: its range in the body
            hook_text = body[first[22] : first[22] + first[23]]

        def hook() -> Any:  # Python's json on hookData alone: to_dict's floor
            return json.loads(hook_text)

        if genuine:
            def lean() -> Any:
                return lean_verify(body, header, secret, NOW_MS)

            def binding() -> Any:
                e = verifier.verify(body, header, now_ms=NOW_MS)
                return e.event_id, e.status, e.payment_id, e.event_timestamp_ms

            def to_dict() -> Any:
                return verifier.verify(body, header, now_ms=NOW_MS).to_dict()
        else:
            def lean() -> Any:
                try:
                    return lean_verify(body, header, secret, NOW_MS)
                except ValueError as exc:
                    return exc

            def binding() -> Any:
                try:
                    return verifier.verify(body, header, now_ms=NOW_MS)
                except ew.SignatureError as exc:
                    return exc.http_status

            to_dict = binding

        contenders: Dict[str, Callable[[], Any]] = {
            "lean": lean, "binding": binding, "raw": raw, "parse": parse, "hook": hook,
        }  # fmt: skip
        if genuine:
            contenders["to_dict"] = to_dict
        t = measure(contenders, rounds, args.batch_ms / 1000)
        parts = [f"lean {fmt(t['lean'])}", f"binding {fmt(t['binding'])} "
                 f"({t['lean'] / t['binding']:.2f}x lean)"]
        if "to_dict" in t:
            parts.append(f"to_dict {fmt(t['to_dict'])} ({t['lean'] / t['to_dict']:.2f}x lean)")
        # to_dict must decode hookData: its floor is that decoding, on top of the library call.
        worst = max(t["binding"], t.get("to_dict", 0.0) - t["hook"])
        parts.append(f"raw call+copy {fmt(t['raw'])}")
        ratios = f"verify {t['binding'] / t['raw']:.2f}x"
        if "to_dict" in t:
            # A difference of two timings: when hookData is most of the work (many small
            # containers, where json.loads alone varies with the garbage collector's phase), it
            # can come out below zero, which says only that nothing else was measurable.
            rest = t["to_dict"] - t["hook"]
            rest_text = (f"{rest / t['raw']:.2f}x" if rest > 0
                         else "not measurable (json.loads of hookData alone took as long)")
            ratios += (f", to_dict {t['to_dict'] / t['raw']:.2f}x, to_dict without json.loads of "
                       f"hookData {rest_text}")
        parts.append(f"binding/raw {worst / t['raw']:.2f}x ({ratios})")
        # What the binding adds on top of the library call (the library's own speed aside).
        added = [f"verify {fmt(t['binding'] - t['raw'])}"]
        if "to_dict" in t:
            added.append(f"to_dict {fmt(t['to_dict'] - t['raw'])}")
        parts.append("binding minus raw: " + ", ".join(added))
        parts.append(f"json.loads of the result alone {fmt(t['parse'])}")
        if "to_dict" in t:
            parts.append(f"json.loads of hookData alone {fmt(t['hook'])}")
        print(f"bench-python {name} ({len(body)} B): " + "; ".join(parts))
        if worst / t["raw"] > 5:
            missed.append(f"{name}: binding/raw {worst / t['raw']:.2f}x > 5x ({ratios})")
        if name == "official event":
            for who in ("binding", "to_dict"):
                if t["lean"] / t[who] < 1.2:
                    missed.append(f"{name}: {who} {t['lean'] / t[who]:.2f}x lean < 1.2x")
    # verify + decide on a large hookData against verify alone (a ratio: times are not asserted).
    body = lines_body(458 * 1000)
    header = ew.sign(body, [SECRET], timestamp=TS)

    def verify_only() -> Any:
        return verifier.verify(body, header, now_ms=NOW_MS).outcome

    def verify_decide() -> Any:
        return verifier.decide(verifier.verify(body, header, now_ms=NOW_MS), "{}").action

    def verify_decide_json() -> Any:  # the whole event as JSON text: hookData decoded + encoded
        return verifier.decide(verifier.verify(body, header, now_ms=NOW_MS).to_json(), "{}").action

    assert verify_decide() == verify_decide_json() == "apply"
    t = measure({"verify": verify_only, "decide": verify_decide, "json": verify_decide_json},
                rounds, args.batch_ms / 1000)  # fmt: skip
    print(f"bench-python verify+decide, 458 KB hookData ({len(body)} B): verify {fmt(t['verify'])}; "
          f"verify+decide {fmt(t['decide'])} ({t['decide'] / t['verify']:.2f}x verify); "
          f"verify+decide(event.to_json()) {fmt(t['json'])} ({t['json'] / t['verify']:.2f}x verify)")
    verifier.close()
    if missed:
        print("bench-python goals NOT met: " + "; ".join(missed))
    else:
        print("bench-python goals met: binding >= 1.2x lean on the official event (verify and "
              "to_dict); binding <= 5x the raw call for every input (to_dict: plus json.loads of "
              "hookData)")
    return 1 if missed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())

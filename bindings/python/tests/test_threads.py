"""One Verifier shared by 8 threads; and proof that the GIL is released during native calls."""

from __future__ import annotations

import ctypes
import threading
import time
import uuid
from datetime import timedelta
from typing import Any, List, Tuple

import everifin_webhook as ew
from everifin_webhook import _core, _lib
from helpers import SECRET_NEW, SECRET_OLD, T0, iso_ms, payment_body, python_sign

THREADS = 8
CALLS = 300
NOW_MS = int(T0.timestamp() * 1000)
STATUSES = ["CREATED", "PROCESSING", "CONFIRMED", "BOOKED", "FAILED", "EXPIRED"]
OUTCOME = {"CREATED": "pending", "PROCESSING": "pending", "CONFIRMED": "authorized",
           "BOOKED": "paid", "FAILED": "failed", "EXPIRED": "expired"}  # fmt: skip


def make_work(thread: int) -> List[Tuple[bytes, str, str, str]]:
    """(body, header, expected status name, expected eventId or '') for one thread."""
    work = []
    for i in range(CALLS):
        event_id = str(uuid.uuid4())
        status = STATUSES[(thread + i) % len(STATUSES)]
        body = payment_body(status, event_id=event_id, event_time=T0, external_id=f"o-{thread}-{i}")
        kind = i % 4
        if kind == 0:
            work.append((body, python_sign(body, [SECRET_OLD], iso_ms(T0)), "OK", event_id))
        elif kind == 1:  # signed by the newer secret only
            work.append((body, python_sign(body, [SECRET_NEW], iso_ms(T0)), "OK", event_id))
        elif kind == 2:  # forged
            work.append((body, python_sign(body, ["forged"], iso_ms(T0)), "SIGNATURE_MISMATCH", ""))
        else:  # authentic, but 10 minutes old
            ts = iso_ms(T0 - timedelta(minutes=10))
            work.append((body, python_sign(body, [SECRET_OLD], ts), "TIMESTAMP_TOO_OLD", ""))
    return work


def test_eight_threads_share_one_verifier() -> None:
    verifier = ew.Verifier([SECRET_OLD, SECRET_NEW])
    works = [make_work(t) for t in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    failures: List[str] = []
    done = [0] * THREADS

    def worker(t: int) -> None:
        barrier.wait()
        for body, header, expected, event_id in works[t]:
            try:
                event = verifier.verify(body, header, now_ms=NOW_MS)
                got = "OK"
            except ew.WebhookError as exc:
                got = exc.status
                event = None
            if got != expected:
                failures.append(f"thread {t}: {got} != {expected}")
                continue
            if event is not None:
                if event.event_id != event_id or event.outcome != OUTCOME[event.status or ""]:
                    failures.append(f"thread {t}: wrong event {event.event_id}")
                decision = verifier.decide(event, {})
                if (decision.action, decision.state.get("lastEventId")) != ("apply", event_id):
                    failures.append(f"thread {t}: wrong decision {decision}")
            done[t] += 1

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not any(th.is_alive() for th in threads)
    assert failures == []
    assert done == [CALLS] * THREADS


def max_gap_during(call: Any) -> Tuple[float, float]:
    """Run `call` in this thread while another Python thread spins; return (duration of the call,
    longest time the spinning thread made no progress)."""
    stop = threading.Event()
    running = threading.Event()
    gaps = [0.0]

    def spin() -> None:
        last = time.perf_counter()
        running.set()
        while not stop.is_set():
            now = time.perf_counter()
            if now - last > gaps[0]:
                gaps[0] = now - last
            last = now

    th = threading.Thread(target=spin)
    th.start()
    running.wait()
    time.sleep(0.02)
    gaps[0] = 0.0
    start = time.perf_counter()
    call()
    duration = time.perf_counter() - start
    stop.set()
    th.join()
    return duration, gaps[0]


def test_gil_is_released_during_native_calls() -> None:
    """A 48 MiB body with a forged signature makes one native call take a long time (two HMACs
    over the whole body). With ctypes.CDLL (what the package uses) a Python thread keeps running
    during that call; loaded through ctypes.PyDLL (which holds the GIL) the same call blocks it:
    this shows that the measurement can tell the two apart."""
    size = 48 * 1024 * 1024
    verifier = ew.Verifier([SECRET_OLD, SECRET_NEW], max_body_bytes=64 * 1024 * 1024)
    body = b"x" * size
    header = ("ts=" + iso_ms(T0) + ";v0=" + "0" * 64).encode()
    lib = _core.lib()
    holding = _lib.load(dll_type=ctypes.PyDLL, paths=[lib.path])

    def via(l: _lib.Lib) -> Any:
        def call() -> None:
            ptr = l.evf_verifier_process(verifier._ptr, body, len(body), header, len(header), NOW_MS)
            try:
                assert l.evf_result_status(ptr) == 13  # SIGNATURE_MISMATCH
            finally:
                l.evf_result_free(ptr)

        return call

    assert isinstance(lib.dll, ctypes.CDLL) and not isinstance(lib.dll, ctypes.PyDLL)
    held_duration, held_gap = max_gap_during(via(holding))
    assert held_gap > 0.6 * held_duration, (held_duration, held_gap)
    best = None
    for _ in range(3):  # tolerate a scheduling hiccup on a loaded machine
        duration, gap = max_gap_during(via(lib))
        assert duration > 0.02, "the call is too short to measure anything"
        if gap < 0.25 * duration:
            best = (duration, gap)
            break
    assert best is not None, f"the spinning thread stalled during CDLL calls: {duration}, {gap}"
    # The typed API goes through the same CDLL functions.
    duration, gap = max_gap_during(lambda: _expect_mismatch(verifier, body, header))
    assert gap < 0.5 * duration or duration < 0.02


def _expect_mismatch(verifier: ew.Verifier, body: bytes, header: bytes) -> None:
    try:
        verifier.verify(body, header, now_ms=NOW_MS)
    except ew.SignatureError as exc:
        assert exc.status == "SIGNATURE_MISMATCH"
    else:
        raise AssertionError("forged signature accepted")

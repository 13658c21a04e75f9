"""Memory stays flat over a long loop of calls, failures included.

The loop runs in a fresh interpreter and reports the growth of its resident set size (RSS) between
a warm-up and the end. To show that the measurement would catch a native leak, the same loop is
run once more with ``evf_result_free`` replaced by a no-op (results are then leaked on purpose):
its growth must exceed the bound that the real run stays under.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CALLS = 20_000
# RSS growth allowed for 20k calls: 3 MiB is about 157 bytes per call, less than any result (its
# JSON alone is 150 bytes to 2 KB), so leaking the results of even a third of the calls exceeds it,
# while a loop that frees everything grows by a few pages at most.
BOUND = 3 * 1024 * 1024

SCRIPT = r"""
import gc, json, os, sys
sys.path.insert(0, sys.argv[3])
import everifin_webhook as ew
from everifin_webhook import _core
from helpers import SECRET_NEW, SECRET_OLD, T0, iso_ms, payment_body, python_sign
from datetime import timedelta

mode, calls = sys.argv[1], int(sys.argv[2])
if mode in ("leak", "verifiers-leak"):
    _core.lib().evf_result_free = lambda ptr: None
if mode == "verifiers-leak":
    _core.lib().evf_verifier_free = lambda ptr: None

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

v = ew.Verifier([SECRET_OLD, SECRET_NEW])
now = int(T0.timestamp() * 1000)
hook = {"cart": ["item-%d" % i for i in range(60)], "note": "order x54352"}
body = payment_body("BOOKED", event_time=T0, hook_data=hook)
good = python_sign(body, [SECRET_OLD], iso_ms(T0))
forged = python_sign(body, ["forged"], iso_ms(T0))
old = python_sign(body, [SECRET_NEW], iso_ms(T0 - timedelta(hours=1)))
bad_body = b'{"eventId":"not-a-uuid","data":{}}'
bad_header = python_sign(bad_body, [SECRET_OLD], iso_ms(T0))
event = v.verify(body, good, now_ms=now)

many = ["hook secret number %02d " % n + "x" * 40 for n in range(16)]

def one(i):
    if mode.startswith("verifiers"):  # create and drop verifiers (16 secrets each)
        ew.Verifier(many)
        return
    k = i % 8
    try:
        if k == 0:
            v.verify(body, good, now_ms=now)
        elif k == 1:
            v.verify(body, forged, now_ms=now)
        elif k == 2:
            v.verify(body, old, now_ms=now)
        elif k == 3:
            v.verify(bad_body, bad_header, now_ms=now)
        elif k == 4:
            ew.decide(event, {"status": "PROCESSING", "recentEventIds": ["a", "b"]})
        elif k == 5:
            ew.decide(event, '{"recentEventIds": 5}')
        elif k == 6:
            ew.normalize(body)
        else:
            j = (i // 8) % 3
            if j == 0:
                ew.Verifier([""])  # creation fails
            elif j == 1:
                ew.Verifier([SECRET_OLD, SECRET_NEW]).verify(body, good, now_ms=now)  # freed on drop
            else:
                ew.sign(body, [SECRET_OLD], timestamp="bad")
    except ew.WebhookError:
        pass

for i in range(2000):
    one(i)
gc.collect()
before = rss()
for i in range(calls):
    one(i)
gc.collect()
print(json.dumps({"growth": rss() - before}))
"""


def run_loop(mode: str) -> int:
    tests_dir = Path(__file__).resolve().parent
    env = {k: v for k, v in os.environ.items()}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode, str(CALLS), str(tests_dir)],
        capture_output=True,
        text=True,
        env=env,
        cwd="/",
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    return int(json.loads(out.stdout.strip().splitlines()[-1])["growth"])


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
def test_memory_stays_flat_and_the_test_detects_leaks() -> None:
    growth = run_loop("free")
    leaked = run_loop("leak")
    print(f"RSS growth over {CALLS} calls: {growth} bytes; with results leaked: {leaked} bytes")
    assert growth < BOUND, f"RSS grew by {growth} bytes over {CALLS} calls"
    # Sensitivity: leaking the results (each a few hundred bytes to ~2 KB of JSON plus the result
    # itself) must blow the bound; otherwise this test could not catch a leak.
    assert leaked > BOUND, f"a deliberate leak grew RSS by only {leaked} bytes"
    assert leaked > 3 * max(growth, 1)


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
def test_verifiers_are_freed() -> None:
    growth = run_loop("verifiers")
    leaked = run_loop("verifiers-leak")  # evf_verifier_free replaced by a no-op
    print(f"RSS growth over {CALLS} verifiers: {growth} bytes; never freed: {leaked} bytes")
    assert growth < BOUND, f"RSS grew by {growth} bytes over {CALLS} verifiers"
    assert leaked > BOUND, f"leaking the verifiers grew RSS by only {leaked} bytes"

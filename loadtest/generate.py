#!/usr/bin/env python3
"""Load and fault generator of `make loadtest` (started by loadtest/run.sh; docs/proof.md).

Plays, for many orders of a shop, what Everifin delivers: realistic payment stories (several
payment attempts, refunds, unknown event types, order-level events), each event delivered in waves
(copies of one event in the same wave are sent concurrently: duplicate deliveries), some events late
(a PROCESSING after the BOOKED, an abandoned attempt's EXPIRED after another attempt was booked),
plus forged requests (signed with another secret) and stale ones (authentic but signed 10 minutes
ago). Like Everifin it retries a delivery answered 5xx, or not answered (timeout, connection
reset), at most 5 times; 4xx are not retried. Meanwhile it SIGKILLs PHP-FPM workers.

Then it reads the shop's database (orders, applied_events, deliveries) and compares it with what
the stories imply, from the guarantees alone (issue 9), never from the library:
  - lost: a valid event that no committed decision saw (or that was never answered 2xx);
  - double-applied: a valid eventId applied more than once;
  - wrong final state: an order whose story booked a payment and never refunded it is not paid,
    whose story booked a refund is not refunded, whose story never booked a payment ends paid or
    refunded; or an order where a forged or stale request was processed at all.

Last line: `loadtest: N requests at concurrency C, K worker kills, L lost events, D double-applied,
W wrong final states`; exit status 1 unless L, D and W are 0.

Environment: LOADTEST_URL, LOADTEST_SECRET, LOADTEST_FPM_PID, LOADTEST_MYSQL (the client command,
space-separated), LOADTEST_REQUESTS (20000), LOADTEST_CONCURRENCY (32), LOADTEST_KILLS (8),
LOADTEST_STORIES (comma-separated kinds, default all), LOADTEST_SEED.
"""

import hashlib
import hmac
import http.client
import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from datetime import datetime, timedelta, timezone

URL = urllib.parse.urlsplit(os.environ.get("LOADTEST_URL", "http://127.0.0.1:8080/webhook"))
SECRET = os.environ["LOADTEST_SECRET"].encode()
FORGED_SECRET = b"whsec-not-the-shop-secret-6e1f0a"
TOTAL = int(os.environ.get("LOADTEST_REQUESTS", "20000"))
CONCURRENCY = int(os.environ.get("LOADTEST_CONCURRENCY", "32"))
KILLS = int(os.environ.get("LOADTEST_KILLS", "8"))
FPM_PID = int(os.environ.get("LOADTEST_FPM_PID", "0"))
MYSQL = os.environ.get("LOADTEST_MYSQL", "mariadb").split()
MAX_RETRIES = 5
TIMEOUT_S = 15

# Story kinds and what they must end as (from the guarantees, not from the library).
KINDS = {
    "paid_first_try": "paid",
    "paid_after_failed_attempt": "paid",
    "late_failure_after_paid": "paid",
    "refunded": "refunded",
    "never_paid": "unpaid",
    "unknown_type_then_late_failure": "paid",
    "order_unpaid_after_paid": "paid",
}


def ts(dt):
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def sign(body, secret, when):
    t = ts(when)
    mac = hmac.new(secret, t.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"ts={t};v0={mac}"


class Event:
    """One event of a story: its body, and whether it is valid (authentic and fresh)."""

    def __init__(self, order_no, event_type, data, when, kind="valid"):
        self.id = str(uuid.uuid4())
        self.kind = kind  # valid | forged | stale
        body = {"eventId": self.id, "eventType": event_type, "eventTimestamp": ts(when), "data": data}
        data["externalId"] = str(order_no)
        self.body = json.dumps(body, separators=(",", ":")).encode()
        self.order_no = order_no
        self.answered = None  # the final HTTP status
        self.label = f"{event_type} {data.get('status')}"


class Story:
    def __init__(self, order_no, kind, rng):
        self.order_no = order_no
        self.kind = kind
        self.expect = KINDS[kind]
        self.events = []  # valid events
        self.bad = []  # forged and stale events
        self.waves = []  # list of lists of events (copies = duplicate deliveries)
        self.lock = threading.Lock()
        self.pending = 0
        self.wave = 0
        self._build(rng)

    def _build(self, rng):
        o = self.order_no
        everifin_order = str(uuid.uuid4())
        clock = [datetime.now(timezone.utc) - timedelta(minutes=30)]

        def at():
            clock[0] += timedelta(seconds=rng.randint(1, 40), milliseconds=rng.randint(0, 999))
            return clock[0]

        def pay(pid, status):
            e = Event(o, "payment.statusChange", {"paymentId": pid, "orderId": everifin_order, "status": status,
                                                  "hookData": {"orderId": o}}, at())
            self.events.append(e)
            return e

        def refund(rid, status):
            # Everifin sends refunds as payment.statusChange events carrying a refundId.
            e = Event(o, "payment.statusChange", {"refundId": rid, "orderId": everifin_order, "status": status}, at())
            self.events.append(e)
            return e

        p1, p2, r1 = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
        k = self.kind
        w = []  # the waves, in delivery order
        if k == "paid_first_try":
            c, pr, b = pay(p1, "CREATED"), pay(p1, "PROCESSING"), pay(p1, "BOOKED")
            w = [[c], [b, b], [pr]] if rng.random() < 0.5 else [[c, c], [pr], [b, b, b]]
        elif k == "paid_after_failed_attempt":
            c1, f1 = pay(p1, "CREATED"), pay(p1, "FAILED")
            c2, pr2, b2 = pay(p2, "CREATED"), pay(p2, "PROCESSING"), pay(p2, "BOOKED")
            w = [[c1], [f1, f1], [c2], [b2, b2], [pr2, f1]]
        elif k == "late_failure_after_paid":
            c1 = pay(p1, "CREATED")  # the abandoned first attempt
            c2, b2 = pay(p2, "CREATED"), pay(p2, "BOOKED")
            e1 = pay(p1, "EXPIRED")  # expires later, delivered after the booking
            w = [[c1], [c2, c1], [b2], [e1, e1, b2]]
        elif k == "refunded":
            c, b = pay(p1, "CREATED"), pay(p1, "BOOKED")
            rc, rb = refund(r1, "CREATED"), refund(r1, "BOOKED")
            w = [[c], [b, b], [rc], [rb, rb], [c]]
        elif k == "never_paid":
            c1, f1 = pay(p1, "CREATED"), pay(p1, "FAILED")
            c2, x2 = pay(p2, "CREATED"), pay(p2, "EXPIRED")
            w = [[c1], [f1], [c2, c2], [x2], [f1, x2]]
        elif k == "unknown_type_then_late_failure":
            c1 = pay(p1, "CREATED")
            c2, b2 = pay(p2, "CREATED"), pay(p2, "BOOKED")
            u = Event(o, "merchant.noticeIssued", {"status": "ISSUED"}, at())
            self.events.append(u)
            e1 = pay(p1, "EXPIRED")
            w = [[c1], [c2], [b2, b2], [u], [e1, e1]]
        elif k == "order_unpaid_after_paid":
            c, b = pay(p1, "CREATED"), pay(p1, "BOOKED")
            u = Event(o, "order.statusChange", {"orderId": everifin_order, "status": "UNPAID"}, at())
            self.events.append(u)
            w = [[c], [b], [u, u]]
        # Forged and stale requests: what would hurt this order most if it got in.
        hurt = "FAILED" if self.expect in ("paid", "refunded") else "BOOKED"
        forged = Event(o, "payment.statusChange", {"paymentId": p1, "orderId": everifin_order, "status": hurt}, at(),
                       kind="forged")
        stale = Event(o, "payment.statusChange", {"paymentId": p2, "orderId": everifin_order, "status": hurt}, at(),
                      kind="stale")
        self.bad = [forged, stale]
        w[rng.randrange(len(w))].append(forged)
        w[rng.randrange(len(w))].append(stale)
        self.waves = w

    def deliveries(self):
        return sum(len(x) for x in self.waves)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.retries = 0
        self.latencies = []
        self.codes = {}
        self.gave_up = 0
        self.kills = 0


def worker(jobs, stats, done_event):
    conn = None
    while True:
        job = jobs.get()
        if job is None:
            return
        story, event = job
        final = deliver(event, stats, conn_holder := [conn])
        conn = conn_holder[0]
        with story.lock:
            if event.answered is None or (final is not None and 200 <= final < 300):
                event.answered = final
            story.pending -= 1
            release = story.pending == 0
            if release:
                story.wave += 1
        if release:
            if story.wave < len(story.waves):
                with story.lock:
                    story.pending = len(story.waves[story.wave])
                for e in story.waves[story.wave]:
                    jobs.put((story, e))
            else:
                done_event()
        jobs.task_done()


def deliver(event, stats, holder):
    """Sends one delivery with Everifin's retries; returns the last HTTP status (None: no answer)."""
    status = None
    for attempt in range(MAX_RETRIES + 1):
        now = datetime.now(timezone.utc)
        if event.kind == "forged":
            header = sign(event.body, FORGED_SECRET, now)
        elif event.kind == "stale":
            header = sign(event.body, SECRET, now - timedelta(minutes=10))
        else:
            header = sign(event.body, SECRET, now)
        t0 = time.perf_counter()
        try:
            if holder[0] is None:
                holder[0] = http.client.HTTPConnection(URL.hostname, URL.port, timeout=TIMEOUT_S)
            holder[0].request("POST", URL.path, body=event.body,
                              headers={"Content-Type": "application/json", "Signature": header})
            resp = holder[0].getresponse()
            resp.read()
            status = resp.status
            if resp.getheader("Connection", "").lower() == "close":
                holder[0].close()
                holder[0] = None
        except (OSError, http.client.HTTPException):
            status = None
            if holder[0] is not None:
                holder[0].close()
            holder[0] = None
        dt = time.perf_counter() - t0
        with stats.lock:
            stats.requests += 1
            stats.latencies.append(dt)
            stats.codes[status] = stats.codes.get(status, 0) + 1
            if attempt > 0:
                stats.retries += 1
        if status is not None and status < 500:
            return status
        time.sleep(min(0.05 * (2 ** attempt), 1.0))
    with stats.lock:
        stats.gave_up += 1
    return status


def fpm_workers():
    try:
        with open(f"/proc/{FPM_PID}/task/{FPM_PID}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def killer(stats, stop, rng):
    """SIGKILLs one PHP-FPM worker each time another 1/(KILLS+1) of the requests has been sent."""
    planned = [TOTAL * (i + 1) // (KILLS + 1) for i in range(KILLS)]
    while planned and not stop.is_set():
        with stats.lock:
            sent = stats.requests
        if sent >= planned[0]:
            planned.pop(0)
            workers = fpm_workers()
            if workers:
                try:
                    os.kill(rng.choice(workers), signal.SIGKILL)
                    with stats.lock:
                        stats.kills += 1
                except ProcessLookupError:
                    planned.insert(0, sent)
        time.sleep(0.005)


def sql(query):
    out = subprocess.run(MYSQL + ["-B", "-N", "shop", "-e", query], check=True, capture_output=True, text=True)
    return [line.split("\t") for line in out.stdout.splitlines() if line]


def main():
    rng = random.Random(int(os.environ.get("LOADTEST_SEED", str(int(time.time())))))
    kinds = [k for k in os.environ.get("LOADTEST_STORIES", "").split(",") if k] or list(KINDS)
    for k in kinds:
        if k not in KINDS:
            sys.exit(f"loadtest: unknown story kind {k!r} (known: {', '.join(KINDS)})")
    stories = []
    planned = 0
    while planned < TOTAL:
        s = Story(len(stories) + 1, kinds[len(stories) % len(kinds)], rng)
        stories.append(s)
        planned += s.deliveries()
    sql("INSERT INTO orders (id) VALUES " + ",".join(f"({s.order_no})" for s in stories))
    print(f"loadtest: {len(stories)} orders ({', '.join(kinds)}), {planned} deliveries planned, "
          f"concurrency {CONCURRENCY}, {KILLS} PHP-FPM worker kills planned")

    stats = Stats()
    jobs = queue.Queue()
    remaining = [len(stories)]
    rem_lock = threading.Lock()
    all_done = threading.Event()

    def story_done():
        with rem_lock:
            remaining[0] -= 1
            if remaining[0] == 0:
                all_done.set()

    for s in stories:
        s.pending = len(s.waves[0])
        for e in s.waves[0]:
            jobs.put((s, e))
    stop = threading.Event()
    kt = threading.Thread(target=killer, args=(stats, stop, rng), daemon=True)
    threads = [threading.Thread(target=worker, args=(jobs, stats, story_done), daemon=True) for _ in range(CONCURRENCY)]
    t0 = time.perf_counter()
    kt.start()
    for t in threads:
        t.start()
    all_done.wait()
    elapsed = time.perf_counter() - t0
    stop.set()
    for _ in threads:
        jobs.put(None)
    for t in threads:
        t.join()
    kt.join()

    lat = sorted(stats.latencies)
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
    print(f"loadtest: webhook endpoint: {stats.requests / elapsed:.0f} requests/s over {elapsed:.1f} s, "
          f"latency p50 {p(0.50):.1f} ms, p99 {p(0.99):.1f} ms, max {lat[-1] * 1000:.1f} ms")
    print(f"loadtest: answers {dict(sorted(stats.codes.items(), key=lambda kv: str(kv[0])))}, "
          f"{stats.retries} retries, {stats.gave_up} deliveries given up after {MAX_RETRIES} retries")

    # What the shop's database says.
    orders = {int(r[0]): r[1] for r in sql("SELECT id, IFNULL(shop_outcome, 'NULL') FROM orders")}
    applied = {}
    for eid, n in sql("SELECT event_id, COUNT(*) FROM applied_events GROUP BY event_id"):
        applied[eid] = int(n)
    seen = {r[0] for r in sql("SELECT DISTINCT event_id FROM deliveries")}

    lost, double, wrong = [], [], []
    bad_answers = 0
    for s in stories:
        for e in s.events:
            if e.id not in seen or e.answered is None or not (200 <= e.answered < 300):
                lost.append((s, e))
            if applied.get(e.id, 0) > 1:
                double.append((s, e))
        reasons = []
        got = orders.get(s.order_no, "NULL")
        if s.expect == "paid" and got != "paid":
            reasons.append(f"ends {got}, expected paid")
        elif s.expect == "refunded" and got != "refunded":
            reasons.append(f"ends {got}, expected refunded")
        elif s.expect == "unpaid" and got in ("paid", "refunded"):
            reasons.append(f"ends {got}, but no payment was ever booked")
        for e in s.bad:
            if e.id in seen or e.id in applied:
                reasons.append(f"a {e.kind} request was processed ({e.label})")
            if e.answered != 401:
                bad_answers += 1
        if reasons:
            wrong.append((s, reasons))

    by_kind = {}
    for s, reasons in wrong:
        by_kind.setdefault(s.kind, []).append(reasons)
    for k in kinds:
        n = sum(1 for s in stories if s.kind == k)
        bad = by_kind.get(k, [])
        print(f"loadtest: story {k}: {n} orders, {len(bad)} wrong" + (f" (e.g. order: {'; '.join(bad[0])})" if bad else ""))
    for s, e in lost[:5]:
        print(f"loadtest: lost: order {s.order_no} ({s.kind}) event {e.id} {e.label}, last answer {e.answered}")
    for s, e in double[:5]:
        print(f"loadtest: double-applied: order {s.order_no} ({s.kind}) event {e.id} {e.label} x{applied[e.id]}")
    if bad_answers:
        print(f"loadtest: {bad_answers} forged/stale requests were not answered 401")
    print(f"loadtest: {stats.requests} requests at concurrency {CONCURRENCY}, {stats.kills} worker kills, "
          f"{len(lost)} lost events, {len(double)} double-applied, {len(wrong)} wrong final states")
    return 0 if not lost and not double and not wrong else 1


if __name__ == "__main__":
    sys.exit(main())

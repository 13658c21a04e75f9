"""The Flask and Django example shops (examples/), through each framework's own test client and
through a real HTTP server on 127.0.0.1: verify, decide, persist in SQLite, answer http_status."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest

from helpers import EXAMPLES_DIR, SECRET_NEW, SECRET_OLD, iso_ms, payment_body, python_sign

SECRETS = [SECRET_OLD, SECRET_NEW]
PATH = "/webhooks/everifin"

Post = Callable[[bytes, Optional[str]], Tuple[int, Dict[str, Any]]]


@dataclass
class Shop:
    """What the scenario needs from an example: send a request, create and read orders."""

    post: Post
    create_order: Callable[[str], None]
    order: Callable[[str], Dict[str, Any]]  # payment_state, webhook_state (dict), fulfilments
    set_webhook_state: Callable[[str, str], None]
    log_count: Callable[[str], int]


def signed_now(body: bytes, secrets: List[str] = SECRETS, age: timedelta = timedelta()) -> str:
    return python_sign(body, secrets, iso_ms(datetime.now(timezone.utc) - age))


def run_scenario(shop: Shop) -> None:
    ref = f"order-{uuid.uuid4().hex[:8]}"
    pay = str(uuid.uuid4())
    shop.create_order(ref)
    t0 = datetime(2024, 5, 7, 14, 49, 55, 884000, tzinfo=timezone.utc)

    def body(status: str, seconds: int, **kw: Any) -> bytes:
        return payment_body(
            status, payment_id=pay, external_id=ref, event_time=t0 + timedelta(seconds=seconds), **kw
        )

    # 1. PROCESSING: first event, applied
    processing = body("PROCESSING", 0)
    status, answer = shop.post(processing, signed_now(processing))
    assert (status, answer["result"], answer["reason"]) == (200, "apply", "first"), answer
    assert shop.order(ref)["payment_state"] == "pending"

    # 2. BOOKED (signed by the newer secret only, as after a rotation): paid, fulfilment starts
    booked = body("BOOKED", 5)
    booked_header = signed_now(booked, [SECRET_NEW])
    status, answer = shop.post(booked, booked_header)
    assert (status, answer["result"], answer["reason"]) == (200, "apply", "newer"), answer
    order = shop.order(ref)
    assert (order["payment_state"], order["fulfilments"]) == ("paid", 1)
    assert order["webhook_state"]["status"] == "BOOKED"

    # 3. Everifin retries the same delivery: a duplicate, received (200) but not applied again
    status, answer = shop.post(booked, booked_header)
    assert (status, answer["result"], answer["reason"]) == (200, "skip", "duplicate"), answer
    assert shop.order(ref)["fulfilments"] == 1

    # 4. An older event arriving late: stale
    failed = body("FAILED", -10)
    status, answer = shop.post(failed, signed_now(failed))
    assert (status, answer["result"], answer["reason"]) == (200, "skip", "stale"), answer

    # 5. A newer event that would move a final status back: regression
    later = body("PROCESSING", 20)
    status, answer = shop.post(later, signed_now(later))
    assert (status, answer["result"], answer["reason"]) == (200, "skip", "regression"), answer
    order = shop.order(ref)
    assert (order["payment_state"], order["fulfilments"]) == ("paid", 1)
    before = order["webhook_state"]
    assert len(before["recentEventIds"]) == 4

    # 6. Rejected requests change nothing and get the library's HTTP status
    rejected = [
        (body("FAILED", 30), "forged", 401, "SIGNATURE_MISMATCH"),
        (body("FAILED", 31), None, 401, "HEADER_MISSING"),
        (body("FAILED", 32), "old", 401, "TIMESTAMP_TOO_OLD"),
        (b'{"eventId":"x","data":{}}', "good", 400, "EVENT_INVALID"),
        (b"\xff not utf-8", "good", 400, "BODY_NOT_UTF8"),
    ]
    for raw, kind, http, error in rejected:
        header = {
            "forged": lambda b: signed_now(b, ["not the shop's secret"]),
            "old": lambda b: signed_now(b, SECRETS, timedelta(minutes=10)),
            "good": lambda b: signed_now(b),
        }[kind](raw) if kind else None
        status, answer = shop.post(raw, header)
        assert (status, answer["error"]) == (http, error), answer
        assert answer["message"]
        assert SECRET_OLD not in json.dumps(answer) and SECRET_NEW not in json.dumps(answer)
    assert shop.order(ref)["webhook_state"] == before
    assert shop.log_count(ref) == 5  # one log row per decided event

    # 7. An order this shop does not know: received and ignored
    other = payment_body("BOOKED", external_id="order-of-another-shop")
    status, answer = shop.post(other, signed_now(other))
    assert (status, answer["result"], answer["reason"]) == (200, "ignored", "unknown order")

    # 8. A corrupted stored state: 500 so that Everifin retries once it is repaired
    shop.set_webhook_state(ref, '{"recentEventIds": 5}')
    newer = body("BOOKED", 40)
    status, answer = shop.post(newer, signed_now(newer))
    assert (status, answer["error"]) == (500, "STATE_INVALID"), answer


def run_concurrent_duplicates(shop: Shop, senders: int = 6) -> None:
    """Everifin (or a retry racing the original) delivers one BOOKED event several times at once:
    exactly one delivery applies it, fulfilment starts once."""
    ref = f"order-{uuid.uuid4().hex[:8]}"
    shop.create_order(ref)
    raw = payment_body("BOOKED", external_id=ref)
    header = signed_now(raw)
    barrier = threading.Barrier(senders)
    answers: List[Tuple[int, Dict[str, Any]]] = []
    lock = threading.Lock()

    def send() -> None:
        barrier.wait()
        got = shop.post(raw, header)
        with lock:
            answers.append(got)

    threads = [threading.Thread(target=send) for _ in range(senders)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert len(answers) == senders
    assert all(status == 200 for status, _ in answers), answers
    results = sorted((a["result"], a["reason"]) for _, a in answers)
    assert results == [("apply", "first")] + [("skip", "duplicate")] * (senders - 1), results
    order = shop.order(ref)
    assert (order["payment_state"], order["fulfilments"]) == ("paid", 1)


def http_post(base: str) -> Post:
    def post(body: bytes, signature: Optional[str]) -> Tuple[int, Dict[str, Any]]:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["Signature"] = signature
        req = urllib.request.Request(base + PATH, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    return post


# --- Flask -------------------------------------------------------------------------------------


@pytest.fixture
def flask_shop(tmp_path: Path) -> Iterator[Tuple[Any, Shop]]:
    import flask_app

    db = str(tmp_path / "flask-shop.sqlite3")
    app = flask_app.create_app(db, SECRETS)
    client = app.test_client()

    def post(body: bytes, signature: Optional[str]) -> Tuple[int, Dict[str, Any]]:
        headers = {"Signature": signature} if signature is not None else {}
        resp = client.post(PATH, data=body, headers=headers, content_type="application/json")
        return resp.status_code, resp.get_json()

    def sql(query: str, *args: Any) -> List[sqlite3.Row]:
        conn = flask_app.connect(db)
        try:
            return list(conn.execute(query, args).fetchall())
        finally:
            conn.close()

    def order(ref: str) -> Dict[str, Any]:
        row = sql("SELECT * FROM orders WHERE reference = ?", ref)[0]
        return {
            "payment_state": row["payment_state"],
            "webhook_state": json.loads(row["webhook_state"]),
            "fulfilments": row["fulfilments"],
        }

    def create_order(ref: str) -> None:
        sql("INSERT INTO orders (reference) VALUES (?)", ref)

    def set_webhook_state(ref: str, state: str) -> None:
        sql("UPDATE orders SET webhook_state = ? WHERE reference = ?", state, ref)

    def log_count(ref: str) -> int:
        return int(sql("SELECT COUNT(*) FROM webhook_log WHERE reference = ?", ref)[0][0])

    shop = Shop(post, create_order, order, set_webhook_state, log_count)
    yield app, shop


def test_flask_example_with_test_client(flask_shop: Tuple[Any, Shop]) -> None:
    run_scenario(flask_shop[1])


def test_flask_example_over_http(flask_shop: Tuple[Any, Shop]) -> None:
    from werkzeug.serving import make_server

    app, shop = flask_shop
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        shop.post = http_post(f"http://127.0.0.1:{server.server_port}")
        run_scenario(shop)
        run_concurrent_duplicates(shop)
    finally:
        server.shutdown()
        thread.join(timeout=10)


# --- Django ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def django_ready(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    db = tmp_path_factory.mktemp("django") / "django-shop.sqlite3"
    os.environ["EVERIFIN_SHOP_DB"] = str(db)
    os.environ["EVERIFIN_WEBHOOK_SECRETS"] = json.dumps(SECRETS)
    os.environ["DJANGO_SETTINGS_MODULE"] = "shopsite.settings"
    django_dir = str(EXAMPLES_DIR / "django_app")
    if django_dir not in sys.path:
        sys.path.insert(0, django_dir)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from django.conf import settings

    assert settings.DATABASES["default"]["NAME"] == str(db)
    yield


def django_shop(post: Post) -> Shop:
    from shop.models import Order, WebhookLog

    def order(ref: str) -> Dict[str, Any]:
        o = Order.objects.get(reference=ref)
        return {
            "payment_state": o.payment_state,
            "webhook_state": o.webhook_state,
            "fulfilments": o.fulfilments,
        }

    def set_state(ref: str, text: str) -> None:
        Order.objects.filter(reference=ref).update(webhook_state=json.loads(text))

    def create_order(ref: str) -> None:
        Order.objects.create(reference=ref)

    def log_count(ref: str) -> int:
        return int(WebhookLog.objects.filter(reference=ref).count())

    return Shop(post, create_order, order, set_state, log_count)


def test_django_example_with_test_client(django_ready: None) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)  # the webhook must work without a CSRF token

    def post(body: bytes, signature: Optional[str]) -> Tuple[int, Dict[str, Any]]:
        headers = {"Signature": signature} if signature is not None else {}
        resp = client.post(PATH, data=body, content_type="application/json", headers=headers)
        return resp.status_code, json.loads(resp.content)

    run_scenario(django_shop(post))
    assert client.get(PATH).status_code == 405


def test_django_example_over_http(django_ready: None) -> None:
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):  # type: ignore[misc]
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(get_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        shop = django_shop(http_post(f"http://127.0.0.1:{server.server_port}"))
        run_scenario(shop)
        run_concurrent_duplicates(shop)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

"""The Flask and Django example shops (examples/), through each framework's own test client and
through a real HTTP server on 127.0.0.1: verify, decide, persist in SQLite, answer http_status."""

from __future__ import annotations

import contextlib
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

from everifin_webhook import DEFAULT_MAX_BODY_BYTES
from helpers import EXAMPLES_DIR, SECRET_NEW, SECRET_OLD, iso_ms, payment_body, python_sign

SECRETS = [SECRET_OLD, SECRET_NEW]
PATH = "/webhooks/everifin"

Post = Callable[[bytes, Optional[str]], Tuple[int, Dict[str, Any]]]


@dataclass
class Shop:
    """What the scenario needs from an example: send a request, create and read orders."""

    post: Post
    create_order: Callable[[str], None]
    # payment_state, webhook_state (parsed), webhook_state_text (as stored), fulfilments
    order: Callable[[str], Dict[str, Any]]
    set_webhook_state: Callable[[str, str], None]
    log_count: Callable[[str], int]


def signed_now(body: bytes, secrets: List[str] = SECRETS, age: timedelta = timedelta()) -> str:
    return python_sign(body, secrets, iso_ms(datetime.now(timezone.utc) - age))


def decided(answer: Dict[str, Any]) -> Tuple[str, str]:
    """(action, reason) of an answer in the shape `everifin-webhook send` checks (docs/design.md,
    "What endpoints answer"), after checking that shape."""
    assert answer["received"] is True, answer
    assert set(answer["decision"]) == {"action", "reason"}, answer
    assert answer["orderOutcome"] in ("pending", "paid", "failed"), answer
    assert isinstance(answer["order"], str) and answer["eventId"], answer
    return answer["decision"]["action"], answer["decision"]["reason"]


def run_scenario(shop: Shop) -> None:
    ref = f"order-{uuid.uuid4().hex[:8]}"
    pay = str(uuid.uuid4())
    shop.create_order(ref)
    t0 = datetime(2024, 5, 7, 14, 49, 55, 884000, tzinfo=timezone.utc)

    def body(status: str, seconds: int, **kw: Any) -> bytes:
        return payment_body(
            status, payment_id=pay, external_id=ref, event_time=t0 + timedelta(seconds=seconds), **kw
        )

    # The shop keeps its own key in the stored state: it survives byte-exact (state_json())
    shop.set_webhook_state(ref, '{"shopNote":1.50,"shopBig":12345678901234567890123}')

    # 1. PROCESSING: first event, applied
    processing = body("PROCESSING", 0)
    status, answer = shop.post(processing, signed_now(processing))
    assert (status, decided(answer)) == (200, ("apply", "first")), answer
    assert answer["orderOutcome"] == "pending" and answer["order"] == ref, answer
    order = shop.order(ref)
    assert order["payment_state"] == "pending"
    assert '"shopNote":1.50,"shopBig":12345678901234567890123}' in order["webhook_state_text"]

    # 2. BOOKED (signed by the newer secret only, as after a rotation): paid, fulfilment starts
    booked = body("BOOKED", 5)
    booked_header = signed_now(booked, [SECRET_NEW])
    status, answer = shop.post(booked, booked_header)
    assert (status, decided(answer)) == (200, ("apply", "newer")), answer
    assert answer["orderOutcome"] == "paid", answer
    order = shop.order(ref)
    assert (order["payment_state"], order["fulfilments"]) == ("paid", 1)
    assert order["webhook_state"]["status"] == "BOOKED"

    # 3. Everifin retries the same delivery: a duplicate, received (200) but not applied again
    status, answer = shop.post(booked, booked_header)
    assert (status, decided(answer)) == (200, ("skip", "duplicate")), answer
    assert shop.order(ref)["fulfilments"] == 1

    # 4. An older event arriving late: stale
    failed = body("FAILED", -10)
    status, answer = shop.post(failed, signed_now(failed))
    assert (status, decided(answer)) == (200, ("skip", "stale")), answer
    assert answer["orderOutcome"] == "paid", answer  # a late failure never un-pays the order

    # 5. A newer event that would move a final status back: regression
    later = body("PROCESSING", 20)
    status, answer = shop.post(later, signed_now(later))
    assert (status, decided(answer)) == (200, ("skip", "regression")), answer
    order = shop.order(ref)
    assert (order["payment_state"], order["fulfilments"]) == ("paid", 1)
    before = order["webhook_state"]
    assert len(before["recentEventIds"]) == 4
    assert '"shopNote":1.50,' in order["webhook_state_text"]

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
    assert status == 200 and answer["received"] is True and "decision" not in answer, answer
    assert answer["order"] is None
    assert answer["message"] == "unknown order order-of-another-shop; nothing changed", answer

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
    results = sorted(decided(a) for _, a in answers)
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
            "webhook_state_text": row["webhook_state"],
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
            "webhook_state": json.loads(o.webhook_state),
            "webhook_state_text": o.webhook_state,
            "fulfilments": o.fulfilments,
        }

    def set_state(ref: str, text: str) -> None:
        Order.objects.filter(reference=ref).update(webhook_state=text)

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


@contextlib.contextmanager
def django_runserver() -> Iterator[int]:
    """The Django example under Django's own threaded server (what ``runserver`` runs, quiet),
    on a free port; yields the port."""
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
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_django_example_over_http(django_ready: None) -> None:
    with django_runserver() as port:
        shop = django_shop(http_post(f"http://127.0.0.1:{port}"))
        run_scenario(shop)
        run_concurrent_duplicates(shop)


# --- bounded bodies ----------------------------------------------------------------------------


def spy_on_flask_bodies(monkeypatch: pytest.MonkeyPatch) -> List[int]:
    """The length of every body the Flask example hands to its webhook handler, in order."""
    import flask_app

    handled: List[int] = []
    real_handle = flask_app.handle_webhook

    def spy(verifier: Any, database: str, body: bytes, signature: Optional[str]) -> Any:
        handled.append(len(body))
        return real_handle(verifier, database, body, signature)

    monkeypatch.setattr(flask_app, "handle_webhook", spy)
    return handled


def test_flask_refuses_an_oversized_body_before_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from werkzeug.serving import make_server

    import flask_app

    handled = spy_on_flask_bodies(monkeypatch)
    app = flask_app.create_app(str(tmp_path / "shop.sqlite3"), SECRETS, max_body_bytes=4096)
    assert app.config["MAX_CONTENT_LENGTH"] == 4097
    client = app.test_client()
    # at the limit: read and verified (401: not signed)
    resp = client.post(PATH, data=b"x" * 4096, content_type="application/json")
    assert resp.status_code == 401 and handled == [4096]
    # one byte more: read (one byte too many) and answered 413 by the verifier
    resp = client.post(PATH, data=b"x" * 4097, content_type="application/json")
    assert resp.status_code == 413 and resp.get_json()["error"] == "BODY_TOO_LARGE"
    assert handled == [4096, 4097]
    # two bytes more: 413 from the Content-Length alone, never read nor verified
    resp = client.post(PATH, data=b"x" * 4098, content_type="application/json")
    assert resp.status_code == 413 and resp.get_json()["error"] == "BODY_TOO_LARGE"
    assert handled == [4096, 4097]
    # the default: the library's limit, 1 MiB (and one byte to see a larger body)
    assert flask_app.create_app(str(tmp_path / "d.sqlite3"), SECRETS).config[
        "MAX_CONTENT_LENGTH"
    ] == DEFAULT_MAX_BODY_BYTES + 1 == 1024 * 1024 + 1

    # Over HTTP: a request announcing 64 MiB gets 413 after only its first bytes were sent, so the
    # server answered from the Content-Length alone, without reading the body.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=30) as sock:
            sock.sendall(
                f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {64 << 20}\r\nSignature: ts=x;v0=y\r\n\r\n".encode()
                + b'{"eventId":"'
            )
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert handled == [4096, 4097]
    finally:
        server.shutdown()
        thread.join(timeout=10)


def post_chunked(
    port: int, body: bytes, signature: Optional[str], chunk: int = 1000
) -> Tuple[int, Dict[str, Any]]:
    """POST ``body`` with ``Transfer-Encoding: chunked`` and no ``Content-Length``, as a sender
    that streams its body may (http.client sends chunks of ``chunk`` bytes)."""
    import http.client

    headers = {"Content-Type": "application/json", "Connection": "close"}
    if signature is not None:
        headers["Signature"] = signature
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        parts = (body[i : i + chunk] for i in range(0, len(body), chunk))
        try:
            conn.request("POST", PATH, body=parts, headers=headers, encode_chunked=True)
        except (BrokenPipeError, ConnectionResetError):
            # A server may answer without reading the body (411, 413) and close the connection
            # while the rest is still being sent: its answer is read all the same.
            pass
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


def sized_payment(size: int, **kw: Any) -> bytes:
    """A payment event of exactly ``size`` bytes (padded in ``hookData``)."""
    body = payment_body("BOOKED", hook_data="", **kw)
    body = payment_body("BOOKED", hook_data="x" * (size - len(body)), **kw)
    assert len(body) == size
    return body


def run_chunked_deliveries(
    port: int, limit: int, create_order: Callable[[str], object]
) -> None:
    """Chunked deliveries (no Content-Length): a genuine one is verified and applied, one of
    exactly ``limit`` bytes is read whole, a larger one is answered 413 BODY_TOO_LARGE (not 401:
    a cut body would look forged)."""
    ref = f"order-{uuid.uuid4().hex[:8]}"
    create_order(ref)
    raw = payment_body("BOOKED", external_id=ref)
    status, answer = post_chunked(port, raw, signed_now(raw), chunk=17)
    assert status == 200 and decided(answer) == ("apply", "first"), answer

    at_limit = sized_payment(limit, external_id=f"order-unknown-{uuid.uuid4().hex[:8]}")
    chunk = max(1000, limit // 64)  # a chunked input may need many reads
    status, answer = post_chunked(port, at_limit, signed_now(at_limit), chunk=chunk)
    assert status == 200 and answer["received"] is True and answer["order"] is None, answer

    for size in (limit + 1, limit + 2, 4 * limit):
        big = sized_payment(size, external_id=ref)
        status, answer = post_chunked(port, big, signed_now(big), chunk=chunk)
        assert (status, answer["error"]) == (413, "BODY_TOO_LARGE"), (size, answer)


def test_flask_answers_an_oversized_chunked_body_413(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from werkzeug.serving import make_server

    import flask_app

    handled = spy_on_flask_bodies(monkeypatch)
    db = str(tmp_path / "shop.sqlite3")
    app = flask_app.create_app(db, SECRETS, max_body_bytes=4096)
    # Werkzeug's server decodes a chunked body and sets wsgi.input_terminated (as gunicorn does)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        run_chunked_deliveries(
            server.server_port, 4096, lambda ref: flask_app.seed_orders(db, [ref])
        )
    finally:
        server.shutdown()
        thread.join(timeout=10)
    # the verifier never saw more than one byte too many
    assert handled[1:] == [4096, 4097, 4097, 4097], handled


def test_flask_answers_411_when_the_server_does_not_end_a_chunked_body(tmp_path: Path) -> None:
    import io

    from werkzeug.test import EnvironBuilder, run_wsgi_app

    import flask_app

    db = str(tmp_path / "shop.sqlite3")
    app = flask_app.create_app(db, SECRETS)
    ref = f"order-{uuid.uuid4().hex[:8]}"
    flask_app.seed_orders(db, [ref])
    raw = payment_body("BOOKED", external_id=ref)

    def post(terminated: Optional[bool]) -> Tuple[int, Dict[str, Any]]:
        environ = EnvironBuilder(
            path=PATH,
            method="POST",
            input_stream=io.BytesIO(raw),
            headers=[("Signature", signed_now(raw)), ("Transfer-Encoding", "chunked")],
        ).get_environ()
        del environ["CONTENT_LENGTH"]  # chunked: the server does not know the length
        if terminated is not None:
            environ["wsgi.input_terminated"] = terminated
        body, status, _headers = run_wsgi_app(app, environ, buffered=True)
        return int(status.split()[0]), json.loads(b"".join(body))

    def payment_state() -> str:
        with contextlib.closing(sqlite3.connect(db)) as conn:
            row = conn.execute("SELECT payment_state FROM orders WHERE reference = ?", (ref,))
            return str(row.fetchone()[0])

    # a server that does not end the input (or does not say): 411, not a false "forged"
    for terminated in (None, False):
        status, answer = post(terminated)
        assert (status, answer["error"]) == (411, "LENGTH_REQUIRED"), answer
        assert "Content-Length" in answer["message"]
        assert payment_state() == "new"
    # a server that does: the genuine delivery is applied
    status, answer = post(True)
    assert status == 200 and decided(answer) == ("apply", "first"), answer
    assert payment_state() == "paid"


def test_test_extra_matches_the_django_the_examples_need(django_ready: None) -> None:
    import re

    from django.conf import settings

    pyproject = (EXAMPLES_DIR.parent / "pyproject.toml").read_text(encoding="utf-8")
    extra = re.search(r"^test = \[(.*?)^\]$", pyproject, re.M | re.S)
    assert extra is not None, "no test extra in pyproject.toml"
    specs = re.findall(r'"([^"]+)"', extra.group(1))
    django_spec = [s for s in specs if s.lower().startswith("django")]
    assert len(django_spec) == 1, specs
    m = re.match(r"django>=(\d+)\.(\d+)(;.*)?$", django_spec[0].replace(" ", ""), re.I)
    assert m is not None, django_spec
    assert (int(m.group(1)), int(m.group(2))) == settings.REQUIRED_DJANGO
    # Django 5.1 needs Python 3.10: the extra must not ask for it where pip cannot install it
    assert m.group(3) == ";python_version>='3.10'", django_spec
    # and the test run installs exactly that extra
    run_sh = (EXAMPLES_DIR.parent / "tests" / "run.sh").read_text(encoding="utf-8")
    assert '"$PY_ROOT[test]"' in run_sh


def test_django_refuses_an_oversized_body(django_ready: None) -> None:
    from django.conf import settings
    from django.test import Client

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert limit == 1024 * 1024
    resp = Client().post(PATH, data=b"x" * (limit + 1), content_type="application/json")
    assert resp.status_code == 413 and json.loads(resp.content)["error"] == "BODY_TOO_LARGE"


def test_django_reads_a_chunked_body_when_the_server_ends_it(django_ready: None) -> None:
    import io

    from django.conf import settings
    from django.test import Client

    from shop.models import Order

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    client = Client()
    read: List[int] = []

    class Input(io.BytesIO):
        """The decoded chunked body, counting what the view reads of it."""

        def read(self, size: Optional[int] = -1) -> bytes:
            data = super().read(size)
            read.append(len(data))
            return data

    def post(body: bytes, signature: Optional[str], terminated: bool) -> Tuple[int, Dict[str, Any]]:
        # what a server passes for a chunked request: no CONTENT_LENGTH, the decoded body
        read.clear()
        environ: Dict[str, Any] = {"CONTENT_TYPE": "application/json"}
        environ["wsgi.input"] = Input(body)
        if terminated:
            environ["wsgi.input_terminated"] = True
        if signature is not None:
            environ["HTTP_SIGNATURE"] = signature
        resp = client.generic("POST", PATH, b"", **environ)
        assert "CONTENT_LENGTH" not in resp.wsgi_request.META
        return resp.status_code, json.loads(resp.content)

    ref = f"order-{uuid.uuid4().hex[:8]}"
    Order.objects.create(reference=ref)
    raw = payment_body("BOOKED", external_id=ref)
    # a server that does not end the input: 411, not a false "forged"; nothing changes
    status, answer = post(raw, signed_now(raw), terminated=False)
    assert (status, answer["error"]) == (411, "LENGTH_REQUIRED"), answer
    assert "Content-Length" in answer["message"]
    assert Order.objects.get(reference=ref).payment_state == "new"
    # a server that does (gunicorn, Werkzeug's): the genuine delivery is applied
    status, answer = post(raw, signed_now(raw), terminated=True)
    assert status == 200 and decided(answer) == ("apply", "first"), answer
    assert Order.objects.get(reference=ref).payment_state == "paid"
    # the verifier's limit is Django's (for a body with a Content-Length), 1 MiB
    assert settings.EVERIFIN_WEBHOOK.get("max_body_bytes") == limit == 1024 * 1024
    # at the limit: read whole; over it: read up to one byte too many, answered 413 by the verifier
    at_limit = sized_payment(limit, external_id="order-of-another-shop")
    status, answer = post(at_limit, signed_now(at_limit), terminated=True)
    assert status == 200 and answer["order"] is None, answer
    assert sum(read) == limit
    for size in (limit + 1, 3 * limit):
        big = sized_payment(size, external_id=ref)
        status, answer = post(big, signed_now(big), terminated=True)
        assert (status, answer["error"]) == (413, "BODY_TOO_LARGE"), answer
        assert sum(read) == limit + 1, read


def test_django_example_chunked_over_http(django_ready: None) -> None:
    from django.core.wsgi import get_wsgi_application
    from werkzeug.serving import make_server

    from shop.models import Order

    def create_order(ref: str) -> None:
        Order.objects.create(reference=ref)

    # Werkzeug's server decodes the chunks and sets wsgi.input_terminated, as gunicorn does
    server = make_server("127.0.0.1", 0, get_wsgi_application(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        run_chunked_deliveries(server.server_port, 1024 * 1024, create_order)
    finally:
        server.shutdown()
        thread.join(timeout=10)

    # Django's own server (runserver, wsgiref) does neither: 411, the body left unread
    with django_runserver() as port:
        raw = payment_body("BOOKED")
        status, answer = post_chunked(port, raw, signed_now(raw))
        assert (status, answer["error"]) == (411, "LENGTH_REQUIRED"), answer


# --- deployment settings -----------------------------------------------------------------------


def test_django_allowed_hosts_come_from_the_environment(
    django_ready: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util
    import subprocess

    path = EXAMPLES_DIR / "django_app" / "shopsite" / "settings.py"

    def allowed_hosts(value: Optional[str]) -> List[str]:
        if value is None:
            monkeypatch.delenv("DJANGO_ALLOWED_HOSTS", raising=False)
        else:
            monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", value)
        spec = importlib.util.spec_from_file_location("settings_probe", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return list(module.ALLOWED_HOSTS)

    local = ["127.0.0.1", "localhost", "testserver"]
    assert allowed_hosts(None) == allowed_hosts("") == local
    hosts = allowed_hosts(" shop.example.com, .example.org ,")
    assert hosts == ["shop.example.com", ".example.org"]

    # A deployed shop: its webhook reaches the view (401 for an unsigned request), not Django's
    # 400 DisallowedHost, which Everifin would not retry; a host not listed is still refused.
    probe = """if True:
        import json, django
        django.setup()
        from django.test import Client
        for host in ("shop.example.com", "www.example.org", "localhost"):
            resp = Client().post("%s", b"{}", content_type="application/json", HTTP_HOST=host)
            print(host, resp.status_code, json.loads(resp.content)["error"])
    """ % PATH
    env = dict(os.environ, DJANGO_ALLOWED_HOSTS="shop.example.com,.example.org")
    env["DJANGO_SETTINGS_MODULE"] = "shopsite.settings"
    proc = subprocess.run([sys.executable, "-c", probe], cwd=EXAMPLES_DIR / "django_app", env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split("\n") == [
        "shop.example.com 401 HEADER_MISSING",
        "www.example.org 401 HEADER_MISSING",
        "localhost 400 BAD_REQUEST",
        "",
    ], proc.stdout + proc.stderr


# --- configuration: the same secrets settings for both examples ---------------------------------

# EVERIFIN_WEBHOOK_SECRETS as a user may set it -> the secrets both examples verify with (None:
# both refuse to start, with the same message).
SECRETS_SETTINGS: List[Tuple[Optional[str], Optional[List[str]]]] = [
    (json.dumps(SECRETS), SECRETS),
    (json.dumps(SECRET_OLD), [SECRET_OLD]),  # one JSON string: one secret, not its characters
    (None, None),
    ("", None),
    (SECRET_OLD, None),  # not JSON (the secret without its quotes)
    ("[]", None),
    (json.dumps({"secrets": SECRETS}), None),
    ('""', None),  # an empty secret (the Verifier's rule)
]

DJANGO_STARTUP_PROBE = """if True:
    import json, os, sys
    import django
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError
    os.environ["DJANGO_SETTINGS_MODULE"] = "shopsite.settings"
    django.setup()
    out = {}
    try:
        call_command("check")  # manage.py check (also run by runserver and migrate)
        out["check"] = None
    except SystemCheckError as exc:
        out["check"] = str(exc)
    try:
        import shopsite.wsgi  # what gunicorn loads
    except Exception as exc:
        out["start"] = "%s: %s" % (type(exc).__name__, getattr(exc, "message", exc))
    else:
        from django.test import Client
        body, header = json.loads(sys.stdin.read())
        resp = Client().post("/webhooks/everifin", body.encode(), content_type="application/json",
                             headers={"Signature": header})
        out["start"] = None
        out["delivery"] = [resp.status_code, json.loads(resp.content)]
    print(json.dumps(out))
"""


def django_probe(
    env: Dict[str, Optional[str]], stdin: str = "[]", probe: str = DJANGO_STARTUP_PROBE
) -> Tuple[Any, str]:
    """Run ``probe`` in a fresh Python in the Django project with ``env`` (None: unset);
    returns (its JSON output, its stderr)."""
    import subprocess

    full = dict(os.environ)
    for key, value in env.items():
        if value is None:
            full.pop(key, None)
        else:
            full[key] = value
    proc = subprocess.run(
        [sys.executable, "-c", probe], cwd=EXAMPLES_DIR / "django_app", env=full, input=stdin,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr


@pytest.mark.parametrize("setting,secrets", SECRETS_SETTINGS)
def test_flask_and_django_examples_read_the_secrets_setting_alike(
    setting: Optional[str],
    secrets: Optional[List[str]],
    django_ready: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import flask_app

    from everifin_webhook import ConfigurationError

    # A genuine delivery, signed with the newest configured secret, for an order no shop knows:
    # 200 once verified, 401 with any other secrets.
    body = payment_body("BOOKED", external_id="order-of-another-shop")
    header = signed_now(body, [(secrets or SECRETS)[-1]])

    if setting is None:
        monkeypatch.delenv("EVERIFIN_WEBHOOK_SECRETS", raising=False)
    else:
        monkeypatch.setenv("EVERIFIN_WEBHOOK_SECRETS", setting)
    try:
        app = flask_app.create_app(str(tmp_path / "shop.sqlite3"))
    except ConfigurationError as exc:
        flask_refused: Optional[str] = exc.message
    else:
        flask_refused = None
        resp = app.test_client().post(
            PATH, data=body, headers={"Signature": header}, content_type="application/json"
        )
        flask_answer = [resp.status_code, resp.get_json()]

    django, _stderr = django_probe(
        {"EVERIFIN_WEBHOOK_SECRETS": setting}, json.dumps([body.decode(), header])
    )
    if secrets is None:
        # both refuse to start, with the same message; Django's system check says it too
        assert flask_refused, setting
        assert django["start"] == "ConfigurationError: " + flask_refused, django
        assert "(shop.E001)" in django["check"] and flask_refused in django["check"], django
        assert SECRET_OLD not in flask_refused + django["check"]
    else:
        assert flask_refused is None and django["start"] is None and django["check"] is None
        assert flask_answer == django["delivery"], (flask_answer, django)
        status, answer = flask_answer
        assert status == 200 and answer["message"].startswith("unknown order"), answer


def test_flask_example_takes_one_secret_as_a_str(tmp_path: Path) -> None:
    """``create_app(secrets="...")``: one secret, as ``Verifier`` takes it (not one per
    character)."""
    import flask_app

    db = str(tmp_path / "shop.sqlite3")
    ref = f"order-{uuid.uuid4().hex[:8]}"
    flask_app.seed_orders(db, [ref])
    client = flask_app.create_app(db, SECRET_OLD).test_client()
    raw = payment_body("BOOKED", external_id=ref)
    resp = client.post(
        PATH, data=raw, headers={"Signature": signed_now(raw, [SECRET_OLD])},
        content_type="application/json",
    )  # fmt: skip
    assert resp.status_code == 200 and decided(resp.get_json()) == ("apply", "first"), resp.json


DJANGO_ERRORS_PROBE = """if True:
    import json, sys
    import django
    django.setup()
    from django.test import Client
    body, header = json.loads(sys.stdin.read())
    client = Client(raise_request_exception=False)
    out = []
    for host in ("localhost", "shop.example.net"):
        resp = client.post("/webhooks/everifin", body.encode(), content_type="application/json",
                           headers={"Signature": header}, HTTP_HOST=host)
        out.append([resp.status_code, resp["Content-Type"], json.loads(resp.content)])
    resp = client.get("/no-such-page")
    out.append([resp.status_code, resp["Content-Type"], json.loads(resp.content)])
    print(json.dumps(out))
"""


def test_django_logs_errors_and_answers_them_in_json(django_ready: None, tmp_path: Path) -> None:
    # A database without the shop's tables: the view fails on its first query (500, which
    # Everifin retries); the traceback must reach stderr (the server's log) with DEBUG off.
    raw = payment_body("BOOKED", external_id="order-1")
    answers, stderr = django_probe(
        {"EVERIFIN_SHOP_DB": str(tmp_path / "not-migrated.sqlite3"),
         "DJANGO_SETTINGS_MODULE": "shopsite.settings"},
        json.dumps([raw.decode(), signed_now(raw)]),
        DJANGO_ERRORS_PROBE,
    )  # fmt: skip
    (s500, t500, a500), (s400, t400, a400), (s404, t404, a404) = answers
    assert (s500, t500, a500["error"]) == (500, "application/json", "INTERNAL_SERVER_ERROR")
    assert "ERROR django.request: Internal Server Error: /webhooks/everifin" in stderr, stderr
    assert "no such table: shop_order" in stderr, stderr
    # a Host not in DJANGO_ALLOWED_HOSTS (400, not retried by Everifin): said in the answer and
    # logged
    assert (s400, t400, a400["error"]) == (400, "application/json", "BAD_REQUEST"), a400
    assert "DJANGO_ALLOWED_HOSTS" in a400["message"]
    assert "Invalid HTTP_HOST header: 'shop.example.net'" in stderr, stderr
    assert (s404, t404, a404["error"]) == (404, "application/json", "NOT_FOUND"), a404
    assert SECRET_OLD not in stderr and SECRET_NEW not in stderr


# --- Django under ASGI (uvicorn) ----------------------------------------------------------------


@contextlib.contextmanager
def uvicorn_django(env: Optional[Dict[str, Optional[str]]] = None) -> Iterator[int]:
    """``uvicorn shopsite.asgi:application`` on a free port of 127.0.0.1; yields the port."""
    import socket
    import subprocess
    import time

    try:
        import uvicorn  # noqa: F401
    except ImportError:
        if os.environ.get("EVERIFIN_EXPECT_INSTALLED"):
            pytest.fail("uvicorn is missing: the package's test extra installs it")
        pytest.skip("uvicorn is not installed (pip install uvicorn)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    full = dict(os.environ, DJANGO_SETTINGS_MODULE="shopsite.settings")
    for key, value in (env or {}).items():
        if value is None:
            full.pop(key, None)
        else:
            full[key] = value
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "shopsite.asgi:application"],
        cwd=EXAMPLES_DIR / "django_app", env=full, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise UvicornExited(proc.stderr.read() if proc.stderr else "")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "uvicorn did not start"
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()


class UvicornExited(Exception):
    pass


def test_django_example_under_asgi(django_ready: None) -> None:
    from shop.models import Order

    def create_order(ref: str) -> None:
        Order.objects.create(reference=ref)

    with uvicorn_django() as port:
        # Django's ASGI handler has read the whole body: a chunked delivery is verified (not 411),
        # one larger than the limit is answered 413
        run_chunked_deliveries(port, 1024 * 1024, create_order)
        shop = django_shop(http_post(f"http://127.0.0.1:{port}"))
        run_scenario(shop)
        run_concurrent_duplicates(shop)


def test_django_under_asgi_does_not_start_without_secrets(django_ready: None) -> None:
    with pytest.raises(UvicornExited) as info:
        with uvicorn_django({"EVERIFIN_WEBHOOK_SECRETS": None}):
            pass
    assert "ConfigurationError: INVALID_OPTIONS: EVERIFIN_WEBHOOK_SECRETS is not set" in str(
        info.value
    ), info.value


# --- `everifin-webhook send --scenario payment-flow` against the examples ------------------------


def cli_path() -> Path:
    from helpers import REPO_ROOT

    from everifin_webhook import _lib

    default = _lib._cargo_target_dir(REPO_ROOT) / "release" / "everifin-webhook"
    path = Path(os.environ.get("EVERIFIN_WEBHOOK_CLI", default))
    if not path.exists():
        if os.environ.get("EVERIFIN_EXPECT_INSTALLED"):
            pytest.fail(f"{path} is missing: tests/run.sh builds it (cargo build --features cli)")
        pytest.skip(f"{path} not built (cargo build --release --features cli)")
    return path


def send_payment_flow(tmp_path: Path, base: str) -> Tuple[str, str]:
    """Seeded orders are 1001-RUN, 1002-RUN, 1003-RUN; returns (run id, send's stdout)."""
    import subprocess

    secrets = tmp_path / "secrets.txt"
    secrets.write_text("\n".join(SECRETS) + "\n", encoding="utf-8")
    secrets.chmod(0o600)
    run = RUN_ID
    proc = subprocess.run(
        [str(cli_path()), "send", "--scenario", "payment-flow", "--url", base + PATH,
         "--secret-file", str(secrets), "--run-id", run, "--require-decisions"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "summary: 17 passed, 0 failed of 17 steps" in proc.stdout, proc.stdout
    # every verified delivery was answered with its decision, and each was the expected one
    assert "decisions: 13 checked, 0 wrong, 0 not reported by the endpoint\n" in proc.stdout, (
        proc.stdout
    )
    assert "unknown order" not in proc.stdout, proc.stdout
    return run, proc.stdout


RUN_ID = "py" + uuid.uuid4().hex[:6]
FLOW_ORDERS = [f"{n}-{RUN_ID}" for n in (1001, 1002, 1003)]
# What payment-flow leaves (docs/cli.md): 1001 paid (fulfilment once; a duplicate and a stale event
# skipped), 1002 failed (forged, tampered, replayed and unsigned requests rejected), 1003 paid
# through a secret rotation. Decided events per order (rejected requests are not logged): 6, 3, 4.
FLOW_END = {
    FLOW_ORDERS[0]: ("paid", 1, 6),
    FLOW_ORDERS[1]: ("failed", 0, 3),
    FLOW_ORDERS[2]: ("paid", 1, 4),
}


def seed(cmd: List[str], cwd: Path, env: Dict[str, str]) -> str:
    import subprocess

    full = dict(os.environ)
    full.update(env)
    proc = subprocess.run(cmd, cwd=cwd, env=full, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_send_payment_flow_changes_real_orders_in_flask(tmp_path: Path) -> None:
    from werkzeug.serving import make_server

    import flask_app

    cli_path()
    db = str(tmp_path / "flask-shop.sqlite3")
    env = {"EVERIFIN_SHOP_DB": db, "EVERIFIN_WEBHOOK_SECRETS": json.dumps(SECRETS)}
    flask = [sys.executable, "-m", "flask", "--app", "flask_app", "seed-orders"]
    out = seed(flask + FLOW_ORDERS, EXAMPLES_DIR, env)
    assert "3 order(s) created" in out, out
    assert "0 order(s) created, 3 already there" in seed(flask + FLOW_ORDERS, EXAMPLES_DIR, env)

    server = make_server("127.0.0.1", 0, flask_app.create_app(db, SECRETS), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        send_payment_flow(tmp_path, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
    conn = flask_app.connect(db)
    try:
        for ref, (state, fulfilments, logged) in FLOW_END.items():
            row = conn.execute("SELECT * FROM orders WHERE reference = ?", (ref,)).fetchone()
            assert (row["payment_state"], row["fulfilments"]) == (state, fulfilments), ref
            n = conn.execute("SELECT COUNT(*) FROM webhook_log WHERE reference = ?", (ref,))
            assert n.fetchone()[0] == logged, ref
    finally:
        conn.close()


def test_send_payment_flow_changes_real_orders_in_django(
    tmp_path: Path, django_ready: None
) -> None:
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    from shop.models import Order, WebhookLog

    cli_path()
    manage = [sys.executable, "manage.py", "seed_orders"]
    env = {k: os.environ[k] for k in ("EVERIFIN_SHOP_DB", "EVERIFIN_WEBHOOK_SECRETS")}
    out = seed(manage + FLOW_ORDERS, EXAMPLES_DIR / "django_app", env)
    assert "3 order(s) created" in out, out

    class QuietHandler(WSGIRequestHandler):  # type: ignore[misc]
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(get_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        send_payment_flow(tmp_path, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    for ref, (state, fulfilments, logged) in FLOW_END.items():
        order = Order.objects.get(reference=ref)
        assert (order.payment_state, order.fulfilments) == (state, fulfilments), ref
        assert WebhookLog.objects.filter(reference=ref).count() == logged, ref

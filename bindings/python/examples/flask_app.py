"""A Flask shop backend that receives Everifin Paygate webhooks.

    export EVERIFIN_WEBHOOK_SECRETS='["hook secret from the Back Office"]'  # or '"one secret"'
    export EVERIFIN_SHOP_DB=/var/lib/shop/orders.sqlite3
    flask --app flask_app seed-orders 1001-demo 1002-demo   # create orders (a shop's checkout does)
    flask --app flask_app run

POST /webhooks/everifin:
1. verify the raw body and the ``Signature`` header (401 forged/too old, 400 bad body, 413 too
   large: Everifin does not retry a 4xx);
2. lock the order row (``BEGIN IMMEDIATE``), load the stored webhook state, ``decide``;
3. on ``apply``: update the order's payment state (and start fulfilment once when it becomes
   paid); always store the new webhook state; commit;
4. answer 200 with the decision (a skipped duplicate/stale/regression event is still received):
   ``{"received": true, "decision": {"action": ..., "reason": ...}, "orderOutcome": ..., ...}``,
   the answer ``everifin-webhook send`` compares with what each scenario step expects.

The order is found by the shop's own id, sent to Everifin as ``externalId`` (or, for payments
created with one, ``instructionId``). An event for an order this shop does not know is answered
with 200 and ignored (a test hook from the Back Office, another shop on the same account): orders
are created by the shop's checkout, here by ``flask --app flask_app seed-orders REFERENCE...``
(``everifin-webhook send --scenario payment-flow --run-id RUN`` sends orders ``1001-RUN``,
``1002-RUN`` and ``1003-RUN``).

The body is bounded: ``MAX_CONTENT_LENGTH`` is the verifier's ``max_body_bytes`` (1 MiB by
default) plus one byte, and any body larger than ``max_body_bytes`` is answered 413
``BODY_TOO_LARGE``. A request whose ``Content-Length`` exceeds ``MAX_CONTENT_LENGTH`` is refused
by Flask without being read; one of exactly ``max_body_bytes + 1`` bytes, and a chunked body
(``Transfer-Encoding: chunked``, no ``Content-Length``), are read up to ``MAX_CONTENT_LENGTH`` and
the verifier sees the byte too many. (Werkzeug stops a chunked body at ``MAX_CONTENT_LENGTH``
without an error: were that limit ``max_body_bytes``, a larger body would be cut to it and answered
401, as if forged.) A request without a ``Content-Length`` under a WSGI server that does not end
the input (no ``wsgi.input_terminated``; Werkzeug would hand over an empty body) is answered 411
``LENGTH_REQUIRED``.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timezone
from typing import Any, Dict, Optional, Sequence, Tuple, Union

import click
from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from everifin_webhook import Event, Verifier, WebhookError, secrets_from_env

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    reference      TEXT PRIMARY KEY,             -- the shop's order id (Everifin externalId)
    payment_state  TEXT NOT NULL DEFAULT 'new',  -- new, pending, authorized, paid, failed, ...
    webhook_state  TEXT NOT NULL DEFAULT '{}',   -- decision.state_json(): its exact text
    fulfilments    INTEGER NOT NULL DEFAULT 0,   -- how often fulfilment was started (must be <= 1)
    updated_at     TEXT
);
CREATE TABLE IF NOT EXISTS webhook_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    TEXT NOT NULL,
    reference   TEXT,
    action      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    received_at TEXT NOT NULL
);
"""


def connect(database: str) -> sqlite3.Connection:
    conn = sqlite3.connect(database, timeout=30, isolation_level=None)  # explicit transactions
    conn.row_factory = sqlite3.Row
    return conn


def init_db(database: str) -> None:
    conn = connect(database)
    try:
        conn.executescript(SCHEMA)
    finally:
        conn.close()


def seed_orders(database: str, references: Sequence[str]) -> int:
    """Create orders (payment state ``new``) that do not exist yet; return how many were new."""
    init_db(database)
    conn = connect(database)
    try:
        conn.execute("BEGIN IMMEDIATE")
        before = conn.total_changes
        conn.executemany(
            "INSERT OR IGNORE INTO orders (reference) VALUES (?)", [(r,) for r in references]
        )
        created = conn.total_changes - before
        conn.execute("COMMIT")
        return created
    finally:
        conn.close()


def order_reference(event: Event) -> Optional[str]:
    return event.external_id or event.instruction_id


def handle_webhook(
    verifier: Verifier, database: str, body: bytes, signature: Optional[str]
) -> Tuple[Dict[str, Any], int]:
    """Framework-independent handling: returns (JSON answer, HTTP status)."""
    try:
        event = verifier.verify(body, signature)
    except WebhookError as exc:
        return exc.to_dict(), exc.http_status
    reference = order_reference(event)
    if reference is None:
        return ignored(event, "no order reference in the event"), 200
    conn = connect(database)
    try:
        conn.execute("BEGIN IMMEDIATE")  # lock: the browser return and retries race with us
        row = conn.execute(
            "SELECT payment_state, webhook_state FROM orders WHERE reference = ?", (reference,)
        ).fetchone()
        if row is None:
            conn.execute("ROLLBACK")
            return ignored(event, f"unknown order {reference}"), 200
        try:
            decision = verifier.decide(event, row["webhook_state"])
        except WebhookError as exc:  # a corrupted stored state: 500, Everifin retries
            conn.execute("ROLLBACK")
            return exc.to_dict(), exc.http_status
        now = datetime.now(timezone.utc).isoformat()
        payment_state = row["payment_state"]
        start_fulfilment = 0
        if decision.apply and event.outcome != "unknown":
            start_fulfilment = int(event.is_paid and payment_state != "paid")
            payment_state = event.outcome
        conn.execute(
            "UPDATE orders SET payment_state = ?, webhook_state = ?, "
            "fulfilments = fulfilments + ?, updated_at = ? WHERE reference = ?",
            (payment_state, decision.state_json(), start_fulfilment, now, reference),
        )
        conn.execute(
            "INSERT INTO webhook_log (event_id, reference, action, reason, received_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (event.event_id, reference, decision.action, decision.reason, now),
        )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()
    # The answer `everifin-webhook send` checks (docs/design.md, "What endpoints answer").
    return {
        "received": True,
        "order": reference,
        "eventId": event.event_id,
        "decision": {"action": decision.action, "reason": decision.reason},
        "orderOutcome": decision.order_outcome,
        "paymentState": payment_state,
    }, 200


def ignored(event: Event, why: str) -> Dict[str, Any]:
    """Received and authentic, but for no order of this shop: 200 so that Everifin does not
    retry, and no decision (nothing was decided)."""
    return {
        "received": True,
        "order": None,
        "eventId": event.event_id,
        "message": f"{why}; nothing changed",
    }


def create_app(
    database: Optional[str] = None,
    secrets: Union[str, Sequence[str], None] = None,
    *,
    tolerance_seconds: int = 300,
    confirmed_is_paid: bool = False,
    max_body_bytes: Optional[int] = None,
) -> Flask:
    """The shop. ``secrets``: a list or tuple of ``str`` (oldest first) or one ``str`` (one
    secret), as :class:`Verifier` takes them; None reads ``EVERIFIN_WEBHOOK_SECRETS`` (a JSON
    array of secrets or one JSON string, ``everifin_webhook.secrets_from_env``). A missing or
    malformed setting raises ``ConfigurationError`` here, at startup, not at the first webhook."""
    database = database or os.environ.get("EVERIFIN_SHOP_DB", "everifin-shop.sqlite3")
    if secrets is None:
        secrets = secrets_from_env()
    # One verifier per process: immutable, thread-safe, created (and validated) at startup.
    verifier = Verifier(
        secrets,  # as given: list(secrets) would make a str one secret per character
        tolerance_seconds=tolerance_seconds,
        confirmed_is_paid=confirmed_is_paid,
        max_body_bytes=max_body_bytes,
    )
    # None: the library's default (1 MiB); Everifin's events are far smaller.
    max_body_bytes = verifier.max_body_bytes
    init_db(database)
    app = Flask(__name__)
    app.config["EVERIFIN_SHOP_DB"] = database
    # One byte more than the verifier accepts: Flask refuses a larger Content-Length (413) before
    # reading the body; a chunked body Werkzeug stops, silently, at this limit: with one byte too
    # many the verifier answers 413 (at max_body_bytes the cut body would look forged: 401).
    app.config["MAX_CONTENT_LENGTH"] = max_body_bytes + 1

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge) -> Tuple[Response, int]:
        answer = {"error": "BODY_TOO_LARGE", "message": f"the body exceeds {max_body_bytes} bytes"}
        return jsonify(answer), 413

    @app.cli.command("seed-orders")
    @click.argument("references", nargs=-1, required=True)
    def seed_orders_command(references: Tuple[str, ...]) -> None:
        """Create orders with these references (the externalId Everifin sends back)."""
        created = seed_orders(database, references)
        click.echo(f"{created} order(s) created, {len(references) - created} already there")

    @app.post("/webhooks/everifin")
    def everifin_webhook() -> Tuple[Response, int]:
        if request.content_length is None and not request.environ.get("wsgi.input_terminated"):
            # Chunked under a WSGI server that does not end the input: Werkzeug would hand over
            # no body at all, and a genuine delivery would look forged (401).
            answer = {
                "error": "LENGTH_REQUIRED",
                "message": "the request has no Content-Length and this WSGI server does not end "
                "a chunked body (wsgi.input_terminated): run the shop under a server that does "
                "(e.g. gunicorn) or behind a proxy that sends a Content-Length",
            }
            return jsonify(answer), 411
        # The raw bytes exactly as received: never request.json re-encoded.
        answer, status = handle_webhook(
            verifier, database, request.get_data(cache=False), request.headers.get("Signature")
        )
        return jsonify(answer), status

    return app


if __name__ == "__main__":  # pragma: no cover - manual run
    create_app().run(host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))

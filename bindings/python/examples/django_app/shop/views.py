"""The Everifin webhook endpoint of the example Django shop.

1. read the raw body (see "The body" below) and verify it with the ``Signature`` header: on
   failure answer with the library's ``http_status`` (401 forged/too old, 400 bad body, 413 too
   large; Everifin does not retry a 4xx) and a JSON error the merchant sees in the Back Office;
2. in one transaction, lock the order row, ``decide`` from its stored webhook state;
3. on ``apply`` update the payment state (and start fulfilment once when it becomes paid);
   always store the new webhook state;
4. answer 200 with the decision (a skipped duplicate/stale/regression event is still received):
   ``{"received": true, "decision": {"action": ..., "reason": ...}, "orderOutcome": ..., ...}``,
   the answer ``everifin-webhook send`` compares with what each scenario step expects.

The body: with a ``Content-Length``, ``request.body`` (bounded by ``DATA_UPLOAD_MAX_MEMORY_SIZE``:
a larger one is answered 413 before it is read). Without one (``Transfer-Encoding: chunked``)
Django's ``request.body`` is empty under WSGI, and verifying it would answer a genuine delivery 401
as if forged. So the body is read from the request's input, at most ``max_body_bytes`` + 1 bytes
(a larger body reaches the verifier one byte too long and is answered 413 ``BODY_TOO_LARGE``),
when where it ends is known:

- under ASGI (uvicorn, daphne, hypercorn: ``shopsite/asgi.py``), Django's handler has read the
  whole body before the view runs (``ASGIHandler.read_body``: into a ``SpooledTemporaryFile``,
  in memory up to ``FILE_UPLOAD_MAX_MEMORY_SIZE``, then on disk, without any limit;
  ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is checked against the ``Content-Length`` header, which a
  chunked request has not). The view's limit bounds only what it reads back into memory: what
  the server receives and stores is bounded by what is in front of it (uvicorn has no body limit;
  e.g. nginx's ``client_max_body_size``, which counts chunked bodies too);
- under WSGI, when the server says it ends the input itself (``wsgi.input_terminated``, set for
  chunked requests by gunicorn, Werkzeug's server and others): nothing beyond
  ``max_body_bytes`` + 1 bytes is read.

Under a WSGI server that does not (Django's ``runserver``, wsgiref), where the body ends is
unknown: the answer is 411 ``LENGTH_REQUIRED``, which says what is wrong instead of a false
"forged". Everifin does not retry it (a 4xx), but a retry would arrive chunked again and fail the
same way; the cure is the server (gunicorn, an ASGI server, or a proxy that buffers the body and
sends a ``Content-Length``), and the error names it.

Errors outside the view (an unknown URL, a Host not in ``ALLOWED_HOSTS``, an exception) are
answered in JSON too, ``{"error": ..., "message": ...}`` (``shopsite/urls.py``), and logged to
stderr (``LOGGING`` in the settings).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Dict, Optional

from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.core.handlers.asgi import ASGIRequest
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from everifin_webhook import WebhookError

from .models import Order, WebhookLog
from .verifier import get_verifier


def read_unsized_body(request: HttpRequest) -> Optional[bytes]:
    """The body of a request without a ``Content-Length`` (chunked), up to one byte more than the
    verifier accepts (the verifier answers a longer body 413): under ASGI from the body Django's
    handler has already received whole (spooled to disk beyond ``FILE_UPLOAD_MAX_MEMORY_SIZE``,
    unbounded: the limit here bounds only what is read back); under WSGI from ``wsgi.input`` when
    the server ends that input itself (nothing more is read). None when the server does not say
    where the body ends."""
    if isinstance(request, ASGIRequest):
        stream: Any = request  # HttpRequest.read(): the body Django's ASGI handler received
    elif request.META.get("wsgi.input_terminated"):
        stream = request.META["wsgi.input"]
    else:
        return None
    limit = get_verifier().max_body_bytes
    parts = []
    size = 0
    while size <= limit:
        part = stream.read(limit + 1 - size)  # a chunked input may return less than asked
        if not part:
            break
        parts.append(part)
        size += len(part)
    return b"".join(parts)


@csrf_exempt  # Everifin signs its requests; there is no browser session to protect
@require_POST
def everifin_webhook(request: HttpRequest) -> JsonResponse:
    verifier = get_verifier()
    if request.META.get("CONTENT_LENGTH"):
        try:
            body = request.body  # bounded by DATA_UPLOAD_MAX_MEMORY_SIZE before it is read
        except RequestDataTooBig:
            answer = {"error": "BODY_TOO_LARGE", "message": "the body is too large"}
            return JsonResponse(answer, status=413)
    else:  # chunked: under WSGI request.body would be b"", a genuine delivery would look forged
        unsized = read_unsized_body(request)
        if unsized is None:
            answer = {
                "error": "LENGTH_REQUIRED",
                "message": "the request has no Content-Length and this WSGI server does not end "
                "a chunked body (wsgi.input_terminated): run the shop under a server that does "
                "(e.g. gunicorn), under ASGI (e.g. uvicorn shopsite.asgi:application) or behind "
                "a proxy that sends a Content-Length",
            }
            return JsonResponse(answer, status=411)
        body = unsized
    try:
        event = verifier.verify(body, request.headers.get("Signature"))
    except WebhookError as exc:
        return JsonResponse(exc.to_dict(), status=exc.http_status)

    reference = event.external_id or event.instruction_id
    if reference is None:
        return JsonResponse(ignored(event.event_id, "no order reference in the event"))
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(reference=reference).first()
        if order is None:
            return JsonResponse(ignored(event.event_id, f"unknown order {reference}"))
        try:
            decision = verifier.decide(event, order.webhook_state)
        except WebhookError as exc:  # a corrupted stored state: 500, Everifin retries
            return JsonResponse(exc.to_dict(), status=exc.http_status)
        if decision.apply and event.outcome != "unknown":
            if event.is_paid and order.payment_state != "paid":
                order.fulfilments += 1  # start fulfilment exactly once
            order.payment_state = event.outcome
        order.webhook_state = decision.state_json()  # its exact text (unknown keys kept as sent)
        order.save()
        WebhookLog.objects.create(
            event_id=event.event_id,
            reference=reference,
            action=decision.action,
            reason=decision.reason,
        )
    # The answer `everifin-webhook send` checks (docs/design.md, "What endpoints answer").
    return JsonResponse(
        {
            "received": True,
            "order": reference,
            "eventId": event.event_id,
            "decision": {"action": decision.action, "reason": decision.reason},
            "orderOutcome": decision.order_outcome,
            "paymentState": order.payment_state,
        }
    )


def ignored(event_id: str, why: str) -> Dict[str, Any]:
    """Received and authentic, but for no order of this shop: 200 so that Everifin does not
    retry, and no decision (nothing was decided)."""
    return {
        "received": True,
        "order": None,
        "eventId": event_id,
        "message": f"{why}; nothing changed",
    }


def error_answer(status: int, message: str) -> JsonResponse:
    """The JSON answer of an error outside the webhook view: ``{"error": "NOT_FOUND", ...}``."""
    return JsonResponse({"error": HTTPStatus(status).name, "message": message}, status=status)


def bad_request(request: HttpRequest, exception: Optional[Exception] = None) -> JsonResponse:
    if isinstance(exception, DisallowedHost):  # logged by django.security.DisallowedHost
        return error_answer(400, "this Host is not in DJANGO_ALLOWED_HOSTS")
    return error_answer(400, "bad request")


def permission_denied(request: HttpRequest, exception: Optional[Exception] = None) -> JsonResponse:
    return error_answer(403, "forbidden")


def not_found(request: HttpRequest, exception: Optional[Exception] = None) -> JsonResponse:
    return error_answer(404, "no such page: the webhook is POST /webhooks/everifin")


def server_error(request: HttpRequest) -> JsonResponse:
    # Everifin retries a 500; the traceback is in the server's log (django.request).
    return error_answer(500, "the shop failed to handle the request; see its server log")

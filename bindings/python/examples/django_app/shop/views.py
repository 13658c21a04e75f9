"""The Everifin webhook endpoint of the example Django shop.

1. verify the raw body (``request.body``) and the ``Signature`` header: on failure answer with the
   library's ``http_status`` (401 forged/too old, 400 bad body, 413 too large; Everifin does not
   retry a 4xx) and a JSON error the merchant sees in the Back Office;
2. in one transaction, lock the order row, ``decide`` from its stored webhook state;
3. on ``apply`` update the payment state (and start fulfilment once when it becomes paid);
   always store the new webhook state;
4. answer 200 with the decision (a skipped duplicate/stale/regression event is still received):
   ``{"received": true, "decision": {"action": ..., "reason": ...}, "orderOutcome": ..., ...}``,
   the answer ``everifin-webhook send`` compares with what each scenario step expects.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from everifin_webhook import Verifier, WebhookError

from .models import Order, WebhookLog


@lru_cache(maxsize=1)
def get_verifier() -> Verifier:
    """One verifier per process (immutable and thread-safe), from settings.EVERIFIN_WEBHOOK."""
    options = dict(settings.EVERIFIN_WEBHOOK)
    return Verifier(options.pop("secrets"), **options)


@csrf_exempt  # Everifin signs its requests; there is no browser session to protect
@require_POST
def everifin_webhook(request: HttpRequest) -> JsonResponse:
    verifier = get_verifier()
    try:
        body = request.body  # bounded by DATA_UPLOAD_MAX_MEMORY_SIZE before it is read
    except RequestDataTooBig:
        answer = {"error": "BODY_TOO_LARGE", "message": "the body is too large"}
        return JsonResponse(answer, status=413)
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

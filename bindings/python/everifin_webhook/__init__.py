"""Verify, normalize and de-duplicate Everifin Paygate webhooks.

A typed ctypes binding of the everifin-webhook Rust library::

    from everifin_webhook import Verifier, WebhookError

    verifier = Verifier(["hook secret"])  # once per process; thread-safe (close() frees it)

    def handle(raw_body, signature_header, order):  # order: locked by the caller until saved
        try:
            event = verifier.verify(raw_body, signature_header)  # the raw bytes
        except WebhookError as exc:
            return exc.to_dict(), exc.http_status  # 401 / 400 / 413 / 500
        decision = verifier.decide(event, order.webhook_state)  # "{}" for a new order
        if decision.apply:
            order.payment_state = event.outcome  # or event.suggested["woocommerce"]
        order.webhook_state = decision.state_json()  # the text to store, also on a skip
        return {"received": True,
                "decision": {"action": decision.action, "reason": decision.reason},
                "orderOutcome": decision.order_outcome}, 200

(The answer is the one docs/design.md, "What endpoints answer", describes;
``tests/test_readme.py`` runs this example.)

Importing the package loads the native library (see ``_lib`` for the lookup order and the
``EVERIFIN_WEBHOOK_LIB`` override) and raises ImportError, listing every path tried, when it cannot.
"""

from __future__ import annotations

from . import _core
from ._core import (
    DEFAULT_MAX_BODY_BYTES,
    Verifier,
    abi_version,
    decide,
    decide_raw,
    explain_raw,
    library_path,
    normalize,
    normalize_raw,
    options_check_raw,
    sign,
    sign_raw,
    status_http_status,
    status_name,
    version,
)
from .config import SECRETS_ENV_VAR, secrets_from_env, secrets_from_json
from .errors import (
    STATUSES,
    BodyError,
    ConfigurationError,
    InternalError,
    SignatureError,
    StateError,
    StatusName,
    TimestampError,
    WebhookError,
)
from .types import (
    Action,
    Decision,
    Entity,
    Event,
    Outcome,
    PaymentStatus,
    RawResult,
    Reason,
    SignatureInfo,
)

_core.lib()  # load now: a missing or incompatible library fails the import, not the first call

__version__ = "0.2.0"

__all__ = [
    "Verifier",
    "DEFAULT_MAX_BODY_BYTES",
    "Event",
    "Decision",
    "SignatureInfo",
    "RawResult",
    "Entity",
    "Outcome",
    "Action",
    "Reason",
    "PaymentStatus",
    "StatusName",
    "STATUSES",
    "WebhookError",
    "SignatureError",
    "TimestampError",
    "BodyError",
    "ConfigurationError",
    "StateError",
    "InternalError",
    "decide",
    "normalize",
    "sign",
    "version",
    "abi_version",
    "status_name",
    "status_http_status",
    "library_path",
    "decide_raw",
    "normalize_raw",
    "sign_raw",
    "options_check_raw",
    "explain_raw",
    "SECRETS_ENV_VAR",
    "secrets_from_env",
    "secrets_from_json",
]

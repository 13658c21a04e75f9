"""The shop's one ``Verifier``, built from ``settings.EVERIFIN_WEBHOOK``.

``secrets`` there is None (the default: read ``EVERIFIN_WEBHOOK_SECRETS``, a JSON array of secrets
or one JSON string, by ``everifin_webhook.secrets_from_env``, the rule the Flask example uses
too), or a list/tuple of ``str`` or one ``str``, as ``Verifier`` takes them. A missing or malformed
setting raises ``ConfigurationError``: the system check ``shop.E001`` reports it
(``manage.py check``, ``runserver``, ``migrate``), and ``shopsite/wsgi.py`` and ``asgi.py`` build
the verifier when the server loads the application, so that gunicorn or uvicorn does not start.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List

from django.conf import settings
from django.core.checks import CheckMessage, Error

from everifin_webhook import ConfigurationError, Verifier, secrets_from_env


def build_verifier() -> Verifier:
    options: Dict[str, Any] = dict(settings.EVERIFIN_WEBHOOK)
    secrets = options.pop("secrets", None)
    if secrets is None:
        secrets = secrets_from_env()
    return Verifier(secrets, **options)


@lru_cache(maxsize=1)
def get_verifier() -> Verifier:
    """One verifier per process (immutable and thread-safe)."""
    return build_verifier()


def check_verifier(**kwargs: Any) -> List[CheckMessage]:
    """System check ``shop.E001``: the webhook's verifier can be built from the settings."""
    try:
        build_verifier().close()
    except (ConfigurationError, TypeError) as exc:  # the messages never show a secret
        message = exc.message if isinstance(exc, ConfigurationError) else str(exc)
        return [
            Error(
                f"the Everifin webhook's verifier cannot be built: {message}",
                hint="e.g. EVERIFIN_WEBHOOK_SECRETS='[\"hook secret from the Back Office\"]' "
                "(both secrets, oldest first, during a rotation)",
                id="shop.E001",
            )
        ]
    return []

"""Reading the hook secrets from the environment: one rule for every shop that configures them so
(both examples use it).

``EVERIFIN_WEBHOOK_SECRETS`` holds JSON: an array of strings, oldest first
(``["old secret", "new secret"]`` during a rotation), or one string (``"hook secret"``: one
secret). Anything else is refused at startup with a :class:`ConfigurationError` that names the
variable and what was found, never the value: a secret split into its characters, or a number
taken for a secret, would answer every genuine delivery 401, which Everifin does not retry.
"""

from __future__ import annotations

import json
import os
from typing import Any, List, Mapping, Optional

from .errors import STATUSES, ConfigurationError

__all__ = ["SECRETS_ENV_VAR", "secrets_from_env", "secrets_from_json"]

SECRETS_ENV_VAR = "EVERIFIN_WEBHOOK_SECRETS"

_FORMS = 'a JSON array of secrets, oldest first (["old secret", "new secret"]), or one JSON string'


def _refuse(message: str) -> ConfigurationError:
    code, http_status, _family = STATUSES["INVALID_OPTIONS"]
    return ConfigurationError("INVALID_OPTIONS", code, http_status, message)


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


def secrets_from_json(text: Optional[str], *, name: str = SECRETS_ENV_VAR) -> List[str]:
    """The secrets in ``text``: a JSON array of strings (oldest first) or one JSON string (one
    secret). ``name`` is where the text came from, for the messages.

    Raises:
        ConfigurationError: ``text`` is None or blank, is not JSON, or is JSON of another shape
            (a number, an object, an empty array, an array holding something else than strings).
            The message names ``name`` and the JSON type found, never the text. Whether each
            secret is acceptable (not empty, how many) is the :class:`Verifier`'s to judge.
    """
    if text is None or not text.strip():
        raise _refuse(f"{name} is not set: give the hook secrets as {_FORMS}")
    try:
        value = json.loads(text)
    except ValueError:
        raise _refuse(
            f"{name} is not JSON: give the hook secrets as {_FORMS} (a secret alone needs "
            'its quotes: "hook secret")'
        ) from None  # the decoder's error quotes the text
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise _refuse(f"{name} is {_json_type(value)}: give the hook secrets as {_FORMS}")
    if not value:
        raise _refuse(f"{name} is an empty array: give at least one hook secret")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise _refuse(
                f"{name}[{i}] is {_json_type(item)}: each secret must be a JSON string"
            )
    return value


def secrets_from_env(
    name: str = SECRETS_ENV_VAR, environ: Optional[Mapping[str, str]] = None
) -> List[str]:
    """The secrets in the environment variable ``name`` (from ``environ``, default
    ``os.environ``), read by :func:`secrets_from_json`: pass the result to
    :class:`Verifier`. Raises :class:`ConfigurationError` when the variable is unset, blank or
    not of one of the two forms."""
    env = os.environ if environ is None else environ
    return secrets_from_json(env.get(name), name=name)

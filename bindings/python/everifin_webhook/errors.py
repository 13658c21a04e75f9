"""Exceptions raised by the binding: one base class, one subclass per family of status codes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Type

if TYPE_CHECKING:
    from .types import SignatureInfo

__all__ = [
    "WebhookError",
    "SignatureError",
    "TimestampError",
    "BodyError",
    "ConfigurationError",
    "StateError",
    "InternalError",
    "error_class_for",
]


class WebhookError(Exception):
    """A non-OK result of the library.

    Attributes:
        status: the status name, e.g. ``"SIGNATURE_MISMATCH"``.
        code: the stable numeric status code (``evf_status``).
        http_status: the HTTP status to answer Everifin with (401, 400, 413, 500, ...).
        message: a human message, safe to show to a merchant (never contains a secret).
        field: for ``EVENT_INVALID``, the offending field (``""`` for the whole body); else None.
        signature: when the signature was authentic (e.g. ``TIMESTAMP_TOO_OLD``), its details.
        result: the library's whole result object (never contains a secret).
    """

    status: str
    code: int
    http_status: int
    message: str
    field: Optional[str]
    signature: Optional["SignatureInfo"]
    result: Dict[str, Any]

    def __init__(
        self,
        status: str,
        code: int,
        http_status: int,
        message: str,
        *,
        field: Optional[str] = None,
        signature: Optional["SignatureInfo"] = None,
        result: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(f"{status}: {message}" if message else status)
        self.status = status
        self.code = code
        self.http_status = http_status
        self.message = message
        self.field = field
        self.signature = signature
        self.result = dict(result) if result is not None else {}

    def __repr__(self) -> str:
        extra = f", field={self.field!r}" if self.field is not None else ""
        return (
            f"{type(self).__name__}(status={self.status!r}, http_status={self.http_status}"
            f"{extra}, message={self.message!r})"
        )

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready answer body: ``{"error": status, "message": ...}`` (+ ``field``)."""
        out: Dict[str, Any] = {"error": self.status, "message": self.message}
        if self.field is not None:
            out["field"] = self.field
        return out


class SignatureError(WebhookError):
    """The ``Signature`` header is missing, malformed, has an invalid ``ts``, or does not match
    (``HEADER_MISSING``, ``HEADER_MALFORMED``, ``HEADER_TIMESTAMP_INVALID``,
    ``SIGNATURE_MISMATCH``; HTTP 401)."""


class TimestampError(WebhookError):
    """Authentic, but signed outside the tolerance (``TIMESTAMP_TOO_OLD``,
    ``TIMESTAMP_IN_FUTURE``; HTTP 401). ``signature`` is set."""


class BodyError(WebhookError):
    """The body is too large or is not a valid event (``BODY_TOO_LARGE`` 413, ``BODY_NOT_UTF8``,
    ``BODY_NOT_JSON``, ``EVENT_INVALID`` 400). ``field`` names the field for ``EVENT_INVALID``."""


class ConfigurationError(WebhookError, ValueError):
    """Invalid options or secrets (``INVALID_OPTIONS``; HTTP 500)."""


class StateError(WebhookError, ValueError):
    """The stored order state given to ``decide`` is invalid (``STATE_INVALID``; HTTP 500)."""


class InternalError(WebhookError):
    """A bug or a caught panic in the library (``INTERNAL``, ``NULL_ARGUMENT``; HTTP 500,
    retryable)."""


_FAMILIES: Dict[str, Type[WebhookError]] = {
    "HEADER_MISSING": SignatureError,
    "HEADER_MALFORMED": SignatureError,
    "HEADER_TIMESTAMP_INVALID": SignatureError,
    "SIGNATURE_MISMATCH": SignatureError,
    "TIMESTAMP_TOO_OLD": TimestampError,
    "TIMESTAMP_IN_FUTURE": TimestampError,
    "BODY_TOO_LARGE": BodyError,
    "BODY_NOT_UTF8": BodyError,
    "BODY_NOT_JSON": BodyError,
    "EVENT_INVALID": BodyError,
    "INVALID_OPTIONS": ConfigurationError,
    "STATE_INVALID": StateError,
    "INTERNAL": InternalError,
    "NULL_ARGUMENT": InternalError,
}


def error_class_for(status: str) -> Type[WebhookError]:
    """The exception class for a status name (``WebhookError`` for a name added later)."""
    return _FAMILIES.get(status, WebhookError)

"""Exceptions raised by the binding: one base class, one subclass per family of status codes.

The families are those of the one status table, ``tests/vectors/statuses.json`` (name, code,
httpStatus, family); ``STATUSES`` is this package's copy of it, tested against the file.
"""

from __future__ import annotations

from typing import Any, Dict, Literal, Mapping, Optional, Tuple, Type, Union

# Imported at runtime (types.py does not import this module), so that typing.get_type_hints()
# resolves the annotations of WebhookError.
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
    "FAMILY_CLASSES",
    "STATUSES",
    "StatusName",
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

    status: Union[StatusName, str]
    code: int
    http_status: int
    message: str
    field: Optional[str]
    signature: Optional[SignatureInfo]
    result: Dict[str, Any]

    def __init__(
        self,
        status: str,
        code: int,
        http_status: int,
        message: str,
        *,
        field: Optional[str] = None,
        signature: Optional[SignatureInfo] = None,
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

    def __reduce__(self) -> Tuple[Any, ...]:
        # Pickle and copy: the class, the exception's args (its one message string, so str() is
        # unchanged) and every attribute. The default (``type(self)(*self.args)``) would call
        # __init__ with the message alone, a TypeError: an exception raised in a worker process
        # (multiprocessing, ProcessPoolExecutor) must reach the parent intact.
        return (_restore, (type(self), self.args), dict(self.__dict__))

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready answer body: ``{"error": status, "message": ...}`` (+ ``field``)."""
        out: Dict[str, Any] = {"error": self.status, "message": self.message}
        if self.field is not None:
            out["field"] = self.field
        return out


def _restore(cls: Type[WebhookError], args: Tuple[Any, ...]) -> WebhookError:
    """Unpickle a WebhookError (see ``WebhookError.__reduce__``): the instance without __init__;
    pickle then sets its attributes from the saved ``__dict__``."""
    return cls.__new__(cls, *args)


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
    """A bug or a caught panic in the library, or a NULL argument at the C ABI (``INTERNAL``,
    ``NULL_ARGUMENT``; HTTP 500, retryable)."""


StatusName = Literal[
    "OK",
    "NULL_ARGUMENT",
    "INVALID_OPTIONS",
    "INTERNAL",
    "HEADER_MISSING",
    "HEADER_MALFORMED",
    "HEADER_TIMESTAMP_INVALID",
    "SIGNATURE_MISMATCH",
    "TIMESTAMP_TOO_OLD",
    "TIMESTAMP_IN_FUTURE",
    "BODY_TOO_LARGE",
    "BODY_NOT_UTF8",
    "BODY_NOT_JSON",
    "EVENT_INVALID",
    "STATE_INVALID",
]
"""A status name of the library (``WebhookError.status``); a newer library's passes as ``str``."""

#: The exception class of each family of ``tests/vectors/statuses.json`` (its ``families``).
FAMILY_CLASSES: Dict[str, Type[WebhookError]] = {
    "signature": SignatureError,
    "timestamp": TimestampError,
    "body": BodyError,
    "configuration": ConfigurationError,
    "state": StateError,
    "internal": InternalError,
}

#: The status table: name -> (code, HTTP status, family). A copy of
#: ``tests/vectors/statuses.json`` (the one table; ``test_exception_families_are_the_status_table``
#: in ``bindings/python/tests/test_results.py`` holds this copy, the library and the exception
#: classes to it).
STATUSES: Dict[str, Tuple[int, int, Optional[str]]] = {
    "OK": (0, 200, None),
    "NULL_ARGUMENT": (1, 500, "internal"),
    "INVALID_OPTIONS": (2, 500, "configuration"),
    "INTERNAL": (3, 500, "internal"),
    "HEADER_MISSING": (10, 401, "signature"),
    "HEADER_MALFORMED": (11, 401, "signature"),
    "HEADER_TIMESTAMP_INVALID": (12, 401, "signature"),
    "SIGNATURE_MISMATCH": (13, 401, "signature"),
    "TIMESTAMP_TOO_OLD": (14, 401, "timestamp"),
    "TIMESTAMP_IN_FUTURE": (15, 401, "timestamp"),
    "BODY_TOO_LARGE": (20, 413, "body"),
    "BODY_NOT_UTF8": (21, 400, "body"),
    "BODY_NOT_JSON": (22, 400, "body"),
    "EVENT_INVALID": (23, 400, "body"),
    "STATE_INVALID": (30, 500, "state"),
}

_CLASSES: Dict[str, Type[WebhookError]] = {
    name: FAMILY_CLASSES[family] for name, (_, _, family) in STATUSES.items() if family
}


def error_class_for(status: str) -> Type[WebhookError]:
    """The exception class for a status name (``WebhookError`` for a name added later)."""
    return _CLASSES.get(status, WebhookError)

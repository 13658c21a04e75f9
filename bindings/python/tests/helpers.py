"""Shared helpers for the binding's tests (imported as ``helpers``; tests/ is on sys.path).

``python_sign`` computes Signature headers with Python's own ``hmac`` (independent of the library),
so the tests do not only check the library against itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

TESTS_DIR = Path(__file__).resolve().parent
PY_ROOT = TESTS_DIR.parent
REPO_ROOT = PY_ROOT.parent.parent
EXAMPLES_DIR = PY_ROOT / "examples"
VECTORS_DIR = Path(os.environ.get("EVERIFIN_VECTORS_DIR", REPO_ROOT / "tests" / "vectors"))

if str(EXAMPLES_DIR) not in sys.path:
    sys.path.insert(0, str(EXAMPLES_DIR))

# A fixed instant for deterministic tests (the signature's ts in several cases).
T0 = datetime(2024, 5, 7, 14, 49, 55, 887000, tzinfo=timezone.utc)

SECRET_OLD = "shop-hook-secret-2023 old"
SECRET_NEW = "shop-hook-secret-2024 new"


def iso_ms(dt: datetime) -> str:
    dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def python_sign(body: bytes, secrets: Sequence[str], ts: str) -> str:
    parts = [f"ts={ts}"]
    for i, secret in enumerate(secrets):
        mac = hmac.new(secret.encode("utf-8"), ts.encode("ascii") + b"." + body, hashlib.sha256)
        parts.append(f"v{i}={mac.hexdigest()}")
    return ";".join(parts)


def payment_body(
    status: str = "BOOKED",
    *,
    event_id: Optional[str] = None,
    payment_id: str = "da96bc8f-5d57-4bd4-9b4a-6b1e1c0d2f10",
    external_id: Optional[str] = "order-1001",
    event_time: Optional[datetime] = None,
    hook_data: Any = None,
) -> bytes:
    event_time = event_time or datetime.now(timezone.utc)
    data: Dict[str, Any] = {"paymentId": payment_id, "status": status}
    if external_id is not None:
        data["externalId"] = external_id
    if hook_data is not None:
        data["hookData"] = hook_data
    body = {
        "eventId": event_id or str(uuid.uuid4()),
        "eventType": "payment.statusChange",
        "eventTimestamp": iso_ms(event_time),
        "data": data,
    }
    return json.dumps(body).encode("utf-8")


def verify_in_worker(secrets: List[str], body: bytes, header: str, now_ms: int) -> Any:
    """``Verifier(secrets).verify(...)`` in another process (a ProcessPoolExecutor worker): its
    Event, or the WebhookError it raises, travels back pickled."""
    import everifin_webhook

    return everifin_webhook.Verifier(secrets).verify(body, header, now_ms=now_ms)


# The one status table (name, code, httpStatus, family): not a file of cases.
STATUS_TABLE = VECTORS_DIR / "statuses.json"


def vector_files() -> List[Path]:
    """The files of cases in tests/vectors/ (every *.json except the status table)."""
    return sorted(p for p in VECTORS_DIR.glob("*.json") if p.name != STATUS_TABLE.name)


def status_table() -> List[Dict[str, Any]]:
    """The statuses of tests/vectors/statuses.json, in the file's order."""
    doc = json.loads(STATUS_TABLE.read_text(encoding="utf-8"))
    statuses = doc["statuses"]
    assert isinstance(statuses, list) and statuses, STATUS_TABLE
    return statuses


__all__ = [
    "EXAMPLES_DIR",
    "PY_ROOT",
    "REPO_ROOT",
    "SECRET_NEW",
    "SECRET_OLD",
    "STATUS_TABLE",
    "T0",
    "VECTORS_DIR",
    "iso_ms",
    "payment_body",
    "python_sign",
    "status_table",
    "vector_files",
    "verify_in_worker",
]

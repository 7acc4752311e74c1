"""X-ZEvent-Signature of Zalo webhooks: SHA-256 hex of app_id + raw body + timestamp + OA secret key."""

from __future__ import annotations

import hashlib
import hmac

_PREFIX = "mac="


def compute_signature(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The signature Zalo sends for ``body`` (the exact bytes received)."""
    digest = hashlib.sha256()
    digest.update(app_id.encode())
    digest.update(body)
    digest.update(timestamp.encode())
    digest.update(oa_secret_key.encode())
    return digest.hexdigest()


def verify_signature(header: str | None, app_id: str, body: bytes, timestamp: str,
                     oa_secret_key: str) -> bool:
    """True when ``header`` (with or without a ``mac=`` prefix) matches; constant-time compare."""
    if not header or not app_id or not oa_secret_key:
        return False
    received = header.strip()
    if received.lower().startswith(_PREFIX):
        received = received[len(_PREFIX):]
    expected = compute_signature(app_id, body, timestamp, oa_secret_key)
    return hmac.compare_digest(received.lower().encode(), expected.encode())

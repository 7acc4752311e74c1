"""Constant-time comparison of secrets a client sends (tokens, signatures)."""

from __future__ import annotations

import hmac


def tokens_match(expected: str, given: str | None) -> bool:
    """True when ``given`` equals a non-empty ``expected``, in constant time.

    Compared as UTF-8 bytes: ``hmac.compare_digest`` raises on a non-ASCII ``str``, and whatever a
    stranger sends may carry anything (a 500 instead of a refusal)."""
    return bool(expected) and hmac.compare_digest(expected.encode(), (given or "").encode("utf-8", "replace"))

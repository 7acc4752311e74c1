"""Zalo's error codes and what they mean for delivery (retry later, or give up)."""

from __future__ import annotations

from channels.base import DeliveryError

# Access token invalid (-216) or expired/removed (-220): refresh once, then retry the call.
TOKEN_ERRORS = frozenset({-216, -220})
# Too many calls (-32), out of quota (-211): wait and try again.
RATE_LIMIT_ERRORS = frozenset({-32, -211})
# The citizen cannot be reached: not following / unfollowed (-213), banned or inactive (-227),
# restricted this message type (-244), outside the interaction window (-230, -232).
UNREACHABLE_ERRORS = frozenset({-213, -227, -230, -232, -244})


class ZaloApiError(RuntimeError):
    """An OpenAPI call answered with an error (``code`` from the body, or the HTTP status)."""

    def __init__(self, code: int, message: str, http_status: int = 200) -> None:
        super().__init__(f"Zalo error {code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status

    @property
    def retryable(self) -> bool:
        if self.http_status >= 500 or self.http_status == 429:
            return True
        if self.code in UNREACHABLE_ERRORS:
            return False
        return self.code in TOKEN_ERRORS or self.code in RATE_LIMIT_ERRORS


class ZaloAuthError(RuntimeError):
    """OAuth v4 refused a token refresh (refresh token spent, expired or revoked)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"Zalo OAuth error {code}: {reason}")
        self.code = code
        self.reason = reason


def delivery_error(exc: ZaloApiError) -> DeliveryError:
    """The outbox's view of a failed call."""
    if exc.code in UNREACHABLE_ERRORS:
        return DeliveryError(f"người dùng Zalo không nhận được tin ({exc})", retryable=False)
    return DeliveryError(str(exc), retryable=exc.retryable)

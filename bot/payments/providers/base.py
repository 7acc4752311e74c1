"""What every payment provider implements. The payment service owns orders and money rules;
a provider only speaks its protocol: build the pay link, read and verify a callback, answer it the
way the provider expects, and ask the provider about an order whose callback never came."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class PaymentError(Exception):
    """A provider refused or could not be reached; the message is for operators (logs)."""


class BadSignature(PaymentError):
    """A callback whose signature does not verify: nothing in it may be trusted."""


class MalformedCallback(PaymentError):
    """A callback missing fields or carrying unreadable values."""


@dataclass(frozen=True)
class PaymentRequest:
    """One order to pay, as the provider must see it."""

    order_id: str            # our order id: [A-Z0-9]{14}, unique; every provider's order reference derives from it
    amount_vnd: int          # whole đồng, > 0
    description: str         # ASCII, no accents (VNPay and ZaloPay reject some characters)
    created_at: dt.datetime  # aware (UTC); providers get it in GMT+7
    expires_at: dt.datetime  # aware (UTC)
    client_ip: str           # the citizen's IP when known, else "127.0.0.1"
    return_url: str          # where the provider sends the citizen's browser after paying
    notify_url: str          # where the provider posts its server-to-server callback (IPN)


@dataclass(frozen=True)
class CreatedPayment:
    pay_url: str                 # the link the citizen opens
    provider_ref: str = ""       # the provider's reference of the order (ZaloPay app_trans_id, …)


@dataclass(frozen=True)
class Notification:
    """A callback whose signature verified."""

    order_id: str                # our order id (provider prefixes stripped)
    amount_vnd: int              # as the provider states it, in đồng
    paid: bool                   # the provider says the money was taken
    provider_txn: str            # the provider's transaction number ("" when none)
    provider_status: str         # the provider's own result code(s), for the audit record
    paid_at: dt.datetime | None = None  # aware, when the provider gives it
    # Not paid *yet*: the provider is still processing (MoMo 7000, VNPay TransactionStatus 01). The
    # order stays pending; only a final "not paid" marks it failed.
    pending: bool = False


class QueryState(enum.StrEnum):
    PAID = "paid"
    FAILED = "failed"        # the provider says the payment did not happen and will not
    PENDING = "pending"      # still open at the provider (citizen on the pay page)
    UNKNOWN = "unknown"      # the provider has no such order


@dataclass(frozen=True)
class QueryResult:
    state: QueryState
    amount_vnd: int | None
    provider_txn: str
    provider_status: str
    raw: Mapping[str, Any] = field(default_factory=dict)   # the provider's answer, stored for audit
    paid_at: dt.datetime | None = None


class Outcome(enum.StrEnum):
    """What the payment service decided about one callback; the provider turns it into its answer."""

    CONFIRMED = "confirmed"                  # order paid now
    FAILURE_RECORDED = "failure_recorded"    # provider said not paid; order marked failed
    PENDING_NOTED = "pending_noted"          # provider said still processing; order stays pending
    ALREADY_CONFIRMED = "already_confirmed"  # replay, or order no longer pending
    ORDER_NOT_FOUND = "order_not_found"
    AMOUNT_MISMATCH = "amount_mismatch"
    BAD_SIGNATURE = "bad_signature"
    MALFORMED = "malformed"
    ERROR = "error"                          # our fault: the provider should retry


@dataclass(frozen=True)
class CallbackAnswer:
    """The HTTP answer to a provider's callback."""

    status_code: int
    body: bytes = b""
    media_type: str = "application/json"


@dataclass(frozen=True)
class IncomingCallback:
    """A callback as received: query string (VNPay uses GET), raw body, headers."""

    query: Mapping[str, str]
    body: bytes
    headers: Mapping[str, str]


class PaymentProvider(Protocol):
    name: str    # "vnpay", "momo", "zalopay", "sandbox": used in URLs and stored on orders
    title: str   # shown to citizens on buttons: "VNPay", "MoMo", "ZaloPay"

    async def create(self, request: PaymentRequest) -> CreatedPayment:
        """Register the order with the provider if its protocol needs it; return the pay link."""
        ...

    def verify_callback(self, callback: IncomingCallback) -> Notification:
        """Check the signature and read the callback. Raises BadSignature or MalformedCallback."""
        ...

    def answer(self, outcome: Outcome) -> CallbackAnswer:
        """The answer the provider's protocol expects for this outcome."""
        ...

    def verify_return(self, query: Mapping[str, str]) -> Notification | None:
        """Read the citizen's return redirect for display only (None when unsigned or not
        verifiable). Never used to mark anything paid."""
        ...

    async def query(self, order_id: str, amount_vnd: int, created_at: dt.datetime,
                    provider_ref: str) -> QueryResult:
        """Ask the provider what became of an order (reconciliation). Raises PaymentError when
        the provider cannot be reached or answers with an error."""
        ...

    async def aclose(self) -> None: ...

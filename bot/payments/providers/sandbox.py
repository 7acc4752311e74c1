"""A sandbox provider, so the whole payment flow can be clicked through on one machine.

Two halves, as with a real provider: ``SandboxBank`` plays the provider's side (a pay page with
"pay" and "cancel", a callback signed with HMAC-SHA256 posted over HTTP to the gateway, a signed
redirect back, a status query); ``SandboxProvider`` is the gateway's side and trusts nothing it
has not verified. The bank keeps its transactions in memory: the sandbox is for the embedded,
single-process mode only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx

from bot.core.tokens import tokens_match
from bot.payments.providers.base import (
    BadSignature,
    CallbackAnswer,
    CreatedPayment,
    IncomingCallback,
    MalformedCallback,
    Notification,
    Outcome,
    PaymentRequest,
    QueryResult,
    QueryState,
)

SIGNATURE_HEADER = "X-Sandbox-Signature"
PAY_PATH = "/sandbox-pay"
CALLBACK_RETRY_DELAYS = (2.0, 5.0, 15.0, 30.0, 60.0)   # seconds before each new try of an unacknowledged callback


def sign(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def return_message(order_id: str, amount_vnd: int, status: str, transaction_no: str) -> bytes:
    return f"{order_id}|{amount_vnd}|{status}|{transaction_no}".encode()


@dataclass
class SandboxTransaction:
    order_id: str
    amount_vnd: int
    description: str
    notify_url: str
    return_url: str
    expires_at: dt.datetime
    form_token: str                     # the pay page's form must carry it (no forged clicks)
    state: str = "open"                 # open | paid | cancelled
    transaction_no: str = ""
    paid_at: dt.datetime | None = None


class SandboxBank:
    """The provider's side of the sandbox."""

    def __init__(self, secret: str, timeout: float = 15.0,
                 retry_delays: tuple[float, ...] = CALLBACK_RETRY_DELAYS) -> None:
        self.secret = secret
        self.transactions: dict[str, SandboxTransaction] = {}
        self.client = httpx.AsyncClient(timeout=timeout)
        self.retry_delays = retry_delays
        self._retries: set[asyncio.Task[None]] = set()

    def open(self, request: PaymentRequest) -> SandboxTransaction:
        transaction = self.transactions.get(request.order_id)
        if transaction is None:
            transaction = SandboxTransaction(
                order_id=request.order_id, amount_vnd=request.amount_vnd, description=request.description,
                notify_url=request.notify_url, return_url=request.return_url, expires_at=request.expires_at,
                form_token=secrets.token_urlsafe(24))
            self.transactions[request.order_id] = transaction
        return transaction

    async def settle(self, order_id: str, pay: bool) -> str:
        """The citizen clicked "pay" or "cancel": post the signed callback, then return the URL the
        browser is sent back to. A second click changes nothing but the callback is sent again,
        as real providers retry."""
        transaction = self.transactions[order_id]
        # "Hủy" then "Thanh toán" (back button, second thought) is a payment, as with real
        # providers that report a cancelled attempt and later a successful one: paid is final.
        if transaction.state == "open" or (pay and transaction.state == "cancelled"):
            transaction.state = "paid" if pay else "cancelled"
            if pay:
                transaction.transaction_no = f"SB{secrets.randbelow(10**10):010d}"
                transaction.paid_at = dt.datetime.now(dt.UTC)
        body = json.dumps(self.callback_fields(transaction), separators=(",", ":")).encode()
        if not await self._notify(transaction.notify_url, body):
            # Like VNPay and MoMo with an IPN the merchant did not acknowledge (its database was
            # restarting, say): try again later, in the background, a few times.
            retry = asyncio.create_task(self._notify_later(transaction.notify_url, body))
            self._retries.add(retry)
            retry.add_done_callback(self._retries.discard)
        query = {"order_id": transaction.order_id, "amount_vnd": transaction.amount_vnd,
                 "status": transaction.state, "transaction_no": transaction.transaction_no}
        query["sig"] = sign(self.secret, return_message(transaction.order_id, transaction.amount_vnd,
                                                        transaction.state, transaction.transaction_no))
        return f"{transaction.return_url}?{urlencode(query)}"

    async def _notify(self, url: str, body: bytes) -> bool:
        """Post the signed callback; True when the merchant acknowledged it (any 2xx)."""
        try:
            response = await self.client.post(url, content=body, headers={
                "Content-Type": "application/json", SIGNATURE_HEADER: sign(self.secret, body)})
        except httpx.HTTPError:
            return False
        return response.is_success

    async def _notify_later(self, url: str, body: bytes) -> None:
        for delay in self.retry_delays:
            await asyncio.sleep(delay)
            if await self._notify(url, body):
                return

    @staticmethod
    def callback_fields(transaction: SandboxTransaction) -> dict[str, object]:
        return {"order_id": transaction.order_id, "amount_vnd": transaction.amount_vnd,
                "status": transaction.state, "transaction_no": transaction.transaction_no,
                "paid_at": transaction.paid_at.isoformat() if transaction.paid_at else None}

    async def aclose(self) -> None:
        for retry in list(self._retries):
            retry.cancel()
        await asyncio.gather(*self._retries, return_exceptions=True)
        await self.client.aclose()


class SandboxProvider:
    """The gateway's side of the sandbox: same rules as a real provider."""

    name = "sandbox"
    title = "Ví thử nghiệm"

    def __init__(self, secret: str, public_url: str, bank: SandboxBank, warning: str = "") -> None:
        self.secret = secret
        self.public_url = public_url.rstrip("/")
        self.bank = bank
        # Non-empty when the sandbox runs where it should not (next to real providers, or on a
        # public URL): shown on its pay page and in /api/payments/providers.
        self.warning = warning

    async def create(self, request: PaymentRequest) -> CreatedPayment:
        self.bank.open(request)
        return CreatedPayment(pay_url=f"{self.public_url}{PAY_PATH}/{request.order_id}",
                              provider_ref=request.order_id)

    def verify_callback(self, callback: IncomingCallback) -> Notification:
        given = next((v for k, v in callback.headers.items() if k.lower() == SIGNATURE_HEADER.lower()), "")
        if not tokens_match(sign(self.secret, callback.body), given.lower()):
            raise BadSignature("sandbox signature missing or wrong")
        try:
            fields = json.loads(callback.body)
            order_id, amount, status = str(fields["order_id"]), int(fields["amount_vnd"]), str(fields["status"])
            paid_at = dt.datetime.fromisoformat(fields["paid_at"]) if fields.get("paid_at") else None
        # OverflowError: int(Infinity); RecursionError: deeply nested JSON
        except (ValueError, KeyError, TypeError, OverflowError, RecursionError) as error:
            raise MalformedCallback(f"sandbox callback unreadable: {error!r}") from error
        return Notification(order_id=order_id, amount_vnd=amount, paid=status == "paid",
                            provider_txn=str(fields.get("transaction_no") or ""), provider_status=status,
                            paid_at=paid_at)

    def answer(self, outcome: Outcome) -> CallbackAnswer:
        status = {Outcome.BAD_SIGNATURE: 401, Outcome.MALFORMED: 400, Outcome.ORDER_NOT_FOUND: 404,
                  Outcome.AMOUNT_MISMATCH: 409, Outcome.ERROR: 500}.get(outcome, 200)
        return CallbackAnswer(status, json.dumps({"result": outcome.value}).encode())

    def verify_return(self, query: Mapping[str, str]) -> Notification | None:
        try:
            order_id, amount = query["order_id"], int(query["amount_vnd"])
            status, number = query["status"], query.get("transaction_no", "")
            expected = sign(self.secret, return_message(order_id, amount, status, number))
            if not tokens_match(expected, query.get("sig", "").lower()):
                return None
        except (KeyError, ValueError):
            return None
        return Notification(order_id=order_id, amount_vnd=amount, paid=status == "paid", provider_txn=number,
                            provider_status=status)

    async def query(self, order_id: str, amount_vnd: int, created_at: dt.datetime,
                    provider_ref: str) -> QueryResult:
        transaction = self.bank.transactions.get(order_id)
        if transaction is None:
            return QueryResult(QueryState.UNKNOWN, None, "", "unknown")
        state = {"paid": QueryState.PAID, "cancelled": QueryState.FAILED}.get(transaction.state, QueryState.PENDING)
        fields = self.bank.callback_fields(transaction)
        return QueryResult(state, transaction.amount_vnd, transaction.transaction_no, transaction.state,
                           raw=fields, paid_at=transaction.paid_at)

    async def aclose(self) -> None:
        await self.bank.aclose()

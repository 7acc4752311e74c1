"""MoMo payment gateway v2, one-time wallet payment (``requestType`` "captureWallet").

Every signature is HMAC-SHA256 (hex) with the merchant's secret key over ``key=value`` pairs joined
with '&' in the fixed order MoMo documents (alphabetical, ``accessKey`` first), values as sent — not
URL-encoded. Sources: developers.momo.vn/v3/docs/payment/api/wallet/onetime (create),
…/result-handling/notification (IPN and redirect), …/payment-api/query, …/result-handling/resultcode."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from typing import Any

import httpx

from bot.payments.providers.base import (
    BadSignature,
    CallbackAnswer,
    CreatedPayment,
    IncomingCallback,
    MalformedCallback,
    Notification,
    Outcome,
    PaymentError,
    PaymentRequest,
    QueryResult,
    QueryState,
)

REQUEST_TYPE = "captureWallet"
LANG = "vi"

# Field orders of the signed texts (accessKey is ours, never sent as a field of the body)
CREATE_FIELDS = ("accessKey", "amount", "extraData", "ipnUrl", "orderId", "orderInfo", "partnerCode",
                 "redirectUrl", "requestId", "requestType")
RESULT_FIELDS = ("accessKey", "amount", "extraData", "message", "orderId", "orderInfo", "orderType",
                 "partnerCode", "payType", "requestId", "responseTime", "resultCode", "transId")
QUERY_FIELDS = ("accessKey", "orderId", "partnerCode", "requestId")

SUCCESS = 0
# Not final yet (result-code table): 1000 initiated, waiting for the user; 7000/7002 processing;
# 8000 waiting for the user to confirm again; 9000 authorized (only a capture flow turns it into money)
PENDING_CODES = frozenset({1000, 7000, 7002, 8000, 9000})
ORDER_NOT_FOUND = 42   # "Invalid orderId or orderId is not found"
# Codes below 1000 are about the request (maintenance, access denied, bad signature, duplicates…),
# not about the payment: a query answered with one of them says nothing of the order.
_REQUEST_LEVEL_BELOW = 1000


def _text(value: Any) -> str:
    """A field as it appears in the signed text: strings as is, JSON integers in decimal."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise MalformedCallback(f"MoMo: unexpected value {value!r}")


def _int(value: Any, name: str) -> int:
    text = _text(value)
    # at most 18 digits: int() of a forged 5000-digit string raises ValueError, not ours to retry
    if not text.isascii() or not text.lstrip("-").isdigit() or len(text) > 19:
        raise MalformedCallback(f"MoMo: {name} is not an integer: {value!r}")
    return int(text)


def _from_ms(value: Any) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(_int(value, "responseTime") / 1000, dt.UTC)
    except (OverflowError, OSError, ValueError) as out_of_range:   # a year past 9999 is no answer of ours to fix
        raise MalformedCallback(f"MoMo: responseTime out of range: {value!r}") from out_of_range


def _answer(status: int, error: str | None = None) -> CallbackAnswer:
    body = b"" if error is None else json.dumps({"error": error}).encode()
    return CallbackAnswer(status, body)


class MomoProvider:
    name = "momo"
    title = "MoMo"

    def __init__(self, partner_code: str, access_key: str, secret_key: str, endpoint: str,
                 timeout: float = 15.0, client: httpx.AsyncClient | None = None) -> None:
        self._partner_code = partner_code
        self._access_key = access_key
        self._secret = secret_key.encode()
        self._endpoint = endpoint.rstrip("/")
        self._owns_client = client is None
        self._http = client or httpx.AsyncClient(timeout=timeout)

    # --- signatures -----------------------------------------------------------------------------

    def _signed_text(self, fields: tuple[str, ...], values: Mapping[str, Any]) -> str:
        return "&".join(f"{key}={self._access_key if key == 'accessKey' else _text(values[key])}"
                        for key in fields)

    def _sign(self, fields: tuple[str, ...], values: Mapping[str, Any]) -> str:
        # "replace": a lone surrogate from a forged JSON body only makes the signature wrong, not a 500
        text = self._signed_text(fields, values).encode(errors="replace")
        return hmac.new(self._secret, text, hashlib.sha256).hexdigest()

    def _signature_matches(self, values: Mapping[str, Any]) -> bool:
        given = values.get("signature")
        if not isinstance(given, str):
            return False
        # bytes: compare_digest refuses non-ASCII str, and a forged signature may carry anything
        return hmac.compare_digest(self._sign(RESULT_FIELDS, values).encode(),
                                   given.strip().lower().encode(errors="replace"))

    # --- HTTP -----------------------------------------------------------------------------------

    async def _post(self, path: str, body: dict[str, Any], what: str) -> dict[str, Any]:
        try:
            response = await self._http.post(f"{self._endpoint}{path}", json=body)
        except httpx.HTTPError as failed:
            raise PaymentError(f"MoMo {what}: {failed!r}") from failed
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise PaymentError(f"MoMo {what}: HTTP {response.status_code}, unreadable answer")
        # MoMo answers refusals with a 4xx *and* a resultCode/message: the code is the useful part
        if "resultCode" not in data:
            raise PaymentError(f"MoMo {what}: HTTP {response.status_code} without resultCode")
        return data

    # --- create ---------------------------------------------------------------------------------

    async def create(self, request: PaymentRequest) -> CreatedPayment:
        body: dict[str, Any] = {
            "partnerCode": self._partner_code,
            "requestId": f"{request.order_id}-{uuid.uuid4().hex[:12]}",   # unique per call, ≤ 50 chars
            "amount": request.amount_vnd,
            "orderId": request.order_id,
            "orderInfo": request.description,
            "redirectUrl": request.return_url,
            "ipnUrl": request.notify_url,
            "requestType": REQUEST_TYPE,
            "extraData": "",
            "lang": LANG,
        }
        body["signature"] = self._sign(CREATE_FIELDS, body)
        what = f"create {request.order_id}"
        data = await self._post("/v2/gateway/api/create", body, what)
        code = data.get("resultCode")
        if code != SUCCESS:
            raise PaymentError(f"MoMo {what}: resultCode {code}: {data.get('message', '')}")
        pay_url = data.get("payUrl")
        if not isinstance(pay_url, str) or not pay_url:
            raise PaymentError(f"MoMo {what}: success without payUrl")
        return CreatedPayment(pay_url, provider_ref=body["requestId"])

    # --- IPN and redirect -----------------------------------------------------------------------

    def _read(self, values: Mapping[str, Any]) -> Notification:
        """Verify and read an IPN body or a redirect query (MoMo signs both the same way)."""
        missing = [key for key in (*RESULT_FIELDS[1:], "signature") if key not in values]
        if missing:
            raise MalformedCallback(f"MoMo result: missing {', '.join(missing)}")
        if not self._signature_matches(values):
            raise BadSignature("MoMo result: signature wrong")
        # signed with our key yet naming another merchant: not ours to act on
        if values["partnerCode"] != self._partner_code:
            raise BadSignature(f"MoMo result: partnerCode {values['partnerCode']!r} is not ours")
        order_id = _text(values["orderId"])
        if not order_id:
            raise MalformedCallback("MoMo result: empty orderId")
        result_code = _int(values["resultCode"], "resultCode")
        return Notification(order_id=order_id, amount_vnd=_int(values["amount"], "amount"),
                            paid=result_code == SUCCESS, provider_txn=_text(values["transId"]),
                            provider_status=str(result_code), paid_at=_from_ms(values["responseTime"]),
                            pending=result_code in PENDING_CODES)   # 7000 processing: not a failure

    def verify_callback(self, callback: IncomingCallback) -> Notification:
        try:
            values = json.loads(callback.body)
        except (ValueError, RecursionError) as unreadable:   # also UnicodeDecodeError; deep nesting recurses
            raise MalformedCallback("MoMo IPN: body is not JSON") from unreadable
        if not isinstance(values, dict):
            raise MalformedCallback("MoMo IPN: body is not a JSON object")
        return self._read(values)

    def answer(self, outcome: Outcome) -> CallbackAnswer:
        # MoMo wants 204 No Content for every IPN the merchant has dealt with, whatever it decided;
        # an error status is only for a notification we could not read (4xx) or a failure of ours (5xx)
        if outcome is Outcome.ERROR:
            return _answer(500, "internal error")
        if outcome is Outcome.BAD_SIGNATURE:
            return _answer(400, "bad signature")
        if outcome is Outcome.MALFORMED:
            return _answer(400, "malformed notification")
        return _answer(204)

    def verify_return(self, query: Mapping[str, str]) -> Notification | None:
        try:
            return self._read(query)
        except PaymentError:
            return None

    # --- query ----------------------------------------------------------------------------------

    async def query(self, order_id: str, amount_vnd: int, created_at: dt.datetime,
                    provider_ref: str) -> QueryResult:
        body: dict[str, Any] = {
            "partnerCode": self._partner_code,
            "requestId": f"{order_id}-q{uuid.uuid4().hex[:12]}",
            "orderId": order_id,
            "lang": LANG,
        }
        body["signature"] = self._sign(QUERY_FIELDS, body)
        what = f"query {order_id}"
        data = await self._post("/v2/gateway/api/query", body, what)
        code = data.get("resultCode")
        if not isinstance(code, int) or isinstance(code, bool):
            raise PaymentError(f"MoMo {what}: resultCode {code!r}")
        status = f"{code} {data.get('message', '')}".strip()
        if code == ORDER_NOT_FOUND:
            return QueryResult(QueryState.UNKNOWN, None, "", status, raw=data)
        if code != SUCCESS and code < _REQUEST_LEVEL_BELOW:
            raise PaymentError(f"MoMo {what}: resultCode {status}")
        if data.get("orderId", order_id) != order_id:   # an answer about another order is still wrong
            raise PaymentError(f"MoMo {what}: answer is about {data.get('orderId')!r}")
        amount = data.get("amount")
        amount_vnd_seen = amount if isinstance(amount, int) and not isinstance(amount, bool) else None
        txn = data.get("transId")
        provider_txn = str(txn) if isinstance(txn, int | str) and txn not in (0, "0", "") else ""
        if code == SUCCESS:
            paid_at = None
            if isinstance(data.get("responseTime"), int):
                paid_at = _from_ms(data["responseTime"])
            return QueryResult(QueryState.PAID, amount_vnd_seen, provider_txn, status, raw=data, paid_at=paid_at)
        state = QueryState.PENDING if code in PENDING_CODES else QueryState.FAILED
        return QueryResult(state, amount_vnd_seen, provider_txn, status, raw=data)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._http.aclose()

"""VNPay "Cổng thanh toán VNPAY", API 2.1.0: signed pay URL, IPN (GET), return URL and ``querydr``.

Signatures are HMAC-SHA512 (hex) with the merchant's hash secret. The pay URL, IPN and return URL
sign the vnp_* parameters sorted by key and URL-encoded the way VNPay's samples do (spaces as '+');
``querydr`` signs its fields joined with '|' in the order VNPay documents."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus

import httpx

from bot.core.vntime import VIETNAM  # providers stamp times in GMT+7: Vietnam time
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

VERSION = "2.1.0"
TIME_FORMAT = "%Y%m%d%H%M%S"       # VNPay's yyyyMMddHHmmss, always GMT+7
SERVER_IP = "127.0.0.1"            # querydr wants the merchant server's IP; VNPay does not check it
# str.isdigit() would also accept non-ASCII digits; 1-18 digits keeps int() well inside its limits
_DIGITS = re.compile(r"[0-9]{1,18}")

# querydr field orders for the checksum (VNPay docs, "Truy vấn kết quả thanh toán (QueryDr)")
QUERY_REQUEST_FIELDS = ("vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TxnRef",
                        "vnp_TransactionDate", "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo")
QUERY_RESPONSE_FIELDS = ("vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode",
                         "vnp_TxnRef", "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo",
                         "vnp_TransactionType", "vnp_TransactionStatus", "vnp_OrderInfo", "vnp_PromotionCode",
                         "vnp_PromotionAmount")

# IPN answers VNPay understands: "00" stops its retries, anything else makes it try again later
_ANSWERS: dict[Outcome, tuple[str, str]] = {
    Outcome.CONFIRMED: ("00", "Confirm Success"),
    Outcome.FAILURE_RECORDED: ("00", "Confirm Success"),
    Outcome.PENDING_NOTED: ("00", "Confirm Success"),
    Outcome.ORDER_NOT_FOUND: ("01", "Order not found"),
    Outcome.ALREADY_CONFIRMED: ("02", "Order already confirmed"),
    Outcome.AMOUNT_MISMATCH: ("04", "invalid amount"),
    Outcome.BAD_SIGNATURE: ("97", "Invalid signature"),
    Outcome.MALFORMED: ("99", "Unknown error"),
    Outcome.ERROR: ("99", "Unknown error"),
}


def _url_encode(text: str) -> str:
    """As VNPay's own encoders (Java's URLEncoder, PHP's urlencode): "*" kept, "~" as %7E — Python's
    quote_plus does the opposite, and a value with either was signed differently (answer 97)."""
    return quote_plus(text, safe="*").replace("~", "%7E")


def _encode(params: Mapping[str, str]) -> str:
    """The signed text of a pay URL / IPN: ``k=v`` sorted by key, each part URL-encoded as VNPay does."""
    return "&".join(f"{_url_encode(key)}={_url_encode(value)}" for key, value in sorted(params.items()))


def _vn_time(moment: dt.datetime) -> str:
    if moment.tzinfo is None:   # base.py promises aware datetimes; a naive one is taken as UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VIETNAM).strftime(TIME_FORMAT)


def _parse_vn_time(text: str) -> dt.datetime | None:
    """A GMT+7 yyyyMMddHHmmss stamp; None when absent, ValueError when unreadable."""
    return dt.datetime.strptime(text, TIME_FORMAT).replace(tzinfo=VIETNAM) if text else None


def _amount_vnd(text: str) -> int | None:
    """vnp_Amount is đồng × 100; None unless it is a whole number of đồng."""
    if not _DIGITS.fullmatch(text) or int(text) % 100:
        return None
    return int(text) // 100


class VnpayProvider:
    name = "vnpay"
    title = "VNPay"

    def __init__(self, tmn_code: str, hash_secret: str, pay_url: str, api_url: str, timeout: float = 15.0,
                 client: httpx.AsyncClient | None = None) -> None:
        self._tmn_code = tmn_code
        self._secret = hash_secret.encode()
        self._pay_url = pay_url
        self._api_url = api_url
        self._owns_client = client is None
        self._http = client or httpx.AsyncClient(timeout=timeout)

    def _sign(self, text: str) -> str:
        return hmac.new(self._secret, text.encode(), hashlib.sha512).hexdigest()

    def _signature_matches(self, text: str, given: str) -> bool:
        # bytes: compare_digest refuses non-ASCII str, and a forged hash may carry anything
        return hmac.compare_digest(self._sign(text).encode(), given.strip().lower().encode())

    async def create(self, request: PaymentRequest) -> CreatedPayment:
        params = {
            "vnp_Version": VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": self._tmn_code,
            "vnp_Amount": str(request.amount_vnd * 100),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": request.order_id,
            "vnp_OrderInfo": request.description,
            "vnp_OrderType": "other",
            "vnp_Locale": "vn",
            "vnp_ReturnUrl": request.return_url,
            "vnp_IpAddr": request.client_ip,
            "vnp_CreateDate": _vn_time(request.created_at),
            "vnp_ExpireDate": _vn_time(request.expires_at),
        }
        query = _encode(params)
        return CreatedPayment(f"{self._pay_url}?{query}&vnp_SecureHash={self._sign(query)}",
                              provider_ref=request.order_id)

    def _read(self, query: Mapping[str, str]) -> Notification:
        """Verify and read an IPN or return-URL query (VNPay sends the same fields to both)."""
        fields = {key: value for key, value in query.items() if key.startswith("vnp_")}
        given = fields.pop("vnp_SecureHash", "")
        fields.pop("vnp_SecureHashType", None)   # 2.0.x sent it; never part of the signed text
        if not given or not self._signature_matches(_encode(fields), given):
            raise BadSignature("VNPay callback: vnp_SecureHash missing or wrong")
        order_id = fields.get("vnp_TxnRef", "")
        amount = _amount_vnd(fields.get("vnp_Amount", ""))
        if not order_id or amount is None:
            raise MalformedCallback(f"VNPay callback: bad vnp_TxnRef/vnp_Amount {fields.get('vnp_Amount')!r}")
        response_code = fields.get("vnp_ResponseCode", "")
        status = fields.get("vnp_TransactionStatus", "")
        try:
            paid_at = _parse_vn_time(fields.get("vnp_PayDate", ""))
        except ValueError as unreadable:
            raise MalformedCallback(f"VNPay callback: bad vnp_PayDate {fields['vnp_PayDate']!r}") from unreadable
        paid = response_code == "00" and status == "00"
        return Notification(order_id=order_id, amount_vnd=amount, paid=paid,
                            provider_txn=fields.get("vnp_TransactionNo", ""),
                            provider_status=f"ResponseCode={response_code};TransactionStatus={status}",
                            paid_at=paid_at, pending=not paid and status == "01")   # 01: not finished yet

    def verify_callback(self, callback: IncomingCallback) -> Notification:
        return self._read(callback.query)

    def answer(self, outcome: Outcome) -> CallbackAnswer:
        code, message = _ANSWERS[outcome]
        # VNPay reads RspCode from a 200 answer; an HTTP error status would only make it retry blindly
        return CallbackAnswer(200, json.dumps({"RspCode": code, "Message": message}).encode())

    def verify_return(self, query: Mapping[str, str]) -> Notification | None:
        try:
            return self._read(query)
        except PaymentError:
            return None

    async def query(self, order_id: str, amount_vnd: int, created_at: dt.datetime,
                    provider_ref: str) -> QueryResult:
        txn_ref = provider_ref or order_id
        body = {
            "vnp_RequestId": uuid.uuid4().hex,   # 32 chars, unique per request as VNPay requires
            "vnp_Version": VERSION,
            "vnp_Command": "querydr",
            "vnp_TmnCode": self._tmn_code,
            "vnp_TxnRef": txn_ref,
            "vnp_TransactionDate": _vn_time(created_at),   # must equal the pay URL's vnp_CreateDate
            "vnp_CreateDate": _vn_time(dt.datetime.now(dt.UTC)),
            "vnp_IpAddr": SERVER_IP,
            "vnp_OrderInfo": f"Truy van don hang {order_id}",
        }
        body["vnp_SecureHash"] = self._sign("|".join(body[key] for key in QUERY_REQUEST_FIELDS))
        try:
            response = await self._http.post(self._api_url, json=body)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as failed:   # ValueError: the body is not JSON
            raise PaymentError(f"VNPay querydr {txn_ref}: {failed}") from failed
        if not isinstance(data, dict):
            raise PaymentError(f"VNPay querydr {txn_ref}: unexpected answer {data!r}")
        return self._read_query_answer(txn_ref, data)

    def _read_query_answer(self, txn_ref: str, data: dict[str, Any]) -> QueryResult:
        signed = "|".join(_text(data.get(key)) for key in QUERY_RESPONSE_FIELDS)
        if not self._signature_matches(signed, _text(data.get("vnp_SecureHash"))):
            raise PaymentError(f"VNPay querydr {txn_ref}: answer signature does not verify")
        response_code = _text(data.get("vnp_ResponseCode"))
        status = _text(data.get("vnp_TransactionStatus"))
        provider_status = f"ResponseCode={response_code};TransactionStatus={status}"
        if response_code == "91":   # VNPay has no such transaction
            return QueryResult(QueryState.UNKNOWN, None, "", provider_status, raw=data)
        if response_code != "00":
            raise PaymentError(f"VNPay querydr {txn_ref}: {provider_status} {_text(data.get('vnp_Message'))}")
        if _text(data.get("vnp_TxnRef")) != txn_ref:   # a signed answer about another order is still wrong
            raise PaymentError(f"VNPay querydr {txn_ref}: answer is about {data.get('vnp_TxnRef')!r}")
        if status == "00":
            state = QueryState.PAID
        elif status == "01":
            state = QueryState.PENDING
        else:
            state = QueryState.FAILED
        try:
            paid_at = _parse_vn_time(_text(data.get("vnp_PayDate")))
        except ValueError:
            paid_at = None   # the date is only informative here; the state above is what counts
        return QueryResult(state, _amount_vnd(_text(data.get("vnp_Amount"))), _text(data.get("vnp_TransactionNo")),
                           provider_status, raw=data, paid_at=paid_at)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._http.aclose()


def _text(value: Any) -> str:
    """A querydr field as it enters the checksum: VNPay sends strings, absent fields count as empty."""
    return "" if value is None else str(value)

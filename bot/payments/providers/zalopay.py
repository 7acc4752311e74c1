"""ZaloPay OpenAPI v2: ``/v2/create`` (pay link), callback, redirect checksum and ``/v2/query``.

MACs are HMAC-SHA256 (hex). key1 signs what the merchant sends (create, query); key2 signs what
ZaloPay sends (callback ``data``, redirect checksum). Signed texts are fields joined with '|' in the
order ZaloPay documents. Sources: docs.zalopay.vn/v2/general/overview.html (create),
docs.zalopay.vn/docs/specs/callback-api, docs.zalopay.vn/docs/specs/order-query,
docs.zalopay.vn/docs/webtoapp/api.html (redirect), beta-docs.zalopay.vn/…/status-codes."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any

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

APP_USER = "tro-ly-ao"          # ZaloPay wants a user reference; citizens are not ZaloPay users of ours
EXPIRY_RANGE = (300, 2592000)   # expire_duration_seconds bounds in the create spec
_APP_TRANS_ID = re.compile(r"[0-9]{6}_(.+)")   # yymmdd (GMT+7) + "_" + our order id
_INTEGER = re.compile(r"-?[0-9]{1,18}")   # bounded: int() refuses > 4300 digits with a ValueError

SUCCESS, FAIL, PROCESSING = 1, 2, 3   # return_code values
# query sub_return_codes under FAIL that mean "no such order" rather than "not paid"
# (-101 "order not found" in the status-code pages; -54 TIME_INVALID is an expired order: FAILED)
NOT_FOUND_SUB_CODES = frozenset({-101})
# sub_return_codes about our request, not the order: bad params, bad app/mac, rate limit, ZaloPay down
REQUEST_ERROR_SUB_CODES = frozenset({-401, -402, -429, -500, -999})

# Callback answers (ZaloPay's sample handlers): 1 done; 2 already handled (duplicate); 0 makes
# ZaloPay call back again (up to 3 times); -1 refused, no retry
_ANSWERS: dict[Outcome, tuple[int, str]] = {
    Outcome.CONFIRMED: (1, "success"),
    Outcome.FAILURE_RECORDED: (1, "success"),
    Outcome.PENDING_NOTED: (1, "success"),
    Outcome.ALREADY_CONFIRMED: (2, "already confirmed"),
    Outcome.ORDER_NOT_FOUND: (-1, "order not found"),
    Outcome.AMOUNT_MISMATCH: (-1, "amount mismatch"),
    Outcome.BAD_SIGNATURE: (-1, "mac not equal"),
    Outcome.MALFORMED: (-1, "malformed callback"),
    Outcome.ERROR: (0, "internal error, please retry"),
}


def app_trans_id(order_id: str, created_at: dt.datetime) -> str:
    """ZaloPay's order reference: it must start with the order's GMT+7 date."""
    if created_at.tzinfo is None:   # base.py promises aware datetimes; a naive one is taken as UTC
        created_at = created_at.replace(tzinfo=dt.UTC)
    return f"{created_at.astimezone(VIETNAM):%y%m%d}_{order_id}"


def _order_id(trans_id: str) -> str:
    matched = _APP_TRANS_ID.fullmatch(trans_id)
    if matched is None:
        raise MalformedCallback(f"ZaloPay: app_trans_id {trans_id!r} is not yymmdd_<order>")
    return matched.group(1)


def _int(value: Any, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    raise MalformedCallback(f"ZaloPay: {name} is not an integer: {value!r}")


def _ms(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp() * 1000)


def _from_ms(value: int) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(value / 1000, dt.UTC)
    except (OverflowError, OSError, ValueError) as out_of_range:
        raise MalformedCallback(f"ZaloPay: time out of range: {value!r}") from out_of_range


class ZalopayProvider:
    name = "zalopay"
    title = "ZaloPay"

    def __init__(self, app_id: str, key1: str, key2: str, endpoint: str, timeout: float = 15.0,
                 client: httpx.AsyncClient | None = None) -> None:
        self._app_id = str(app_id)
        self._key1 = key1
        self._key2 = key2.encode()
        self._endpoint = endpoint.rstrip("/")
        self._owns_client = client is None
        self._http = client or httpx.AsyncClient(timeout=timeout)

    def _mac1(self, *parts: str) -> str:
        return hmac.new(self._key1.encode(), "|".join(parts).encode(), hashlib.sha256).hexdigest()

    def _mac2_matches(self, text: str, given: Any) -> bool:
        if not isinstance(given, str):
            return False
        # "replace": a lone surrogate in forged JSON makes the MAC wrong instead of raising
        expected = hmac.new(self._key2, text.encode(errors="replace"), hashlib.sha256).hexdigest()
        # bytes: compare_digest refuses non-ASCII str, and a forged MAC may carry anything
        return hmac.compare_digest(expected.encode(), given.strip().lower().encode(errors="replace"))

    async def _post(self, path: str, form: dict[str, str], what: str) -> dict[str, Any]:
        try:
            response = await self._http.post(f"{self._endpoint}{path}", data=form)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as failed:   # ValueError: the body is not JSON
            raise PaymentError(f"ZaloPay {what}: {failed!r}") from failed
        if not isinstance(data, dict):
            raise PaymentError(f"ZaloPay {what}: unexpected answer {data!r}")
        return data

    # --- create ---------------------------------------------------------------------------------

    async def create(self, request: PaymentRequest) -> CreatedPayment:
        trans_id = app_trans_id(request.order_id, request.created_at)
        lifetime = int((request.expires_at - request.created_at).total_seconds())
        form = {
            "app_id": self._app_id,
            "app_user": APP_USER,
            "app_trans_id": trans_id,
            "app_time": str(_ms(request.created_at)),
            "expire_duration_seconds": str(min(max(lifetime, EXPIRY_RANGE[0]), EXPIRY_RANGE[1])),
            "amount": str(request.amount_vnd),
            "item": "[]",
            # redirecturl: where ZaloPay's page sends the citizen back (overrides the app's setting)
            "embed_data": json.dumps({"redirecturl": request.return_url}, separators=(",", ":")),
            "description": request.description,
            "callback_url": request.notify_url,
        }
        form["mac"] = self._mac1(form["app_id"], trans_id, form["app_user"], form["amount"], form["app_time"],
                                 form["embed_data"], form["item"])
        what = f"create {trans_id}"
        data = await self._post("/v2/create", form, what)
        if data.get("return_code") != SUCCESS:
            raise PaymentError(f"ZaloPay {what}: return_code {data.get('return_code')} "
                               f"{data.get('return_message', '')} / {data.get('sub_return_code')} "
                               f"{data.get('sub_return_message', '')}")
        order_url = data.get("order_url")
        if not isinstance(order_url, str) or not order_url:
            raise PaymentError(f"ZaloPay {what}: success without order_url")
        return CreatedPayment(order_url, provider_ref=trans_id)

    # --- callback and redirect ------------------------------------------------------------------

    def verify_callback(self, callback: IncomingCallback) -> Notification:
        try:
            envelope = json.loads(callback.body)
        except (ValueError, RecursionError) as unreadable:   # also UnicodeDecodeError; deep nesting recurses
            raise MalformedCallback("ZaloPay callback: body is not JSON") from unreadable
        if not isinstance(envelope, dict) or not isinstance(envelope.get("data"), str) or "mac" not in envelope:
            raise MalformedCallback("ZaloPay callback: data/mac missing")
        # the MAC covers the data string exactly as received: check it before reading anything
        if not self._mac2_matches(envelope["data"], envelope["mac"]):
            raise BadSignature("ZaloPay callback: mac not equal")
        try:
            data = json.loads(envelope["data"])
        except (ValueError, RecursionError) as unreadable:
            raise MalformedCallback("ZaloPay callback: data is not JSON") from unreadable
        if not isinstance(data, dict):
            raise MalformedCallback("ZaloPay callback: data is not a JSON object")
        missing = [key for key in ("app_id", "app_trans_id", "amount", "zp_trans_id", "server_time")
                   if key not in data]
        if missing:
            raise MalformedCallback(f"ZaloPay callback: missing {', '.join(missing)}")
        if str(data["app_id"]) != self._app_id:   # signed with our key2 yet for another app
            raise BadSignature(f"ZaloPay callback: app_id {data['app_id']!r} is not ours")
        if not isinstance(data["app_trans_id"], str):
            raise MalformedCallback("ZaloPay callback: app_trans_id is not a string")
        return Notification(
            order_id=_order_id(data["app_trans_id"]),
            amount_vnd=_int(data["amount"], "amount"),
            paid=True,   # ZaloPay only calls back once it has taken the money
            provider_txn=str(_int(data["zp_trans_id"], "zp_trans_id")),
            provider_status=f"type={envelope.get('type', '')};channel={data.get('channel', '')}",
            paid_at=_from_ms(_int(data["server_time"], "server_time")))

    def answer(self, outcome: Outcome) -> CallbackAnswer:
        code, message = _ANSWERS[outcome]
        # ZaloPay reads return_code from a 200 answer
        return CallbackAnswer(200, json.dumps({"return_code": code, "return_message": message}).encode())

    def verify_return(self, query: Mapping[str, str]) -> Notification | None:
        fields = ("appid", "apptransid", "pmcid", "bankcode", "amount", "discountamount", "status")
        if any(not isinstance(query.get(key), str) for key in fields):
            return None
        if not self._mac2_matches("|".join(query[key] for key in fields), query.get("checksum")):
            return None
        if query["appid"] != self._app_id:
            return None
        try:
            order_id = _order_id(query["apptransid"])
            amount = _int(query["amount"], "amount")
        except MalformedCallback:
            return None
        status = query["status"]
        return Notification(order_id=order_id, amount_vnd=amount, paid=status == "1", provider_txn="",
                            provider_status=f"status={status}")

    # --- query ----------------------------------------------------------------------------------

    async def query(self, order_id: str, amount_vnd: int, created_at: dt.datetime,
                    provider_ref: str) -> QueryResult:
        trans_id = provider_ref or app_trans_id(order_id, created_at)
        form = {"app_id": self._app_id, "app_trans_id": trans_id,
                "mac": self._mac1(self._app_id, trans_id, self._key1)}
        what = f"query {trans_id}"
        data = await self._post("/v2/query", form, what)
        code, sub_code = data.get("return_code"), data.get("sub_return_code")
        status = f"return_code={code};sub_return_code={sub_code}"
        amount = data.get("amount")
        amount_seen = amount if isinstance(amount, int) and not isinstance(amount, bool) and amount > 0 else None
        txn = data.get("zp_trans_id")
        provider_txn = str(txn) if isinstance(txn, int | str) and txn not in (0, "0", "") else ""
        if code == SUCCESS:
            return QueryResult(QueryState.PAID, amount_seen, provider_txn, status, raw=data)
        if code == PROCESSING:
            return QueryResult(QueryState.PENDING, amount_seen, provider_txn, status, raw=data)
        if code == FAIL and sub_code in NOT_FOUND_SUB_CODES:
            return QueryResult(QueryState.UNKNOWN, None, "", status, raw=data)
        if code == FAIL and sub_code not in REQUEST_ERROR_SUB_CODES:
            return QueryResult(QueryState.FAILED, amount_seen, provider_txn, status, raw=data)
        raise PaymentError(f"ZaloPay {what}: {status} {data.get('return_message', '')} "
                           f"{data.get('sub_return_message', '')}")

    async def aclose(self) -> None:
        if self._owns_client:
            await self._http.aclose()

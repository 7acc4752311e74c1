"""A local stand-in for MoMo's payment gateway v2 (captureWallet): ``/v2/gateway/api/create`` and
``/v2/gateway/api/query`` over real HTTP, checking the merchant's signatures with its own code (it
does not import the provider under test). Tests build the IPN / redirect MoMo would send with
``callback_for`` and ``return_query_for``, and steer answers through ``MomoStandIn`` attributes."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from tests.support.servers import serve_in_thread

MIN_AMOUNT, MAX_AMOUNT = 1_000, 50_000_000   # captureWallet limits in MoMo's docs


@dataclass
class MomoStandIn:
    partner_code: str = "MOMOTEST0001"
    access_key: str = "momo-access-key"
    secret_key: str = "momo-secret-key"
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)   # orderId → recorded order
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)   # (path, JSON body) received
    refuse_next_create: tuple[int, str] | None = None   # (resultCode, message) for the next create
    url: str = ""
    _trans_ids: Iterator[int] = field(default_factory=lambda: itertools.count(4_088_878_653))

    def sign(self, text: str) -> str:
        return hmac.new(self.secret_key.encode(), text.encode(), hashlib.sha256).hexdigest()

    def _create_text(self, b: dict[str, Any]) -> str:
        return (f"accessKey={self.access_key}&amount={b['amount']}&extraData={b['extraData']}&ipnUrl={b['ipnUrl']}"
                f"&orderId={b['orderId']}&orderInfo={b['orderInfo']}&partnerCode={b['partnerCode']}"
                f"&redirectUrl={b['redirectUrl']}&requestId={b['requestId']}&requestType={b['requestType']}")

    def _query_text(self, b: dict[str, Any]) -> str:
        return (f"accessKey={self.access_key}&orderId={b['orderId']}&partnerCode={b['partnerCode']}"
                f"&requestId={b['requestId']}")

    def _result_text(self, r: dict[str, Any]) -> str:
        return (f"accessKey={self.access_key}&amount={r['amount']}&extraData={r['extraData']}"
                f"&message={r['message']}&orderId={r['orderId']}&orderInfo={r['orderInfo']}"
                f"&orderType={r['orderType']}&partnerCode={r['partnerCode']}&payType={r['payType']}"
                f"&requestId={r['requestId']}&responseTime={r['responseTime']}&resultCode={r['resultCode']}"
                f"&transId={r['transId']}")

    def _refusal(self, body: dict[str, Any], code: int, message: str, status: int = 400) -> JSONResponse:
        return JSONResponse({"partnerCode": body.get("partnerCode", ""), "requestId": body.get("requestId", ""),
                             "orderId": body.get("orderId", ""), "responseTime": int(time.time() * 1000),
                             "resultCode": code, "message": message}, status_code=status)

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.post("/v2/gateway/api/create")
        async def create(request: Request) -> Response:
            body = await request.json()
            self.requests.append(("/v2/gateway/api/create", body))
            try:
                expected = self.sign(self._create_text(body))
            except KeyError as missing:
                return self._refusal(body, 20, f"Bad format request: {missing} missing")
            if body["partnerCode"] != self.partner_code or not hmac.compare_digest(
                    expected, str(body.get("signature", ""))):
                return self._refusal(body, 13, "Merchant authentication failed.")
            if body["requestType"] != "captureWallet":
                return self._refusal(body, 20, "Bad format request.")
            if self.refuse_next_create is not None:
                code, message = self.refuse_next_create
                self.refuse_next_create = None
                return self._refusal(body, code, message, status=200)
            if not MIN_AMOUNT <= body["amount"] <= MAX_AMOUNT:
                return self._refusal(body, 22, "Transaction amount is out of range.", status=200)
            if body["orderId"] in self.orders:
                return self._refusal(body, 41, "Duplicated orderId.", status=200)
            self.orders[body["orderId"]] = {**body, "state": "pending", "transId": 0}
            return JSONResponse({
                "partnerCode": body["partnerCode"], "requestId": body["requestId"], "orderId": body["orderId"],
                "amount": body["amount"], "responseTime": int(time.time() * 1000), "message": "Thành công.",
                "resultCode": 0, "payUrl": f"{self.url}/pay/{body['orderId']}",
                "deeplink": f"momo://app?action=payWithApp&orderId={body['orderId']}",
                "qrCodeUrl": f"2|99|0000|{body['orderId']}"})

        @api.post("/v2/gateway/api/query")
        async def query(request: Request) -> Response:
            body = await request.json()
            self.requests.append(("/v2/gateway/api/query", body))
            try:
                expected = self.sign(self._query_text(body))
            except KeyError as missing:
                return self._refusal(body, 20, f"Bad format request: {missing} missing")
            if body["partnerCode"] != self.partner_code or not hmac.compare_digest(
                    expected, str(body.get("signature", ""))):
                return self._refusal(body, 13, "Merchant authentication failed.")
            order = self.orders.get(body["orderId"])
            if order is None:
                return self._refusal(body, 42, "Invalid orderId or orderId is not found.", status=200)
            code, message = {"paid": (0, "Thành công."), "pending": (1000, "Transaction is initiated, waiting "
                                                                          "for user confirmation."),
                             "failed": (1006, "Transaction denied by user.")}[order["state"]]
            return JSONResponse({
                "partnerCode": self.partner_code, "requestId": body["requestId"], "orderId": body["orderId"],
                "extraData": order["extraData"], "amount": order["amount"], "transId": order["transId"],
                "payType": "qr" if order["state"] == "paid" else "", "resultCode": code, "message": message,
                "responseTime": int(time.time() * 1000), "refundTrans": []})

        @api.get("/pay/{order_id}")
        async def pay_page(order_id: str) -> Response:
            if order_id not in self.orders:
                return HTMLResponse("<p>Không tìm thấy đơn hàng.</p>", status_code=404)
            return HTMLResponse(f"<h1>MoMo (stand-in)</h1><p>Đơn {order_id}: "
                                f"{self.orders[order_id]['amount']} đ</p>")

        return api

    def settle(self, order_id: str, success: bool = True) -> dict[str, Any]:
        """The citizen pays (or refuses) on MoMo's page: the order gets its final state."""
        order = self.orders[order_id]
        order["state"] = "paid" if success else "failed"
        order["transId"] = next(self._trans_ids)
        return order

    def _result(self, order_id: str, success: bool) -> dict[str, Any]:
        order = self.settle(order_id, success)
        result: dict[str, Any] = {
            "partnerCode": self.partner_code, "orderId": order_id, "requestId": order["requestId"],
            "amount": order["amount"], "orderInfo": order["orderInfo"], "orderType": "momo_wallet",
            "transId": order["transId"], "resultCode": 0 if success else 1006,
            "message": "Thành công." if success else "Giao dịch bị từ chối bởi người dùng.",
            "payType": "qr", "responseTime": int(time.time() * 1000), "extraData": order["extraData"]}
        result["signature"] = self.sign(self._result_text(result))
        return result

    def callback_for(self, order_id: str, success: bool = True) -> dict[str, Any]:
        """The IPN body MoMo would POST (as JSON) to the order's ipnUrl."""
        return self._result(order_id, success)

    def callback_body(self, order_id: str, success: bool = True) -> bytes:
        return json.dumps(self.callback_for(order_id, success), ensure_ascii=False).encode()

    def return_query_for(self, order_id: str, success: bool = True) -> dict[str, str]:
        """The query string MoMo appends to the redirectUrl (same fields and signature as the IPN)."""
        return {key: str(value) for key, value in self._result(order_id, success).items()}


@contextmanager
def running_momo(port: int, standin: MomoStandIn | None = None) -> Iterator[MomoStandIn]:
    """Serve a MoMo stand-in on 127.0.0.1:``port`` in a thread until the block ends."""
    standin = standin or MomoStandIn()
    with serve_in_thread(standin.app(), port, "MoMo stand-in") as url:
        standin.url = url
        yield standin

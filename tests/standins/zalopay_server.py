"""A local stand-in for ZaloPay's OpenAPI v2: ``/v2/create`` and ``/v2/query`` (form-encoded) over
real HTTP, checking the merchant's key1 MACs with its own code (it does not import the provider
under test). Tests build the key2-signed callback / redirect ZaloPay would send with
``callback_for`` and ``return_query_for``, and steer answers through ``ZalopayStandIn`` attributes."""

from __future__ import annotations

import base64
import datetime as dt
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

GMT7 = dt.timezone(dt.timedelta(hours=7))


def _hmac(key: str, text: str) -> str:
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


def _answer(code: int, message: str, sub_code: int, sub_message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"return_code": code, "return_message": message, "sub_return_code": sub_code,
                         "sub_return_message": sub_message, **extra})


@dataclass
class ZalopayStandIn:
    app_id: str = "2553"
    key1: str = "zalopay-key1"
    key2: str = "zalopay-key2"
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)   # app_trans_id → recorded order
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)   # (path, form) received
    refuse_next_create: tuple[int, str] | None = None   # (sub_return_code, message) for the next create
    url: str = ""
    _zp_trans_ids: Iterator[int] = field(default_factory=lambda: itertools.count(260_101_000_000_389))

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.post("/v2/create")
        async def create(request: Request) -> Response:
            form = {key: str(value) for key, value in (await request.form()).items()}
            self.requests.append(("/v2/create", form))
            needed = ("app_id", "app_user", "app_trans_id", "app_time", "amount", "item", "embed_data",
                      "description", "mac")
            if any(key not in form for key in needed):
                return _answer(2, "Giao dịch thất bại", -401, "Dữ liệu yêu cầu không hợp lệ")
            mac_text = "|".join(form[key] for key in ("app_id", "app_trans_id", "app_user", "amount", "app_time",
                                                      "embed_data", "item"))
            if form["app_id"] != self.app_id or not hmac.compare_digest(_hmac(self.key1, mac_text), form["mac"]):
                return _answer(2, "Giao dịch thất bại", -402, "Chữ ký không hợp lệ")
            today = dt.datetime.now(GMT7).strftime("%y%m%d")
            if not form["app_trans_id"].startswith(f"{today}_"):
                return _answer(2, "Giao dịch thất bại", -401, "app_trans_id phải bắt đầu bằng ngày hiện tại")
            if self.refuse_next_create is not None:
                sub_code, message = self.refuse_next_create
                self.refuse_next_create = None
                return _answer(2, "Giao dịch thất bại", sub_code, message)
            if form["app_trans_id"] in self.orders:
                return _answer(2, "Giao dịch thất bại", -68, "Mã giao dịch bị trùng")
            token = base64.urlsafe_b64encode(form["app_trans_id"].encode()).decode()
            self.orders[form["app_trans_id"]] = {**form, "state": "pending", "zp_trans_id": 0, "token": token}
            order_url = f"{self.url}/pay?order={token}"
            return _answer(1, "Giao dịch thành công", 1, "Giao dịch thành công", zp_trans_token=token,
                           order_url=order_url, order_token=token, qr_code=f"00020101021226520010vn.zalopay{token}")

        @api.post("/v2/query")
        async def query(request: Request) -> Response:
            form = {key: str(value) for key, value in (await request.form()).items()}
            self.requests.append(("/v2/query", form))
            if any(key not in form for key in ("app_id", "app_trans_id", "mac")):
                return _answer(2, "Giao dịch thất bại", -401, "Dữ liệu yêu cầu không hợp lệ")
            expected = _hmac(self.key1, f"{form['app_id']}|{form['app_trans_id']}|{self.key1}")
            if form["app_id"] != self.app_id or not hmac.compare_digest(expected, form["mac"]):
                return _answer(2, "Giao dịch thất bại", -402, "Chữ ký không hợp lệ")
            order = self.orders.get(form["app_trans_id"])
            if order is None:
                return _answer(2, "Giao dịch thất bại", -101, "Không tìm thấy đơn hàng", is_processing=False,
                               amount=0, zp_trans_id=0)
            if order["state"] == "paid":
                return _answer(1, "Giao dịch thành công", 1, "Giao dịch thành công", is_processing=False,
                               amount=int(order["amount"]), zp_trans_id=order["zp_trans_id"],
                               discount_amount=0)
            if order["state"] == "expired":
                return _answer(2, "Giao dịch thất bại", -54, "Giao dịch hết hạn", is_processing=False,
                               amount=int(order["amount"]), zp_trans_id=0)
            return _answer(3, "Giao dịch chưa thực hiện hoặc đang xử lý", 0, "", is_processing=False,
                           amount=int(order["amount"]), zp_trans_id=0)

        @api.get("/pay")
        async def pay_page(order: str) -> Response:
            found = [trans_id for trans_id, o in self.orders.items() if o["token"] == order]
            if not found:
                return HTMLResponse("<p>Không tìm thấy đơn hàng.</p>", status_code=404)
            return HTMLResponse(f"<h1>ZaloPay (stand-in)</h1><p>Đơn {found[0]}</p>")

        return api

    def trans_id_of(self, order_id: str) -> str:
        """The recorded app_trans_id whose part after ``yymmdd_`` is ``order_id``."""
        for trans_id in self.orders:
            if trans_id.split("_", 1)[1] == order_id:
                return trans_id
        raise KeyError(order_id)

    def settle(self, order_id: str, state: str = "paid") -> dict[str, Any]:
        order = self.orders[self.trans_id_of(order_id)]
        order["state"] = state
        if state == "paid":
            order["zp_trans_id"] = next(self._zp_trans_ids)
        return order

    def callback_for(self, order_id: str, success: bool = True) -> dict[str, Any]:
        """The JSON body ZaloPay would POST to callback_url; ZaloPay calls back only on success."""
        if not success:
            raise ValueError("ZaloPay sends no callback for an unpaid order")
        order = self.settle(order_id, "paid")
        data = json.dumps({
            "app_id": int(self.app_id), "app_trans_id": order["app_trans_id"], "app_time": int(order["app_time"]),
            "app_user": order["app_user"], "amount": int(order["amount"]), "embed_data": order["embed_data"],
            "item": order["item"], "zp_trans_id": order["zp_trans_id"], "server_time": int(time.time() * 1000),
            "channel": 38, "merchant_user_id": "stand-in-user", "user_fee_amount": 0, "discount_amount": 0,
        }, separators=(",", ":"), ensure_ascii=False)
        return {"data": data, "mac": _hmac(self.key2, data), "type": 1}

    def callback_body(self, order_id: str) -> bytes:
        return json.dumps(self.callback_for(order_id)).encode()

    def return_query_for(self, order_id: str, status: int = 1) -> dict[str, str]:
        """The query string ZaloPay appends to the redirect URL after the pay page."""
        order = self.orders[self.trans_id_of(order_id)]
        query = {"appid": self.app_id, "apptransid": order["app_trans_id"], "pmcid": "38", "bankcode": "",
                 "amount": order["amount"], "discountamount": "0", "status": str(status)}
        query["checksum"] = _hmac(self.key2, "|".join(query.values()))
        return query


@contextmanager
def running_zalopay(port: int, standin: ZalopayStandIn | None = None) -> Iterator[ZalopayStandIn]:
    """Serve a ZaloPay stand-in on 127.0.0.1:``port`` in a thread until the block ends."""
    standin = standin or ZalopayStandIn()
    with serve_in_thread(standin.app(), port, "ZaloPay stand-in") as url:
        standin.url = url
        yield standin

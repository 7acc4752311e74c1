"""A local stand-in for VNPay's side of API 2.1.0, served over real HTTP on 127.0.0.1: it checks pay
URLs, produces the IPN VNPay would send, and answers ``querydr``. Its signing code is written here on
purpose, apart from the provider's, so a shared mistake cannot make both sides agree."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlencode

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from tests.support.servers import serve_in_thread

GMT7 = dt.timezone(dt.timedelta(hours=7))
# querydr checksum orders, from VNPay's "Truy vấn kết quả thanh toán (QueryDr)" page
REQUEST_ORDER = ["vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TxnRef",
                 "vnp_TransactionDate", "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo"]
RESPONSE_ORDER = ["vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode", "vnp_TxnRef",
                  "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo", "vnp_TransactionType",
                  "vnp_TransactionStatus", "vnp_OrderInfo", "vnp_PromotionCode", "vnp_PromotionAmount"]


@dataclass
class StandInOrder:
    txn_ref: str
    amount: int            # as VNPay holds it: đồng × 100
    order_info: str
    return_url: str
    create_date: str       # the pay URL's vnp_CreateDate
    status: str = "01"     # VNPay's TransactionStatus: 01 not completed, 00 paid, 02 failed
    transaction_no: str = ""
    pay_date: str = ""


@dataclass
class VnpayStandIn:
    tmn_code: str = "TESTTMN1"
    hash_secret: str = "STANDINSECRETSTANDINSECRET123456"
    orders: dict[str, StandInOrder] = field(default_factory=dict)
    queries: list[dict[str, Any]] = field(default_factory=list)   # querydr bodies as received
    break_next_signature: bool = False    # sign the next querydr answer wrongly
    fail_next_query_with: int | None = None   # answer the next querydr with this HTTP status
    url: str = ""
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(14422574))

    def hmac_hex(self, text: str) -> str:
        return hmac.new(self.hash_secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha512).hexdigest()

    def sign_query(self, params: dict[str, str]) -> str:
        """Sorted vnp_* fields, form-encoded with '+' for spaces, as VNPay signs URLs."""
        signed = sorted((k, v) for k, v in params.items()
                        if k.startswith("vnp_") and k not in ("vnp_SecureHash", "vnp_SecureHashType"))
        # As VNPay's Java URLEncoder: "*" kept, "~" written %7E (Python's quote_plus differs on both).
        def java_encode(text: str, *_: object) -> str:
            return quote_plus(text, safe="*").replace("~", "%7E")

        return self.hmac_hex(urlencode(signed, quote_via=java_encode))

    def sign_pipe(self, body: dict[str, Any], order: list[str]) -> str:
        return self.hmac_hex("|".join(str(body.get(name, "")) for name in order))

    @property
    def pay_url(self) -> str:
        return f"{self.url}/paymentv2/vpcpay.html"

    @property
    def api_url(self) -> str:
        return f"{self.url}/merchant_webapi/api/transaction"

    def pay(self, txn_ref: str, success: bool = True) -> dict[str, str]:
        """The citizen finishes (or cancels) on VNPay's page: returns the signed IPN query VNPay sends
        (the return URL carries the same fields)."""
        order = self.orders[txn_ref]
        order.transaction_no = str(next(self._numbers))
        order.pay_date = dt.datetime.now(GMT7).strftime("%Y%m%d%H%M%S")
        order.status = "00" if success else "02"
        params = {
            "vnp_Amount": str(order.amount), "vnp_BankCode": "NCB", "vnp_BankTranNo": f"VNP{order.transaction_no}",
            "vnp_CardType": "ATM", "vnp_OrderInfo": order.order_info, "vnp_PayDate": order.pay_date,
            "vnp_ResponseCode": "00" if success else "24",   # 24: the customer cancelled
            "vnp_TmnCode": self.tmn_code, "vnp_TransactionNo": order.transaction_no,
            "vnp_TransactionStatus": order.status, "vnp_TxnRef": txn_ref,
        }
        return {**params, "vnp_SecureHash": self.sign_query(params)}

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.get("/paymentv2/vpcpay.html")
        async def pay_page(request: Request) -> Response:
            params = dict(request.query_params)
            given = params.get("vnp_SecureHash", "")
            if not hmac.compare_digest(given.lower().encode(), self.sign_query(params).encode()):
                return HTMLResponse("Sai chữ ký (invalid signature)", status_code=400)
            if (params.get("vnp_Version") != "2.1.0" or params.get("vnp_Command") != "pay"
                    or params.get("vnp_TmnCode") != self.tmn_code or not params.get("vnp_Amount", "").isdigit()):
                return HTMLResponse("Dữ liệu gửi sang không đúng định dạng", status_code=400)
            self.orders[params["vnp_TxnRef"]] = StandInOrder(
                txn_ref=params["vnp_TxnRef"], amount=int(params["vnp_Amount"]), order_info=params["vnp_OrderInfo"],
                return_url=params["vnp_ReturnUrl"], create_date=params["vnp_CreateDate"])
            return HTMLResponse("<html><body>Cổng thanh toán VNPAY (stand-in)</body></html>")

        @api.post("/merchant_webapi/api/transaction")
        async def transaction(request: Request) -> Response:
            body = await request.json()
            self.queries.append(body)
            if self.fail_next_query_with is not None:
                status, self.fail_next_query_with = self.fail_next_query_with, None
                return JSONResponse({"error": "unavailable"}, status_code=status)
            return JSONResponse(self.querydr_answer(body))

        return api

    def querydr_answer(self, body: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = {"vnp_ResponseId": f"R{len(self.queries):031d}", "vnp_Command": "querydr",
                                  "vnp_TmnCode": self.tmn_code, "vnp_TxnRef": body.get("vnp_TxnRef", "")}
        order = self.orders.get(body.get("vnp_TxnRef", ""))
        if body.get("vnp_Command") != "querydr" or body.get("vnp_TmnCode") != self.tmn_code:
            answer |= {"vnp_ResponseCode": "02", "vnp_Message": "Merchant is not valid"}
        elif not hmac.compare_digest(str(body.get("vnp_SecureHash", "")).lower(),
                                     self.sign_pipe(body, REQUEST_ORDER)):
            answer |= {"vnp_ResponseCode": "97", "vnp_Message": "Invalid Checksum"}
        elif order is None or body.get("vnp_TransactionDate") != order.create_date:
            answer |= {"vnp_ResponseCode": "91", "vnp_Message": "Transaction not found"}
        else:
            answer |= {"vnp_ResponseCode": "00", "vnp_Message": "QueryDR Success", "vnp_Amount": str(order.amount),
                       "vnp_BankCode": "NCB" if order.transaction_no else "", "vnp_PayDate": order.pay_date,
                       "vnp_TransactionNo": order.transaction_no, "vnp_TransactionType": "01",
                       "vnp_TransactionStatus": order.status, "vnp_OrderInfo": order.order_info,
                       "vnp_PromotionCode": "", "vnp_PromotionAmount": ""}
        answer["vnp_SecureHash"] = self.sign_pipe(answer, RESPONSE_ORDER)
        if self.break_next_signature:
            self.break_next_signature = False
            answer["vnp_SecureHash"] = self.hmac_hex("not the answer")
        return answer


@contextmanager
def running_vnpay(port: int, standin: VnpayStandIn | None = None) -> Iterator[VnpayStandIn]:
    """Serve a VNPay stand-in on 127.0.0.1:``port`` in a thread until the block ends."""
    standin = standin or VnpayStandIn()
    with serve_in_thread(standin.app(), port, "VNPay stand-in") as url:
        standin.url = url
        yield standin

"""Payments over HTTP: the API for integration (create an order for a dossier one proves is one's
own, read an order's status), the providers' callbacks (IPN), and the page a citizen lands on after
paying."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from bot.conversation.routes import _cookie_sender
from bot.conversation.senders import rasa_sender
from bot.core.deps import AppSettings
from bot.core.money import vnd as money
from bot.core.pages import TEMPLATES
from bot.core.vntime import vn_time
from bot.ops.security_headers import SECURITY_HEADERS
from bot.payments.deps import Payments
from bot.payments.models import ORDER_STATUS_LABELS
from bot.payments.providers.base import IncomingCallback
from bot.payments.service import (
    MAX_STORED_BODY,
    NOTIFY_PATHS,
    OrderView,
)

router = APIRouter(tags=["payments"])
MAX_CALLBACK_BYTES = MAX_STORED_BODY   # providers send a few KB; bot/ops/body_limit.py cuts at the same size


class PaymentCreate(BaseModel):
    dossier_code: str = Field(min_length=4, max_length=64, description="Mã hồ sơ, ví dụ HS-7K3M-Q9TX")
    provider: Literal["vnpay", "momo", "zalopay", "sandbox"]
    proof: str = Field(default="", max_length=32,
                       description="4 số cuối của số điện thoại hoặc căn cước đã dùng khi nộp hồ sơ; không cần "
                                   "khi gửi kèm cookie phiên trò chuyện web đã nộp hồ sơ")


class PaymentCreated(BaseModel):
    order_id: str
    amount: int = Field(description="Số tiền, đồng")
    pay_url: str
    provider: str
    expires_at: dt.datetime


class PaymentStatus(BaseModel):
    """What the holder of an order id (the pay link) may know: no dossier code, no personal data."""

    order_id: str
    provider: str
    amount: int
    status: Literal["pending", "paid", "failed", "expired"]
    provider_txn: str
    created_at: dt.datetime
    expires_at: dt.datetime
    paid_at: dt.datetime | None
    refund_due: bool


@router.get("/api/payments/providers", summary="Các hình thức thanh toán đang bật (kèm cảnh báo nếu có)")
async def providers(payments: Payments) -> list[dict[str, str]]:
    listed = []
    for provider in payments.enabled():
        item = {"name": provider.name, "title": provider.title}
        if getattr(provider, "warning", ""):   # the sandbox where it should not be
            item["warning"] = provider.warning  # type: ignore[attr-defined]
        listed.append(item)
    return listed


@router.post("/api/payments", status_code=201, response_model=PaymentCreated,
             summary="Tạo lệnh thanh toán phí của một hồ sơ, cho người chứng minh được hồ sơ là của mình",
             responses={404: {"description": "Không có hồ sơ, hoặc xác minh không khớp (cùng một câu trả lời)"},
                        409: {"description": "Không có khoản phí cần trả"},
                        422: {"description": "Nhà cung cấp không được bật, hoặc trường không hợp lệ"},
                        429: {"description": "Thử quá nhiều lần từ địa chỉ này hoặc với mã này"},
                        502: {"description": "Nhà cung cấp không phản hồi"}})
async def create_payment(body: PaymentCreate, request: Request, settings: AppSettings, payments: Payments) -> Any:
    client_ip = request.client.host if request.client else "127.0.0.1"
    sender = _cookie_sender(request, settings)   # the web chat's browser-bound sender, when its cookie came along
    # A refusal (unknown dossier, wrong proof, too many attempts…) reaches the app's one handler.
    order = await payments.create_order_for(body.dossier_code, body.provider, body.proof,
                                            rasa_sender("web", sender) if sender else None, client_ip)
    return PaymentCreated(order_id=order.order_id, amount=order.amount_vnd, pay_url=order.pay_url,
                          provider=order.provider, expires_at=order.expires_at)


@router.get("/api/payments/{order_id}", response_model=PaymentStatus,
            summary="Trạng thái một lệnh thanh toán (không kèm mã hồ sơ hay thông tin cá nhân)")
async def payment_status(order_id: str, payments: Payments) -> Any:
    order = await payments.get(order_id)
    if order is None:
        raise HTTPException(404, "Không có lệnh thanh toán này.")
    return PaymentStatus(order_id=order.order_id, provider=order.provider,
                         amount=order.amount_vnd, status=order.status, provider_txn=order.provider_txn,  # type: ignore[arg-type]
                         created_at=order.created_at, expires_at=order.expires_at, paid_at=order.paid_at,
                         refund_due=order.refund_due)


async def _callback(provider: str, request: Request, payments: Payments) -> Response:
    if provider not in payments.providers:
        raise HTTPException(404, "Nhà cung cấp không được bật.")
    body = await request.body()
    if len(body) > MAX_CALLBACK_BYTES:
        raise HTTPException(413, "Callback quá lớn.")
    callback = IncomingCallback(query=dict(request.query_params), body=body, headers=dict(request.headers))
    handled = await payments.handle_callback(provider, callback, request.client.host if request.client else "")
    answer = handled.answer
    if handled.retry_after:   # refused callbacks from this address over the limit: the same refusal, as 429
        return Response(answer.body, status_code=429, media_type=answer.media_type,
                        headers={"Retry-After": str(max(1, int(handled.retry_after) + 1))})
    return Response(answer.body, status_code=answer.status_code, media_type=answer.media_type)


def _register_callback(provider: str, path: str) -> None:
    async def endpoint(request: Request, payments: Payments) -> Response:
        return await _callback(provider, request, payments)

    endpoint.__name__ = f"{provider}_callback"
    router.add_api_route(path, endpoint, methods=["GET", "POST"], include_in_schema=False)


for _provider, _path in NOTIFY_PATHS.items():  # each at the path its provider's docs name
    _register_callback(_provider, _path)


@router.get("/payments/return/{order_id}", include_in_schema=False)
async def payment_return(order_id: str, request: Request, payments: Payments) -> HTMLResponse:
    """Where the provider sends the citizen back. It shows the order as the gateway knows it (set by
    the callback alone); what the redirect claims is only a hint and never marks anything paid."""
    order = await payments.get(order_id)
    if order is None:
        return _page(request, "payment_return.html", {"order": None}, 404)
    provider = payments.providers.get(order.provider)
    claimed = provider.verify_return(dict(request.query_params)) if provider else None
    hint = claimed is not None and claimed.order_id == order.order_id and claimed.paid and order.status == "pending"
    return _page(request, "payment_return.html", {
        "order": order, "provider_title": provider.title if provider else order.provider, "hint_paid": hint,
        "status_label": ORDER_STATUS_LABELS.get(order.status, order.status), "amount": money(order.amount_vnd),
        "paid_at": _local(order)})


def _local(order: OrderView) -> str:
    return vn_time(order.paid_at)


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    response = TEMPLATES.TemplateResponse(request, name, context, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response

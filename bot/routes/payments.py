"""Payments over HTTP: the API for integration (create an order, read its status), the providers'
callbacks (IPN), and the page a citizen lands on after paying."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from bot.auth.web import SECURITY_HEADERS
from bot.payments.providers.base import VIETNAM, IncomingCallback
from bot.payments.receipts import ORDER_STATUS_LABELS, money
from bot.payments.service import NOTIFY_PATHS, OrderView, PaymentRefused, PaymentService

router = APIRouter(tags=["payments"])
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "web" / "templates"))
MAX_CALLBACK_BYTES = 64 * 1024


class PaymentCreate(BaseModel):
    dossier_code: str = Field(min_length=4, max_length=64, description="Mã hồ sơ, ví dụ HS-7K3M-Q9TX")
    provider: Literal["vnpay", "momo", "zalopay", "sandbox"]


class PaymentCreated(BaseModel):
    order_id: str
    amount: int = Field(description="Số tiền, đồng")
    pay_url: str
    provider: str
    expires_at: dt.datetime


class PaymentStatus(BaseModel):
    order_id: str
    dossier_code: str
    provider: str
    amount: int
    status: Literal["pending", "paid", "failed", "expired"]
    provider_txn: str
    created_at: dt.datetime
    expires_at: dt.datetime
    paid_at: dt.datetime | None
    refund_due: bool


def _service(request: Request) -> PaymentService:
    return request.app.state.payments


@router.get("/api/payments/providers", summary="Các hình thức thanh toán đang bật")
async def providers(request: Request) -> list[dict[str, str]]:
    return [{"name": p.name, "title": p.title} for p in _service(request).enabled()]


@router.post("/api/payments", status_code=201, response_model=PaymentCreated,
             summary="Tạo lệnh thanh toán phí của một hồ sơ",
             responses={404: {"description": "Không có hồ sơ"}, 409: {"description": "Không có khoản phí cần trả"},
                        422: {"description": "Nhà cung cấp không được bật"},
                        502: {"description": "Nhà cung cấp không phản hồi"}})
async def create_payment(body: PaymentCreate, request: Request) -> Any:
    client_ip = request.client.host if request.client else "127.0.0.1"
    try:
        order = await _service(request).create_order(body.dossier_code, body.provider, client_ip=client_ip)
    except PaymentRefused as refused:
        return JSONResponse({"error": str(refused)}, status_code=refused.http_status)
    return PaymentCreated(order_id=order.order_id, amount=order.amount_vnd, pay_url=order.pay_url,
                          provider=order.provider, expires_at=order.expires_at)


@router.get("/api/payments/{order_id}", response_model=PaymentStatus, summary="Trạng thái một lệnh thanh toán")
async def payment_status(order_id: str, request: Request) -> Any:
    order = await _service(request).get(order_id)
    if order is None:
        raise HTTPException(404, "Không có lệnh thanh toán này.")
    return PaymentStatus(order_id=order.order_id, dossier_code=order.dossier_code, provider=order.provider,
                         amount=order.amount_vnd, status=order.status, provider_txn=order.provider_txn,  # type: ignore[arg-type]
                         created_at=order.created_at, expires_at=order.expires_at, paid_at=order.paid_at,
                         refund_due=order.refund_due)


async def _callback(provider: str, request: Request) -> Response:
    service = _service(request)
    if provider not in service.providers:
        raise HTTPException(404, "Nhà cung cấp không được bật.")
    body = await request.body()
    if len(body) > MAX_CALLBACK_BYTES:
        raise HTTPException(413, "Callback quá lớn.")
    callback = IncomingCallback(query=dict(request.query_params), body=body, headers=dict(request.headers))
    answer = await service.handle_callback(provider, callback, request.client.host if request.client else "")
    return Response(answer.body, status_code=answer.status_code, media_type=answer.media_type)


def _register_callback(provider: str, path: str) -> None:
    async def endpoint(request: Request) -> Response:
        return await _callback(provider, request)

    endpoint.__name__ = f"{provider}_callback"
    router.add_api_route(path, endpoint, methods=["GET", "POST"], include_in_schema=False)


for _provider, _path in NOTIFY_PATHS.items():  # each at the path its provider's docs name
    _register_callback(_provider, _path)


@router.get("/payments/return/{order_id}", include_in_schema=False)
async def payment_return(order_id: str, request: Request) -> HTMLResponse:
    """Where the provider sends the citizen back. It shows the order as the gateway knows it (set by
    the callback alone); what the redirect claims is only a hint and never marks anything paid."""
    service = _service(request)
    order = await service.get(order_id)
    if order is None:
        return _page(request, "payment_return.html", {"order": None}, 404)
    provider = service.providers.get(order.provider)
    claimed = provider.verify_return(dict(request.query_params)) if provider else None
    hint = claimed is not None and claimed.order_id == order.order_id and claimed.paid and order.status == "pending"
    return _page(request, "payment_return.html", {
        "order": order, "provider_title": provider.title if provider else order.provider, "hint_paid": hint,
        "status_label": ORDER_STATUS_LABELS.get(order.status, order.status), "amount": money(order.amount_vnd),
        "paid_at": _local(order)})


def _local(order: OrderView) -> str:
    return f"{order.paid_at.astimezone(VIETNAM):%H:%M %d/%m/%Y}" if order.paid_at else ""


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    response = TEMPLATES.TemplateResponse(request, name, context, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response

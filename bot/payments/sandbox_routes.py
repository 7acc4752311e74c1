"""The sandbox provider's pay page (the provider's side, served by the gateway in the embedded
mode): shows the order and offers "pay" and "cancel"; the click makes the sandbox bank post a signed
callback to the gateway and sends the browser back to the return page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.core.money import vnd as money
from bot.core.tokens import tokens_match
from bot.payments.deps import Payments
from bot.payments.providers.sandbox import PAY_PATH, SandboxBank, SandboxProvider
from bot.payments.routes import _page
from bot.payments.service import PaymentService

router = APIRouter(include_in_schema=False)


def _sandbox(payments: PaymentService) -> SandboxProvider | None:
    provider = payments.providers.get("sandbox")
    return provider if isinstance(provider, SandboxProvider) else None


def _bank(payments: PaymentService) -> SandboxBank | None:
    provider = _sandbox(payments)
    return provider.bank if provider is not None else None


def _warning(payments: PaymentService) -> str:
    provider = _sandbox(payments)
    return provider.warning if provider is not None else ""


@router.get(PAY_PATH + "/{order_id}")
async def pay_page(order_id: str, request: Request, payments: Payments) -> HTMLResponse:
    bank = _bank(payments)
    transaction = bank.transactions.get(order_id) if bank else None
    if transaction is None:
        return _page(request, "sandbox_pay.html", {"transaction": None, "warning": _warning(payments)}, 404)
    return _page(request, "sandbox_pay.html", {"transaction": transaction, "warning": _warning(payments),
                                                "amount": money(transaction.amount_vnd)})


@router.post(PAY_PATH + "/{order_id}")
async def pay(order_id: str, request: Request, payments: Payments,
              action: str = Form(...), form_token: str = Form(...)) -> Any:
    """Both buttons need the order's form token, which only the pay page (the pay link's holder)
    has: a stranger cannot cancel, nor pay, someone else's order."""
    bank = _bank(payments)
    transaction = bank.transactions.get(order_id) if bank else None
    if bank is None or transaction is None:
        return _page(request, "sandbox_pay.html", {"transaction": None, "warning": _warning(payments)}, 404)
    if not tokens_match(transaction.form_token, form_token) or action not in ("pay", "cancel"):
        return Response("Yêu cầu không hợp lệ.", status_code=400, media_type="text/plain; charset=utf-8")
    return RedirectResponse(await bank.settle(order_id, pay=action == "pay"), status_code=303)

"""Shared by the payment tests: expected signatures computed by another implementation (the
openssl command line) than the code under test, callbacks as the gateway receives them, and the
sandbox pay page as a citizen uses it."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from bot.payments.providers.base import IncomingCallback, PaymentProvider
from tests.support.waiting import run_async

P = TypeVar("P", bound=PaymentProvider)
T = TypeVar("T")


def with_fresh(make: Callable[[], P], use: Callable[[P], Awaitable[T]]) -> T:
    """Run ``use`` with a provider made for this call on its own event loop (its HTTP client
    belongs to that loop), closing it afterwards."""
    async def run() -> T:
        provider = make()
        try:
            return await use(provider)
        finally:
            await provider.aclose()
    return run_async(run())


def openssl_hmac(key: str, message: str | bytes, digest: str = "sha256") -> str:
    """HMAC hex of ``message`` (text as UTF-8) with ``key``, by ``openssl dgst -<digest> -hmac``."""
    data = message.encode() if isinstance(message, str) else message
    out = subprocess.run(["openssl", "dgst", f"-{digest}", "-hmac", key], input=data,
                         capture_output=True, check=True).stdout.decode()
    return out.rsplit("= ", 1)[1].strip()


def json_callback(body: dict[str, Any] | bytes) -> IncomingCallback:
    """A provider's POSTed JSON callback (MoMo IPN, ZaloPay callback) as the gateway receives it."""
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return IncomingCallback(query={}, body=raw, headers={"content-type": "application/json"})


def pay_on_sandbox(pay_url: str) -> httpx.Response:
    """What the citizen does on the pay page: press "Thanh toán"."""
    page = httpx.get(pay_url, timeout=30)
    token = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert page.status_code == 200 and token, page.text
    return httpx.post(pay_url, data={"action": "pay", "form_token": token.group(1)}, timeout=30)

"""The payment order state machine per provider, and what the gateway does with callbacks it cannot
trust (#15 items 1, 2 and 4), through a running gateway with VNPay, MoMo and ZaloPay configured:

- a non-final "not paid yet" (MoMo 7000, VNPay TransactionStatus 01) leaves the order pending;
- a signed "paid" after a "not paid" (VNPay 24 then 00, MoMo, ZaloPay after reconciliation said
  failed) is recorded and answered with the provider's success code; the fee is paid, or the order
  flagged ``refund_due`` when another order paid it first; a wrong amount is still refused;
- refused callbacks are verified before anything is stored, leave at most a small record, are
  rate-limited per IP, are never answered with success, and callback bodies are capped at 16 KB;
- the sandbox is offered only where it is safe, with a secret of the install.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.app import create_app
from bot.conversation.models import Message
from bot.core.config import Settings
from bot.core.db import make_engine, make_sessionmaker
from bot.core.services import services_of
from bot.dossiers.backend import DossierBackend, DossierView
from bot.payments.factory import SANDBOX_WARNING, make_providers, sandbox_decision, sandbox_secret
from bot.payments.models import PaymentCallback, PaymentOrder
from bot.payments.service import new_order_id
from knowledge_base.service import KnowledgeBase
from tests.support.network import free_port
from tests.support.payments import openssl_hmac
from tests.support.servers import serve_in_thread
from tests.support.staff import file_dossier, staff_settings
from tests.support.waiting import run_async

VNPAY_TMN, VNPAY_SECRET = "STATES01", "states-vnpay-secret"
MOMO_PARTNER, MOMO_ACCESS, MOMO_SECRET = "MOMOSTATES", "states-access", "states-momo-secret"
ZALOPAY_APP, ZALOPAY_KEY1, ZALOPAY_KEY2 = "2553", "states-key1", "states-key2"
AMOUNT = 135000   # doi-gplx


@dataclass
class Gateway:
    url: str
    app: FastAPI
    sessions: sessionmaker
    dossier: DossierView

    def order(self, provider: str, status: str = "pending", amount: int = AMOUNT) -> str:
        """An order as POST /api/payments leaves it (the providers' APIs are not reached here)."""
        now = dt.datetime.now(dt.UTC)
        order_id = new_order_id()
        with self.sessions() as session, session.begin():
            session.add(PaymentOrder(id=order_id, dossier_code=self.dossier.code, provider=provider, amount_vnd=amount,
                                     description="Le phi", status=status, pay_url="https://pay.example/x",
                                     channel="web", sender_id="citizen-1", created_at=now,
                                     expires_at=now + dt.timedelta(minutes=15)))
        return order_id

    def status(self, order_id: str) -> PaymentOrder:
        with self.sessions() as session:
            order = session.get(PaymentOrder, order_id)
            assert order is not None
            return order

    def fee_due(self) -> int:
        view = run_async(services_of(self.app).get(DossierBackend).get(self.dossier.code))
        assert view is not None
        return view.fee_due_vnd

    def notices(self, needle: str) -> list[str]:
        with self.sessions() as session:
            return [m.text for m in session.scalars(select(Message).where(Message.author == "system"))
                    if needle in m.text]

    def vnpay_ipn(self, order_id: str, response_code: str, status: str, amount: int = AMOUNT,
                  number: str = "14000001") -> dict[str, Any]:
        fields = {"vnp_Amount": str(amount * 100), "vnp_BankCode": "NCB", "vnp_OrderInfo": "Le phi",
                  "vnp_PayDate": dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).strftime("%Y%m%d%H%M%S"),
                  "vnp_ResponseCode": response_code, "vnp_TmnCode": VNPAY_TMN, "vnp_TransactionNo": number,
                  "vnp_TransactionStatus": status, "vnp_TxnRef": order_id}
        text = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in sorted(fields.items()))
        fields["vnp_SecureHash"] = openssl_hmac(VNPAY_SECRET, text, "sha512")
        return httpx.get(f"{self.url}/payments/vnpay/ipn", params=fields, timeout=30).json()

    def momo_ipn(self, order_id: str, result_code: int, amount: int = AMOUNT) -> httpx.Response:
        body: dict[str, Any] = {
            "partnerCode": MOMO_PARTNER, "orderId": order_id, "requestId": f"{order_id}-r1", "amount": amount,
            "orderInfo": "Le phi", "orderType": "momo_wallet", "transId": 4088878653, "resultCode": result_code,
            "message": "x", "payType": "qr", "responseTime": 1768442400000, "extraData": ""}
        text = "&".join(f"{k}={MOMO_ACCESS if k == 'accessKey' else body[k]}"
                        for k in ("accessKey", "amount", "extraData", "message", "orderId", "orderInfo", "orderType",
                                  "partnerCode", "payType", "requestId", "responseTime", "resultCode", "transId"))
        body["signature"] = openssl_hmac(MOMO_SECRET, text)
        return httpx.post(f"{self.url}/payments/momo/ipn", json=body, timeout=30)

    def zalopay_callback(self, order_id: str, amount: int = AMOUNT) -> dict[str, Any]:
        today = dt.datetime.now(dt.timezone(dt.timedelta(hours=7)))
        data = json.dumps({"app_id": int(ZALOPAY_APP), "app_trans_id": f"{today:%y%m%d}_{order_id}",
                           "app_time": 1768442400000, "app_user": "tro-ly-ao", "amount": amount, "embed_data": "{}",
                           "item": "[]", "zp_trans_id": 260115000000389, "server_time": 1768442460000,
                           "channel": 38}, separators=(",", ":"))
        body = {"data": data, "mac": openssl_hmac(ZALOPAY_KEY2, data), "type": 1}
        return httpx.post(f"{self.url}/payments/zalopay/callback", json=body, timeout=30).json()

    def callbacks(self) -> list[PaymentCallback]:
        with self.sessions() as session:
            return list(session.scalars(select(PaymentCallback).order_by(PaymentCallback.id)))


@pytest.fixture
def gateway(kb: KnowledgeBase, tmp_path: Path, db_url: str) -> Iterator[Gateway]:
    port, closed = free_port(), f"http://127.0.0.1:{free_port()}"   # the providers' APIs are never called
    settings = staff_settings(
        tmp_path, free_port(), database_url=db_url, public_url=f"http://127.0.0.1:{port}",
        payment_reconcile_seconds=3600, payment_timeout_seconds=1,
        vnpay_tmn_code=VNPAY_TMN, vnpay_hash_secret=VNPAY_SECRET, vnpay_pay_url=closed, vnpay_api_url=closed,
        momo_partner_code=MOMO_PARTNER, momo_access_key=MOMO_ACCESS, momo_secret_key=MOMO_SECRET,
        momo_endpoint=closed, zalopay_app_id=ZALOPAY_APP, zalopay_key1=ZALOPAY_KEY1, zalopay_key2=ZALOPAY_KEY2,
        zalopay_endpoint=closed, payment_refused_callbacks_per_minute=1, payment_refused_callbacks_burst=20)
    dossier, _ = file_dossier(kb, settings, sender_id="citizen-1", procedure_id="doi-gplx")
    app = create_app(settings, kb=kb)
    with serve_in_thread(app, port, "the gateway") as url:
        engine = make_engine(settings.database_url)
        yield Gateway(url, app, make_sessionmaker(engine), dossier)
        engine.dispose()


# ---- item 2: "paid" after "not paid" --------------------------------------------------------------
def test_momo_processing_then_paid_ends_paid(gateway: Gateway) -> None:
    order_id = gateway.order("momo")
    processing = gateway.momo_ipn(order_id, 7000)
    assert processing.status_code == 204
    assert gateway.status(order_id).status == "pending"          # 7000 is not a failure
    assert gateway.notices("chưa thành công") == []
    paid = gateway.momo_ipn(order_id, 0)
    assert paid.status_code == 204
    assert gateway.status(order_id).status == "paid" and gateway.fee_due() == 0
    assert len(gateway.notices("Biên lai thanh toán")) == 1


def test_momo_refused_then_paid_is_recorded(gateway: Gateway) -> None:
    order_id = gateway.order("momo")
    assert gateway.momo_ipn(order_id, 1006).status_code == 204      # the user declined: failed
    assert gateway.status(order_id).status == "failed"
    assert gateway.momo_ipn(order_id, 0).status_code == 204
    assert gateway.status(order_id).status == "paid" and gateway.fee_due() == 0


def test_vnpay_cancelled_then_paid_ends_paid_and_answers_success(gateway: Gateway) -> None:
    order_id = gateway.order("vnpay")
    assert gateway.vnpay_ipn(order_id, "24", "02") == {"RspCode": "00", "Message": "Confirm Success"}
    assert gateway.status(order_id).status == "failed"
    assert gateway.vnpay_ipn(order_id, "00", "00") == {"RspCode": "00", "Message": "Confirm Success"}
    order = gateway.status(order_id)
    assert order.status == "paid" and order.provider_txn == "14000001" and not order.refund_due
    assert gateway.fee_due() == 0
    assert len(gateway.notices("Biên lai thanh toán")) == 1
    assert gateway.vnpay_ipn(order_id, "00", "00")["RspCode"] == "02"   # a replay changes nothing


def test_vnpay_unfinished_status_keeps_the_order_pending(gateway: Gateway) -> None:
    order_id = gateway.order("vnpay")
    assert gateway.vnpay_ipn(order_id, "00", "01")["RspCode"] == "00"
    assert gateway.status(order_id).status == "pending"


def test_zalopay_paid_after_reconciliation_said_failed(gateway: Gateway) -> None:
    order_id = gateway.order("zalopay", status="failed")
    assert gateway.zalopay_callback(order_id) == {"return_code": 1, "return_message": "success"}
    assert gateway.status(order_id).status == "paid" and gateway.fee_due() == 0


def test_a_late_paid_order_after_another_paid_the_fee_is_flagged_for_refund(gateway: Gateway) -> None:
    first = gateway.order("vnpay")
    assert gateway.vnpay_ipn(first, "24", "02")["RspCode"] == "00"     # failed: the citizen tries MoMo
    second = gateway.order("momo")
    assert gateway.momo_ipn(second, 0).status_code == 204
    assert gateway.fee_due() == 0
    late = gateway.vnpay_ipn(first, "00", "00", number="14000002")      # VNPay took the money after all
    assert late == {"RspCode": "00", "Message": "Confirm Success"}      # acknowledged: stop retrying
    assert gateway.status(first).status == "paid" and gateway.status(first).refund_due is True
    assert gateway.status(second).refund_due is False
    assert gateway.fee_due() == 0 and len(gateway.notices("sẽ hoàn lại")) == 1


def test_an_expired_order_paid_after_the_fee_was_waived_is_flagged_for_refund(gateway: Gateway) -> None:
    order_id = gateway.order("zalopay", status="expired")
    with gateway.sessions() as session, session.begin():   # paid at the counter meanwhile
        from bot.dossiers.models import DossierRecord
        record = session.scalar(select(DossierRecord).where(DossierRecord.code == gateway.dossier.code))
        assert record is not None
        record.fee_due_vnd = 0
    assert gateway.zalopay_callback(order_id)["return_code"] == 1
    assert gateway.status(order_id).status == "paid" and gateway.status(order_id).refund_due is True


def test_a_late_paid_with_a_wrong_amount_is_still_refused(gateway: Gateway) -> None:
    order_id = gateway.order("vnpay", status="failed")
    assert gateway.vnpay_ipn(order_id, "00", "00", amount=1000)["RspCode"] == "04"
    assert gateway.zalopay_callback(gateway.order("zalopay", status="failed"), amount=1000)["return_code"] == -1
    assert gateway.status(order_id).status == "failed" and gateway.fee_due() == AMOUNT


# ---- item 4: refused callbacks --------------------------------------------------------------------
def test_unsigned_callbacks_are_refused_small_and_rate_limited(gateway: Gateway) -> None:
    junk = json.dumps({"orderId": "x", "pad": "a" * 10_000}).encode()
    answers = [httpx.post(f"{gateway.url}/payments/momo/ipn", content=junk, timeout=30,
                          headers={"Content-Type": "application/json"}) for _ in range(50)]
    assert all(a.status_code in (400, 429) for a in answers), {a.status_code for a in answers}
    assert answers[-1].status_code == 429 and answers[-1].headers["Retry-After"]
    stored = gateway.callbacks()
    assert 1 <= len(stored) <= 21                                   # the burst, not the flood
    assert all(len(c.body) <= 512 and c.headers == {} for c in stored)
    assert all(c.outcome in ("malformed", "bad_signature") for c in stored)
    assert "10" in stored[0].detail and stored[0].remote_addr == "127.0.0.1"   # its size is noted
    # VNPay and ZaloPay answer a refusal with their own error code (here rate-limited: 429), never success
    vnpay = httpx.get(f"{gateway.url}/payments/vnpay/ipn", params={"vnp_TxnRef": "x", "vnp_SecureHash": "0"})
    assert vnpay.json()["RspCode"] == "97"
    zalopay = httpx.post(f"{gateway.url}/payments/zalopay/callback", json={"data": "{}", "mac": "0"})
    assert zalopay.json()["return_code"] == -1
    # A body over 16 KB is cut before it is read.
    assert httpx.post(f"{gateway.url}/payments/momo/ipn", content=b"{" + b" " * 20_000 + b"}").status_code == 413
    # The flood does not lock the real provider out: a signed callback from the same address is handled.
    order_id = gateway.order("momo")
    assert gateway.momo_ipn(order_id, 0).status_code == 204
    assert gateway.status(order_id).status == "paid"
    kept = gateway.callbacks()[-1]
    assert kept.outcome == "confirmed" and json.loads(kept.body)["orderId"] == order_id   # verified: in full


# ---- item 1: where the sandbox is offered ---------------------------------------------------------
def settings_for(tmp_path: Path, **values: Any) -> Settings:
    return Settings(database_url="sqlite://", attachments_dir=tmp_path / "files", **values)


REAL = {"vnpay_tmn_code": "T", "vnpay_hash_secret": "s"}


@pytest.mark.parametrize(("values", "enabled", "loud"), [
    ({"public_url": "http://127.0.0.1:8000"}, True, False),                     # make run
    ({"public_url": "http://localhost:8000"}, True, False),
    ({"public_url": "https://dvc.example.vn"}, False, False),                   # production
    ({"public_url": "http://10.0.0.5:8000"}, False, False),                     # reachable by others
    ({"public_url": "http://127.0.0.1:8000", **REAL}, False, False),            # a real provider is set
    ({"public_url": "http://127.0.0.1:8000", "payment_sandbox": False}, False, False),
    ({"public_url": "https://dvc.example.vn", "payment_sandbox": True}, True, True),
    ({"public_url": "http://127.0.0.1:8000", "payment_sandbox": True, **REAL}, True, True),
])
def test_the_sandbox_is_offered_only_where_it_is_safe_or_asked_for(
        tmp_path: Path, values: dict[str, Any], enabled: bool, loud: bool) -> None:
    decision = sandbox_decision(settings_for(tmp_path, **values))
    assert decision.enabled is enabled and bool(decision.reasons) is loud


def test_the_sandbox_signs_with_a_secret_of_the_install(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    one, other = settings_for(tmp_path / "a"), settings_for(tmp_path / "b")
    assert sandbox_secret(one) == sandbox_secret(one) != sandbox_secret(other)
    assert sandbox_secret(one) not in ("sandbox-secret-change-me", "change-me-hex", "")
    published = settings_for(tmp_path / "a", payment_sandbox_secret="sandbox-secret-change-me")
    with caplog.at_level(logging.WARNING):
        assert sandbox_secret(published) == sandbox_secret(one)
    assert "published" in caplog.text
    assert sandbox_secret(settings_for(tmp_path, payment_sandbox_secret="own-secret-42")) == "own-secret-42"


def test_a_sandbox_next_to_a_real_provider_is_loud(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        providers = make_providers(settings_for(tmp_path, payment_sandbox=True, **REAL))
    quiet = make_providers(settings_for(tmp_path))
    try:
        assert list(providers) == ["vnpay", "sandbox"]
        assert providers["sandbox"].warning == SANDBOX_WARNING   # type: ignore[attr-defined]
        assert "PAYMENT SANDBOX IS ON" in caplog.text and "vnpay" in caplog.text
        assert list(quiet) == ["sandbox"] and quiet["sandbox"].warning == ""   # type: ignore[attr-defined]
    finally:
        for provider in [*providers.values(), *quiet.values()]:
            run_async(provider.aclose())


def test_the_signature_a_published_secret_makes_is_refused(kb: KnowledgeBase, tmp_path: Path) -> None:
    """The attack of #15 item 1: an order on the sandbox, a callback signed with the old default."""
    port = free_port()
    settings = staff_settings(tmp_path, free_port(), public_url=f"http://127.0.0.1:{port}",
                              payment_reconcile_seconds=3600)
    dossier, _ = file_dossier(kb, settings, sender_id="citizen-1", procedure_id="doi-gplx")
    with serve_in_thread(create_app(settings, kb=kb), port, "the gateway") as url:
        created = httpx.post(f"{url}/api/payments", json={"dossier_code": dossier.code, "provider": "sandbox",
                                                          "proof": dossier.phone_last4}, timeout=30)
        assert created.status_code == 201, created.text
        order_id = created.json()["order_id"]
        body = json.dumps({"order_id": order_id, "amount_vnd": AMOUNT, "status": "paid",
                           "transaction_no": "X"}).encode()
        signature = hmac.new(b"sandbox-secret-change-me", body, hashlib.sha256).hexdigest()
        forged = httpx.post(f"{url}/payments/sandbox/callback", content=body,
                            headers={"X-Sandbox-Signature": signature}, timeout=30)
        assert forged.status_code == 401
        assert httpx.get(f"{url}/api/payments/{order_id}", timeout=30).json()["status"] == "pending"

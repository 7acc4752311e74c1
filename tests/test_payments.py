"""The money path through the real gateway over HTTP: orders, the sandbox provider's pay page and
signed callback, VNPay's IPN and querydr against a local stand-in, and the money rules (signature,
order, amount, state; replays and races; raw audit; reconciliation)."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.app import create_app
from bot.conversation.models import Message
from bot.conversation.outbox import Outbox
from bot.core.config import Settings
from bot.core.db import make_engine, make_sessionmaker
from bot.core.services import services_of
from bot.dossiers.backend import DossierBackend, DossierView
from bot.dossiers.models import DossierPaymentRecord
from bot.dossiers.status import DossierStatus
from bot.payments.factory import make_providers
from bot.payments.models import PaymentCallback, PaymentOrder
from bot.payments.service import PaymentService
from knowledge_base.service import KnowledgeBase
from tests.standins.vnpay_server import VnpayStandIn, running_vnpay
from tests.support.network import free_port
from tests.support.payments import openssl_hmac
from tests.support.servers import serve_in_thread
from tests.support.staff import create_user, file_dossier, login, staff_settings
from tests.support.waiting import run_async

SANDBOX_SECRET = "sandbox-test-secret"


@dataclass
class Gateway:
    url: str
    app: FastAPI
    sessions: sessionmaker
    dossier: DossierView        # doi-gplx, 135.000 đồng, filed by web:citizen-1
    free: DossierView           # khai-sinh: exempt
    vnpay: VnpayStandIn

    def create(self, provider: str = "sandbox", code: str | None = None, proof: str | None = None) -> httpx.Response:
        """An order through the API, proving ownership with the phone's last 4 digits by default."""
        body = {"dossier_code": code or self.dossier.code, "provider": provider}
        if proof != "":
            body["proof"] = proof or self.dossier.phone_last4
        return httpx.post(f"{self.url}/api/payments", json=body, timeout=30)

    def sandbox_callback(self, order_id: str, amount: int, status: str = "paid", number: str = "SB1",
                         secret: str = SANDBOX_SECRET) -> httpx.Response:
        body = json.dumps({"order_id": order_id, "amount_vnd": amount, "status": status, "transaction_no": number,
                           "paid_at": "2026-11-29T07:00:00+00:00"}).encode()
        return httpx.post(f"{self.url}/payments/sandbox/callback", content=body, timeout=30, headers={
            "Content-Type": "application/json", "X-Sandbox-Signature": openssl_hmac(secret, body)})

    def order(self, order_id: str) -> dict[str, Any]:
        return httpx.get(f"{self.url}/api/payments/{order_id}", timeout=30).json()

    def dossier_now(self, code: str | None = None) -> DossierView:
        view = run_async(services_of(self.app).get(DossierBackend).get(code or self.dossier.code))
        assert view is not None
        return view

    def reconcile(self, now: dt.datetime | None = None) -> dict[str, int]:
        """One reconciliation pass, as the gateway's background task runs it, with providers of
        its own (their HTTP clients belong to the event loop that uses them)."""
        async def run() -> dict[str, int]:
            services = services_of(self.app)
            service = PaymentService(self.sessions, make_providers(services.get(Settings)),
                                     services.get(DossierBackend), services.get(Outbox), self.url,
                                     reconcile_after_minutes=5)
            try:
                return await service.reconcile(now=now)
            finally:
                for provider in service.enabled():
                    await provider.aclose()
        return run_async(run())

    def notices(self, needle: str) -> list[str]:
        with self.sessions() as session:
            return [m.text for m in session.scalars(select(Message).where(Message.author == "system"))
                    if needle in m.text]


@pytest.fixture
def gateway(kb: KnowledgeBase, tmp_path: Path, db_url: str) -> Iterator[Gateway]:
    port = free_port()
    with running_vnpay(free_port()) as vnpay:
        settings = staff_settings(
            tmp_path, free_port(), database_url=db_url, public_url=f"http://127.0.0.1:{port}",
            payment_sandbox=True, payment_sandbox_secret=SANDBOX_SECRET,   # next to VNPay: explicitly
            payment_api_ip_burst=1000, payment_refused_callbacks_burst=1000,
            vnpay_tmn_code=vnpay.tmn_code, vnpay_hash_secret=vnpay.hash_secret, vnpay_pay_url=vnpay.pay_url,
            vnpay_api_url=vnpay.api_url, payment_reconcile_seconds=3600)
        dossier, _ = file_dossier(kb, settings, sender_id="citizen-1", procedure_id="doi-gplx")
        free, _ = file_dossier(kb, settings, sender_id="citizen-1", procedure_id="khai-sinh")
        app = create_app(settings, kb=kb)
        with serve_in_thread(app, port, "the gateway") as url:
            engine = make_engine(settings.database_url)
            yield Gateway(url, app, make_sessionmaker(engine), dossier, free, vnpay)
            engine.dispose()


def callbacks(gateway: Gateway) -> list[tuple[str, str]]:
    with gateway.sessions() as session:
        return [(c.provider, c.outcome) for c in session.scalars(select(PaymentCallback).order_by(PaymentCallback.id))]


# ---- the API --------------------------------------------------------------------------------------
def test_an_order_carries_the_catalog_fee_and_a_link(gateway: Gateway) -> None:
    assert gateway.dossier.fee_due_vnd == 135000  # doi-gplx in the catalog
    created = gateway.create()
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["amount"] == 135000
    assert body["pay_url"] == f"{gateway.url}/sandbox-pay/{body['order_id']}"
    status = gateway.order(body["order_id"])
    assert status["status"] == "pending" and status["amount"] == 135000
    # A second tap on the same provider gives the same order, not a second link for the same fee.
    assert gateway.create().json()["order_id"] == body["order_id"]
    providers = httpx.get(f"{gateway.url}/api/payments/providers").json()
    assert [p["name"] for p in providers] == ["vnpay", "sandbox"]


def test_orders_that_cannot_be_made_are_refused_with_a_reason(gateway: Gateway) -> None:
    unknown = gateway.create(code="HS-0000-0000")
    assert unknown.status_code == 404 and "Không tìm thấy hồ sơ" in unknown.json()["error"]
    assert gateway.create(proof="0000").json() == unknown.json()   # a wrong proof: the same answer
    exempt = gateway.create(code=gateway.free.code)
    assert exempt.status_code == 409 and "không còn khoản phí" in exempt.json()["error"]
    disabled = gateway.create(provider="momo")
    assert disabled.status_code == 422 and "chưa được hỗ trợ" in disabled.json()["error"]
    bad = httpx.post(f"{gateway.url}/api/payments", json={"dossier_code": "", "provider": "paypal"})
    assert bad.status_code == 422
    assert {d["field"] for d in bad.json()["details"]} == {"dossier_code", "provider"}
    assert httpx.get(f"{gateway.url}/api/payments/TT000").status_code == 404


# ---- ownership (#15 item 3) ---------------------------------------------------------------------------
def test_an_order_needs_proof_that_the_dossier_is_yours(gateway: Gateway) -> None:
    unknown = gateway.create(code="HS-0000-0000")
    no_proof = gateway.create(proof="")
    wrong = gateway.create(proof="9999")
    # No such dossier, no proof, a wrong proof: one answer, which says nothing of the dossier.
    assert unknown.status_code == no_proof.status_code == wrong.status_code == 404
    assert unknown.json() == no_proof.json() == wrong.json()
    assert "135.000" not in wrong.text and gateway.dossier.code not in wrong.text
    assert gateway.create(proof=gateway.dossier.phone_last4).status_code == 201
    assert gateway.create(proof=f"số cuối {gateway.dossier.phone_last4}").status_code == 201


def test_the_web_conversation_that_filed_the_dossier_needs_no_digits(gateway: Gateway) -> None:
    from bot.conversation.routes import SESSION_COOKIE, _signature
    cookie = f"{SESSION_COOKIE}=citizen-1.{_signature(services_of(gateway.app).get(Settings), 'citizen-1')}"
    body = {"dossier_code": gateway.dossier.code, "provider": "sandbox"}
    owner = httpx.post(f"{gateway.url}/api/payments", json=body, headers={"Cookie": cookie}, timeout=30)
    assert owner.status_code == 201, owner.text
    stranger = f"{SESSION_COOKIE}=citizen-2.{_signature(services_of(gateway.app).get(Settings), 'citizen-2')}"
    other = httpx.post(f"{gateway.url}/api/payments", json=body, headers={"Cookie": stranger}, timeout=30)
    forged = httpx.post(f"{gateway.url}/api/payments", json=body, headers={"Cookie": "tro_ly_ao_chat=citizen-1.00"})
    assert other.status_code == forged.status_code == 404


def test_guessing_the_digits_is_throttled_per_address(gateway: Gateway) -> None:
    answers = [gateway.create(proof=f"{n:04d}").status_code for n in range(1000, 1006)]
    assert answers[:5] == [404] * 5 and answers[5] == 429
    blocked = gateway.create()   # even the right digits, from this address, for a while
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0


def test_an_order_status_reveals_no_dossier_code(gateway: Gateway) -> None:
    first = gateway.create().json()["order_id"]
    second = gateway.create(provider="vnpay").json()["order_id"]
    for order_id in (first, second):
        assert re.fullmatch(r"TT[0-9A-HJKMNP-TV-Z]{12}", order_id)   # 60 random bits: not guessable
        answer = httpx.get(f"{gateway.url}/api/payments/{order_id}", timeout=30)
        assert answer.status_code == 200 and "dossier_code" not in answer.json()
        assert gateway.dossier.code not in answer.text and "Nguyễn" not in answer.text
    assert first != second


# ---- the sandbox, clicked through over HTTP ---------------------------------------------------------
def test_a_sandbox_next_to_a_real_provider_says_so(gateway: Gateway) -> None:
    providers = {p["name"]: p for p in httpx.get(f"{gateway.url}/api/payments/providers").json()}
    assert "warning" not in providers["vnpay"] and "không chuyển tiền thật" in providers["sandbox"]["warning"]
    order_id = gateway.create().json()["order_id"]
    page = httpx.get(f"{gateway.url}/sandbox-pay/{order_id}").text
    assert 'id="sandbox-warning"' in page and "không chuyển tiền thật" in page


def test_a_cancelled_sandbox_attempt_does_not_block_paying(gateway: Gateway) -> None:
    order_id = gateway.create().json()["order_id"]
    pay_url = f"{gateway.url}/sandbox-pay/{order_id}"
    token = httpx.get(pay_url).text.split('name="form_token" value="')[1].split('"')[0]
    # Without the pay page's token nobody can cancel the citizen's order.
    assert httpx.post(pay_url, data={"action": "cancel", "form_token": "stolen?"}).status_code == 400
    assert httpx.post(pay_url, data={"action": "cancel", "form_token": "ế"}).status_code == 400
    assert gateway.order(order_id)["status"] == "pending"
    httpx.post(pay_url, data={"action": "cancel", "form_token": token})
    assert gateway.order(order_id)["status"] == "failed"
    page = httpx.get(pay_url).text
    assert 'id="pay"' in page and 'id="cancel"' not in page   # paying is still offered
    back = httpx.post(pay_url, data={"action": "pay", "form_token": token})
    assert back.status_code == 303 and gateway.order(order_id)["status"] == "paid"
    assert gateway.dossier_now().fee_due_vnd == 0 and len(gateway.notices("Biên lai thanh toán")) == 1


def test_paying_on_the_sandbox_page_pays_the_dossier_and_sends_a_receipt(gateway: Gateway) -> None:
    order_id = gateway.create().json()["order_id"]
    page = httpx.get(f"{gateway.url}/sandbox-pay/{order_id}")
    assert "135.000 đ" in page.text and "frame-ancestors 'none'" in page.headers["content-security-policy"]
    token = page.text.split('name="form_token" value="')[1].split('"')[0]
    back = httpx.post(f"{gateway.url}/sandbox-pay/{order_id}", data={"action": "pay", "form_token": token})
    assert back.status_code == 303 and back.headers["location"].startswith(f"{gateway.url}/payments/return/{order_id}?")

    status = gateway.order(order_id)
    assert status["status"] == "paid" and status["provider_txn"].startswith("SB")
    result = httpx.get(back.headers["location"])
    assert "Đã thanh toán" in result.text and status["provider_txn"] in result.text

    dossier = gateway.dossier_now()
    assert dossier.fee_due_vnd == 0
    assert dossier.history[-1].note.startswith("Đã nộp 135.000 đ qua Ví thử nghiệm")
    receipts = gateway.notices("Biên lai thanh toán")
    assert len(receipts) == 1
    assert all(part in receipts[0] for part in ("135.000 đ", status["provider_txn"], gateway.dossier.code))
    assert callbacks(gateway) == [("sandbox", "confirmed")]
    # Nothing left to pay: a new order is refused.
    assert gateway.create().status_code == 409


def test_cancelling_on_the_pay_page_marks_the_order_failed_and_says_so(gateway: Gateway) -> None:
    order_id = gateway.create().json()["order_id"]
    token = httpx.get(f"{gateway.url}/sandbox-pay/{order_id}").text.split('name="form_token" value="')[1].split('"')[0]
    forged = httpx.post(f"{gateway.url}/sandbox-pay/{order_id}", data={"action": "pay", "form_token": "x"})
    assert forged.status_code == 400 and gateway.order(order_id)["status"] == "pending"
    back = httpx.post(f"{gateway.url}/sandbox-pay/{order_id}", data={"action": "cancel", "form_token": token})
    assert gateway.order(order_id)["status"] == "failed"
    assert "Không thành công" in httpx.get(back.headers["location"]).text
    assert len(gateway.notices("chưa thành công")) == 1
    assert gateway.dossier_now().fee_due_vnd == 135000


# ---- money rules ------------------------------------------------------------------------------------
def test_a_callback_is_trusted_only_with_signature_order_and_amount(gateway: Gateway) -> None:
    order_id = gateway.create().json()["order_id"]
    assert gateway.sandbox_callback(order_id, 135000, secret="not-the-secret").status_code == 401
    assert gateway.sandbox_callback(order_id, 1000).status_code == 409            # wrong amount
    assert gateway.sandbox_callback("TTNOSUCHORDER1", 135000).status_code == 404  # unknown order
    unsigned = httpx.post(f"{gateway.url}/payments/sandbox/callback", content=b'{"order_id": 1}')
    assert unsigned.status_code == 401
    garbage = b"not json"
    malformed = httpx.post(f"{gateway.url}/payments/sandbox/callback", content=garbage,
                           headers={"X-Sandbox-Signature": openssl_hmac(SANDBOX_SECRET, garbage)})
    assert malformed.status_code == 400
    assert gateway.order(order_id)["status"] == "pending"
    assert gateway.dossier_now().fee_due_vnd == 135000
    assert gateway.notices("Biên lai") == []
    # Every callback, good or bad, is kept for audit (refused ones as a small record).
    assert callbacks(gateway) == [("sandbox", "bad_signature"), ("sandbox", "amount_mismatch"),
                                  ("sandbox", "order_not_found"), ("sandbox", "bad_signature"),
                                  ("sandbox", "malformed")]
    with gateway.sessions() as session:
        assert session.scalar(select(PaymentCallback.body).where(PaymentCallback.outcome == "malformed")) == garbage


def test_a_replayed_callback_changes_nothing(gateway: Gateway) -> None:
    order_id = gateway.create().json()["order_id"]
    first = gateway.sandbox_callback(order_id, 135000)
    again = gateway.sandbox_callback(order_id, 135000)
    assert first.json() == {"result": "confirmed"}
    assert again.status_code == 200 and again.json() == {"result": "already_confirmed"}
    assert len(gateway.notices("Biên lai thanh toán")) == 1
    assert gateway.dossier_now().fee_due_vnd == 0


def test_simultaneous_callbacks_make_exactly_one_payment(gateway: Gateway) -> None:
    order_id = gateway.create().json()["order_id"]
    results: list[str] = []
    start = threading.Barrier(8)

    def send() -> None:
        start.wait()
        results.append(gateway.sandbox_callback(order_id, 135000).json()["result"])

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["already_confirmed"] * 7 + ["confirmed"]
    assert len(gateway.notices("Biên lai thanh toán")) == 1
    with gateway.sessions() as session:
        assert session.scalar(select(func.count()).select_from(DossierPaymentRecord)) == 1
    history = [e for e in gateway.dossier_now().history if e.note.startswith("Đã nộp")]
    assert len(history) == 1


def test_the_return_page_never_marks_an_order_paid(gateway: Gateway) -> None:
    order_id = gateway.create().json()["order_id"]
    forged = {"order_id": order_id, "amount_vnd": "135000", "status": "paid", "transaction_no": "X", "sig": "00"}
    page = httpx.get(f"{gateway.url}/payments/return/{order_id}", params=forged)
    assert "Đang chờ thanh toán" in page.text and "báo giao dịch thành công" not in page.text
    assert gateway.order(order_id)["status"] == "pending"


def test_paying_twice_through_two_providers_flags_a_refund(gateway: Gateway) -> None:
    sandbox = gateway.create().json()["order_id"]
    vnpay = gateway.create(provider="vnpay").json()
    assert httpx.get(vnpay["pay_url"]).status_code == 200   # the citizen opens VNPay's page
    gateway.sandbox_callback(sandbox, 135000)
    ipn = httpx.get(f"{gateway.url}/payments/vnpay/ipn", params=gateway.vnpay.pay(vnpay["order_id"]))
    assert ipn.json() == {"RspCode": "00", "Message": "Confirm Success"}   # money taken: acknowledged
    assert gateway.order(vnpay["order_id"])["refund_due"] is True
    assert len(gateway.notices("sẽ hoàn lại")) == 1
    assert gateway.dossier_now().fee_due_vnd == 0


def test_a_dossier_waiting_for_its_fee_goes_back_to_processing(gateway: Gateway) -> None:
    dossiers = services_of(gateway.app).get(DossierBackend)
    run_async(dossiers.change_status(gateway.dossier.code, DossierStatus.RECEIVED, "", "can-bo"))
    run_async(dossiers.change_status(gateway.dossier.code, DossierStatus.FEE_DUE, "Nộp lệ phí", "can-bo"))
    order_id = gateway.create().json()["order_id"]
    gateway.sandbox_callback(order_id, 135000)
    assert gateway.dossier_now().status is DossierStatus.PROCESSING


# ---- VNPay: IPN and reconciliation --------------------------------------------------------------------
def test_vnpay_ipn_answers_as_vnpay_specifies(gateway: Gateway) -> None:
    order = gateway.create(provider="vnpay").json()
    assert httpx.get(order["pay_url"]).status_code == 200   # the stand-in checked our signature
    params = gateway.vnpay.pay(order["order_id"])
    ipn = f"{gateway.url}/payments/vnpay/ipn"
    tampered = {**params, "vnp_Amount": "100"}
    assert httpx.get(ipn, params=tampered).json()["RspCode"] == "97"
    assert httpx.get(ipn, params=params).json() == {"RspCode": "00", "Message": "Confirm Success"}
    assert httpx.get(ipn, params=params).json()["RspCode"] == "02"
    assert gateway.order(order["order_id"])["provider_txn"] == params["vnp_TransactionNo"]
    assert len(gateway.notices("VNPay, mã giao dịch " + params["vnp_TransactionNo"])) == 1


def test_a_missed_callback_is_caught_by_reconciliation(gateway: Gateway) -> None:
    order = gateway.create(provider="vnpay").json()
    httpx.get(order["pay_url"])
    gateway.vnpay.pay(order["order_id"])          # paid at VNPay; the IPN never reaches us
    assert gateway.order(order["order_id"])["status"] == "pending"
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    counts = gateway.reconcile(now=later)
    assert counts == {"paid": 1}
    assert gateway.order(order["order_id"])["status"] == "paid"
    assert len(gateway.notices("Biên lai thanh toán")) == 1
    assert gateway.dossier_now().fee_due_vnd == 0
    assert ("vnpay", "confirmed") in callbacks(gateway)      # the querydr answer is kept too


def test_reconciliation_closes_an_order_never_paid(gateway: Gateway) -> None:
    order_id = gateway.create(provider="vnpay").json()["order_id"]   # link never opened: VNPay has no order
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    assert gateway.reconcile(now=soon) == {"unknown": 1}
    assert gateway.order(order_id)["status"] == "pending"             # the link may still be used
    much_later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    gateway.reconcile(now=much_later)
    assert gateway.order(order_id)["status"] == "expired"


def test_money_taken_after_an_order_expired_is_caught_by_asking_once_more(gateway: Gateway) -> None:
    """The provider said nothing (then the order expired); the citizen paid late and the IPN was lost."""
    order = gateway.create(provider="vnpay").json()
    httpx.get(order["pay_url"])
    much_later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    gateway.reconcile(now=much_later)
    assert gateway.order(order["order_id"])["status"] == "expired"
    gateway.vnpay.pay(order["order_id"])                    # paid at VNPay after all; no IPN reaches us
    assert gateway.reconcile(now=much_later + dt.timedelta(minutes=10)) == {"paid": 1}
    assert gateway.order(order["order_id"])["status"] == "paid" and gateway.dossier_now().fee_due_vnd == 0
    assert gateway.reconcile(now=much_later + dt.timedelta(minutes=20)) == {}   # asked once, not for ever


def test_sandbox_signature_matches_an_independent_hmac() -> None:
    body = b'{"order_id":"TT1","amount_vnd":1000}'
    expected = hmac.new(b"k", body, hashlib.sha256).hexdigest()
    assert openssl_hmac("k", body) == expected
    from bot.payments.providers.sandbox import sign
    assert sign("k", body) == expected


def test_the_sandbox_bank_retries_a_callback_the_gateway_did_not_acknowledge() -> None:
    """A gateway whose database is restarting answers 503: the bank tries again, like real
    providers retry an unacknowledged IPN, and stops once it gets a 2xx."""
    from bot.payments.providers.base import PaymentRequest
    from bot.payments.providers.sandbox import SIGNATURE_HEADER, SandboxBank, sign

    received: list[tuple[bytes, str]] = []
    merchant = FastAPI()

    @merchant.post("/payments/sandbox/callback")
    async def callback(request: Request) -> Response:
        received.append((await request.body(), request.headers[SIGNATURE_HEADER]))
        return Response(status_code=503 if len(received) <= 2 else 200)

    async def pay(base: str) -> str:
        bank = SandboxBank("k", retry_delays=(0.05, 0.05, 0.05, 0.05))
        now = dt.datetime.now(dt.UTC)
        bank.open(PaymentRequest(order_id="TT00000000RETRY", amount_vnd=135000, description="Le phi",
                                 created_at=now, expires_at=now + dt.timedelta(minutes=15), client_ip="127.0.0.1",
                                 return_url=f"{base}/back", notify_url=f"{base}/payments/sandbox/callback"))
        back = await bank.settle("TT00000000RETRY", pay=True)
        await asyncio.sleep(0.6)       # longer than every retry together
        await bank.aclose()
        return back

    with serve_in_thread(merchant, free_port(), "merchant") as base:
        back = run_async(pay(base))
    assert back.startswith(f"{base}/back?")                  # the citizen is not kept waiting for retries
    assert len(received) == 3                                # 503, 503, then acknowledged: no more tries
    assert len({body for body, _ in received}) == 1
    assert all(signature == sign("k", body) for body, signature in received)
    assert json.loads(received[0][0])["status"] == "paid"


def test_a_payment_the_dossier_backend_missed_is_recorded_later(gateway: Gateway,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    dossiers = services_of(gateway.app).get(DossierBackend)
    real = dossiers.record_payment

    async def down(*_: Any, **__: Any) -> DossierView:
        raise ConnectionError("one-stop system down")

    monkeypatch.setattr(dossiers, "record_payment", down)
    order_id = gateway.create().json()["order_id"]
    assert gateway.sandbox_callback(order_id, 135000).json() == {"result": "confirmed"}
    assert gateway.dossier_now().fee_due_vnd == 135000
    monkeypatch.setattr(dossiers, "record_payment", real)
    assert gateway.reconcile() == {"dossier_retried": 1}
    assert gateway.dossier_now().fee_due_vnd == 0
    with gateway.sessions() as session:
        assert session.get(PaymentOrder, order_id).dossier_updated is True


def test_staff_see_a_dossiers_payments(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    paid = gateway.create().json()["order_id"]
    gateway.sandbox_callback(paid, 135000, number="SB777")
    create_user(monkeypatch, services_of(gateway.app).get(Settings), "tongdai", "hotline")
    with httpx.Client(base_url=gateway.url, follow_redirects=False) as client:
        login(client, "tongdai")  # type: ignore[arg-type]
        page = client.get(f"/staff/dossiers/{gateway.dossier.code}").text
    table = page.split('id="payments"')[1].split("</table>")[0]
    assert paid in table and "Đã thanh toán" in table and "SB777" in table and "135.000" in table

"""Payment orders and the money rules.

A callback is trusted only when its signature verifies, the order exists, the amount matches and
the order is still open. The order moves to ``paid`` by one conditional UPDATE (``WHERE status IN
open``), so of two callbacks racing for one order exactly one wins; only the winner sends the
receipt and tells the dossier. Every callback, good or bad, is stored raw before it is judged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from bot.dossiers.backend import DossierBackend, DossierView
from bot.dossiers.status import DossierStatus
from bot.dossiers.transitions import FINAL
from bot.models import aware, utcnow
from bot.ops.metrics import METRICS
from bot.outbox import Outbox
from bot.payments import receipts
from bot.payments.models import PaymentCallback, PaymentOrder
from bot.payments.providers.base import (
    BadSignature,
    CallbackAnswer,
    IncomingCallback,
    MalformedCallback,
    Notification,
    Outcome,
    PaymentError,
    PaymentProvider,
    PaymentRequest,
    QueryState,
)
from channels.messages import OutboundMessage

log = logging.getLogger(__name__)

ORDER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
OPEN = ("pending", "expired")   # a payment arriving after the link expired is still money taken
PAYABLE = frozenset(DossierStatus) - FINAL - {DossierStatus.STOPPED}
MAX_STORED_BODY = 64 * 1024
EXPIRY_GRACE = dt.timedelta(minutes=30)  # a provider may still finish a payment begun just before expiry


class PaymentRefused(Exception):
    """An order that cannot be made; ``str()`` is a Vietnamese sentence for the citizen."""

    http_status = 409


class UnknownDossier(PaymentRefused):
    http_status = 404


class ProviderNotEnabled(PaymentRefused):
    http_status = 422


class ProviderUnavailable(PaymentRefused):
    http_status = 502


@dataclass(frozen=True)
class OrderView:
    order_id: str
    dossier_code: str
    provider: str
    amount_vnd: int
    status: str
    pay_url: str
    created_at: dt.datetime
    expires_at: dt.datetime
    paid_at: dt.datetime | None
    provider_txn: str
    refund_due: bool


def new_order_id() -> str:
    """``TT`` + 12 random Crockford characters (60 bits): unguessable, and accepted by every
    provider's order reference (letters and digits only)."""
    return "TT" + "".join(secrets.choice(ORDER_ALPHABET) for _ in range(12))


def to_view(order: PaymentOrder) -> OrderView:
    return OrderView(order_id=order.id, dossier_code=order.dossier_code, provider=order.provider,
                     amount_vnd=order.amount_vnd, status=order.status, pay_url=order.pay_url,
                     created_at=aware(order.created_at), expires_at=aware(order.expires_at),  # type: ignore[arg-type]
                     paid_at=aware(order.paid_at), provider_txn=order.provider_txn,
                     refund_due=order.refund_due)


class PaymentService:
    def __init__(self, sessions: sessionmaker, providers: Mapping[str, PaymentProvider],
                 dossiers: DossierBackend, outbox: Outbox, public_url: str, order_minutes: int = 15,
                 reconcile_after_minutes: int = 5) -> None:
        self.sessions = sessions
        self.providers = dict(providers)
        self.dossiers = dossiers
        self.outbox = outbox
        self.public_url = public_url.rstrip("/")
        self.order_minutes = order_minutes
        self.reconcile_after = dt.timedelta(minutes=reconcile_after_minutes)

    # ---- orders ----------------------------------------------------------------------------------
    def enabled(self) -> list[PaymentProvider]:
        return list(self.providers.values())

    async def payable(self, code: str) -> DossierView:
        """The dossier, if it exists and owes a fee that can be paid online now."""
        view = await self.dossiers.get(code)
        if view is None:
            raise UnknownDossier(f"Không tìm thấy hồ sơ {code}. Anh/Chị kiểm tra lại mã hồ sơ.")
        if view.status not in PAYABLE:
            raise PaymentRefused(f"Hồ sơ {view.code} đang ở trạng thái “{view.status.label}”, "
                                 "không cần thanh toán.")
        if view.fee_due_vnd <= 0:
            raise PaymentRefused(f"Hồ sơ {view.code} không còn khoản phí nào cần thanh toán.")
        return view

    async def create_order(self, code: str, provider_name: str, client_ip: str = "127.0.0.1") -> OrderView:
        """An order for the dossier's outstanding fee, or the same open order again when the
        citizen taps the provider twice (no second pay link for the same fee). The receipt goes to
        the conversation that filed the dossier, whoever asked for the order."""
        provider = self.providers.get(provider_name)
        if provider is None:
            raise ProviderNotEnabled(f"Hình thức thanh toán “{provider_name}” chưa được hỗ trợ.")
        view = await self.payable(code)
        now = utcnow()
        reused = await asyncio.to_thread(self._open_order, view.code, provider_name, view.fee_due_vnd, now)
        if reused is not None:
            return reused
        order = PaymentOrder(
            id=new_order_id(), dossier_code=view.code, provider=provider_name, amount_vnd=view.fee_due_vnd,
            description=f"Thanh toan le phi ho so {view.code}", status="pending", channel=view.channel,
            sender_id=view.sender_id, created_at=now, expires_at=now + dt.timedelta(minutes=self.order_minutes))
        await asyncio.to_thread(self._add, order)
        request = PaymentRequest(
            order_id=order.id, amount_vnd=order.amount_vnd, description=order.description, created_at=now,
            expires_at=order.expires_at, client_ip=client_ip,
            return_url=f"{self.public_url}/payments/return/{order.id}",
            notify_url=f"{self.public_url}{notify_path(provider_name)}")
        try:
            created = await provider.create(request)
        except PaymentError as error:
            log.warning("payment order %s: %s refused or unreachable: %s", order.id, provider_name, error)
            await asyncio.to_thread(self._close, order.id, "failed", f"create: {error}"[:255])
            raise ProviderUnavailable(f"{provider.title} đang không phản hồi. Anh/Chị thử lại sau ít "
                                      "phút hoặc chọn cách thanh toán khác.") from error
        return await asyncio.to_thread(self._set_link, order.id, created.pay_url, created.provider_ref)

    async def get(self, order_id: str) -> OrderView | None:
        return await asyncio.to_thread(self._get, order_id)

    async def for_dossier(self, code: str) -> list[OrderView]:
        """A dossier's payment orders, newest first (staff pages)."""
        return await asyncio.to_thread(self._for_dossier, code)

    # ---- callbacks ------------------------------------------------------------------------------
    async def handle_callback(self, provider_name: str, callback: IncomingCallback,
                              remote_addr: str = "", source: str = "callback") -> CallbackAnswer:
        """Store the callback raw, judge it, act on it once, and answer as the provider expects."""
        provider = self.providers[provider_name]
        record_id = await asyncio.to_thread(self._store_raw, provider_name, source, callback, remote_addr)
        order_id, detail = "", ""
        try:
            notification = provider.verify_callback(callback)
            order_id = notification.order_id
            outcome, detail = await self.apply(provider_name, notification)
        except BadSignature as error:
            outcome, detail = Outcome.BAD_SIGNATURE, str(error)
        except MalformedCallback as error:
            outcome, detail = Outcome.MALFORMED, str(error)
        except Exception as error:  # ours, not the provider's: let it retry
            log.exception("payment callback from %s could not be handled", provider_name)
            outcome, detail = Outcome.ERROR, f"{type(error).__name__}: {error}"
        if outcome not in (Outcome.CONFIRMED, Outcome.FAILURE_RECORDED, Outcome.ALREADY_CONFIRMED):
            log.warning("payment callback from %s refused: %s (%s)", provider_name, outcome, detail)
        await asyncio.to_thread(self._judge_raw, record_id, order_id, outcome, detail)
        METRICS.payment_outcome(provider_name, outcome.value)
        return provider.answer(outcome)

    async def apply(self, provider_name: str, notification: Notification) -> tuple[Outcome, str]:
        """The money rules, once the signature is known good."""
        order = await asyncio.to_thread(self._load, notification.order_id)
        if order is None or order.provider != provider_name:
            return Outcome.ORDER_NOT_FOUND, f"no order {notification.order_id!r} for {provider_name}"
        if notification.amount_vnd != order.amount_vnd:
            return Outcome.AMOUNT_MISMATCH, f"amount {notification.amount_vnd} != {order.amount_vnd}"
        if not notification.paid:
            if await asyncio.to_thread(self._close, order.id, "failed", notification.provider_status):
                await self._tell_citizen(order, receipts.failed(to_view(order), self._title(order)))
                return Outcome.FAILURE_RECORDED, notification.provider_status
            return Outcome.ALREADY_CONFIRMED, f"order is {order.status}"
        won = await asyncio.to_thread(self._mark_paid, order.id, notification)
        if not won:
            return Outcome.ALREADY_CONFIRMED, "replay or concurrent callback: nothing changed"
        await self._settle(order.id)
        return Outcome.CONFIRMED, notification.provider_txn

    # ---- after the money arrived -----------------------------------------------------------------
    async def _settle(self, order_id: str) -> None:
        """Tell the dossier and the citizen. A dossier already paid through another order means
        the citizen paid twice: the order is flagged for a refund instead."""
        order = await asyncio.to_thread(self._load, order_id)
        assert order is not None
        view = to_view(order)
        double = await asyncio.to_thread(self._paid_elsewhere, order)
        if double:
            await asyncio.to_thread(self._flag_refund, order.id)
            log.warning("order %s: dossier %s already paid through another order; refund due",
                        order.id, order.dossier_code)
            await self._tell_citizen(order, receipts.refund_due(view, self._title(order)))
            return
        await self._tell_citizen(order, receipts.receipt(view, self._title(order)))
        await self._record_on_dossier(order)

    async def _record_on_dossier(self, order: PaymentOrder) -> None:
        note = receipts.dossier_note(to_view(order), self._title(order))
        try:
            await self.dossiers.record_payment(order.dossier_code, order.id, order.amount_vnd, note,
                                               actor=f"payment:{order.provider}")
        except Exception:  # the backend is down: reconciliation tries again
            log.exception("order %s paid, but dossier %s not updated yet", order.id, order.dossier_code)
            return
        await asyncio.to_thread(self._mark_dossier_updated, order.id)

    async def _tell_citizen(self, order: PaymentOrder, message: OutboundMessage) -> None:
        if order.channel and order.sender_id:
            await self.outbox.notify(order.channel, order.sender_id, [message])

    def _title(self, order: PaymentOrder) -> str:
        provider = self.providers.get(order.provider)
        return provider.title if provider else order.provider

    # ---- reconciliation --------------------------------------------------------------------------
    async def reconcile(self, now: dt.datetime | None = None) -> dict[str, int]:
        """Ask the provider about orders whose callback never came; close what expired; retry
        telling the dossier about payments it has not taken note of. Returns counts per outcome."""
        now = now or utcnow()
        counts: dict[str, int] = {}
        for order in await asyncio.to_thread(self._stale, now - self.reconcile_after):
            result = await self._reconcile_one(order, now)
            counts[result] = counts.get(result, 0) + 1
        for order in await asyncio.to_thread(self._unrecorded):
            await self._record_on_dossier(order)
            counts["dossier_retried"] = counts.get("dossier_retried", 0) + 1
        return counts

    async def _reconcile_one(self, order: PaymentOrder, now: dt.datetime) -> str:
        provider = self.providers.get(order.provider)
        if provider is None:
            return "provider_disabled"
        try:
            result = await provider.query(order.id, order.amount_vnd, aware(order.created_at),  # type: ignore[arg-type]
                                          order.provider_ref)
        except PaymentError as error:
            log.warning("reconciliation of %s with %s failed: %s", order.id, order.provider, error)
            return "query_failed"
        record_id = await asyncio.to_thread(
            self._store_raw, order.provider, "query",
            IncomingCallback(query={}, body=repr(dict(result.raw)).encode()[:MAX_STORED_BODY], headers={}), "")
        outcome: Outcome | str = "no_change"   # the provider reports nothing new (still open, unknown, failed)
        detail = result.state.value
        if result.state is QueryState.PAID:
            outcome, detail = await self.apply(order.provider, Notification(
                order_id=order.id, amount_vnd=result.amount_vnd if result.amount_vnd is not None else -1,
                paid=True, provider_txn=result.provider_txn, provider_status=result.provider_status,
                paid_at=result.paid_at))
        elif result.state is QueryState.FAILED:
            await asyncio.to_thread(self._close, order.id, "failed", result.provider_status)
        elif result.state in (QueryState.UNKNOWN, QueryState.PENDING) and \
                aware(order.expires_at) + EXPIRY_GRACE < now:  # type: ignore[operator]
            await asyncio.to_thread(self._close, order.id, "expired", result.provider_status)
        await asyncio.to_thread(self._judge_raw, record_id, order.id, outcome, detail)
        METRICS.payment_outcome(order.provider, str(outcome), source="query")
        return result.state.value

    async def run(self, interval: float) -> None:
        """Reconcile forever (a background task of the gateway)."""
        while True:
            try:
                counts = await self.reconcile()
                if counts:
                    log.info("payment reconciliation: %s", counts)
            except Exception:
                log.exception("payment reconciliation failed")
            await asyncio.sleep(interval)

    # ---- database work (threads) -----------------------------------------------------------------
    def _open_order(self, code: str, provider: str, amount: int, now: dt.datetime) -> OrderView | None:
        with self.sessions() as session:
            order = session.scalars(select(PaymentOrder).where(
                PaymentOrder.dossier_code == code, PaymentOrder.provider == provider,
                PaymentOrder.status == "pending", PaymentOrder.amount_vnd == amount,
                PaymentOrder.pay_url != "").order_by(PaymentOrder.created_at.desc())).first()
            if order is None or aware(order.expires_at) - now < dt.timedelta(minutes=2):  # type: ignore[operator]
                return None
            return to_view(order)

    def _add(self, order: PaymentOrder) -> None:
        with self.sessions() as session, session.begin():
            session.add(order)

    def _set_link(self, order_id: str, pay_url: str, provider_ref: str) -> OrderView:
        with self.sessions() as session, session.begin():
            order = session.get(PaymentOrder, order_id)
            assert order is not None
            order.pay_url, order.provider_ref = pay_url, provider_ref
            return to_view(order)

    def _get(self, order_id: str) -> OrderView | None:
        order = self._load(order_id)
        return to_view(order) if order else None

    def _for_dossier(self, code: str) -> list[OrderView]:
        with self.sessions() as session:
            return [to_view(o) for o in session.scalars(select(PaymentOrder).where(
                PaymentOrder.dossier_code == code).order_by(PaymentOrder.created_at.desc()).limit(50))]

    def _load(self, order_id: str) -> PaymentOrder | None:
        if not order_id or len(order_id) > 32:
            return None
        with self.sessions() as session:
            return session.get(PaymentOrder, order_id)

    def _close(self, order_id: str, status: str, provider_status: str) -> bool:
        """pending → failed/expired; False when the order had already left ``pending``."""
        with self.sessions() as session, session.begin():
            changed = session.execute(
                update(PaymentOrder).where(PaymentOrder.id == order_id, PaymentOrder.status == "pending")
                .values(status=status, provider_status=provider_status[:255], closed_at=utcnow())).rowcount
        return changed == 1

    def _mark_paid(self, order_id: str, notification: Notification) -> bool:
        """The one place an order becomes paid: a conditional UPDATE, so one winner at most."""
        with self.sessions() as session, session.begin():
            changed = session.execute(
                update(PaymentOrder).where(PaymentOrder.id == order_id, PaymentOrder.status.in_(OPEN))
                .values(status="paid", paid_at=notification.paid_at or utcnow(),
                        provider_txn=notification.provider_txn[:128],
                        provider_status=notification.provider_status[:255], closed_at=utcnow())).rowcount
        return changed == 1

    def _paid_elsewhere(self, order: PaymentOrder) -> bool:
        with self.sessions() as session:
            return session.scalar(select(PaymentOrder.id).where(
                PaymentOrder.dossier_code == order.dossier_code, PaymentOrder.id != order.id,
                PaymentOrder.status == "paid", PaymentOrder.refund_due.is_(False),
                PaymentOrder.paid_at <= order.paid_at)) is not None

    def _flag_refund(self, order_id: str) -> None:
        with self.sessions() as session, session.begin():
            session.execute(update(PaymentOrder).where(PaymentOrder.id == order_id).values(refund_due=True))

    def _mark_dossier_updated(self, order_id: str) -> None:
        with self.sessions() as session, session.begin():
            session.execute(update(PaymentOrder).where(PaymentOrder.id == order_id).values(dossier_updated=True))

    def _stale(self, before: dt.datetime) -> list[PaymentOrder]:
        with self.sessions() as session:
            return list(session.scalars(select(PaymentOrder).where(
                PaymentOrder.status == "pending", PaymentOrder.created_at <= before).limit(200)))

    def _unrecorded(self) -> list[PaymentOrder]:
        with self.sessions() as session:
            return list(session.scalars(select(PaymentOrder).where(
                PaymentOrder.status == "paid", PaymentOrder.dossier_updated.is_(False),
                PaymentOrder.refund_due.is_(False)).limit(200)))

    def _store_raw(self, provider: str, source: str, callback: IncomingCallback, remote_addr: str) -> int:
        query = "&".join(f"{k}={v}" for k, v in callback.query.items())
        with self.sessions() as session, session.begin():
            record = PaymentCallback(provider=provider, source=source, query_string=query[:MAX_STORED_BODY],
                                     body=bytes(callback.body[:MAX_STORED_BODY]),
                                     headers={k: v for k, v in callback.headers.items()
                                              if k.lower() not in ("cookie", "authorization")},
                                     remote_addr=remote_addr[:64], outcome="received")
            session.add(record)
            session.flush()
            return record.id

    def _judge_raw(self, record_id: int, order_id: str, outcome: Outcome | str, detail: str) -> None:
        with self.sessions() as session, session.begin():
            session.execute(update(PaymentCallback).where(PaymentCallback.id == record_id).values(
                order_id=order_id[:64], outcome=str(outcome), detail=detail[:2000]))


NOTIFY_PATHS = {"vnpay": "/payments/vnpay/ipn", "momo": "/payments/momo/ipn",
                "zalopay": "/payments/zalopay/callback", "sandbox": "/payments/sandbox/callback"}


def notify_path(provider: str) -> str:
    """The gateway's callback path the provider is told about (as each provider's docs name it)."""
    return NOTIFY_PATHS[provider]

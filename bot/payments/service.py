"""Payment orders and the money rules.

A callback is trusted only when its signature verifies, the order exists and the amount matches.
Each order follows one state machine (docs/payments.md):

    pending ──paid──▶ paid          pending ──"still processing"──▶ pending (nothing changes)
    pending ──not paid──▶ failed    pending ──reconciliation, long past expiry──▶ expired
    failed / expired ──paid──▶ paid (money taken is money taken: recorded, or flagged for refund)

An order becomes ``paid`` by one conditional UPDATE (``WHERE status IN payable``) with the dossier's
orders locked, so of two callbacks racing exactly one wins, and of two orders of one dossier the
first paid settles the fee and the other is flagged ``refund_due``. Only verified callbacks are
stored in full, before they are acted on; a refused one leaves a small record, and only while its
sender stays under a rate limit, so unsigned junk cannot fill the disk.
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

from bot.conversation.outbox import Outbox
from bot.core.errors import ServiceError
from bot.core.vntime import aware, utcnow
from bot.dossiers.backend import DossierBackend, DossierView
from bot.dossiers.status import DossierStatus
from bot.dossiers.tracking import TrackingService
from bot.dossiers.transitions import FINAL
from bot.ops.limits import RateLimiter
from bot.ops.metrics import METRICS
from bot.payments import receipts
from bot.payments.models import ORDER_STATUS_LABELS, PaymentCallback, PaymentOrder
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
# States a "paid" notification moves to paid: money taken after the link expired, or after a
# "cancelled"/"failed" report (VNPay 24 then 00), is still money taken.
OPEN = ("pending", "expired", "failed")
PAYABLE = frozenset(DossierStatus) - FINAL - {DossierStatus.STOPPED}
MAX_STORED_BODY = 16 * 1024     # what providers send is a few KB; the route refuses more
REFUSED_KEPT_BYTES = 512        # of a refused callback only the start is kept, for the audit
REFUSED = frozenset({Outcome.BAD_SIGNATURE, Outcome.MALFORMED})
NO_MATCH = ("Không tìm thấy hồ sơ khớp với mã và thông tin xác minh đã gửi. Anh/Chị kiểm tra lại mã hồ sơ "
            "và 4 số cuối của số điện thoại hoặc căn cước đã dùng khi nộp.")
EXPIRY_GRACE = dt.timedelta(minutes=30)  # a provider may still finish a payment begun just before expiry
RECHECK_CLOSED_WITHIN = dt.timedelta(hours=24)  # failed or expired orders asked about once more, this long


class PaymentRefused(ServiceError):
    """An order that cannot be made; ``str()`` is a Vietnamese sentence for the citizen."""

    status_code = 409


class UnknownDossier(PaymentRefused):
    status_code = 404


class ProviderNotEnabled(PaymentRefused):
    status_code = 422


class ProviderUnavailable(PaymentRefused):
    status_code = 502


class TooManyAttempts(PaymentRefused):
    status_code = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(max(1, self.retry_after))}


@dataclass(frozen=True)
class HandledCallback:
    """The provider's answer, and how long a refused sender must wait (0: not rate-limited)."""

    answer: CallbackAnswer
    outcome: Outcome
    retry_after: float = 0.0


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

    @property
    def status_label(self) -> str:
        return ORDER_STATUS_LABELS.get(self.status, self.status)


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
                 reconcile_after_minutes: int = 5, api_limiter: RateLimiter | None = None,
                 refused_limiter: RateLimiter | None = None) -> None:
        self.sessions = sessions
        # POST /api/payments per client IP, and refused callbacks per sender IP (None: unlimited)
        self.api_limiter = api_limiter
        self.refused_limiter = refused_limiter
        # Proof that a dossier is the requester's: the same rules (and failure throttle) as tracking
        self.ownership = TrackingService(dossiers)
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

    async def create_order_for(self, code: str, provider_name: str, proof: str, owner: str | None,
                               client_ip: str) -> OrderView:
        """``POST /api/payments``: an order only for whoever proves the dossier is theirs — the web
        conversation that filed it (``owner``, ``web:<sender>`` from the chat's signed cookie) or
        the last 4 digits of the phone or căn cước used to file it. No such dossier and a wrong
        proof get the same answer; attempts are limited per IP, failures per IP and per code."""
        if self.api_limiter is not None:
            wait = await self.api_limiter.hit(f"payments-api:{client_ip}")
            if wait:
                raise TooManyAttempts("Anh/Chị thử quá nhiều lần, vui lòng thử lại sau ít phút.", int(wait) + 1)
        if provider_name not in self.providers:
            raise ProviderNotEnabled(f"Hình thức thanh toán “{provider_name}” chưa được hỗ trợ.")
        result = await self.ownership.track(code, proof, owner or f"ip:{client_ip}")
        if result.outcome == "throttled":
            raise TooManyAttempts("Anh/Chị thử quá nhiều lần, vui lòng thử lại sau "
                                  f"{max(1, result.retry_after_seconds // 60)} phút.", result.retry_after_seconds)
        if result.outcome != "ok" or result.dossier is None:
            raise UnknownDossier(NO_MATCH)
        return await self.create_order(result.dossier.code, provider_name, client_ip=client_ip)

    async def get(self, order_id: str) -> OrderView | None:
        return await asyncio.to_thread(self._get, order_id)

    async def for_dossier(self, code: str) -> list[OrderView]:
        """A dossier's payment orders, newest first (staff pages)."""
        return await asyncio.to_thread(self._for_dossier, code)

    # ---- callbacks ------------------------------------------------------------------------------
    async def handle_callback(self, provider_name: str, callback: IncomingCallback,
                              remote_addr: str = "", source: str = "callback") -> HandledCallback:
        """Verify first; store a verified callback in full, then act on it once; answer as the
        provider expects. A refused callback (unsigned, unreadable) is never answered with
        success; it leaves a small record while its sender stays under the refused-callback rate
        limit, nothing past it (then ``retry_after`` > 0: the route answers 429)."""
        provider = self.providers[provider_name]
        try:
            notification = provider.verify_callback(callback)
        except (BadSignature, MalformedCallback) as refusal:
            outcome = Outcome.BAD_SIGNATURE if isinstance(refusal, BadSignature) else Outcome.MALFORMED
            return await self._refuse(provider_name, source, callback, remote_addr, outcome, str(refusal))
        except Exception as error:  # a bug in a provider's parser: refused, never trusted
            log.exception("payment callback from %s could not be read", provider_name)
            return await self._refuse(provider_name, source, callback, remote_addr, Outcome.MALFORMED,
                                      f"{type(error).__name__}: {error}")
        record_id = await asyncio.to_thread(self._store_raw, provider_name, source, callback, remote_addr)
        try:
            outcome, detail = await self.apply(provider_name, notification)
        except Exception as error:  # ours, not the provider's: let it retry
            log.exception("payment callback from %s could not be handled", provider_name)
            outcome, detail = Outcome.ERROR, f"{type(error).__name__}: {error}"
        if outcome not in (Outcome.CONFIRMED, Outcome.FAILURE_RECORDED, Outcome.ALREADY_CONFIRMED,
                           Outcome.PENDING_NOTED):
            log.warning("payment callback from %s refused: %s (%s)", provider_name, outcome, detail)
        await asyncio.to_thread(self._judge_raw, record_id, notification.order_id, outcome, detail)
        METRICS.payment_outcome(provider_name, outcome.value)
        return HandledCallback(provider.answer(outcome), outcome)

    async def _refuse(self, provider_name: str, source: str, callback: IncomingCallback, remote_addr: str,
                      outcome: Outcome, detail: str) -> HandledCallback:
        provider = self.providers[provider_name]
        METRICS.payment_outcome(provider_name, outcome.value)
        wait = await self.refused_limiter.hit(f"payments-refused:{remote_addr}") if self.refused_limiter else 0.0
        if wait:   # a flood: nothing stored, nothing logged per request
            return HandledCallback(provider.answer(outcome), outcome, retry_after=wait)
        log.warning("payment callback from %s refused: %s (%s)", provider_name, outcome, detail[:300])
        await asyncio.to_thread(self._store_refused, provider_name, source, callback, remote_addr, outcome, detail)
        return HandledCallback(provider.answer(outcome), outcome)

    async def apply(self, provider_name: str, notification: Notification) -> tuple[Outcome, str]:
        """The money rules, once the signature is known good (the state machine above)."""
        order = await asyncio.to_thread(self._load, notification.order_id)
        if order is None or order.provider != provider_name:
            return Outcome.ORDER_NOT_FOUND, f"no order {notification.order_id!r} for {provider_name}"
        if notification.amount_vnd != order.amount_vnd:
            return Outcome.AMOUNT_MISMATCH, f"amount {notification.amount_vnd} != {order.amount_vnd}"
        if not notification.paid:
            if notification.pending:   # MoMo 7000, VNPay 01: the provider has not decided yet
                return Outcome.PENDING_NOTED, f"{notification.provider_status}; order is {order.status}"
            if await asyncio.to_thread(self._close, order.id, "failed", notification.provider_status):
                await self._tell_citizen(order, receipts.failed(to_view(order), self._title(order)))
                return Outcome.FAILURE_RECORDED, notification.provider_status
            return Outcome.ALREADY_CONFIRMED, f"order is {order.status}"
        won = await asyncio.to_thread(self._mark_paid, order.id, notification)
        if won is None:
            return Outcome.ALREADY_CONFIRMED, "replay or concurrent callback: nothing changed"
        await self._settle(order.id, paid_elsewhere=won)
        late = f" (order was {order.status})" if order.status != "pending" else ""
        return Outcome.CONFIRMED, notification.provider_txn + late

    # ---- after the money arrived -----------------------------------------------------------------
    async def _settle(self, order_id: str, paid_elsewhere: bool) -> None:
        """Tell the dossier and the citizen. A dossier whose fee was already paid — through another
        order (decided when the order was marked paid), or otherwise (nothing due any more) —
        means the citizen paid twice: the order is flagged for a refund instead."""
        order = await asyncio.to_thread(self._load, order_id)
        assert order is not None
        view = to_view(order)
        double = paid_elsewhere or await self._nothing_due(order)
        if double:
            await asyncio.to_thread(self._flag_refund, order.id)
            log.warning("order %s: dossier %s already paid through another order; refund due",
                        order.id, order.dossier_code)
            await self._tell_citizen(order, receipts.refund_due(view, self._title(order)))
            return
        await self._tell_citizen(order, receipts.receipt(view, self._title(order)))
        await self._record_on_dossier(order)

    async def _nothing_due(self, order: PaymentOrder) -> bool:
        """The dossier no longer owes anything (paid at the counter, waived by staff). Unknown when
        the backend is down: then the payment is recorded later, by reconciliation."""
        try:
            view = await self.dossiers.get(order.dossier_code)
        except Exception:
            log.warning("order %s: dossier %s unreachable; its fee is taken as still due", order.id,
                        order.dossier_code)
            return False
        return view is not None and view.fee_due_vnd <= 0

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
        stale = await asyncio.to_thread(self._stale, now - self.reconcile_after)
        closed = await asyncio.to_thread(self._closed_unpaid, now)
        for order in [*stale, *closed]:
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

    def _mark_paid(self, order_id: str, notification: Notification) -> bool | None:
        """The one place an order becomes paid: a conditional UPDATE, so one winner at most. None
        when it was already paid (a replay); else whether another order of the dossier was paid
        first (this one then owes a refund). The dossier's orders are locked for the decision
        (PostgreSQL: FOR UPDATE; SQLite: the UPDATE takes the database's write lock first)."""
        with self.sessions() as session, session.begin():
            code = session.scalar(select(PaymentOrder.dossier_code).where(PaymentOrder.id == order_id))
            if code is None:
                return None
            if session.get_bind().dialect.name != "sqlite":
                session.execute(select(PaymentOrder.id).where(PaymentOrder.dossier_code == code)
                                .order_by(PaymentOrder.id).with_for_update())
            changed = session.execute(
                update(PaymentOrder).where(PaymentOrder.id == order_id, PaymentOrder.status.in_(OPEN))
                .values(status="paid", paid_at=notification.paid_at or utcnow(),
                        provider_txn=notification.provider_txn[:128],
                        provider_status=notification.provider_status[:255], closed_at=utcnow())).rowcount
            if changed != 1:
                return None
            return session.scalar(select(PaymentOrder.id).where(
                PaymentOrder.dossier_code == code, PaymentOrder.id != order_id,
                PaymentOrder.status == "paid", PaymentOrder.refund_due.is_(False))) is not None

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

    def _closed_unpaid(self, now: dt.datetime) -> list[PaymentOrder]:
        """Orders closed failed or expired in the last day and not asked about since: asked once
        more, because a citizen's money can be taken after the provider said "not paid" and the
        "paid" notification may never come."""
        asked_since = select(PaymentCallback.id).where(
            PaymentCallback.order_id == PaymentOrder.id, PaymentCallback.source == "query",
            PaymentCallback.received_at > PaymentOrder.closed_at)
        with self.sessions() as session:
            return list(session.scalars(select(PaymentOrder).where(
                PaymentOrder.status.in_(("failed", "expired")),
                PaymentOrder.closed_at > now - RECHECK_CLOSED_WITHIN,
                PaymentOrder.closed_at <= now - self.reconcile_after,
                ~asked_since.exists()).limit(200)))

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

    def _store_refused(self, provider: str, source: str, callback: IncomingCallback, remote_addr: str,
                       outcome: Outcome, detail: str) -> None:
        """A small record of a refused callback: its start, sizes, sender, outcome; no headers."""
        query = "&".join(f"{k}={v}" for k, v in callback.query.items())
        sizes = f"body {len(callback.body)} bytes, query {len(query)} chars"
        with self.sessions() as session, session.begin():
            session.add(PaymentCallback(provider=provider, source=source, query_string=query[:REFUSED_KEPT_BYTES],
                                        body=bytes(callback.body[:REFUSED_KEPT_BYTES]), headers={},
                                        remote_addr=remote_addr[:64], outcome=str(outcome),
                                        detail=f"{detail[:400]} ({sizes})"))

    def _judge_raw(self, record_id: int, order_id: str, outcome: Outcome | str, detail: str) -> None:
        with self.sessions() as session, session.begin():
            session.execute(update(PaymentCallback).where(PaymentCallback.id == record_id).values(
                order_id=order_id[:64], outcome=str(outcome), detail=detail[:2000]))


NOTIFY_PATHS = {"vnpay": "/payments/vnpay/ipn", "momo": "/payments/momo/ipn",
                "zalopay": "/payments/zalopay/callback", "sandbox": "/payments/sandbox/callback"}


def notify_path(provider: str) -> str:
    """The gateway's callback path the provider is told about (as each provider's docs name it)."""
    return NOTIFY_PATHS[provider]

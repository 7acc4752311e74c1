"""Tables of online payment: one row per payment order, one per callback or provider answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base
from bot.core.vntime import utcnow

# How staff and citizens read an order's status.
ORDER_STATUS_LABELS = {"pending": "Đang chờ thanh toán", "paid": "Đã thanh toán", "failed": "Không thành công",
                       "expired": "Đã hết hạn"}


class PaymentOrder(Base):
    """A fee to pay for one dossier through one provider. ``status`` moves only forward, from
    ``pending`` to ``paid``, ``failed`` or ``expired``, each by one conditional UPDATE, so two
    callbacks at once can never both succeed."""

    __tablename__ = "payment_orders"
    __table_args__ = (Index("ix_payment_orders_status_created", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)   # our order id, sent to providers
    dossier_code: Mapped[str] = mapped_column(String(64), index=True)
    provider: Mapped[str] = mapped_column(String(16))
    amount_vnd: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    pay_url: Mapped[str] = mapped_column(Text, default="")
    provider_ref: Mapped[str] = mapped_column(String(128), default="")
    provider_txn: Mapped[str] = mapped_column(String(128), default="")
    provider_status: Mapped[str] = mapped_column(String(255), default="")
    # Where the receipt goes: the conversation that asked for the order (empty for API orders).
    channel: Mapped[str] = mapped_column(String(16), default="")
    sender_id: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Paid, but the dossier has not taken note yet (backend down): reconciliation tries again.
    dossier_updated: Mapped[bool] = mapped_column(Boolean, default=False)
    # The dossier's fee had already been paid through another order: money to give back.
    refund_due: Mapped[bool] = mapped_column(Boolean, default=False)


class PaymentCallback(Base):
    """Every callback received (good or bad) and every reconciliation answer, kept raw for audit."""

    __tablename__ = "payment_callbacks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(16), index=True)
    source: Mapped[str] = mapped_column(String(16))          # "callback" | "return" | "query"
    order_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    query_string: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    outcome: Mapped[str] = mapped_column(String(32), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

"""Tables of the embedded dossier registry: dossiers, their status history and their documents."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.core.db import Base
from bot.core.vntime import utcnow


class DossierRecord(Base):
    """A dossier filed in the chat. Căn cước and phone are stored in full (the centre needs them)
    but only their last 4 digits ever leave the registry."""

    __tablename__ = "dossiers"
    __table_args__ = (Index("ix_dossiers_sender", "channel", "sender_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    procedure_id: Mapped[str] = mapped_column(String(64), index=True)
    applicant_name: Mapped[str] = mapped_column(String(255))
    applicant_cccd: Mapped[str] = mapped_column(String(16))
    applicant_birth_date: Mapped[dt.date] = mapped_column(Date)
    applicant_phone: Mapped[str] = mapped_column(String(32))
    applicant_address: Mapped[str] = mapped_column(Text)
    applicant_email: Mapped[str | None] = mapped_column(String(255), nullable=True)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    channel: Mapped[str] = mapped_column(String(16))
    sender_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[int] = mapped_column(Integer, index=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    due_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    fee_due_vnd: Mapped[int] = mapped_column(Integer, default=0)  # still to pay: lowered by payments
    # The fee computed from the catalog and the citizen's answers at filing (None: staff set it) and
    # its explanation ("Lệ phí cấp lại thẻ căn cước: 70.000 đ"), read by the chat and staff pages.
    fee_assessed_vnd: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fee_explanation: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    history: Mapped[list[DossierStatusRecord]] = relationship(
        back_populates="dossier", order_by="DossierStatusRecord.id")
    documents: Mapped[list[DossierDocumentRecord]] = relationship(
        back_populates="dossier", order_by="DossierDocumentRecord.id")


class DossierStatusRecord(Base):
    """One status a dossier went through, with who set it and why."""

    __tablename__ = "dossier_status_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    status: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(128), default="")
    dossier: Mapped[DossierRecord] = relationship(back_populates="history")


class DossierDocumentRecord(Base):
    """An attachment filed for one checklist item (thành phần hồ sơ) of the procedure."""

    __tablename__ = "dossier_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"))
    supplement: Mapped[bool] = mapped_column(default=False)  # added after filing
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    dossier: Mapped[DossierRecord] = relationship(back_populates="documents")


class DossierPaymentRecord(Base):
    """A fee payment the dossier took note of; one row per payment order, so a payment applied
    twice (a retry after a crash) is counted once."""

    __tablename__ = "dossier_payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    order_id: Mapped[str] = mapped_column(String(32), unique=True)
    amount_vnd: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

"""Drafts of dossiers being filled in the chat, kept in the gateway's database: one per
conversation (channel + sender), so a citizen can come back later, even after a restart.
Implements ``bot.dossiers.drafts.DraftStore``; the Rasa tracker id ``channel:sender`` is the key."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from bot.conversation.senders import split_sender
from bot.core.db import Base
from bot.core.vntime import utcnow
from bot.dossiers.drafts import FormDraft


class SubmissionDraftRecord(Base):
    """What a citizen entered for a dossier not filed yet. Personal data: never log it."""

    __tablename__ = "submission_drafts"
    __table_args__ = (UniqueConstraint("channel", "sender_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    sender_id: Mapped[str] = mapped_column(String(128))
    procedure_id: Mapped[str] = mapped_column(String(64))
    applicant: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    documents: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SqlDraftStore:
    """``DraftStore`` on the gateway's database (SQLite or PostgreSQL)."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    async def save(self, draft: FormDraft) -> None:
        await asyncio.to_thread(self._save, draft)

    async def load(self, sender_id: str) -> FormDraft | None:
        return await asyncio.to_thread(self._load, sender_id)

    async def discard(self, sender_id: str) -> None:
        await asyncio.to_thread(self._discard, sender_id)

    def _save(self, draft: FormDraft) -> None:
        channel, sender = split_sender(draft.sender_id)
        with self._sessions() as session, session.begin():
            record = session.scalar(select(SubmissionDraftRecord).where(
                SubmissionDraftRecord.channel == channel, SubmissionDraftRecord.sender_id == sender))
            if record is None:
                record = SubmissionDraftRecord(channel=channel, sender_id=sender)
                session.add(record)
            record.procedure_id = draft.procedure_id
            record.applicant = dict(draft.applicant)
            record.fields = dict(draft.fields)
            record.documents = dict(draft.documents) if draft.documents is not None else None
            record.complete = draft.complete
            record.updated_at = utcnow()

    def _load(self, sender_id: str) -> FormDraft | None:
        channel, sender = split_sender(sender_id)
        with self._sessions() as session:
            record = session.scalar(select(SubmissionDraftRecord).where(
                SubmissionDraftRecord.channel == channel, SubmissionDraftRecord.sender_id == sender))
            if record is None:
                return None
            updated = record.updated_at if record.updated_at.tzinfo else record.updated_at.replace(tzinfo=dt.UTC)
            return FormDraft(sender_id=sender_id, procedure_id=record.procedure_id,
                             applicant=dict(record.applicant or {}), fields=dict(record.fields or {}),
                             complete=record.complete, updated_at=updated,
                             documents=dict(record.documents) if record.documents is not None else None)

    def _discard(self, sender_id: str) -> None:
        channel, sender = split_sender(sender_id)
        with self._sessions() as session, session.begin():
            session.execute(delete(SubmissionDraftRecord).where(
                SubmissionDraftRecord.channel == channel, SubmissionDraftRecord.sender_id == sender))

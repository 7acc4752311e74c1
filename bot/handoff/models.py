"""Tables of the handoff: requests for a person, callback requests, agents' presence, ratings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base
from bot.core.vntime import utcnow


class Handoff(Base):
    """One request for a person. ``status`` moves waiting → active → (waiting again after a
    transfer or a lost agent) → closed; every move is a conditional UPDATE on the expected status,
    so two agents can never both claim it."""

    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_status_team", "status", "team"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="waiting")   # waiting | active | closed
    team: Mapped[str] = mapped_column(String(16))                        # volunteer | hotline
    reason: Mapped[str] = mapped_column(String(32))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    queued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    agent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    first_wait_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)  # queue → first claim
    transfer_note: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    outcome: Mapped[str] = mapped_column(String(16), default="")
    closed_by: Mapped[str] = mapped_column(String(64), default="")


class CallbackRequest(Base):
    """A citizen asked to be called back (outside working hours, or nobody online)."""

    __tablename__ = "callback_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    phone: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    call_after: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(8), default="open")       # open | done
    done_by: Mapped[str] = mapped_column(String(64), default="")
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class AgentPresence(Base):
    """Whether an agent can take conversations; ``last_seen`` moves with the console's heartbeat."""

    __tablename__ = "agent_presence"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(8), default="online")     # online | away
    role: Mapped[str] = mapped_column(String(16))
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Rating(Base):
    """A citizen's 1–5 rating (and optional comment), per channel, procedure and team."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(16))    # handoff | conversation | dossier
    team: Mapped[str] = mapped_column(String(16), default="")
    procedure_id: Mapped[str] = mapped_column(String(64), default="")
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id"), nullable=True)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)   # None: a comment without a score
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

"""Tables the dashboard and the unanswered inbox read."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base
from bot.core.vntime import utcnow


class AnalyticsEvent(Base):
    """One thing that happened in a conversation, for counting: ``answer`` (an item of the catalog
    was shown: ``item_id`` is the procedure or FAQ id), ``submission_started``,
    ``submission_cancelled`` (``item_id`` = procedure id). Filings, payments, handoffs and ratings
    are counted from their own tables."""

    __tablename__ = "analytics_events"
    __table_args__ = (Index("ix_analytics_kind_at", "kind", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), nullable=True)
    channel: Mapped[str] = mapped_column(String(16), default="")
    kind: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[str] = mapped_column(String(64), default="")


class UnansweredQuestion(Base):
    """A question the bot could not answer with confidence: ``reason`` is ``fallback`` (not
    understood), ``low_confidence`` (the top 3 offered as buttons) or ``handoff`` (a person was
    asked for). ``best_id``/``best_score`` record what search found, for the inbox."""

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), nullable=True)
    channel: Mapped[str] = mapped_column(String(16), default="")
    text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(16))
    best_id: Mapped[str] = mapped_column(String(64), default="")
    best_score: Mapped[float] = mapped_column(Float, default=0.0)


class ResolvedInboxGroup(Base):
    """A group of the unanswered inbox that staff answered with an FAQ (written by the catalog admin
    through ``bot.insights.inbox.mark_group_resolved``). The group stays hidden until a question of
    it is asked again after ``at``."""

    __tablename__ = "inbox_resolved_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_key: Mapped[str] = mapped_column(String(32), index=True)
    faq_id: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

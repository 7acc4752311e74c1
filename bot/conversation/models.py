"""Tables of the gateway: conversations and every message in and out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from bot.conversation.senders import rasa_sender
from bot.core.db import Base
from bot.core.vntime import utcnow


def _store_utc(mapper: Mapper[Any], connection: Any, target: Any) -> None:
    """Every aware time is written in UTC, whatever zone it was computed in (``bot.core.vntime``):
    SQLite drops the zone and keeps the digits, so a Vietnam time stored as is reads back 7 hours
    late."""
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if not (isinstance(column.type, DateTime) and column.type.timezone):
            continue
        value = target.__dict__.get(prop.key)
        if isinstance(value, dt.datetime) and value.tzinfo is not None and value.utcoffset():
            setattr(target, prop.key, value.astimezone(dt.UTC))


event.listen(Base, "before_insert", _store_utc, propagate=True)
event.listen(Base, "before_update", _store_utc, propagate=True)


class Conversation(Base):
    """One citizen on one channel. ``owner`` says who answers: the bot or a person (later)."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "sender_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    sender_id: Mapped[str] = mapped_column(String(128))
    owner: Mapped[str] = mapped_column(String(32), default="bot")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_message_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    messages: Mapped[list[Message]] = relationship(back_populates="conversation")

    @property
    def rasa_sender_id(self) -> str:
        """Rasa tracker id: unique across channels, so two platforms never share a tracker."""
        return rasa_sender(self.channel, self.sender_id)


class Message(Base):
    """A message in (citizen) or out (bot/staff), stored before it is acknowledged."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("conversation_id", "platform_message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # "in" | "out"
    author: Mapped[str] = mapped_column(String(32), default="citizen")  # citizen | bot | staff
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    platform_message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class Attachment(Base):
    """A file a citizen sent (photo, PDF), checked and stored; served only with authorisation."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), nullable=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OutboxItem(Base):
    """A message waiting to reach a citizen on a platform; kept until delivered."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient_id: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(16), default="reply")  # reply | notice
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    platform_message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PlatformToken(Base):
    """A platform's OAuth tokens (Zalo OA). ``version`` makes a refresh a compare-and-swap, so two
    workers never spend the single-use refresh token twice."""

    __tablename__ = "platform_tokens"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

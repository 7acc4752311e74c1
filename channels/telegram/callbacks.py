"""Button payloads longer than Telegram's 64-byte ``callback_data``: kept in the database, sent
as a short token, and turned back into the payload when the button is tapped."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading

from sqlalchemy import DateTime, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from bot.core.db import Base
from bot.core.vntime import utcnow

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit on InlineKeyboardButton.callback_data
TOKEN_PREFIX = "tgcb:"


class TelegramCallback(Base):
    """A long button payload, found again by its token (a hash of the payload, so repeats reuse it)."""

    __tablename__ = "telegram_callbacks"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CallbackStore:
    """Maps button payloads to ``callback_data`` and back. Blocking: call it in a thread."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions
        self._ready = False
        self._lock = threading.Lock()

    def encode(self, payload: str) -> str:
        """The payload itself when it fits in 64 bytes, otherwise a stored short token."""
        if len(payload.encode()) <= CALLBACK_DATA_LIMIT and not payload.startswith(TOKEN_PREFIX):
            return payload
        token = hashlib.sha256(payload.encode()).hexdigest()[:24]
        self._ensure_table()
        try:
            with self._sessions() as session, session.begin():
                if session.get(TelegramCallback, token) is None:
                    session.add(TelegramCallback(token=token, payload=payload))
        except IntegrityError:  # stored a moment ago by a parallel send
            pass
        return TOKEN_PREFIX + token

    def decode(self, data: str) -> str | None:
        """The payload behind ``callback_data``; None for a token that is not known."""
        if not data.startswith(TOKEN_PREFIX):
            return data
        self._ensure_table()
        with self._sessions() as session:
            return session.scalar(select(TelegramCallback.payload).where(
                TelegramCallback.token == data.removeprefix(TOKEN_PREFIX)))

    def _ensure_table(self) -> None:
        """Create the table if ``create_schema`` ran before this module was imported."""
        with self._lock:
            if not self._ready:
                engine = self._sessions.kw["bind"]
                TelegramCallback.__table__.create(engine, checkfirst=True)
                self._ready = True

"""Zalo's reply window: free consultation ("cs") messages only within 48 hours of the citizen's
last message. Outside it a proactive notice goes as a "transaction" message; a reply is blocked."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.conversation.models import Conversation
from bot.conversation.transcript import of_sender
from bot.core.vntime import aware, utcnow

REPLY_WINDOW = dt.timedelta(hours=48)
Mode = Literal["cs", "transaction", "blocked"]


class ReplyWindow:
    def __init__(self, sessions: sessionmaker, window: dt.timedelta = REPLY_WINDOW) -> None:
        self._sessions = sessions
        self._window = window

    def mode(self, recipient_id: str, kind: str) -> Mode:
        """How a message of ``kind`` (reply or notice) to ``recipient_id`` may be sent now."""
        with self._sessions() as session:
            last = session.scalar(select(Conversation.last_message_at).where(of_sender("zalo", recipient_id)))
        if last is not None and utcnow() - aware(last) <= self._window:
            return "cs"
        return "transaction" if kind == "notice" else "blocked"

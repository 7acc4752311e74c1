"""Writing insight rows from the actions (which run inside the gateway). Failures are logged and
never disturb the conversation."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.orm import sessionmaker

from bot.conversation.senders import split_sender
from bot.conversation.transcript import conversation_id_of
from bot.core.privacy import mask
from bot.insights.models import AnalyticsEvent, UnansweredQuestion

log = logging.getLogger(__name__)
MAX_QUESTION = 500


def _conversation(sessions: sessionmaker, rasa_sender: str) -> tuple[int | None, str]:
    return conversation_id_of(sessions, rasa_sender), split_sender(rasa_sender)[0]


def record_event(sessions: sessionmaker | None, rasa_sender: str, kind: str, item_id: str = "") -> None:
    if sessions is None:
        return
    try:
        conversation_id, channel = _conversation(sessions, rasa_sender)
        with sessions() as session, session.begin():
            session.add(AnalyticsEvent(conversation_id=conversation_id, channel=channel, kind=kind,
                                       item_id=item_id[:64]))
    except Exception:
        log.exception("could not record event %s", kind)


def record_unanswered(sessions: sessionmaker | None, rasa_sender: str, text: str, reason: str,
                      best_id: str = "", best_score: float = 0.0) -> None:
    """Keep the question (masked: no căn cước or phone number lands in the inbox)."""
    question = mask(" ".join(text.split()))[:MAX_QUESTION]
    if sessions is None or not question or question.startswith("/"):
        return
    try:
        conversation_id, channel = _conversation(sessions, rasa_sender)
        with sessions() as session, session.begin():
            session.add(UnansweredQuestion(conversation_id=conversation_id, channel=channel, text=question,
                                           reason=reason, best_id=best_id, best_score=best_score))
    except Exception:
        log.exception("could not record an unanswered question")


class Insights:
    """What the actions use: records nothing without a database (unit tests of actions)."""

    def __init__(self, sessions: sessionmaker | None = None) -> None:
        self.sessions = sessions

    async def event(self, rasa_sender: str, kind: str, item_id: str = "") -> None:
        if self.sessions is not None:
            await asyncio.to_thread(record_event, self.sessions, rasa_sender, kind, item_id)

    async def unanswered(self, rasa_sender: str, text: str, reason: str, best_id: str = "",
                         best_score: float = 0.0) -> None:
        if self.sessions is not None:
            await asyncio.to_thread(record_unanswered, self.sessions, rasa_sender, text, reason, best_id, best_score)

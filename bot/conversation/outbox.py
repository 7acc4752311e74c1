"""One outbound path: every message to a citizen on Zalo or Telegram goes through the outbox.

A message is written to the ``outbox`` table first, then delivered by a background loop with
retries and exponential back-off, so nothing is lost while a platform is down or a token expires.
Messages of one conversation leave in order: a failed one holds back those after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Mapping, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from bot.conversation import transcript
from bot.conversation.models import Conversation, Message, OutboxItem
from bot.core.vntime import aware, utcnow
from channels.base import Channel, DeliveryError
from channels.messages import OutboundMessage

log = logging.getLogger(__name__)
# In a stored citizen's message (``Message.payload``): acknowledged to the platform, not answered yet.
UNANSWERED = "_unanswered"

MAX_ATTEMPTS = 12
BASE_DELAY_SECONDS = 2.0
MAX_DELAY_SECONDS = 600.0


class Outbox:
    def __init__(self, sessions: sessionmaker, channels: Mapping[str, Channel],
                 base_delay: float = BASE_DELAY_SECONDS, max_attempts: int = MAX_ATTEMPTS) -> None:
        self._sessions = sessions
        self._channels = channels
        self._base_delay = base_delay
        self._max_attempts = max_attempts
        self._wake = asyncio.Event()

    def has_channel(self, name: str) -> bool:
        return name in self._channels

    def enqueue(self, conversation_id: int, messages: Sequence[OutboundMessage],
                kind: str = "reply", answers: int | None = None) -> list[int]:
        """Store messages for a conversation; returns the outbox ids. ``kind`` is ``reply`` (the
        bot's answer, already in the transcript) or ``notice`` (a proactive message, written to the
        transcript here). ``answers``: the stored message these replies answer loses its
        "unanswered" mark in the same transaction (see ``bot/conversation/inbound.py``): answered exactly once."""
        return self._enqueue(conversation_id, messages, kind, "system" if kind == "notice" else None, answers)[0]

    def send_as(self, conversation_id: int, messages: Sequence[OutboundMessage], author: str,
                kind: str = "reply") -> list[int]:
        """Write messages to the transcript as ``author`` (a staff member's reply) and queue them,
        in one transaction; returns the transcript's message ids."""
        return self._enqueue(conversation_id, messages, kind, author)[1]

    def _enqueue(self, conversation_id: int, messages: Sequence[OutboundMessage], kind: str,
                 author: str | None, answers: int | None = None) -> tuple[list[int], list[int]]:
        with self._sessions() as session, session.begin():
            if answers is not None:
                answered = session.get(Message, answers)
                if answered is not None and answered.payload and UNANSWERED in answered.payload:
                    answered.payload = {k: v for k, v in answered.payload.items() if k != UNANSWERED} or None
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                raise KeyError(f"conversation {conversation_id}")
            items = [OutboxItem(conversation_id=conversation_id, channel=conversation.channel,
                                recipient_id=conversation.sender_id, kind=kind,
                                payload=m.model_dump(exclude_none=True)) for m in messages]
            session.add_all(items)
            recorded = [transcript.outgoing(conversation_id, m, author) for m in messages] if author else []
            session.add_all(recorded)
            session.flush()
            ids = ([i.id for i in items], [m.id for m in recorded])
        self._wake.set()
        return ids

    async def notify(self, channel: str, sender_id: str, messages: Sequence[OutboundMessage]) -> bool:
        """Queue a proactive notice for the citizen ``sender_id`` on ``channel``; False when that
        citizen never wrote to us (no conversation to send to)."""
        conversation_id = await asyncio.to_thread(self._conversation_id, channel, sender_id)
        if conversation_id is None:
            return False
        await asyncio.to_thread(self.enqueue, conversation_id, messages, "notice")
        return True

    def _conversation_id(self, channel: str, sender_id: str) -> int | None:
        with self._sessions() as session:
            return transcript.conversation_id(session, channel, sender_id)

    async def deliver_due(self, limit: int = 100) -> int:
        """Try every due message once; returns how many were delivered."""
        due = await asyncio.to_thread(self._due, limit)
        delivered = 0
        blocked: set[int] = set()
        for item_id, conversation_id, channel_name in due:
            if conversation_id in blocked:
                continue
            if not await self._deliver_one(item_id, channel_name):
                blocked.add(conversation_id)  # keep the conversation's order
            else:
                delivered += 1
        return delivered

    async def run(self, interval: float = 1.0) -> None:
        """Deliver forever: on every enqueue, and every ``interval`` seconds for retries."""
        while True:
            try:
                await self.deliver_due()
            except Exception:
                log.exception("outbox pass failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=interval)

    def pending_count(self) -> int:
        with self._sessions() as session:
            return len(session.scalars(select(OutboxItem.id).where(
                OutboxItem.status.in_(["pending", "sending"]))).all())

    # ---- internals -----------------------------------------------------------------------------
    def _due(self, limit: int) -> list[tuple[int, int, str]]:
        now = utcnow()
        with self._sessions() as session:
            earliest_open = {
                row.conversation_id: row.id for row in session.execute(
                    select(OutboxItem.conversation_id, OutboxItem.id)
                    .where(OutboxItem.status.in_(["pending", "sending"]))
                    .order_by(OutboxItem.id.desc()))
            }
            # A replica without a channel leaves its messages to one that has it (or to later).
            rows = session.execute(
                select(OutboxItem.id, OutboxItem.conversation_id, OutboxItem.channel,
                       OutboxItem.next_attempt_at)
                .where(OutboxItem.status == "pending", OutboxItem.channel.in_(list(self._channels)))
                .order_by(OutboxItem.id).limit(limit)).all()
        out = []
        for item_id, conversation_id, channel, next_attempt in rows:
            if aware(next_attempt) > now:
                # A later message must not overtake this one.
                earliest_open[conversation_id] = -1
                continue
            if earliest_open.get(conversation_id) in (item_id, None):
                out.append((item_id, conversation_id, channel))
                earliest_open.pop(conversation_id, None)
        return out

    def _claim(self, item_id: int) -> OutboxItem | None:
        """pending → sending, only if nobody else took it (several gateway replicas)."""
        with self._sessions() as session, session.begin():
            claimed = session.execute(
                update(OutboxItem).where(OutboxItem.id == item_id, OutboxItem.status == "pending")
                .values(status="sending", attempts=OutboxItem.attempts + 1)).rowcount
            return session.get(OutboxItem, item_id) if claimed else None

    async def _deliver_one(self, item_id: int, channel_name: str) -> bool:
        item = await asyncio.to_thread(self._claim, item_id)
        if item is None:
            return False
        channel = self._channels.get(channel_name)
        if channel is None:
            await asyncio.to_thread(self._retry_later, item, f"kênh {channel_name} chưa được cấu hình")
            return False
        try:
            platform_id = await channel.send(item.recipient_id, OutboundMessage(**item.payload),
                                             kind=item.kind)
        except DeliveryError as exc:
            if exc.retryable:
                await asyncio.to_thread(self._retry_later, item, str(exc))
            else:
                await asyncio.to_thread(self._finish, item_id, "failed", str(exc), None)
            log.warning("outbox %s to %s failed: %s", item_id, channel_name, exc)
            return False
        except Exception as exc:  # a bug in an adapter must not lose the message
            log.exception("outbox %s: unexpected error", item_id)
            await asyncio.to_thread(self._retry_later, item, repr(exc))
            return False
        await asyncio.to_thread(self._finish, item_id, "sent", "", platform_id)
        return True

    def _retry_later(self, item: OutboxItem, error: str) -> None:
        if item.attempts >= self._max_attempts:
            self._finish(item.id, "failed", error, None)
            log.error("outbox %s given up after %d attempts: %s", item.id, item.attempts, error)
            return
        delay = min(MAX_DELAY_SECONDS, self._base_delay * 2 ** (item.attempts - 1))
        with self._sessions() as session, session.begin():
            session.execute(update(OutboxItem).where(OutboxItem.id == item.id).values(
                status="pending", last_error=error[:2000],
                next_attempt_at=utcnow() + dt.timedelta(seconds=delay)))

    def _finish(self, item_id: int, status: str, error: str, platform_id: str | None) -> None:
        with self._sessions() as session, session.begin():
            session.execute(update(OutboxItem).where(OutboxItem.id == item_id).values(
                status=status, last_error=error[:2000], platform_message_id=platform_id,
                sent_at=utcnow() if status == "sent" else None))

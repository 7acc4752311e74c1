"""Messages from platforms that expect a quick acknowledgement (Zalo, Telegram).

``accept`` stores the message and returns at once (Zalo wants an answer within 2 seconds); the
work — downloading files, asking Rasa, sending the replies through the outbox — continues in the
background. A repeated delivery (same platform message id) is recognised and ignored.

The platform is told "received" before the reply exists, and Zalo never delivers again after that:
the stored message carries an "unanswered" mark (with its files) until its replies are queued (in
the same transaction: a message is answered exactly once), and
``recover`` answers the marked ones a dead process left behind (run at start-up and every minute).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict

from sqlalchemy import String, cast, select
from sqlalchemy.orm import sessionmaker

from bot.conversation import texts
from bot.conversation.attachments import AttachmentService
from bot.conversation.models import Conversation, Message
from bot.conversation.outbox import UNANSWERED, Outbox  # UNANSWERED holds the files still to fetch
from bot.conversation.service import ConversationService, Recorded
from bot.core.vntime import utcnow
from channels.base import Channel, FileTooLarge
from channels.messages import InboundMessage, IncomingFile, OutboundMessage

log = logging.getLogger(__name__)

RECOVER_AFTER = dt.timedelta(seconds=60)     # older than any message still being worked on
RECOVER_WITHIN = dt.timedelta(hours=6)       # older than this, a late answer does more harm than good
RECOVER_EVERY_SECONDS = 60.0


class InboundPipeline:
    def __init__(self, conversations: ConversationService, outbox: Outbox,
                 attachments: AttachmentService, channels: Mapping[str, Channel],
                 sessions: sessionmaker | None = None) -> None:
        self._sessions = sessions
        self._working: set[int] = set()   # message ids this process is answering now
        self._conversations = conversations
        self._outbox = outbox
        self._attachments = attachments
        self._channels = channels
        self._tasks: set[asyncio.Task[None]] = set()
        # One citizen's messages are worked on one at a time, in arrival order (asyncio.Lock
        # wakes waiters first-come, first-served), so replies never overtake each other.
        self._turns: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def accept(self, inbound: InboundMessage, files: list[IncomingFile] | None = None) -> bool:
        """Store and schedule; False when it is a duplicate delivery."""
        files = files or []
        marked = inbound.model_copy(update={"metadata": {
            **inbound.metadata, UNANSWERED: [asdict(file) for file in files]}})
        recorded = await self._conversations.record(marked)
        if recorded is None:
            return False
        self._schedule(recorded, inbound, files)
        return True

    def _schedule(self, recorded: Recorded, inbound: InboundMessage, files: list[IncomingFile]) -> None:
        self._working.add(recorded.message_id)
        task = asyncio.create_task(self._process(recorded, inbound, files))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def recover(self) -> int:
        """Answer the messages acknowledged by a process that died before replying; how many."""
        if self._sessions is None:
            return 0
        left = await asyncio.to_thread(self._left_unanswered)
        for recorded, inbound, files in left:
            log.warning("answering message %s left unanswered by a stopped process", recorded.message_id)
            self._schedule(recorded, inbound, files)
        return len(left)

    async def run_recovery(self, every: float = RECOVER_EVERY_SECONDS) -> None:
        while True:
            try:
                await self.recover()
            except Exception:
                log.exception("recovering unanswered messages failed")
            await asyncio.sleep(every)

    def _left_unanswered(self) -> list[tuple[Recorded, InboundMessage, list[IncomingFile]]]:
        assert self._sessions is not None
        now = utcnow()
        with self._sessions() as session:
            rows = session.execute(
                select(Message, Conversation).join(Conversation)
                .where(Message.direction == "in", Conversation.channel.in_(list(self._channels)),
                       Message.created_at > now - RECOVER_WITHIN, Message.created_at < now - RECOVER_AFTER,
                       # only marked rows leave the database (JSON as text: SQLite and PostgreSQL alike)
                       cast(Message.payload, String).contains(UNANSWERED))
                .order_by(Message.id)).all()
        left = []
        for message, conversation in rows:
            payload = message.payload or {}
            if UNANSWERED not in payload or message.id in self._working:
                continue
            metadata = {k: v for k, v in payload.items() if k != UNANSWERED}
            inbound = InboundMessage(channel=conversation.channel, sender_id=conversation.sender_id,
                                     text=message.text, platform_message_id=message.platform_message_id,
                                     metadata=metadata)
            recorded = Recorded(conversation.id, message.id, conversation.rasa_sender_id, conversation.owner or "bot")
            left.append((recorded, inbound, [IncomingFile(**f) for f in payload[UNANSWERED]]))
        return left

    async def drain(self) -> None:
        """Wait for background work (tests, graceful shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _process(self, recorded: Recorded, inbound: InboundMessage,
                       files: list[IncomingFile]) -> None:
        try:
            async with self._turns[recorded.conversation_id]:
                await self._work(recorded, inbound, files)
        finally:
            self._working.discard(recorded.message_id)

    async def _work(self, recorded: Recorded, inbound: InboundMessage,
                    files: list[IncomingFile]) -> None:
        try:
            replies: list[OutboundMessage] = []
            for file in files:
                reply, attachment_id = await self._store_file(recorded, inbound.channel, file)
                replies.append(reply)
                if attachment_id is not None:  # a document step or a supplement can use it
                    replies += await self._conversations.announce_upload(recorded, inbound.channel,
                                                                         attachment_id)
            if inbound.text.strip() or not files:
                replies += await self._conversations.respond(recorded, inbound)
            await asyncio.to_thread(self._outbox.enqueue, recorded.conversation_id, replies,
                                    answers=recorded.message_id)
        except Exception:
            log.exception("processing message %s failed", recorded.message_id)
            await asyncio.to_thread(self._outbox.enqueue, recorded.conversation_id, [texts.SILENT],
                                    answers=recorded.message_id)

    async def _store_file(self, recorded: Recorded, channel_name: str,
                          file: IncomingFile) -> tuple[OutboundMessage, int | None]:
        """The reply about the file, and the stored attachment's id (None when not stored)."""
        channel = self._channels[channel_name]
        try:
            data = await channel.download(file.url)
        except FileTooLarge as exc:
            return texts.file_too_large(exc.limit), None
        except Exception as exc:
            log.warning("download failed for message %s: %r", recorded.message_id, exc)
            return texts.FILE_DOWNLOAD_FAILED, None
        return await asyncio.to_thread(self._attachments.accept, recorded.conversation_id,
                                       recorded.message_id, file.filename, data)

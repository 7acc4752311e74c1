"""Messages from platforms that expect a quick acknowledgement (Zalo, Telegram).

``accept`` stores the message and returns at once (Zalo wants an answer within 2 seconds); the
work — downloading files, asking Rasa, sending the replies through the outbox — continues in the
background. A repeated delivery (same platform message id) is recognised and ignored.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from bot import texts
from bot.attachments import AttachmentRejected, AttachmentService
from bot.conversations import ConversationService, Recorded
from bot.outbox import Outbox
from channels.base import Channel, FileTooLarge
from channels.messages import InboundMessage, OutboundMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IncomingFile:
    """A file the citizen sent, to be fetched from the platform."""

    url: str
    filename: str = ""


class InboundPipeline:
    def __init__(self, conversations: ConversationService, outbox: Outbox,
                 attachments: AttachmentService, channels: Mapping[str, Channel]) -> None:
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
        recorded = await self._conversations.record(inbound)
        if recorded is None:
            return False
        task = asyncio.create_task(self._process(recorded, inbound, files or []))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def drain(self) -> None:
        """Wait for background work (tests, graceful shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _process(self, recorded: Recorded, inbound: InboundMessage,
                       files: list[IncomingFile]) -> None:
        async with self._turns[recorded.conversation_id]:
            await self._work(recorded, inbound, files)

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
            await asyncio.to_thread(self._outbox.enqueue, recorded.conversation_id, replies)
        except Exception:
            log.exception("processing message %s failed", recorded.message_id)
            await asyncio.to_thread(self._outbox.enqueue, recorded.conversation_id, [texts.SILENT])

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
        try:
            stored = await asyncio.to_thread(self._attachments.save, recorded.conversation_id,
                                             recorded.message_id, file.filename, data)
        except AttachmentRejected as rejected:
            return OutboundMessage(text=rejected.reason), None
        return texts.file_received(stored.filename, stored.content_type), stored.id

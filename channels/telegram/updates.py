"""One path for updates from the webhook and from polling: a PTB ``Update`` becomes an
``InboundMessage`` plus file references, and goes to the inbound pipeline."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram import Bot, CallbackQuery, Message, Update

from channels.messages import InboundMessage, IncomingFile
from channels.telegram.channel import FILE_PREFIX

if TYPE_CHECKING:
    from bot.conversation.inbound import InboundPipeline
    from channels.telegram.channel import TelegramChannel

log = logging.getLogger(__name__)

EXPIRED_CHOICE = "Lựa chọn này đã hết hạn, Anh/Chị vui lòng hỏi lại giúp em."


@dataclass
class Incoming:
    """What the core needs from one update."""

    inbound: InboundMessage
    files: list[IncomingFile] = field(default_factory=list)


def parse_update(data: Any, bot: Bot) -> Update:
    """Raw webhook JSON → PTB ``Update``; ValueError when it is not an update."""
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise ValueError("not a Telegram update")
    try:
        update = Update.de_json(data, bot)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"malformed Telegram update: {exc!r}") from exc
    if update is None:
        raise ValueError("empty Telegram update")
    return update


def from_message(message: Message) -> Incoming | None:
    """A citizen's text, photo (largest size) or document in a private chat; None otherwise."""
    if message.chat.type != "private":
        return None  # a citizen assistant does not talk in groups or channels
    files: list[IncomingFile] = []
    if message.photo:
        largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        files.append(IncomingFile(FILE_PREFIX + largest.file_id, f"anh-{largest.file_unique_id}.jpg"))
    if message.document:
        doc = message.document
        files.append(IncomingFile(FILE_PREFIX + doc.file_id, doc.file_name or f"tep-{doc.file_unique_id}"))
    text = message.text or message.caption or ""
    if not text and not files:
        return None  # stickers, locations, service messages…
    inbound = InboundMessage(channel="telegram", sender_id=str(message.chat.id), text=text,
                             platform_message_id=f"m{message.message_id}")
    return Incoming(inbound, files)


def from_callback(query: CallbackQuery, payload: str) -> Incoming | None:
    """A tapped inline button: its payload is the citizen's next message, unchanged."""
    chat = query.message.chat if query.message else None
    if chat is not None and chat.type != "private":
        return None
    sender = str(chat.id if chat is not None else query.from_user.id)
    inbound = InboundMessage(channel="telegram", sender_id=sender, text=payload,
                             platform_message_id=f"cb{query.id}")
    return Incoming(inbound)


async def handle_update(channel: TelegramChannel, pipeline: InboundPipeline, update: Update) -> bool:
    """Answer a button tap, then hand the message to the pipeline; True when it was accepted."""
    if update.callback_query is not None:
        query = update.callback_query
        payload = await asyncio.to_thread(channel.callbacks.decode, query.data or "")
        incoming = from_callback(query, payload) if payload else None
        accepted = bool(incoming) and await pipeline.accept(incoming.inbound, incoming.files)
        await channel.answer_callback(query.id, EXPIRED_CHOICE if payload is None else None)
        return accepted
    if update.message is None:
        return False  # edited messages, channel posts, member updates…
    incoming = from_message(update.message)
    if incoming is None:
        return False
    return await pipeline.accept(incoming.inbound, incoming.files)

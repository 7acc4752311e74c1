"""The conversation core: store the message, ask Rasa, store and return the replies.

Every channel calls ``ConversationService.handle``; nothing is acknowledged before it is stored, a
platform's repeated delivery is recognised by its message id, and a Rasa outage gets a polite reply.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation import texts
from bot.conversation.models import Conversation, Message
from bot.conversation.rasa_client import RasaClient, RasaUnavailable
from bot.conversation.transcript import of_sender, outgoing
from bot.conversation.typed_buttons import tapped
from bot.core.buttons import payload
from bot.core.privacy import mask
from bot.core.vntime import utcnow
from channels.messages import Button, InboundMessage, OutboundMessage

log = logging.getLogger(__name__)

_HAS_WORD = re.compile(r"\w", re.UNICODE)
LAST_REPLY_MESSAGES = 6   # a reply is a few messages (a card, a list, a question)


@dataclass(frozen=True)
class Recorded:
    """A stored incoming message: where it lives, which Rasa tracker answers it, and who owned the
    conversation when it was stored (read in the same transaction: one database trip fewer)."""

    conversation_id: int
    message_id: int
    rasa_sender: str
    owner: str = "bot"


@dataclass(frozen=True)
class Handled:
    """The replies to a message, and whether it was a repeat of one already handled."""

    replies: list[OutboundMessage]
    duplicate: bool = False


CANCEL_HANDOFF = "/cancel_handoff"


class PersonDesk(Protocol):
    """Where a person takes a conversation over from the bot: what the spine asks of it. The app
    passes in the capability that does this (it sits above the spine, which never imports it)."""

    async def citizen_wrote(self, conversation_id: int) -> list[OutboundMessage]:
        """A message or file was stored while a person owns the conversation: what to answer now."""
        ...

    async def cancel_waiting(self, conversation_id: int) -> bool:
        """The citizen stops waiting for a person: True when the bot has the conversation back."""
        ...

    async def ask_for_person(self, conversation_id: int, reason: str,
                             summary: dict[str, Any]) -> tuple[list[OutboundMessage], bool]:
        """Hand the conversation to a person: what the citizen is told, and whether they now wait."""
        ...


class ConversationService:
    def __init__(self, sessions: sessionmaker, rasa: RasaClient, max_message_chars: int,
                 people: PersonDesk | None = None) -> None:
        self._sessions = sessions
        self._rasa = rasa
        self._max_chars = max_message_chars
        self._people = people

    async def handle(self, inbound: InboundMessage) -> Handled:
        """Record, then answer: for channels that reply in the same HTTP exchange (web, REST)."""
        recorded = await self.record(inbound)
        if recorded is None:
            # A client retrying after a lost answer gets the answer it missed, not silence.
            return Handled(await asyncio.to_thread(self._earlier_replies, inbound), duplicate=True)
        return Handled(await self.respond(recorded, inbound))

    async def record(self, inbound: InboundMessage) -> Recorded | None:
        """Store the message; None when the platform delivered it before (same message id)."""
        try:
            recorded = await asyncio.to_thread(self._store_inbound, inbound)
        except IntegrityError:  # the same delivery, stored a moment ago by a parallel request
            recorded = None
        if recorded is None:
            log.info("duplicate delivery %s/%s ignored", inbound.channel, inbound.platform_message_id)
        return recorded

    async def respond(self, recorded: Recorded, inbound: InboundMessage) -> list[OutboundMessage]:
        """Ask Rasa (or answer bad input directly) — unless a person owns the conversation, then
        the console gets it — store the replies and return them."""
        if self._person_owns(recorded):
            replies = await self._to_person(recorded, inbound)
        else:
            replies = await self._replies(inbound, recorded)
        try:
            await asyncio.to_thread(self._store_outbound, recorded.conversation_id, replies)
        except DBAPIError:   # the database went away after Rasa answered: still answer the citizen
            log.exception("replies to message %s not stored", recorded.message_id)
        return replies

    def _person_owns(self, recorded: Recorded) -> bool:
        return self._people is not None and recorded.owner != "bot"

    async def _to_person(self, recorded: Recorded, inbound: InboundMessage) -> list[OutboundMessage]:
        assert self._people is not None
        if inbound.text.strip() == CANCEL_HANDOFF and await self._people.cancel_waiting(recorded.conversation_id):
            return [texts.HANDOFF_CANCELLED]
        return await self._people.citizen_wrote(recorded.conversation_id)

    async def announce_upload(self, recorded: Recorded, channel: str, attachment_id: int) -> list[OutboundMessage]:
        """Tell the dialogue that a file was stored (``/document_uploaded{"attachment_id": N}``), so a
        document step can move on. Nothing is said when Rasa is unavailable or has nothing to add:
        the gateway's own "Em đã nhận…" has answered already."""
        if self._person_owns(recorded):  # the agent sees the file in the transcript
            return await self._people.citizen_wrote(recorded.conversation_id)  # type: ignore[union-attr]
        message = payload("document_uploaded", attachment_id=attachment_id)
        try:
            raw = await self._rasa.send(recorded.rasa_sender, message, {"channel": channel})
        except RasaUnavailable as exc:
            log.error("Rasa unavailable for %s: %s", mask(recorded.rasa_sender), exc)
            return []
        replies = [OutboundMessage.from_rasa(r) for r in raw]
        if replies:
            await asyncio.to_thread(self._store_outbound, recorded.conversation_id, replies)
        return replies

    async def _replies(self, inbound: InboundMessage, recorded: Recorded) -> list[OutboundMessage]:
        rasa_sender = recorded.rasa_sender
        text = inbound.text.strip()
        if not text:
            return [texts.EMPTY]
        if len(text) > self._max_chars:
            return [texts.too_long(self._max_chars)]
        if not _HAS_WORD.search(text):
            return [texts.NO_WORDS]
        if text == CANCEL_HANDOFF:  # an old "stop waiting" button, tapped after the wait ended
            return [texts.BOT_IS_HERE]
        if not text.startswith("/"):
            text = tapped(text, await asyncio.to_thread(self._last_offered, recorded)) or text
        metadata = {**inbound.metadata, "channel": inbound.channel}
        try:
            raw = await self._rasa.send(rasa_sender, text, metadata)
        except RasaUnavailable as exc:
            log.error("Rasa unavailable for %s: %s", mask(rasa_sender), exc)
            if self._people is not None and text.startswith("/request_human"):
                # The "Gặp nhân viên" button of the outage reply works without Rasa.
                messages, _ = await self._people.ask_for_person(
                    recorded.conversation_id, "asked", {"question": "", "note": "Trợ lý ảo đang gián đoạn"})
                return messages
            return [texts.RASA_DOWN]
        replies = [OutboundMessage.from_rasa(r) for r in raw]
        if not replies:
            # Rasa drops the events of a failed action and answers []: never leave a citizen
            # with silence.
            log.warning("Rasa returned no reply for %r", mask(text[:80]))
            return [texts.SILENT]
        return replies

    def _last_offered(self, recorded: Recorded) -> list[Button]:
        """The buttons of the bot's last reply before this message, if the citizen has not written
        since (then they answer something else)."""
        with self._sessions() as session:
            earlier = session.scalars(select(Message).where(
                Message.conversation_id == recorded.conversation_id, Message.id < recorded.message_id)
                .order_by(Message.id.desc()).limit(LAST_REPLY_MESSAGES)).all()
        for message in earlier:
            if message.direction == "in":
                return []
            buttons = (message.payload or {}).get("buttons") if message.author == "bot" else None
            if buttons:
                return [Button(**b) for b in buttons]
        return []

    def _store_inbound(self, inbound: InboundMessage) -> Recorded | None:
        with self._sessions() as session, session.begin():
            conversation = _conversation(session, inbound.channel, inbound.sender_id)
            if inbound.platform_message_id and session.scalar(
                select(Message.id).where(
                    Message.conversation_id == conversation.id,
                    Message.platform_message_id == inbound.platform_message_id)):
                return None
            conversation.last_message_at = utcnow()
            message = Message(conversation_id=conversation.id, direction="in", author="citizen",
                              text=inbound.text, platform_message_id=inbound.platform_message_id,
                              payload=inbound.metadata or None)
            session.add(message)
            session.flush()
            return Recorded(conversation.id, message.id, conversation.rasa_sender_id, conversation.owner or "bot")

    def _earlier_replies(self, inbound: InboundMessage) -> list[OutboundMessage]:
        """The bot's replies to an already stored message: those after it, up to the citizen's next
        message. Empty when they were never stored (the database failed in between)."""
        with self._sessions() as session:
            original = session.scalars(select(Message).join(Conversation).where(
                of_sender(inbound.channel, inbound.sender_id),
                Message.platform_message_id == inbound.platform_message_id)).first()
            if original is None:
                return []
            following = session.scalars(select(Message).where(
                Message.conversation_id == original.conversation_id, Message.id > original.id)
                .order_by(Message.id).limit(20)).all()
        replies = []
        for message in following:
            if message.direction == "in":
                break
            if message.author == "bot":
                replies.append(OutboundMessage(**(message.payload or {"text": message.text})))
        return replies

    def _store_outbound(self, conversation_id: int, replies: list[OutboundMessage]) -> None:
        with self._sessions() as session, session.begin():
            session.add_all(outgoing(conversation_id, reply, "bot") for reply in replies)


def _conversation(session: Session, channel: str, sender_id: str) -> Conversation:
    found = session.scalar(select(Conversation).where(of_sender(channel, sender_id)))
    if found:
        return found
    conversation = Conversation(channel=channel, sender_id=sender_id)
    try:
        with session.begin_nested():
            session.add(conversation)
    except IntegrityError:  # created at the same moment by a parallel request
        return session.scalars(select(Conversation).where(of_sender(channel, sender_id))).one()
    return conversation

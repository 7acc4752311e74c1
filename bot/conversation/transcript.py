"""The transcript: one conversation per citizen and channel, and every message in and out of it.
Bot replies and staff replies are written by the same function (``outgoing``), and every part that
starts from a ``channel`` + ``sender`` (or Rasa's ``channel:sender``) finds its conversation here."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.models import Conversation, Message
from bot.conversation.senders import split_sender
from channels.messages import OutboundMessage


def of_sender(channel: str, sender_id: str) -> ColumnElement[bool]:
    """The condition selecting the conversation of ``sender_id`` on ``channel``."""
    return (Conversation.channel == channel) & (Conversation.sender_id == sender_id)


def conversation_id(session: Session, channel: str, sender_id: str) -> int | None:
    """The id of the conversation with this sender, None when they never wrote to us."""
    return session.scalar(select(Conversation.id).where(of_sender(channel, sender_id)))


def conversation_id_of(sessions: sessionmaker, rasa_sender: str) -> int | None:
    """The conversation behind Rasa's tracker id ``channel:sender`` (what actions know)."""
    with sessions() as session:
        return conversation_id(session, *split_sender(rasa_sender))


def outgoing(conversation_id: int, message: OutboundMessage, author: str) -> Message:
    """The transcript line of a message to the citizen, by the bot (``"bot"``) or a staff member."""
    return Message(conversation_id=conversation_id, direction="out", author=author, text=message.text or "",
                   payload=message.model_dump(exclude_none=True))

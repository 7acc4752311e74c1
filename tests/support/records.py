"""Rows tests put straight into the gateway's database, where the real path (a platform's
download, the web upload) is not what the test is about."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.conversation.models import Attachment, Conversation
from bot.conversation.transcript import of_sender


def stored_attachment(sessions: sessionmaker, channel: str = "web", sender_id: str = "citizen-1",
                      filename: str = "anh.jpg") -> int:
    """A photo ``sender_id`` sent on ``channel`` (its conversation made if needed); returns its id."""
    with sessions() as session, session.begin():
        conversation = session.scalars(select(Conversation).where(of_sender(channel, sender_id))).first()
        if conversation is None:
            conversation = Conversation(channel=channel, sender_id=sender_id)
            session.add(conversation)
            session.flush()
        row = Attachment(conversation_id=conversation.id, filename=filename, content_type="image/jpeg",
                         size=10, sha256="0" * 64, storage_key="00/00")
        session.add(row)
        session.flush()
        return row.id

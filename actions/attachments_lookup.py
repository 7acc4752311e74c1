"""Read-only look-ups of the files a citizen sent in the conversation (``bot.conversation.models.Attachment``),
for the actions that collect a dossier's documents. Rasa's tracker id is ``channel:sender``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.conversation.models import Attachment, Conversation
from bot.conversation.senders import split_sender
from bot.conversation.transcript import of_sender


class AttachmentLookup:
    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    async def owned(self, rasa_sender: str, ids: Iterable[int]) -> list[int]:
        """Those of ``ids`` that were sent in this citizen's own conversation."""
        wanted = {int(i) for i in ids}
        if not wanted:
            return []
        return await asyncio.to_thread(self._owned, rasa_sender, wanted)

    async def newest_unused(self, rasa_sender: str, used: Iterable[int], after: int = 0) -> list[int]:
        """Attachments of the conversation with an id above ``after`` and not in ``used``, oldest
        first (a citizen may send two photos for one item)."""
        return await asyncio.to_thread(self._newest_unused, rasa_sender, {int(i) for i in used}, after)

    async def last_id(self, rasa_sender: str) -> int:
        """The newest attachment id of the conversation (0 when none): a watermark."""
        ids = await asyncio.to_thread(self._newest_unused, rasa_sender, set(), 0)
        return ids[-1] if ids else 0

    def _query(self, rasa_sender: str):  # type: ignore[no-untyped-def]
        return (select(Attachment.id).join(Conversation, Attachment.conversation_id == Conversation.id)
                .where(of_sender(*split_sender(rasa_sender))))

    def _owned(self, rasa_sender: str, wanted: set[int]) -> list[int]:
        with self._sessions() as session:
            found = session.scalars(self._query(rasa_sender).where(Attachment.id.in_(wanted))).all()
        return sorted(found)

    def _newest_unused(self, rasa_sender: str, used: set[int], after: int) -> list[int]:
        with self._sessions() as session:
            found = session.scalars(self._query(rasa_sender).where(Attachment.id > after)
                                    .order_by(Attachment.id)).all()
        return [i for i in found if i not in used]

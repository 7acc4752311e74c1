"""Drafts of dossiers being filled in the chat: what the citizen entered before cancelling (or
before the document step), kept so the work is not lost.

Where a store hooks in: ``build_actions(kb, drafts=...)`` hands the store to
``ActionCancelSubmission`` (saves on "hủy") and ``ActionSubmissionCollected`` (saves the complete
form before the document step). The in-memory store is the default; a database store only has to
implement ``DraftStore``. The same values are also exposed in the ``submission_draft`` slot.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

APPLICANT_KEYS = ("full_name", "cccd", "birth_date", "phone", "email", "address")


@dataclass(frozen=True)
class FormDraft:
    """What one citizen entered for one procedure. Personal data: never log it unmasked."""

    sender_id: str
    procedure_id: str
    applicant: dict[str, str]
    fields: dict[str, str]
    complete: bool = False
    updated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    # The document step's progress (``submission_documents`` slot), None before it began.
    documents: dict[str, object] | None = None

    def as_slot(self) -> dict[str, object]:
        """The JSON-friendly form kept in the ``submission_draft`` slot."""
        return {"procedure_id": self.procedure_id, "applicant": dict(self.applicant),
                "fields": dict(self.fields), "complete": self.complete, "documents": self.documents}

    @property
    def is_empty(self) -> bool:
        return not any(self.applicant.values()) and not any(self.fields.values())


class DraftStore(Protocol):
    """Keeps the latest draft of each conversation (sender)."""

    async def save(self, draft: FormDraft) -> None: ...

    async def load(self, sender_id: str) -> FormDraft | None: ...

    async def discard(self, sender_id: str) -> None: ...


class InMemoryDraftStore:
    """Default store: one draft per sender, lost on restart (enough for development and tests)."""

    def __init__(self) -> None:
        self._drafts: dict[str, FormDraft] = {}
        self._lock = asyncio.Lock()

    async def save(self, draft: FormDraft) -> None:
        async with self._lock:
            self._drafts[draft.sender_id] = draft

    async def load(self, sender_id: str) -> FormDraft | None:
        async with self._lock:
            return self._drafts.get(sender_id)

    async def discard(self, sender_id: str) -> None:
        async with self._lock:
            self._drafts.pop(sender_id, None)

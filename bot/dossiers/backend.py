"""The interface every dossier store implements: the embedded registry (own tables) and the HTTP
adapter for a province's one-stop system (contract in docs/one-stop-backend.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from bot.dossiers.status import DossierStatus


@dataclass(frozen=True)
class Applicant:
    """The person filing (người nộp hồ sơ). Personal data: never logged unmasked."""

    full_name: str
    cccd: str
    birth_date: dt.date
    phone: str
    address: str
    email: str | None = None


@dataclass(frozen=True)
class SubmittedDocument:
    """One checklist item of the procedure and the attachments that satisfy it."""

    name: str
    attachment_ids: list[int]


@dataclass(frozen=True)
class DossierDraft:
    """Everything collected in the chat, ready to file."""

    procedure_id: str
    applicant: Applicant
    fields: dict[str, str]
    documents: list[SubmittedDocument]
    channel: str
    sender_id: str


@dataclass(frozen=True)
class StatusEvent:
    status: DossierStatus
    at: dt.datetime
    note: str = ""
    actor: str = ""


@dataclass(frozen=True)
class DossierView:
    """What the backend knows of a filed dossier."""

    code: str
    procedure_id: str
    status: DossierStatus
    submitted_at: dt.datetime
    due_date: dt.date | None
    fee_due_vnd: int
    channel: str
    sender_id: str
    phone_last4: str
    cccd_last4: str
    history: list[StatusEvent] = field(default_factory=list)
    # The fee computed at filing from the catalog and the answers (None: staff set it, status 6)
    # and why ("Phí cấp bản sao trích lục hộ tịch: 8.000 đ × 3 bản = 24.000 đ"), one line per charge.
    fee_assessed_vnd: int | None = None
    fee_explanation: str = ""


class DossierBackend(Protocol):
    async def file(self, draft: DossierDraft) -> DossierView:
        """File a dossier; returns it with its new code (status NEW)."""
        ...

    async def get(self, code: str) -> DossierView | None: ...

    async def change_status(self, code: str, status: DossierStatus, note: str,
                            actor: str, admin_override: bool = False,
                            fee_due_vnd: int | None = None) -> DossierView:
        """Move a dossier to ``status`` (with a note: the missing document, the fee…);
        ``fee_due_vnd`` sets the amount to pay when staff ask for the fee (FEE_DUE)."""
        ...

    async def add_documents(self, code: str, documents: list[SubmittedDocument]) -> DossierView:
        """Attach supplementary documents (after a SUPPLEMENT request)."""
        ...

    async def record_payment(self, code: str, order_id: str, amount_vnd: int, note: str,
                             actor: str) -> DossierView:
        """Take note of a fee paid online: the amount due goes down; a dossier waiting for its fee
        (FEE_DUE) goes back to processing. Idempotent per ``order_id``."""
        ...

    async def list(self, status: DossierStatus | None = None, procedure_id: str | None = None,
                   limit: int = 100, offset: int = 0, channel: str | None = None,
                   sender_id: str | None = None) -> list[DossierView]:
        """Newest first; ``channel`` + ``sender_id`` select one citizen's own dossiers."""
        ...

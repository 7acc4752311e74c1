"""Read-only queries for the staff pages on the embedded registry's tables: the applicant's full
details, the files of a dossier, and one attachment. With another backend (one-stop system) they
find nothing and the pages show what the ``DossierView`` carries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.conversation.models import Attachment
from bot.dossiers.codes import normalise_code
from bot.dossiers.models import DossierDocumentRecord, DossierRecord


@dataclass(frozen=True)
class ApplicantDetails:
    """Personal data: shown masked unless the role may see it in full."""

    full_name: str
    cccd: str
    phone: str
    birth_date: dt.date
    address: str
    email: str | None
    answers: dict[str, Any] = field(default_factory=dict)   # the procedure's own fields, by name


@dataclass(frozen=True)
class DocumentFile:
    """One file filed for a checklist item."""

    name: str
    attachment_id: int
    filename: str
    content_type: str
    size: int
    supplement: bool


@dataclass(frozen=True)
class AttachmentFile:
    id: int
    filename: str
    content_type: str
    storage_key: str
    dossier_codes: list[str]   # the dossiers it was filed in
    conversation_id: int       # the conversation it was sent in (its handoffs decide who reads it)


def _code(code: str) -> str:
    return normalise_code(code) or code


def applicant(sessions: sessionmaker, code: str) -> ApplicantDetails | None:
    with sessions() as session:
        record = session.scalars(select(DossierRecord).where(DossierRecord.code == _code(code))).first()
        if record is None:
            return None
        return ApplicantDetails(record.applicant_name, record.applicant_cccd, record.applicant_phone,
                                record.applicant_birth_date, record.applicant_address, record.applicant_email,
                                dict(record.fields or {}))


def applicant_names(sessions: sessionmaker, codes: list[str]) -> dict[str, str]:
    """Applicant names of several dossiers (the list page), by code."""
    if not codes:
        return {}
    with sessions() as session:
        rows = session.execute(select(DossierRecord.code, DossierRecord.applicant_name)
                               .where(DossierRecord.code.in_(codes))).all()
        return {row.code: row.applicant_name for row in rows}


def documents(sessions: sessionmaker, code: str) -> list[DocumentFile]:
    """The files of a dossier, in the order they were filed."""
    with sessions() as session:
        rows = session.execute(
            select(DossierDocumentRecord, Attachment)
            .join(DossierRecord, DossierDocumentRecord.dossier_id == DossierRecord.id)
            .join(Attachment, DossierDocumentRecord.attachment_id == Attachment.id)
            .where(DossierRecord.code == _code(code)).order_by(DossierDocumentRecord.id)).all()
        return [DocumentFile(doc.name, att.id, att.filename, att.content_type, att.size, doc.supplement)
                for doc, att in rows]


def attachment_file(sessions: sessionmaker, attachment_id: int) -> AttachmentFile | None:
    """An attachment, the dossiers it was filed in and its conversation: what decides who may
    download it, and what the audit log names."""
    with sessions() as session:
        row = session.get(Attachment, attachment_id)
        if row is None:
            return None
        codes = session.scalars(
            select(DossierRecord.code).join(DossierDocumentRecord, DossierDocumentRecord.dossier_id == DossierRecord.id)
            .where(DossierDocumentRecord.attachment_id == attachment_id).distinct()).all()
        return AttachmentFile(row.id, row.filename, row.content_type, row.storage_key, list(codes),
                              row.conversation_id)

"""The embedded dossier registry: the ``DossierBackend`` on the gateway's own database."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.models import Attachment, Conversation
from bot.core.calendar import WorkingCalendar, default_calendar
from bot.core.vntime import aware, utcnow
from bot.dossiers.backend import DossierDraft, DossierView, StatusEvent, SubmittedDocument
from bot.dossiers.codes import new_code, normalise_code
from bot.dossiers.errors import DossierNotFound, InvalidDraft, UnknownProcedure
from bot.dossiers.fees import assess_fee
from bot.dossiers.models import (
    DossierDocumentRecord,
    DossierPaymentRecord,
    DossierRecord,
    DossierStatusRecord,
)
from bot.dossiers.status import DossierStatus
from bot.dossiers.transitions import check_accepts_documents, check_transition, step_note
from knowledge_base.service import KnowledgeBase

Listener = Callable[[DossierView], Awaitable[None]]
CODE_ATTEMPTS = 5
log = logging.getLogger(__name__)


def last4(value: str) -> str:
    """The last 4 digits of a phone number or căn cước."""
    return re.sub(r"\D", "", value)[-4:]


def to_view(record: DossierRecord) -> DossierView:
    return DossierView(
        code=record.code, procedure_id=record.procedure_id, status=DossierStatus(record.status),
        submitted_at=aware(record.submitted_at), due_date=record.due_date, fee_due_vnd=record.fee_due_vnd,
        channel=record.channel, sender_id=record.sender_id, phone_last4=last4(record.applicant_phone),
        cccd_last4=last4(record.applicant_cccd), fee_assessed_vnd=record.fee_assessed_vnd,
        fee_explanation=record.fee_explanation or "",
        history=[StatusEvent(DossierStatus(h.status), aware(h.at), h.note, h.actor) for h in record.history])


class EmbeddedRegistry:
    """Dossiers in the gateway's database. ``on_status_change`` is awaited after filing and after
    every status change (notifications); its errors are logged, never undo the change."""

    def __init__(self, sessions: sessionmaker, kb: KnowledgeBase, on_status_change: Listener | None = None,
                 calendar: WorkingCalendar | None = None) -> None:
        self.sessions = sessions
        self.kb = kb
        self.on_status_change = on_status_change
        self.calendar = calendar or default_calendar()

    # ---- DossierBackend --------------------------------------------------------------------------
    async def file(self, draft: DossierDraft) -> DossierView:
        """File a dossier; returns it with its new code (status NEW)."""
        view = await asyncio.to_thread(self._file, draft)
        await self._notify(view)
        return view

    async def get(self, code: str) -> DossierView | None:
        return await asyncio.to_thread(self._get, code)

    async def change_status(self, code: str, status: DossierStatus, note: str, actor: str,
                            admin_override: bool = False, fee_due_vnd: int | None = None) -> DossierView:
        """Move a dossier to ``status``; ``admin_override`` allows any change (corrections);
        ``fee_due_vnd`` sets the amount to pay (with FEE_DUE)."""
        view = await asyncio.to_thread(self._change_status, code, DossierStatus(status), note, actor, admin_override,
                                       fee_due_vnd)
        await self._notify(view)
        return view

    async def add_documents(self, code: str, documents: list[SubmittedDocument]) -> DossierView:
        """Attach supplementary documents (after a SUPPLEMENT request)."""
        return await asyncio.to_thread(self._add_documents, code, documents)

    async def record_payment(self, code: str, order_id: str, amount_vnd: int, note: str,
                             actor: str) -> DossierView:
        """Take note of a fee paid online (idempotent per ``order_id``)."""
        view, status_changed = await asyncio.to_thread(self._record_payment, code, order_id, amount_vnd,
                                                       note, actor)
        if status_changed:
            await self._notify(view)
        return view

    async def list(self, status: DossierStatus | None = None, procedure_id: str | None = None,
                   limit: int = 100, offset: int = 0, channel: str | None = None,
                   sender_id: str | None = None) -> list[DossierView]:
        return await asyncio.to_thread(self._list, status, procedure_id, limit, offset, channel, sender_id)

    # ---- database work (threads) -----------------------------------------------------------------
    def _file(self, draft: DossierDraft) -> DossierView:
        procedure = self.kb.procedure(draft.procedure_id)
        if procedure is None:
            raise UnknownProcedure(draft.procedure_id)
        missing = [f.label for f in procedure.fields_for(draft.fields)
                   if f.required and not str(draft.fields.get(f.name, "")).strip()]
        if missing:
            raise InvalidDraft("Hồ sơ còn thiếu: " + ", ".join(missing) + ".")
        now = utcnow()
        working_days = procedure.processing_time.working_days
        due = self.calendar.add_working_days(now, working_days) if working_days is not None else None
        applicant = draft.applicant
        fee = assess_fee(procedure, draft.fields)
        for _attempt in range(CODE_ATTEMPTS):
            with self.sessions() as session:
                self._check_attachments(session, draft.channel, draft.sender_id, draft.documents)
                record = DossierRecord(
                    code=new_code(), procedure_id=procedure.id, applicant_name=applicant.full_name,
                    applicant_cccd=applicant.cccd, applicant_birth_date=applicant.birth_date,
                    applicant_phone=applicant.phone, applicant_address=applicant.address,
                    applicant_email=applicant.email, fields=dict(draft.fields), channel=draft.channel,
                    sender_id=draft.sender_id, status=int(DossierStatus.NEW), submitted_at=now, due_date=due,
                    fee_due_vnd=fee.amount_vnd or 0, fee_assessed_vnd=fee.amount_vnd,
                    fee_explanation=fee.explanation, updated_at=now)
                record.history.append(DossierStatusRecord(status=int(DossierStatus.NEW), at=now,
                                                          note="Nộp trực tuyến qua trợ lý ảo", actor="citizen"))
                record.documents.extend(_document_rows(draft.documents, supplement=False))
                session.add(record)
                try:
                    session.commit()
                except IntegrityError:  # a code collision (about 1 in 10⁹ per dossier): draw again
                    session.rollback()
                    continue
                return to_view(record)
        raise RuntimeError("could not draw a unique dossier code")

    def _get(self, code: str) -> DossierView | None:
        with self.sessions() as session:
            record = _find(session, code)
            return to_view(record) if record else None

    def _change_status(self, code: str, status: DossierStatus, note: str, actor: str,
                       admin_override: bool, fee_due_vnd: int | None = None) -> DossierView:
        with self.sessions() as session:
            record = _require(session, code)
            steps = check_transition(record.code, DossierStatus(record.status), status, admin_override)
            now = utcnow()
            record.status = int(status)
            record.updated_at = now
            if fee_due_vnd is not None:
                record.fee_due_vnd = fee_due_vnd
            if admin_override:
                note = f"[quản trị viên sửa] {note}".strip()
            # A jump to a later status records the routine steps it passes through (same moment,
            # same officer), so the history stays one the national model accepts.
            for step in steps[:-1]:
                record.history.append(DossierStatusRecord(status=int(step), at=now, note=step_note(status),
                                                          actor=actor))
            record.history.append(DossierStatusRecord(status=int(status), at=now, note=note, actor=actor))
            session.commit()
            return to_view(record)

    def _add_documents(self, code: str, documents: list[SubmittedDocument]) -> DossierView:
        if not documents or not any(d.attachment_ids for d in documents):
            raise InvalidDraft("Chưa có giấy tờ nào để bổ sung.")
        with self.sessions() as session:
            record = _require(session, code)
            check_accepts_documents(record.code, DossierStatus(record.status))
            self._check_attachments(session, record.channel, record.sender_id, documents)
            record.documents.extend(_document_rows(documents, supplement=True))
            record.updated_at = utcnow()
            session.commit()
            return to_view(record)

    def _record_payment(self, code: str, order_id: str, amount_vnd: int, note: str,
                        actor: str) -> tuple[DossierView, bool]:
        with self.sessions() as session:
            record = _require(session, code)
            if session.scalar(select(DossierPaymentRecord.id).where(DossierPaymentRecord.order_id == order_id)):
                return to_view(record), False
            now = utcnow()
            record.fee_due_vnd = max(0, record.fee_due_vnd - amount_vnd)
            previous = status = DossierStatus(record.status)
            if status is DossierStatus.FEE_DUE and record.fee_due_vnd == 0:
                status = DossierStatus.PROCESSING
            record.status = int(status)
            record.updated_at = now
            record.history.append(DossierStatusRecord(status=int(status), at=now, note=note, actor=actor))
            session.add(DossierPaymentRecord(dossier_id=record.id, order_id=order_id, amount_vnd=amount_vnd, at=now))
            try:
                session.commit()
            except IntegrityError:  # the same order applied at the same moment by another worker
                session.rollback()
                return to_view(_require(session, code)), False
            return to_view(record), status is not previous

    def _list(self, status: DossierStatus | None, procedure_id: str | None, limit: int,
              offset: int, channel: str | None = None, sender_id: str | None = None) -> list[DossierView]:
        query = select(DossierRecord).order_by(DossierRecord.submitted_at.desc(), DossierRecord.id.desc())
        if status is not None:
            query = query.where(DossierRecord.status == int(status))
        if procedure_id is not None:
            query = query.where(DossierRecord.procedure_id == procedure_id)
        if channel is not None and sender_id is not None:
            query = query.where(DossierRecord.channel == channel, DossierRecord.sender_id == sender_id)
        with self.sessions() as session:
            records = session.scalars(query.limit(max(0, min(limit, 1000))).offset(max(0, offset))).all()
            return [to_view(r) for r in records]

    @staticmethod
    def _check_attachments(session: Session, channel: str, sender_id: str,
                           documents: list[SubmittedDocument]) -> None:
        """Every attachment must exist and come from the citizen's own conversation."""
        ids = {i for d in documents for i in d.attachment_ids}
        if not ids:
            return
        rows = session.execute(
            select(Attachment.id, Conversation.channel, Conversation.sender_id)
            .join(Conversation, Attachment.conversation_id == Conversation.id)
            .where(Attachment.id.in_(ids))).all()
        own = {row.id for row in rows if (row.channel, row.sender_id) == (channel, sender_id)}
        if own != ids:
            raise InvalidDraft("Không tìm thấy tệp đính kèm bạn đã gửi (mã "
                               + ", ".join(str(i) for i in sorted(ids - own)) + ").")

    async def _notify(self, view: DossierView) -> None:
        if self.on_status_change is None:
            return
        try:
            await self.on_status_change(view)
        except Exception:
            log.exception("dossier listener failed for %s (status %s)", view.code, view.status.name)


def _document_rows(documents: list[SubmittedDocument], supplement: bool) -> list[DossierDocumentRecord]:
    return [DossierDocumentRecord(name=d.name, attachment_id=i, supplement=supplement)
            for d in documents for i in d.attachment_ids]


def _find(session: Session, code: str) -> DossierRecord | None:
    canonical = normalise_code(code)
    if canonical is None:
        return None
    return session.scalars(select(DossierRecord).where(DossierRecord.code == canonical)).first()


def _require(session: Session, code: str) -> DossierRecord:
    record = _find(session, code)
    if record is None:
        raise DossierNotFound(code)
    return record

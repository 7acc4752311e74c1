"""Staff pages of dossiers: the dossier list and a dossier's details, status changes and attachment
downloads. Every page needs a staff session; every form carries a CSRF token; everything that
touches personal data is written to the audit log."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.auth.models import AuditEntry
from bot.auth.pages import Audit, error_page, render
from bot.auth.service import Staff
from bot.auth.web import (
    FORBIDDEN_MESSAGE,
    StaffHTTPError,
    make_route_class,
    require_csrf,
    require_staff,
)
from bot.catalog.deps import Knowledge
from bot.conversation.attachments import LocalFileStore
from bot.core.deps import AppSettings, Sessions
from bot.core.http import content_disposition
from bot.core.params import MAX_PAGE, whole_number
from bot.core.vntime import vn_date
from bot.dossiers import staff_reads, staff_view
from bot.dossiers.backend import DossierBackend, DossierView
from bot.dossiers.codes import normalise_code
from bot.dossiers.deps import DossierOrders, DossierPayments, Dossiers
from bot.dossiers.errors import DossierError, DossierNotFound
from bot.dossiers.notices import NEXT_STEP
from bot.dossiers.status import DossierStatus
from bot.handoff.deps import Handoffs
from bot.handoff.service import HandoffService
from knowledge_base.service import KnowledgeBase

PAGE_SIZE = 20
FULL_PERSONAL_DATA = staff_view.FULL_PERSONAL_DATA  # may reveal căn cước and phone in full
CHANGE_STATUS = ("hotline", "supervisor", "admin")   # volunteers only read dossiers
NOTE_REQUIRED = {DossierStatus.SUPPLEMENT, DossierStatus.REJECTED, DossierStatus.STOPPED, DossierStatus.FEE_DUE}
NOTE_HINTS = {
    DossierStatus.SUPPLEMENT: "tên giấy tờ còn thiếu",
    DossierStatus.REJECTED: "lý do không tiếp nhận",
    DossierStatus.STOPPED: "lý do dừng xử lý",
    DossierStatus.FEE_DUE: "khoản phí, lệ phí phải nộp",
}
INTERNAL_NOTE = "dossier.internal_note"   # audit action: a note only staff read


def mask(last4: str) -> str:
    """A masked căn cước or phone number: only the last 4 digits."""
    return "••••••" + last4 if last4 else "—"


router = APIRouter(prefix="/staff", route_class=make_route_class(error_page), include_in_schema=False)


# ---- dossiers ------------------------------------------------------------------------------------
def _procedure_title(kb: KnowledgeBase, procedure_id: str) -> str:
    procedure = kb.procedure(procedure_id)
    return procedure.title if procedure else procedure_id


def _parse_fee(value: str) -> tuple[int | None, str]:
    """The amount staff ask for with FEE_DUE, typed as 135000 or 135.000; empty keeps the
    dossier's amount."""
    digits = value.strip().replace(".", "").replace(",", "").replace(" ", "")
    if not digits:
        return None, ""
    amount = whole_number(digits, 1_000_000_000)
    if not amount:
        return None, "Số tiền phải là số đồng, lớn hơn 0 (ví dụ 135000)."
    return amount, ""


def _parse_status(value: str) -> DossierStatus | None:
    try:
        return DossierStatus(int(value))
    except ValueError:
        return None


@router.get("/dossiers")
async def dossier_list(request: Request, kb: Knowledge, backend: Dossiers, sessions: Sessions,
                       status: str = "", procedure: str = "", q: str = "", page: str = "1",
                       staff: Staff = Depends(require_staff())) -> Response:  # noqa: B008
    chosen = _parse_status(status) if status else None
    procedure_id = procedure if procedure and kb.procedure(procedure) else None
    number = max(1, whole_number(page, MAX_PAGE) or 1)
    error = ""
    views: list[DossierView] = []
    try:
        if q.strip():
            found = await backend.get(q.strip())
            views = [v for v in [found] if v and (chosen is None or v.status == chosen)
                     and (procedure_id is None or v.procedure_id == procedure_id)]
        else:
            views = await backend.list(status=chosen, procedure_id=procedure_id, limit=PAGE_SIZE + 1,
                                       offset=(number - 1) * PAGE_SIZE)
    except DossierError as failure:
        error = str(failure)
    has_next = len(views) > PAGE_SIZE
    views = views[:PAGE_SIZE]
    names = await asyncio.to_thread(staff_reads.applicant_names, sessions, [v.code for v in views])
    filters = {"status": status, "procedure": procedure_id or "", "q": q.strip()}
    query = {k: v for k, v in filters.items() if v}
    procedures = sorted(((p.id, p.title) for p in kb.procedures), key=lambda item: item[1])
    rows = [{"view": v, "title": _procedure_title(kb, v.procedure_id), "name": names.get(v.code, "")}
            for v in views]
    return render(request, "staff_dossiers.html", {
        "rows": rows, "filters": filters, "statuses": list(DossierStatus), "procedures": procedures,
        "page": number, "error": error,
        "prev_url": f"?{urlencode({**query, 'page': number - 1})}" if number > 1 else "",
        "next_url": f"?{urlencode({**query, 'page': number + 1})}" if has_next else "",
    })


async def _detail(request: Request, staff: Staff, code: str, *, backend: DossierBackend, orders: DossierPayments,
                  sessions: sessionmaker, kb: KnowledgeBase, reveal: bool = False, error: str = "",
                  form: dict[str, str] | None = None, updated: bool = False, status_code: int = 200) -> Response:
    view = await backend.get(code)
    if view is None:
        raise StaffHTTPError(404, f"Không tìm thấy hồ sơ {code}.")
    details = await asyncio.to_thread(staff_reads.applicant, sessions, view.code)
    files = await asyncio.to_thread(staff_reads.documents, sessions, view.code)
    payments = await orders.for_dossier(view.code)
    full = reveal and staff.role in FULL_PERSONAL_DATA and details is not None
    procedure = kb.procedure(view.procedure_id)
    applicant = {
        "name": details.full_name if details else "—",
        "cccd": details.cccd if full and details else mask(view.cccd_last4),
        "phone": details.phone if full and details else mask(view.phone_last4),
        "birth_date": (vn_date(details.birth_date) if full else staff_view.mask_date(details.birth_date))
        if details else "—",
        "email": (details.email or "—" if full else staff_view.mask_email(details.email)) if details else "—",
        "address": (details.address if full else staff_view.mask_address(details.address)) if details else "—",
    }
    return render(request, "staff_dossier.html", {
        "view": view, "title": _procedure_title(kb, view.procedure_id), "details": details,
        "applicant": applicant, "cccd": applicant["cccd"], "phone": applicant["phone"],
        "answers": staff_view.answers(procedure, details.answers, full) if details else [],
        "revealed": full, "can_reveal": staff.role in FULL_PERSONAL_DATA and details is not None,
        "files": files, "can_open_files": staff_view.may_open_dossier_files(staff.role),
        "payments": payments,
        "choices": staff_view.status_choices(view.status, staff.role == "admin"),
        "citizen_reads": NEXT_STEP,
        "note_hints": {s.label: h for s, h in NOTE_HINTS.items()},
        "can_change": staff.role in CHANGE_STATUS, "is_admin": staff.role == "admin",
        "internal_notes": await asyncio.to_thread(_internal_notes, sessions, view.code),
        "error": error, "form": form or {}, "updated": updated,
    }, status_code)


@router.get("/dossiers/{code}")
async def dossier_detail(request: Request, code: str, backend: Dossiers, orders: DossierOrders, sessions: Sessions,
                         kb: Knowledge, audit: Audit, reveal: str = "", updated: str = "",
                         staff: Staff = Depends(require_staff())) -> Response:  # noqa: B008
    response = await _detail(request, staff, code, backend=backend, orders=orders, sessions=sessions, kb=kb,
                             reveal=bool(reveal), updated=bool(updated))
    action = "dossier.reveal" if reveal and staff.role in FULL_PERSONAL_DATA else "dossier.view"
    await audit(staff, action, normalise_code(code) or code)
    return response


def _internal_notes(sessions: Any, code: str) -> list[AuditEntry]:
    """Staff-only notes of a dossier, newest first (kept in the audit log: never sent to the citizen)."""
    with sessions() as session:
        return list(session.scalars(select(AuditEntry).where(
            AuditEntry.action == INTERNAL_NOTE, AuditEntry.target == code).order_by(AuditEntry.id.desc())))


@router.post("/dossiers/{code}/status")
async def change_status(request: Request, code: str, backend: Dossiers, orders: DossierOrders, sessions: Sessions,
                        kb: Knowledge, audit: Audit, staff: Staff = Depends(require_csrf)) -> Response:  # noqa: B008
    if staff.role not in CHANGE_STATUS:
        raise StaffHTTPError(403, FORBIDDEN_MESSAGE)
    form = await request.form()
    values = {k: str(form.get(k, "")) for k in ("status", "note", "override", "fee", "internal_note")}
    note = values["note"].strip()
    internal = values["internal_note"].strip()
    override = bool(values["override"])
    if override and staff.role != "admin":
        raise StaffHTTPError(403, "Chỉ quản trị viên mới được sửa trạng thái ngoài quy trình.")
    status = _parse_status(values["status"])
    error = ""
    if len(internal) > 2000:
        error = "Ghi chú nội bộ dài quá 2000 ký tự."
    elif status is None and internal and not note and not values["fee"].strip():
        view = await backend.get(code)   # an internal note alone: no status change
        if view is None:
            raise StaffHTTPError(404, f"Không tìm thấy hồ sơ {code}.")
        await audit(staff, INTERNAL_NOTE, view.code, internal)
        return RedirectResponse(f"/staff/dossiers/{quote(view.code)}?updated=1", status_code=303)
    elif status is None:
        error = "Vui lòng chọn trạng thái mới."
    elif status in NOTE_REQUIRED and not note:
        error = f"Trạng thái «{status.label}» cần ghi chú: {NOTE_HINTS[status]}."
    elif len(note) > 2000:
        error = "Ghi chú dài quá 2000 ký tự."
    fee, fee_error = _parse_fee(values["fee"])
    if not error and fee_error:
        error = fee_error
    elif not error and fee is not None and status is not DossierStatus.FEE_DUE:
        error = "Số tiền chỉ nhập khi yêu cầu thực hiện nghĩa vụ tài chính."
    if error:
        return await _detail(request, staff, code, backend=backend, orders=orders, sessions=sessions, kb=kb,
                             error=error, form=values, status_code=400)
    assert status is not None
    try:
        view = await backend.change_status(code, status, note, actor=staff.username,
                                           admin_override=override, fee_due_vnd=fee)
    except DossierNotFound as failure:
        raise StaffHTTPError(404, str(failure)) from None
    except DossierError as failure:
        await audit(staff, "dossier.status.refused", code, f"{int(status)} {status.name}: {failure}")
        return await _detail(request, staff, code, backend=backend, orders=orders, sessions=sessions, kb=kb,
                             error=str(failure), form=values, status_code=409)
    await audit(staff, "dossier.status", view.code,
                 f"{int(status)} {status.name}{' (override)' if override else ''}"
                 f"{f' fee={fee}' if fee is not None else ''}: {note}")
    if internal:
        await audit(staff, INTERNAL_NOTE, view.code, internal)
    return RedirectResponse(f"/staff/dossiers/{quote(view.code)}?updated=1", status_code=303)


# ---- attachments ---------------------------------------------------------------------------------
def _may_download(handoff: HandoffService, staff: Staff, found: staff_reads.AttachmentFile) -> bool:
    """A file goes to whoever may read where it is: a dossier it was filed in (the dossier page's
    rule), or a handoff of the conversation it was sent in (the console's rule: the agent who
    handles it, the team's queue, supervisors). Knowing its id is not enough."""
    if found.dossier_codes and staff_view.may_open_dossier_files(staff.role):
        return True
    return bool(handoff.may_read_conversation(found.conversation_id, staff))


@router.get("/attachments/{attachment_id}")
async def download(attachment_id: str, sessions: Sessions, settings: AppSettings, handoff: Handoffs, audit: Audit,
                   staff: Staff = Depends(require_staff())) -> Response:  # noqa: B008
    """Every try is audited; a file the staff member may not read answers 404 like a missing one."""
    number = whole_number(attachment_id)
    found = (await asyncio.to_thread(staff_reads.attachment_file, sessions, number)
             if number else None)
    if found is None or not await asyncio.to_thread(_may_download, handoff, staff, found):
        await audit(staff, "attachment.refused", f"attachment:{attachment_id[:100]}")
        raise StaffHTTPError(404, "Không tìm thấy tệp đính kèm.")
    store = LocalFileStore(settings.attachments_dir)
    try:
        data = await asyncio.to_thread(store.get, found.storage_key)
    except (KeyError, OSError):
        raise StaffHTTPError(404, "Tệp đính kèm không còn trong kho lưu trữ.") from None
    await audit(staff, "attachment.download", f"attachment:{found.id}", ", ".join(found.dossier_codes))
    return Response(data, media_type=found.content_type,
                    headers={"Content-Disposition": content_disposition(found.filename)})

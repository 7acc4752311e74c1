"""Staff pages that keep the FAQ and the procedures: lists, edit forms with "try it", the review
queue, history with diffs and rollback, CSV/Excel import and export. The rules live in
``bot.catalog.service``; these pages render them, check CSRF and write the audit log."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData, UploadFile

from bot.auth.pages import Audit, error_page, render
from bot.auth.service import Staff
from bot.auth.web import StaffHTTPError, make_route_class, require_csrf, require_staff
from bot.catalog.deps import Catalog, Knowledge
from bot.catalog.diff import FieldChange
from bot.catalog.flat import (
    COLUMNS,
    HINTS,
    LABELS,
    MULTILINE,
    Kind,
    Record,
    flatten,
    from_form,
    read_upload,
    to_csv,
    to_xlsx,
)
from bot.catalog.flat import column_of as error_column
from bot.catalog.flat import describe as describe_error
from bot.catalog.models import STATE_LABELS
from bot.catalog.preview import TryResult, try_question
from bot.catalog.service import APPROVERS, CatalogError, CatalogService, InvalidRecord, VersionView
from bot.core.http import content_disposition
from bot.core.params import RowId, whole_number
from knowledge_base.loaders import CatalogImportError
from knowledge_base.schema import Level
from knowledge_base.service import KnowledgeBase

router = APIRouter(prefix="/staff", route_class=make_route_class(error_page), include_in_schema=False)

SECTIONS: dict[Kind, str] = {"faq": "faqs", "procedure": "procedures"}
KIND_NAMES: dict[Kind, str] = {"faq": "câu hỏi", "procedure": "thủ tục"}
MAX_IMPORT_BYTES = 5 * 1024 * 1024
LEVELS = list(Level.__args__)  # type: ignore[attr-defined]
NOTICES = {
    "saved": "Đã lưu bản nháp.",
    "submitted": "Đã gửi bản nháp cho người duyệt.",
    "rebased": "Đã cập nhật bản nháp theo phiên bản đang dùng; hãy kiểm tra rồi gửi duyệt lại.",
    "approved": "Đã duyệt và xuất bản: trợ lý ảo dùng nội dung mới ngay từ bây giờ.",
    "returned": "Đã trả lại bản nháp cho người soạn.",
    "rolledback": "Đã khôi phục phiên bản cũ; trợ lý ảo dùng nội dung này ngay từ bây giờ.",
}


def _base(staff: Staff) -> dict[str, Any]:
    return {"state_labels": STATE_LABELS, "can_approve": staff.role in APPROVERS, "sections": SECTIONS}


def _target(kind: Kind, record_id: str) -> str:
    return f"{kind}:{record_id}"


# ---- lists ---------------------------------------------------------------------------------------
def _list_page(kind: Kind) -> Callable[..., Coroutine[Any, Any, Response]]:
    async def page(request: Request, catalog: Catalog, q: str = "",
                   staff: Staff = Depends(require_staff())) -> Response:  # noqa: B008
        items = await asyncio.to_thread(catalog.list_items, kind, q)
        return render(request, f"staff_{SECTIONS[kind]}.html", {**_base(staff), "items": items, "q": q.strip(),
                                                                "kind": kind, "section": SECTIONS[kind]})
    return page


# ---- edit form -----------------------------------------------------------------------------------
def _fields(kind: Kind, values: dict[str, str], errors: dict[str, list[str]], existing: bool) -> list[dict[str, Any]]:
    return [{"name": c, "label": LABELS[c], "hint": HINTS.get(c, ""), "value": values.get(c, ""),
             "multiline": c in MULTILINE, "errors": errors.get(c, []),
             "readonly": c == "id" and existing} for c in COLUMNS[kind]]


async def _edit_page(request: Request, kb: KnowledgeBase, staff: Staff, kind: Kind, *, values: dict[str, str],
                     record_id: str | None, version: VersionView | None, group: str = "",
                     errors: list[tuple[str, str]] | None = None, message: str = "", notice: str = "",
                     tried: TryResult | None = None, question: str = "", status_code: int = 200) -> Response:
    by_field: dict[str, list[str]] = {}
    for column, text in errors or []:
        by_field.setdefault(column, []).append(text)
    procedures = sorted(((p.id, p.title) for p in kb.procedures), key=lambda item: item[1])
    editable = version is not None and version.is_open and version.author == staff.username \
        and version.state != "submitted"
    return render(request, f"staff_{kind}_edit.html", {
        **_base(staff), "kind": kind, "section": SECTIONS[kind], "kind_name": KIND_NAMES[kind],
        "fields": _fields(kind, values, by_field, record_id is not None), "record_id": record_id,
        "version": version if editable else None, "shown_version": version, "group": group,
        "errors": [(LABELS.get(c, c), t) for c, t in errors or []], "message": message, "notice": notice,
        "procedures": procedures, "selected": set(values.get("related_procedures", "").splitlines()),
        "levels": LEVELS, "tried": tried, "question": question,
    }, status_code)


def _new_form(kind: Kind) -> Callable[..., Coroutine[Any, Any, Response]]:
    async def page(request: Request, kb: Knowledge, question: str = "", group: str = "",
                   staff: Staff = Depends(require_staff())) -> Response:  # noqa: B008
        values = {"question": question.strip()[:500]} if kind == "faq" else {}
        return await _edit_page(request, kb, staff, kind, values=values, record_id=None, version=None,
                                group=group.strip()[:128], question=question.strip()[:500])
    return page


def _edit_form(kind: Kind) -> Callable[..., Coroutine[Any, Any, Response]]:
    async def page(request: Request, record_id: str, catalog: Catalog, kb: Knowledge, version: str = "",
                   done: str = "", staff: Staff = Depends(require_staff())) -> Response:  # noqa: B008
        history = await asyncio.to_thread(catalog.history, kind, record_id)
        chosen = next((v for v in history if v.id == whole_number(version)), None)
        if chosen is None:   # my open draft if I have one, else the published version
            chosen = next((v for v in history if v.is_open and v.author == staff.username), None) \
                or next((v for v in history if v.state == "published"), history[0])
        return await _edit_page(request, kb, staff, kind, values=flatten(chosen.record), record_id=record_id,
                                version=chosen, group=chosen.inbox_group, notice=NOTICES.get(done, ""))
    return page


def _form_values(kind: Kind, form: FormData) -> dict[str, str]:
    values = {c: str(form.get(c, "")) for c in COLUMNS[kind]}
    if kind == "faq":   # a multi-select: one value per chosen procedure
        values["related_procedures"] = "\n".join(str(v) for v in form.getlist("related_procedures") if str(v).strip())
    return values


def _save(kind: Kind) -> Callable[..., Coroutine[Any, Any, Response]]:
    async def save(request: Request, catalog: Catalog, kb: Knowledge, audit: Audit,
                   staff: Staff = Depends(require_csrf)) -> Response:  # noqa: B008
        form = await request.form()
        values = _form_values(kind, form)
        action = str(form.get("action", "save"))
        record_id = str(form.get("record_id", "")) or None
        version_field = str(form.get("version_id", ""))
        version_id = whole_number(version_field)
        group = str(form.get("group", ""))[:128]
        question = str(form.get("try_question", "")).strip()
        version = await asyncio.to_thread(catalog.version, version_id) if version_id else None

        def again(status_code: int, **extra: Any) -> Coroutine[Any, Any, Response]:
            return _edit_page(request, kb, staff, kind, values=values, record_id=record_id, version=version,
                              group=group, question=question, status_code=status_code, **extra)

        data = from_form(kind, values)
        if record_id:
            data["id"] = record_id
        if action == "try":
            if not question:
                return await again(400, message="Nhập một câu hỏi của người dân để thử.")
            try:
                if not data.get("id"):
                    data["id"] = "ban-nhap-thu"   # any free id: the preview never stores it
                record: Record = await asyncio.to_thread(catalog.validate, kind, data)
            except InvalidRecord as error:
                return await again(400, errors=_located(error), message="Sửa các lỗi dưới đây rồi thử lại.")
            tried = await asyncio.to_thread(try_question, kb, record, question)
            await audit(staff, "catalog.try", _target(kind, record.id), question[:200])
            return await again(200, tried=tried)
        try:
            saved = await asyncio.to_thread(
                catalog.save_draft, kind, data, staff.username, staff.role, version_id=version_id,
                record_id=record_id, inbox_group=group, submit=action == "submit")
        except InvalidRecord as error:
            return await again(400, errors=_located(error), message="Chưa lưu: nội dung còn lỗi.")
        except CatalogError as error:
            return await again(error.status_code, message=str(error))
        done = "submitted" if action == "submit" else "saved"
        await audit(staff, f"catalog.{'submit' if done == 'submitted' else 'draft'}",
                     _target(kind, saved.record_id), f"phiên bản {saved.number}")
        return RedirectResponse(f"/staff/{SECTIONS[kind]}/{quote(saved.record_id)}/edit?"
                                f"{urlencode({'version': saved.id, 'done': done})}", status_code=303)
    return save


def _located(error: InvalidRecord) -> list[tuple[str, str]]:
    return [(error_column(e.field), describe_error(e)) for e in error.errors]


# ---- item history --------------------------------------------------------------------------------
def _item_page(kind: Kind) -> Callable[..., Coroutine[Any, Any, Response]]:
    async def page(request: Request, record_id: str, catalog: Catalog, done: str = "",
                   staff: Staff = Depends(require_staff())) -> Response:  # noqa: B008
        history = await asyncio.to_thread(catalog.history, kind, record_id)
        by_id = {v.id: v for v in history}
        rows: list[tuple[VersionView, list[FieldChange], str]] = []
        for view in history:
            # Each version against what it was written on (or the version before it).
            before = by_id.get(view.base_version_id) if view.base_version_id else \
                next((v for v in history if v.number == view.number - 1), None)
            changes = await asyncio.to_thread(catalog.changes, before.id if before else None, view.id)
            rows.append((view, changes, f"so với phiên bản {before.number}" if before else "tạo mới"))
        published = next((v for v in history if v.state == "published"), None)
        return render(request, "staff_catalog_item.html", {
            **_base(staff), "kind": kind, "section": SECTIONS[kind], "kind_name": KIND_NAMES[kind],
            "record_id": record_id, "rows": rows, "published": published, "notice": NOTICES.get(done, ""),
            "title": (published or history[0]).record.question if kind == "faq"
            else (published or history[0]).record.title,  # type: ignore[union-attr]
        })
    return page


for _kind, _section in SECTIONS.items():
    router.add_api_route(f"/{_section}", _list_page(_kind), methods=["GET"])
    router.add_api_route(f"/{_section}/new", _new_form(_kind), methods=["GET"])
    router.add_api_route(f"/{_section}/save", _save(_kind), methods=["POST"])
    router.add_api_route(f"/{_section}/{{record_id}}", _item_page(_kind), methods=["GET"])
    router.add_api_route(f"/{_section}/{{record_id}}/edit", _edit_form(_kind), methods=["GET"])


# ---- review --------------------------------------------------------------------------------------
async def _review_page(request: Request, catalog: CatalogService, staff: Staff, *, notice: str = "",
                       error: str = "", error_for: int | None = None, status_code: int = 200) -> Response:
    entries = await asyncio.to_thread(catalog.review_queue)
    return render(request, "staff_review.html", {**_base(staff), "entries": entries, "notice": notice,
                                                 "error": error, "error_for": error_for}, status_code)


@router.get("/review")
async def review_queue(request: Request, catalog: Catalog, done: str = "",
                       staff: Staff = Depends(require_staff())) -> Response:  # noqa: B008
    return await _review_page(request, catalog, staff, notice=NOTICES.get(done, ""))


@router.post("/catalog/versions/{version_id}/{action}")
async def version_action(request: Request, version_id: RowId, action: str, catalog: Catalog, audit: Audit,
                         staff: Staff = Depends(require_csrf)) -> Response:  # noqa: B008
    form = await request.form()
    comment = str(form.get("comment", ""))
    view = await asyncio.to_thread(catalog.version, version_id)
    target = _target(view.kind, view.record_id)
    edit_url = f"/staff/{SECTIONS[view.kind]}/{quote(view.record_id)}/edit?version={view.id}"
    item_url = f"/staff/{SECTIONS[view.kind]}/{quote(view.record_id)}"
    try:
        if action == "approve":
            done = await asyncio.to_thread(catalog.approve, version_id, staff.username, staff.role, comment)
            await audit(staff, "catalog.approve", target, f"phiên bản {done.number}: {comment.strip()}")
            return RedirectResponse("/staff/review?done=approved", status_code=303)
        if action == "return":
            done = await asyncio.to_thread(catalog.send_back, version_id, staff.username, staff.role, comment)
            await audit(staff, "catalog.return", target, f"phiên bản {done.number}: {comment.strip()}")
            return RedirectResponse("/staff/review?done=returned", status_code=303)
        if action == "submit":
            done = await asyncio.to_thread(catalog.submit, version_id, staff.username)
            await audit(staff, "catalog.submit", target, f"phiên bản {done.number}")
            return RedirectResponse(f"{edit_url}&done=submitted", status_code=303)
        if action == "rebase":
            done, conflicts = await asyncio.to_thread(catalog.rebase, version_id, staff.username)
            await audit(staff, "catalog.rebase", target,
                         f"phiên bản {done.number} dựa trên phiên bản {done.base_number}"
                         + (f"; cả hai bên cùng sửa: {', '.join(conflicts)}" if conflicts else ""))
            return RedirectResponse(f"{edit_url}&done=rebased", status_code=303)
        if action == "rollback":
            done = await asyncio.to_thread(catalog.rollback, view.kind, view.record_id, version_id,
                                           staff.username, staff.role)
            await audit(staff, "catalog.rollback", target,
                         f"phiên bản {done.number} khôi phục phiên bản {view.number}")
            return RedirectResponse(f"{item_url}?done=rolledback", status_code=303)
    except CatalogError as error:
        await audit(staff, f"catalog.{action}.refused", target, f"phiên bản {view.number}: {error}")
        if action in ("approve", "return"):
            return await _review_page(request, catalog, staff, error=str(error), error_for=version_id,
                                      status_code=error.status_code)
        raise
    raise StaffHTTPError(404, "Thao tác không tồn tại.")


# ---- import / export -----------------------------------------------------------------------------
@router.get("/catalog/import")
async def import_form(request: Request, staff: Staff = Depends(require_staff())) -> Response:  # noqa: B008
    return render(request, "staff_catalog_import.html", {**_base(staff), "errors": [], "report": None})


@router.post("/catalog/import")
async def import_file(request: Request, catalog: Catalog, audit: Audit,
                      staff: Staff = Depends(require_csrf)) -> Response:  # noqa: B008
    form = await request.form()
    upload = form.get("file")
    publish_now = bool(form.get("publish_now")) and staff.role in APPROVERS
    context: dict[str, Any] = {**_base(staff), "errors": [], "report": None, "message": ""}
    if not isinstance(upload, UploadFile) or not upload.filename:
        context["message"] = "Vui lòng chọn một tệp CSV hoặc Excel (.xlsx)."
        return render(request, "staff_catalog_import.html", context, 400)
    data = await upload.read(MAX_IMPORT_BYTES + 1)
    filename = upload.filename
    if len(data) > MAX_IMPORT_BYTES:
        context["message"] = "Tệp lớn quá 5 MB; hãy chia thành nhiều tệp nhỏ hơn."
        return render(request, "staff_catalog_import.html", context, 400)
    try:
        kind, records = await asyncio.to_thread(read_upload, filename, data)
        report = await asyncio.to_thread(catalog.import_records, kind, records, staff.username, staff.role,
                                         publish_now, f"tệp {filename}")
    except CatalogImportError as error:
        await audit(staff, "catalog.import.failed", filename[:128], f"{len(error.errors)} lỗi")
        context.update(message=f"Tệp {filename} có {len(error.errors)} lỗi; chưa lưu bản ghi nào. "
                               "Sửa các dòng dưới đây rồi nhập lại.", errors=error.errors[:200])
        return render(request, "staff_catalog_import.html", context, 400)
    await audit(staff, "catalog.import", filename[:128], report.summary())
    context.update(report=report, section=SECTIONS[kind])
    return render(request, "staff_catalog_import.html", context)


@router.get("/catalog/export")
async def export(catalog: Catalog, audit: Audit, kind: str = "faq", format: str = "csv",
                 staff: Staff = Depends(require_staff())) -> Response:  # noqa: B008
    if kind not in SECTIONS or format not in ("csv", "xlsx"):
        raise StaffHTTPError(404, "Không có kiểu xuất này.")
    chosen: Kind = "faq" if kind == "faq" else "procedure"
    records = await asyncio.to_thread(catalog.published_records, chosen)
    body = await asyncio.to_thread(to_csv if format == "csv" else to_xlsx, records, chosen)
    await audit(staff, "catalog.export", f"{kind}.{format}", f"{len(records)} bản ghi")
    name = f"{SECTIONS[chosen]}-{dt.date.today().isoformat()}.{format}"
    media = "text/csv; charset=utf-8" if format == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, media_type=media, headers={"Content-Disposition": content_disposition(name)})

"""The review workflow of catalog records: drafts, submission, approval, send-back, rebase,
rollback and bulk import. Methods are synchronous (the routes run them in threads); the rules are
enforced here so that every caller obeys them. Publishing updates the live knowledge base at once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.catalog.diff import FieldChange, diff
from bot.catalog.flat import MODELS, Kind, Record, kind_of
from bot.catalog.hooks import on_faq_published
from bot.catalog.models import OPEN_STATES, CatalogItem, CatalogVersion, VersionState
from bot.core.errors import ServiceError
from bot.core.vntime import aware, utcnow
from knowledge_base.loaders import CatalogImportError, RowError, validate_rows
from knowledge_base.normalise import strip_diacritics
from knowledge_base.schema import Faq, Procedure
from knowledge_base.service import KnowledgeBase

log = logging.getLogger(__name__)
WRITERS = ("volunteer", "hotline", "reviewer", "supervisor", "admin")
APPROVERS = ("reviewer", "supervisor", "admin")
INITIAL_AUTHOR = "nhập ban đầu"
RESERVED_IDS = {"new", "save", "import", "export"}   # path segments of the staff pages
MAX_COMMENT = 2000
Published = Callable[[str, int, int], None]   # (kind, catalog item id, published version id)


class CatalogError(ServiceError):
    """A refused action; the message is Vietnamese, for the page."""


class NotFound(CatalogError):
    status_code = 404


class NotAllowed(CatalogError):
    status_code = 403


class StaleBase(CatalogError):
    status_code = 409


class InvalidRecord(CatalogError):
    """The record does not validate; ``errors`` name each field."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("Nội dung chưa hợp lệ: " + "; ".join(str(e) for e in errors[:5]))
        self.errors = errors


@dataclass(frozen=True)
class VersionView:
    id: int
    number: int
    kind: Kind
    record_id: str
    record: Record
    state: VersionState
    author: str
    created_at: dt.datetime
    updated_at: dt.datetime
    reviewer: str
    reviewed_at: dt.datetime | None
    review_comment: str
    base_version_id: int | None
    base_number: int | None
    published_version_id: int | None
    published_number: int | None
    inbox_group: str

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def stale(self) -> bool:
        """Someone published another version since this draft was started."""
        return self.is_open and self.base_version_id != self.published_version_id

    @property
    def stale_message(self) -> str:
        if not self.stale:
            return ""
        base = f"phiên bản {self.base_number}" if self.base_number else "khi mục này chưa có phiên bản nào"
        return (f"Bản nháp này được soạn dựa trên {base}, nhưng phiên bản {self.published_number} đã được "
                "xuất bản sau đó. Cần «Cập nhật theo bản đang dùng» trước khi duyệt, để không xoá mất "
                "thay đổi của người khác.")


@dataclass(frozen=True)
class ItemSummary:
    kind: Kind
    record_id: str
    title: str
    tags: list[str]
    published_number: int | None
    open_versions: list[VersionView]
    updated_at: dt.datetime


@dataclass(frozen=True)
class ReviewEntry:
    version: VersionView
    published: Record | None
    changes: list[FieldChange]


@dataclass
class ImportReport:
    kind: Kind
    created: list[str] = field(default_factory=list)     # new records
    changed: list[str] = field(default_factory=list)     # records with a new version
    unchanged: list[str] = field(default_factory=list)   # same as the published one: nothing saved
    published: bool = False

    def summary(self) -> str:
        kind_name = "câu hỏi" if self.kind == "faq" else "thủ tục"
        done = "đã xuất bản" if self.published else "đã gửi duyệt"
        return (f"{len(self.created) + len(self.changed)} {kind_name} {done} "
                f"({len(self.created)} mới, {len(self.changed)} sửa đổi); "
                f"{len(self.unchanged)} không thay đổi.")


def _dump(record: BaseModel) -> str:
    return json.dumps(record.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)


def slugify(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", strip_diacritics(text).lower().replace("đ", "d"))
    return "-".join(words[:8]) or "muc"


class CatalogService:
    def __init__(self, sessions: sessionmaker, kb: KnowledgeBase) -> None:
        self.sessions = sessions
        self.kb = kb
        self._publish_lock = threading.Lock()   # one publication at a time reaches the index
        # Told after each publication reached this index (other replicas reload theirs, #8).
        self.published_listeners: list[Published] = []

    # ---- reading ------------------------------------------------------------------------------
    def _view(self, session: Session, version: CatalogVersion, item: CatalogItem | None = None) -> VersionView:
        item = item or session.get(CatalogItem, version.item_id)
        assert item is not None
        numbers = self._numbers(session, [version.base_version_id, item.published_version_id])
        kind: Kind = "faq" if item.kind == "faq" else "procedure"
        return VersionView(
            id=version.id, number=version.number, kind=kind, record_id=item.record_id,
            record=MODELS[kind].model_validate_json(version.data), state=VersionState(version.state),
            author=version.author, created_at=aware(version.created_at) or utcnow(),
            updated_at=aware(version.updated_at) or utcnow(), reviewer=version.reviewer,
            reviewed_at=aware(version.reviewed_at), review_comment=version.review_comment,
            base_version_id=version.base_version_id, base_number=numbers.get(version.base_version_id),
            published_version_id=item.published_version_id,
            published_number=numbers.get(item.published_version_id), inbox_group=version.inbox_group)

    @staticmethod
    def _numbers(session: Session, ids: Iterable[int | None]) -> dict[int | None, int]:
        wanted = [i for i in ids if i is not None]
        if not wanted:
            return {}
        rows = session.execute(select(CatalogVersion.id, CatalogVersion.number).where(CatalogVersion.id.in_(wanted)))
        return {row.id: row.number for row in rows}

    def version(self, version_id: int) -> VersionView:
        with self.sessions() as session:
            version = session.get(CatalogVersion, version_id)
            if version is None:
                raise NotFound(f"Không tìm thấy phiên bản số {version_id}.")
            return self._view(session, version)

    def history(self, kind: Kind, record_id: str) -> list[VersionView]:
        """Every version of a record, newest first."""
        with self.sessions() as session:
            item = self._item(session, kind, record_id)
            versions = session.scalars(select(CatalogVersion).where(CatalogVersion.item_id == item.id)
                                       .order_by(CatalogVersion.number.desc()))
            return [self._view(session, v, item) for v in versions]

    def published(self, kind: Kind, record_id: str) -> VersionView | None:
        return next((v for v in self.history(kind, record_id) if v.state == VersionState.PUBLISHED), None)

    def published_records(self, kind: Kind) -> list[Record]:
        with self.sessions() as session:
            rows = session.scalars(select(CatalogVersion.data).join(
                CatalogItem, CatalogItem.published_version_id == CatalogVersion.id)
                .where(CatalogItem.kind == kind).order_by(CatalogItem.id))
            return [MODELS[kind].model_validate_json(data) for data in rows]

    def _item(self, session: Session, kind: Kind, record_id: str) -> CatalogItem:
        item = session.scalars(select(CatalogItem).where(CatalogItem.record_id == record_id,
                                                         CatalogItem.kind == kind)).first()
        if item is None:
            raise NotFound(f"Không tìm thấy {'câu hỏi' if kind == 'faq' else 'thủ tục'} «{record_id}».")
        return item

    def list_items(self, kind: Kind, query: str = "") -> list[ItemSummary]:
        """Every record of ``kind`` with its open drafts; ``query`` matches question/title and tags,
        with or without diacritics."""
        needle = strip_diacritics(query.strip()).lower()
        with self.sessions() as session:
            items = {i.id: i for i in session.scalars(select(CatalogItem).where(CatalogItem.kind == kind))}
            versions = list(session.scalars(select(CatalogVersion).where(CatalogVersion.item_id.in_(list(items)))
                                            .order_by(CatalogVersion.number)))
            by_item: dict[int, list[CatalogVersion]] = {}
            for v in versions:
                by_item.setdefault(v.item_id, []).append(v)
            out: list[ItemSummary] = []
            for item_id, item in items.items():
                rows = by_item.get(item_id, [])
                if not rows:
                    continue
                current = next((v for v in rows if v.id == item.published_version_id), rows[-1])
                record = MODELS[kind].model_validate_json(current.data)
                title = record.question if isinstance(record, Faq) else record.title
                tags = record.tags if isinstance(record, Faq) else [record.field]
                if needle and needle not in strip_diacritics(" ".join([title, *tags, item.record_id])).lower():
                    continue
                open_rows = [self._view(session, v, item) for v in rows if v.state in OPEN_STATES]
                out.append(ItemSummary(kind, item.record_id, title, tags,
                                       next((v.number for v in rows if v.id == item.published_version_id), None),
                                       open_rows, max(aware(v.updated_at) or utcnow() for v in rows)))
            return sorted(out, key=lambda s: (not s.open_versions, strip_diacritics(s.title).lower()))

    def review_queue(self) -> list[ReviewEntry]:
        """Submitted drafts, oldest first, with their changes against the published version."""
        with self.sessions() as session:
            rows = session.scalars(select(CatalogVersion).where(CatalogVersion.state == VersionState.SUBMITTED)
                                   .order_by(CatalogVersion.updated_at, CatalogVersion.id))
            views = [self._view(session, v) for v in rows]
        entries = []
        for view in views:
            published = self._published_record(view)
            entries.append(ReviewEntry(view, published, diff(view.kind, published, view.record)))
        return entries

    def _published_record(self, view: VersionView) -> Record | None:
        return self.version(view.published_version_id).record if view.published_version_id else None

    def changes(self, before_id: int | None, after_id: int) -> list[FieldChange]:
        """Field-level diff between two versions of the same record (``before_id`` None: from nothing)."""
        after = self.version(after_id)
        before = self.version(before_id) if before_id is not None else None
        if before is not None and before.record_id != after.record_id:
            raise CatalogError("Chỉ so sánh được hai phiên bản của cùng một mục.")
        return diff(after.kind, before.record if before else None, after.record)

    # ---- writing drafts -----------------------------------------------------------------------
    def validate(self, kind: Kind, data: dict[str, Any]) -> Record:
        """The schema's checks plus the catalog's: known related procedures, a free id."""
        try:
            record = validate_rows([(1, data)], MODELS[kind], source="biểu mẫu")[0]
        except CatalogImportError as error:
            raise InvalidRecord([RowError(None, e.field, e.message) for e in error.errors]) from None
        errors = self._catalog_errors(record)
        if errors:
            raise InvalidRecord(errors)
        return record  # type: ignore[return-value]

    def _catalog_errors(self, record: Record, row: int | None = None,
                        extra_procedures: Iterable[str] = ()) -> list[RowError]:
        errors: list[RowError] = []
        if record.id in RESERVED_IDS:
            errors.append(RowError(row, "id", f"«{record.id}» là từ dành riêng, hãy chọn id khác"))
        with self.sessions() as session:
            other = session.scalars(select(CatalogItem.kind).where(CatalogItem.record_id == record.id)).first()
            if other is not None and other != kind_of(record):
                errors.append(RowError(row, "id", "id này đã dùng cho một "
                                                  f"{'câu hỏi' if other == 'faq' else 'thủ tục'} khác"))
            if isinstance(record, Faq) and record.related_procedures:
                known = set(session.scalars(select(CatalogItem.record_id).where(
                    CatalogItem.kind == "procedure", CatalogItem.published_version_id.is_not(None))))
                unknown = [p for p in record.related_procedures if p not in known | set(extra_procedures)]
                if unknown:
                    errors.append(RowError(row, "related_procedures",
                                           f"thủ tục không tồn tại: {', '.join(unknown)}"))
        return errors

    def free_id(self, text: str) -> str:
        """A new record id from a question or title: its unaccented words, numbered if taken."""
        base = slugify(text)
        with self.sessions() as session:
            taken = set(session.scalars(select(CatalogItem.record_id).where(CatalogItem.record_id.like(f"{base}%"))))
        candidate, n = base, 2
        while candidate in taken or candidate in RESERVED_IDS:
            candidate, n = f"{base}-{n}", n + 1
        return candidate

    def save_draft(self, kind: Kind, data: dict[str, Any], author: str, role: str, *,
                   version_id: int | None = None, record_id: str | None = None, inbox_group: str = "",
                   submit: bool = False) -> VersionView:
        """Save a new record or an edit as a draft (``submit``: and send it for review).

        ``version_id`` names the author's own open draft being edited (updated in place); otherwise a
        new version is created on the published one. ``record_id`` names the record being edited; a
        new record's id comes from ``data`` (or from its question/title when empty)."""
        if role not in WRITERS:
            raise NotAllowed("Tài khoản này không được soạn nội dung.")
        if record_id is not None:
            data = {**data, "id": record_id}   # an existing record's id never changes
        elif not data.get("id"):
            data = {**data, "id": self.free_id(str(data.get("question") or data.get("title") or ""))}
        record = self.validate(kind, data)
        now = utcnow()
        state = VersionState.SUBMITTED if submit else VersionState.DRAFT
        with self.sessions() as session:
            item = session.scalars(select(CatalogItem).where(CatalogItem.record_id == record.id)).first()
            if record_id is not None and item is None:
                raise NotFound(f"Không tìm thấy mục «{record_id}».")
            if record_id is None and item is not None and version_id is None:
                raise InvalidRecord([RowError(None, "id", "id này đã có, hãy chọn id khác hoặc sửa mục đó")])
            if version_id is not None:
                version = session.get(CatalogVersion, version_id)
                if version is None or item is None or version.item_id != item.id:
                    raise NotFound("Không tìm thấy bản nháp này.")
                if version.author != author:
                    raise NotAllowed("Chỉ người soạn mới sửa được bản nháp này; hãy tạo bản sửa đổi mới.")
                if version.state not in (VersionState.DRAFT, VersionState.RETURNED):
                    raise CatalogError("Bản nháp đã gửi duyệt hoặc đã xử lý, không sửa được nữa.")
                version.data, version.state, version.updated_at = _dump(record), state, now
            else:
                if item is None:
                    item = CatalogItem(kind=kind, record_id=record.id)
                    session.add(item)
                    session.flush()
                version = CatalogVersion(item_id=item.id, number=self._next_number(session, item.id),
                                         data=_dump(record), state=state, author=author, created_at=now,
                                         updated_at=now, base_version_id=item.published_version_id,
                                         inbox_group=inbox_group[:128])
                session.add(version)
            session.commit()
            return self._view(session, version, item)

    @staticmethod
    def _next_number(session: Session, item_id: int) -> int:
        return (session.scalar(select(func.max(CatalogVersion.number)).where(CatalogVersion.item_id == item_id))
                or 0) + 1

    def submit(self, version_id: int, actor: str) -> VersionView:
        with self.sessions() as session:
            version = self._open(session, version_id)
            if version.author != actor:
                raise NotAllowed("Chỉ người soạn mới gửi duyệt được bản nháp này.")
            if version.state == VersionState.SUBMITTED:
                raise CatalogError("Bản nháp này đã được gửi duyệt.")
            version.state, version.updated_at = VersionState.SUBMITTED, utcnow()
            session.commit()
            return self._view(session, version)

    def _open(self, session: Session, version_id: int) -> CatalogVersion:
        version = session.get(CatalogVersion, version_id)
        if version is None:
            raise NotFound(f"Không tìm thấy phiên bản số {version_id}.")
        if version.state not in OPEN_STATES:
            raise CatalogError("Phiên bản này đã được xử lý (xuất bản hoặc thay thế).")
        return version

    # ---- reviewing ----------------------------------------------------------------------------
    def approve(self, version_id: int, actor: str, role: str, comment: str = "") -> VersionView:
        """Publish a submitted draft: it becomes the live answer at once."""
        if role not in APPROVERS:
            raise NotAllowed("Chỉ người duyệt nội dung, giám sát hoặc quản trị viên mới được duyệt.")
        with self._publish_lock, self.sessions() as session:
            version = self._open(session, version_id)
            item = session.get(CatalogItem, version.item_id)
            assert item is not None
            if version.author == actor:
                raise NotAllowed("Không ai được tự duyệt bản nháp của mình; hãy nhờ một người duyệt khác.")
            if version.state != VersionState.SUBMITTED:
                raise CatalogError("Chỉ duyệt được bản nháp đã gửi duyệt.")
            view = self._view(session, version, item)
            if view.stale:
                raise StaleBase(view.stale_message)
            record = self.validate(view.kind, view.record.model_dump(mode="json"))  # links may have changed
            self._publish(session, item, version, actor, comment.strip()[:MAX_COMMENT])
            session.commit()
            view = self._view(session, version, item)
            published = (view.kind, item.id, version.id)
        self._apply(record)
        self._announce(*published)
        if isinstance(record, Faq) and view.inbox_group:
            on_faq_published(record.id, view.inbox_group)
        return view

    @staticmethod
    def _publish(session: Session, item: CatalogItem, version: CatalogVersion, reviewer: str, comment: str) -> None:
        if item.published_version_id is not None:
            previous = session.get(CatalogVersion, item.published_version_id)
            if previous is not None:
                previous.state = VersionState.SUPERSEDED
        now = utcnow()
        version.state, version.reviewer, version.reviewed_at = VersionState.PUBLISHED, reviewer, now
        version.review_comment, version.updated_at = comment, now
        item.published_version_id = version.id

    def _apply(self, record: Record) -> None:
        """Update the live knowledge base (re-encodes only this record)."""
        if isinstance(record, Faq):
            self.kb.upsert_faq(record)
        else:
            self.kb.upsert_procedure(record)

    def _announce(self, kind: str, item_id: int, version_id: int) -> None:
        for listener in list(self.published_listeners):
            try:
                listener(kind, item_id, version_id)
            except Exception:   # the publication stands; other replicas' poll catches up
                log.exception("publication listener %r failed", listener)

    def send_back(self, version_id: int, actor: str, role: str, comment: str) -> VersionView:
        if role not in APPROVERS:
            raise NotAllowed("Chỉ người duyệt nội dung, giám sát hoặc quản trị viên mới được trả lại bản nháp.")
        comment = comment.strip()
        if not comment:
            raise CatalogError("Vui lòng ghi lý do trả lại để người soạn biết cần sửa gì.")
        with self.sessions() as session:
            version = self._open(session, version_id)
            if version.state != VersionState.SUBMITTED:
                raise CatalogError("Chỉ trả lại được bản nháp đã gửi duyệt.")
            now = utcnow()
            version.state, version.reviewer, version.reviewed_at = VersionState.RETURNED, actor, now
            version.review_comment, version.updated_at = comment[:MAX_COMMENT], now
            session.commit()
            return self._view(session, version)

    def rebase(self, version_id: int, actor: str) -> tuple[VersionView, list[str]]:
        """Move a stale draft onto the published version: fields the draft did not change take the
        published value, the draft's own changes are kept. Returns the fields changed on both sides
        (the draft's value was kept; the author should check them). The draft goes back to its
        author as a draft, to be submitted again."""
        with self.sessions() as session:
            version = self._open(session, version_id)
            item = session.get(CatalogItem, version.item_id)
            assert item is not None
            view = self._view(session, version, item)
            if not view.stale:
                raise CatalogError("Bản nháp này đã dựa trên phiên bản đang dùng, không cần cập nhật.")
            if version.author != actor:
                raise NotAllowed("Chỉ người soạn mới cập nhật được bản nháp này.")
            base = session.get(CatalogVersion, version.base_version_id) if version.base_version_id else None
            current = session.get(CatalogVersion, item.published_version_id)
            assert current is not None
            base_data = json.loads(base.data) if base else {}
            published, mine = json.loads(current.data), json.loads(version.data)
            merged: dict[str, Any] = {}
            conflicts: list[str] = []
            for key in dict.fromkeys([*published, *mine]):
                if key in base_data and mine.get(key) == base_data.get(key):
                    merged[key] = published.get(key)
                else:
                    merged[key] = mine.get(key)
                    if published.get(key) not in (base_data.get(key), mine.get(key)):
                        conflicts.append(key)
            record = self.validate(view.kind, {k: v for k, v in merged.items() if v is not None})
            version.data, version.base_version_id = _dump(record), item.published_version_id
            version.state, version.updated_at = VersionState.DRAFT, utcnow()
            session.commit()
            return self._view(session, version, item), conflicts

    def rollback(self, kind: Kind, record_id: str, to_version_id: int, actor: str, role: str) -> VersionView:
        """Publish again an earlier published version's record, as a new version."""
        if role not in APPROVERS:
            raise NotAllowed("Chỉ người duyệt nội dung, giám sát hoặc quản trị viên mới được khôi phục phiên bản cũ.")
        with self._publish_lock, self.sessions() as session:
            item = self._item(session, kind, record_id)
            old = session.get(CatalogVersion, to_version_id)
            if old is None or old.item_id != item.id:
                raise NotFound("Không tìm thấy phiên bản cần khôi phục.")
            if old.state != VersionState.SUPERSEDED:
                raise CatalogError("Chỉ khôi phục được một phiên bản đã từng xuất bản và đã bị thay thế.")
            record = self.validate(kind, json.loads(old.data))
            now = utcnow()
            version = CatalogVersion(item_id=item.id, number=self._next_number(session, item.id), data=_dump(record),
                                     author=actor, created_at=now, updated_at=now,
                                     base_version_id=item.published_version_id)
            session.add(version)
            session.flush()
            self._publish(session, item, version, actor, f"Khôi phục nội dung của phiên bản {old.number}.")
            session.commit()
            view = self._view(session, version, item)
            published = (kind, item.id, version.id)
        self._apply(record)
        self._announce(*published)
        return view

    # ---- bulk import ----------------------------------------------------------------------------
    def import_records(self, kind: Kind, records: list[BaseModel], actor: str, role: str,
                       publish_now: bool = False, source: str = "tệp") -> ImportReport:
        """Validated rows become submitted drafts (or, for an approver who asks, published versions),
        all in one transaction: if any row fails the catalog's checks nothing is saved."""
        if role not in WRITERS:
            raise NotAllowed("Tài khoản này không được nhập nội dung.")
        if publish_now and role not in APPROVERS:
            raise NotAllowed("Chỉ người duyệt nội dung, giám sát hoặc quản trị viên mới được xuất bản ngay.")
        typed: list[Record] = [r for r in records if isinstance(r, Faq | Procedure)]
        extra = [r.id for r in typed] if kind == "procedure" else []
        errors = [e for row, r in enumerate(typed, start=2) for e in self._catalog_errors(r, row, extra)]
        if errors:
            raise CatalogImportError(source, errors)
        report = ImportReport(kind, published=publish_now)
        applied: list[tuple[Record, int, int]] = []   # record, item id, version id
        with self._publish_lock, self.sessions() as session:
            now = utcnow()
            for record in typed:
                item = session.scalars(select(CatalogItem).where(CatalogItem.record_id == record.id)).first()
                current = session.get(CatalogVersion, item.published_version_id) if item and item.published_version_id \
                    else None
                if current is not None and current.data == _dump(record):
                    report.unchanged.append(record.id)
                    continue
                (report.changed if current is not None else report.created).append(record.id)
                if item is None:
                    item = CatalogItem(kind=kind, record_id=record.id)
                    session.add(item)
                    session.flush()
                version = CatalogVersion(item_id=item.id, number=self._next_number(session, item.id),
                                         data=_dump(record), state=VersionState.SUBMITTED, author=actor,
                                         created_at=now, updated_at=now, base_version_id=item.published_version_id)
                session.add(version)
                session.flush()
                if publish_now:
                    self._publish(session, item, version, actor, f"Xuất bản ngay khi nhập {source}.")
                    applied.append((record, item.id, version.id))
            session.commit()
        for record, item_id, version_id in applied:
            self._apply(record)
            self._announce(kind, item_id, version_id)
        return report

"""Tables of the catalog store: one row per FAQ or procedure, one per version of its record."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.db import Base
from bot.core.vntime import utcnow


class VersionState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    VersionState.DRAFT: "Bản nháp",
    VersionState.SUBMITTED: "Chờ duyệt",
    VersionState.RETURNED: "Bị trả lại",
    VersionState.PUBLISHED: "Đang dùng",
    VersionState.SUPERSEDED: "Đã thay thế",
}
OPEN_STATES = (VersionState.DRAFT, VersionState.SUBMITTED, VersionState.RETURNED)


class CatalogItem(Base):
    """An FAQ or a procedure. ``record_id`` is the record's slug, unique across both kinds because
    the search index keys documents by it."""

    __tablename__ = "catalog_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))           # "faq" or "procedure"
    record_id: Mapped[str] = mapped_column(String(128), unique=True)
    published_version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CatalogVersion(Base):
    """One version of a record: the full record as validated JSON, its review state and who did what."""

    __tablename__ = "catalog_versions"
    __table_args__ = (UniqueConstraint("item_id", "number"), Index("ix_catalog_versions_state", "state"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalog_items.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)             # 1, 2, 3… per item
    data: Mapped[str] = mapped_column(Text)                  # the record, model_dump(mode="json")
    state: Mapped[str] = mapped_column(String(16), default=VersionState.DRAFT)
    author: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reviewer: Mapped[str] = mapped_column(String(64), default="")
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    # The published version this one was written on (None for a new record); approval needs it to
    # still be the published one.
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_versions.id"), nullable=True)
    # The unanswered-questions group this FAQ answers (from the inbox link); told to hooks on publish.
    inbox_group: Mapped[str] = mapped_column(String(128), default="")

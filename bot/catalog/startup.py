"""At startup: store the catalog's records the tables do not have yet, then replay the published versions
into the knowledge base so that edits made through the staff pages survive restarts."""

from __future__ import annotations

import json
import logging

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.catalog.flat import MODELS, Record
from bot.catalog.models import CatalogItem, CatalogVersion, VersionState
from bot.catalog.service import INITIAL_AUTHOR, CatalogService
from bot.core.vntime import utcnow
from knowledge_base.schema import Faq
from knowledge_base.service import KnowledgeBase

log = logging.getLogger(__name__)

# Versions written from the catalog files rather than by a person.
IMPORT_AUTHOR = "nhập danh mục"
FILE_AUTHORS = (INITIAL_AUTHOR, IMPORT_AUTHOR)


def seed_if_empty(kb: KnowledgeBase, sessions: sessionmaker) -> int:
    """Store as published version 1 every record of the knowledge base that the store does not
    have yet (all of them on a first start; the new ones after an import into the data folder, so
    they reach the staff pages and the review workflow). Records already stored, and their
    history, are left alone. Returns how many records were stored."""
    records: list[Record] = [*kb.procedures, *kb.faqs]
    with sessions() as session:
        known = set(session.scalars(select(CatalogItem.record_id)))
        missing = [r for r in records if r.id not in known]
        if not missing:
            return 0
        now = utcnow()
        # Bulk inserts: two round trips per table, not two per record (5,000 records at a start).
        items = [{"kind": "faq" if isinstance(r, Faq) else "procedure", "record_id": r.id,
                  "created_at": now} for r in missing]
        try:
            session.execute(insert(CatalogItem), items)
            # Whole-table reads (a few thousand short rows) rather than an IN list of every new id,
            # which SQLite caps.
            item_ids = dict(session.execute(select(CatalogItem.record_id, CatalogItem.id)).tuples().all())
            versions = [{"item_id": item_ids[r.id], "number": 1, "state": VersionState.PUBLISHED,
                         "author": INITIAL_AUTHOR, "reviewer": INITIAL_AUTHOR, "reviewed_at": now,
                         "data": json.dumps(r.model_dump(mode="json"), ensure_ascii=False,
                                            sort_keys=True),
                         "created_at": now, "updated_at": now} for r in missing]
            session.execute(insert(CatalogVersion), versions)
            new_items = {item_ids[r.id] for r in missing}
            firsts = session.execute(select(CatalogVersion.item_id, CatalogVersion.id).where(
                CatalogVersion.number == 1)).tuples().all()
            session.execute(update(CatalogItem), [{"id": item_id, "published_version_id": version_id}
                                                  for item_id, version_id in firsts if item_id in new_items])
            session.commit()
        except IntegrityError:   # another replica starting at the same moment stored them first
            session.rollback()
            log.info("catalog store: new records stored by another process")
            return 0
    log.info("catalog store: stored %d new records as version 1", len(missing))
    return len(missing)


def store_reimported(kb: KnowledgeBase, sessions: sessionmaker) -> int:
    """A record that staff never edited belongs to the catalog files: when a re-import changed it
    (the national catalog loaded over the sample, a newer dump), store the file's record as a new
    published version instead of letting the old import win. Records staff edited keep their
    version. Returns how many records were updated."""
    with sessions() as session:
        rows = session.execute(select(CatalogItem, CatalogVersion).join(
            CatalogVersion, CatalogItem.published_version_id == CatalogVersion.id).where(
            CatalogVersion.author.in_(FILE_AUTHORS))).tuples().all()
        now = utcnow()
        changed = 0
        for item, version in rows:
            current = kb.faq(item.record_id) if item.kind == "faq" else kb.procedure(item.record_id)
            if current is None or MODELS[item.kind].model_validate_json(version.data) == current:
                continue
            version.state = VersionState.SUPERSEDED
            newer = CatalogVersion(item_id=item.id, number=version.number + 1,
                                   state=VersionState.PUBLISHED, author=IMPORT_AUTHOR,
                                   reviewer=IMPORT_AUTHOR, reviewed_at=now, created_at=now,
                                   updated_at=now, base_version_id=version.id,
                                   data=json.dumps(current.model_dump(mode="json"),
                                                   ensure_ascii=False, sort_keys=True))
            session.add(newer)
            session.flush()
            item.published_version_id = newer.id
            changed += 1
        try:
            session.commit()
        except IntegrityError:   # another replica starting at the same moment stored them first
            session.rollback()
            return 0
    if changed:
        log.info("catalog store: %d records updated from the catalog files", changed)
    return changed


def apply_published(kb: KnowledgeBase, sessions: sessionmaker) -> int:
    """Put every published version that differs from the knowledge base's record into it (only
    those are re-encoded). Returns how many records were updated."""
    with sessions() as session:
        rows = session.execute(select(CatalogItem.kind, CatalogVersion.data).join(
            CatalogVersion, CatalogItem.published_version_id == CatalogVersion.id)).all()
    updated = 0
    for kind, data in rows:
        record = MODELS[kind].model_validate_json(data)
        if isinstance(record, Faq):
            if kb.faq(record.id) != record:
                kb.upsert_faq(record)
                updated += 1
        elif kb.procedure(record.id) != record:
            kb.upsert_procedure(record)
            updated += 1
    if updated:
        log.info("catalog store: %d published edits applied to the knowledge base", updated)
    return updated


def start_catalog(kb: KnowledgeBase, sessions: sessionmaker) -> CatalogService:
    """The startup hook (blocking: run it in a thread): seed, replay, and the service for the pages."""
    seed_if_empty(kb, sessions)
    store_reimported(kb, sessions)
    apply_published(kb, sessions)
    return CatalogService(sessions, kb)

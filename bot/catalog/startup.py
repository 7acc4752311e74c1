"""At startup: import the sample catalog into empty tables, then replay the published versions
into the knowledge base so that edits made through the staff pages survive restarts."""

from __future__ import annotations

import json
import logging

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.catalog.flat import MODELS, Record
from bot.catalog.models import CatalogItem, CatalogVersion, VersionState
from bot.catalog.service import INITIAL_AUTHOR, CatalogService
from bot.models import utcnow
from knowledge_base.schema import Faq
from knowledge_base.service import KnowledgeBase

log = logging.getLogger(__name__)


def seed_if_empty(kb: KnowledgeBase, sessions: sessionmaker) -> int:
    """Store the catalog the knowledge base was built from as published version 1 of each record,
    when the tables are empty. Returns how many records were stored."""
    with sessions() as session:
        if session.scalar(select(func.count()).select_from(CatalogItem)):
            return 0
        now = utcnow()
        records: list[Record] = [*kb.procedures, *kb.faqs]
        for record in records:
            item = CatalogItem(kind="faq" if isinstance(record, Faq) else "procedure", record_id=record.id,
                               created_at=now)
            session.add(item)
            session.flush()
            version = CatalogVersion(item_id=item.id, number=1, state=VersionState.PUBLISHED, author=INITIAL_AUTHOR,
                                     data=json.dumps(record.model_dump(mode="json"), ensure_ascii=False,
                                                     sort_keys=True),
                                     created_at=now, updated_at=now, reviewer=INITIAL_AUTHOR, reviewed_at=now)
            session.add(version)
            session.flush()
            item.published_version_id = version.id
        try:
            session.commit()
        except IntegrityError:   # another replica starting at the same moment seeded it first
            session.rollback()
            log.info("catalog store: seeded by another process")
            return 0
    log.info("catalog store: imported %d records as version 1", len(records))
    return len(records)


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
    apply_published(kb, sessions)
    return CatalogService(sessions, kb)

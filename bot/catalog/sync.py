"""Keeps this replica's knowledge base in step with versions published on any replica.

A publication is announced on the bus as ``{"kind", "item_id", "version"}`` (``item_id`` is the
``catalog_items`` row, ``version`` the published ``catalog_versions`` id). The receiver does not
trust the message's content: when the version differs from the one it applied it reads the item's
current published version from the database and applies that. Messages can be lost (Redis down),
so every ``poll_seconds`` the published version ids of all items are compared too — two integer
columns, cheap. Ids are compared for inequality, not "greater": a rebased draft keeps its id and
may be published after a newer one.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.catalog.flat import MODELS
from bot.catalog.models import CatalogItem, CatalogVersion
from bot.cluster.bus import Bus, Message
from knowledge_base.schema import Faq
from knowledge_base.service import KnowledgeBase

if TYPE_CHECKING:
    from bot.catalog.service import CatalogService
    from bot.cluster import Cluster

log = logging.getLogger(__name__)
CHANNEL = "catalog"


class CatalogSync:
    def __init__(self, kb: KnowledgeBase, sessions: sessionmaker, bus: Bus, poll_seconds: float = 10.0) -> None:
        self.kb = kb
        self.sessions = sessions
        self.bus = bus
        self.poll_seconds = poll_seconds
        self.applied: dict[int, int] = {}   # catalog item id → published version id in our index
        self._lock = threading.Lock()       # one reader-and-applier at a time (worker threads)
        self._tasks: set[asyncio.Task[int]] = set()
        self._unsubscribe = bus.subscribe(CHANNEL, self._on_message)

    @classmethod
    def for_cluster(cls, cluster: Cluster, kb: KnowledgeBase, sessions: sessionmaker,
                    catalog: CatalogService) -> CatalogSync | None:
        """Index reloads published on other replicas (None in the embedded mode: nobody else publishes)."""
        if cluster.bus is None:
            return None
        sync = cls(kb, sessions, cluster.bus, cluster.catalog_poll_seconds)
        catalog.published_listeners.append(sync.announce)
        return sync

    # ---- the publishing side --------------------------------------------------------------------
    def announce(self, kind: str, item_id: int, version_id: int) -> None:
        """``CatalogService`` listener (any thread, after the commit)."""
        self.bus.publish(CHANNEL, {"kind": kind, "item_id": item_id, "version": version_id})

    # ---- the receiving side ---------------------------------------------------------------------
    def _on_message(self, message: Message) -> None:
        try:
            item_id, version = int(message["item_id"]), int(message["version"])
        except (KeyError, TypeError, ValueError):
            log.warning("catalog sync: malformed message %r", message)
            return
        if self.applied.get(item_id) == version:
            return
        task = asyncio.get_running_loop().create_task(asyncio.to_thread(self.sync_items, [item_id]))
        self._tasks.add(task)   # keep a reference until done
        task.add_done_callback(self._tasks.discard)

    async def run(self) -> None:
        """Background task: note what the index holds now, then poll (the safety net for lost messages)."""
        try:
            await asyncio.to_thread(self.sync_items)
        except Exception:
            log.exception("catalog sync: first reading failed")
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                await asyncio.to_thread(self.poll)
            except Exception:
                log.exception("catalog sync: poll failed")

    def poll(self) -> int:
        """Apply every item whose published version differs from ours. Blocking."""
        with self.sessions() as session:
            rows = session.execute(select(CatalogItem.id, CatalogItem.published_version_id)
                                   .where(CatalogItem.published_version_id.is_not(None))).all()
        changed = [item_id for item_id, version in rows if self.applied.get(item_id) != version]
        return self.sync_items(changed) if changed else 0

    def sync_items(self, item_ids: Iterable[int] | None = None) -> int:
        """Read the published version of these items (None: all) and put into the knowledge base
        those whose record differs (only they are re-encoded). Blocking; returns how many changed."""
        query = select(CatalogItem.id, CatalogItem.kind, CatalogItem.published_version_id, CatalogVersion.data).join(
            CatalogVersion, CatalogItem.published_version_id == CatalogVersion.id)
        if item_ids is not None:
            query = query.where(CatalogItem.id.in_(list(item_ids)))
        updated = 0
        with self._lock:
            with self.sessions() as session:
                rows = session.execute(query).all()
            for item_id, kind, version_id, data in rows:
                if self.applied.get(item_id) == version_id:
                    continue
                record = MODELS[kind].model_validate_json(data)
                if isinstance(record, Faq):
                    if self.kb.faq(record.id) != record:
                        self.kb.upsert_faq(record)
                        updated += 1
                elif self.kb.procedure(record.id) != record:
                    self.kb.upsert_procedure(record)
                    updated += 1
                self.applied[item_id] = version_id
        if updated:
            log.info("catalog sync: %d version(s) published elsewhere applied", updated)
        return updated

    def close(self) -> None:
        self._unsubscribe()
        for task in list(self._tasks):
            task.cancel()

"""Database engine and sessions (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker


class Base(DeclarativeBase):
    """Base class of every table."""


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record) -> None:  # type: ignore[no-untyped-def]
            # WAL lets the web pages read while a webhook writes.
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def make_sessionmaker(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


def create_schema(engine: Engine) -> None:
    from bot import models  # noqa: F401  (registers the tables)
    from bot.auth import models as auth_models  # noqa: F401  (staff accounts, sessions, audit log)
    from bot.catalog import models as catalog_models  # noqa: F401  (versioned FAQ and procedure records)
    from bot.dossiers import models as dossier_models  # noqa: F401  (dossier registry)
    from bot.handoff import models as handoff_models  # noqa: F401  (handoffs, callbacks, presence, ratings)
    from bot.insights import models as insight_models  # noqa: F401  (dashboard events, unanswered questions)
    from bot.payments import models as payment_models  # noqa: F401  (payment orders, callbacks)
    from bot.submission_drafts import SubmissionDraftRecord  # noqa: F401  (chat drafts)
    from channels.telegram import callbacks  # noqa: F401  (long button payloads)

    Base.metadata.create_all(engine)

"""The whole database schema: every capability declares its own tables; this module, above them
all, gathers them for Alembic (``bot/migrations``), the schema check and scratch test databases."""

from __future__ import annotations

from sqlalchemy import Engine, MetaData

from bot.core.db import Base, autogenerate_options, make_engine


def import_models() -> MetaData:
    """Import every module that declares tables, so ``Base.metadata`` holds the whole schema."""
    from bot.auth import models as auth_models  # noqa: F401  (staff accounts, sessions, audit log)
    from bot.catalog import models as catalog_models  # noqa: F401  (versioned FAQ and procedure records)
    from bot.conversation import models  # noqa: F401  (registers the tables)
    from bot.dossiers import draft_store  # noqa: F401  (chat drafts)
    from bot.dossiers import models as dossier_models  # noqa: F401  (dossier registry)
    from bot.handoff import models as handoff_models  # noqa: F401  (handoffs, callbacks, presence, ratings)
    from bot.insights import models as insight_models  # noqa: F401  (dashboard events, unanswered questions)
    from bot.payments import models as payment_models  # noqa: F401  (payment orders, callbacks)
    from channels.telegram import callbacks  # noqa: F401  (long button payloads)

    return Base.metadata


def create_schema(engine: Engine) -> None:
    """Create missing tables without migrations: scratch databases in tests only (``migrate`` otherwise)."""
    import_models().create_all(engine)


def schema_differences(url: str) -> list[object]:
    """What autogenerate would put in a new migration for the database at ``url``: empty when the
    models and the migrations agree (the database should be at head)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts=autogenerate_options())
            return list(compare_metadata(context, import_models()))
    finally:
        engine.dispose()

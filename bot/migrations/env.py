"""Alembic environment: runs on the connection ``bot.core.db.migrate`` hands over, or on the URL given
in the configuration (``alembic_config(url=…)``) or by ``ASSISTANT_DATABASE_URL`` / the settings."""

from __future__ import annotations

from alembic import context

from bot.core.db import autogenerate_options, make_engine
from bot.schema import import_models

config = context.config
target_metadata = import_models()


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from bot.core.config import Settings

    return Settings().database_url


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, **autogenerate_options())
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, **autogenerate_options())
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=target_metadata, **autogenerate_options())
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()

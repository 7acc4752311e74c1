"""Database engine, sessions and schema migrations (SQLite by default, PostgreSQL in production).

URLs: ``sqlite:///path/to/file.db`` or ``postgresql+psycopg://user:password@host:5432/name``.
The schema is managed by Alembic (``bot/migrations``); ``migrate`` brings any database to the
latest revision, adopting databases that earlier releases created with ``create_all``.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, MetaData, create_engine, event, inspect, text
from sqlalchemy.orm import DeclarativeBase, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

# Constraint names spelled the way PostgreSQL names unnamed constraints itself, so databases that
# earlier releases created with ``create_all`` (no convention) already carry these exact names and
# future migrations can drop or alter constraints by name on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"   # bot/migrations, above every model
# The first revision: the schema that releases before migrations created with ``create_all``.
BASELINE_REVISION = "0001"
# Key of the PostgreSQL advisory lock taken while migrating (any constant 64-bit number).
_LOCK_KEY = zlib.crc32(b"tro-ly-ao-dich-vu-cong:migrate")
_local_lock = threading.Lock()  # SQLite has no advisory lock: at least serialise this process


class Base(DeclarativeBase):
    """Base class of every table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class MigrationError(RuntimeError):
    """The database cannot be brought to the latest schema safely (told to the operator)."""


def make_engine(url: str, pool_size: int = 5, max_overflow: int = 10) -> Engine:
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
    if url.startswith("sqlite"):
        return create_engine(url)  # in-memory (``sqlite://``): scratch databases only
    # pre_ping: a replica survives PostgreSQL restarts and idle connections cut by a proxy;
    # recycle stays under the usual 1-hour idle timeouts of managed databases and poolers.
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow,
                         pool_recycle=1800, pool_timeout=30)


def make_sessionmaker(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


# --- migrations ---------------------------------------------------------------------------------


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """Alembic's configuration built in code, so ``python -m bot db …`` works from any directory."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection  # env.py runs on this connection when given
    return config


@contextmanager
def _migration_lock(connection: Connection) -> Iterator[None]:
    """One migrator at a time: replicas starting together wait here, then find the work done."""
    with _local_lock:
        if connection.dialect.name == "postgresql":
            # Transaction-scoped: released by the commit (or rollback) that ends the migration.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        yield


def baseline_tables() -> dict[str, set[str]]:
    """Tables and columns of the first revision, built in a scratch in-memory SQLite database."""
    from alembic import command

    engine = create_engine("sqlite://")
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), BASELINE_REVISION)
            inspector = inspect(connection)
            return {name: {column["name"] for column in inspector.get_columns(name)}
                    for name in inspector.get_table_names() if name != "alembic_version"}
    finally:
        engine.dispose()


def adopt_legacy_schema(connection: Connection) -> bool:
    """Stamp a database made by ``create_all`` (our tables, no ``alembic_version``) with the first
    revision once its tables and columns are checked to be that revision's. True if stamped."""
    from alembic import command

    present = set(inspect(connection).get_table_names())
    if "alembic_version" in present or not present:
        return False  # already managed, or a new (empty) database
    expected = baseline_tables()
    if not present & expected.keys():
        return False  # only other applications' tables: ours are created like in an empty database
    inspector = inspect(connection)
    problems = [f"missing table {name}" for name in sorted(expected.keys() - present)]
    for name in sorted(expected.keys() & present):
        columns = {column["name"] for column in inspector.get_columns(name)}
        problems += [f"{name}: missing column {column}" for column in sorted(expected[name] - columns)]
        problems += [f"{name}: unexpected column {column}" for column in sorted(columns - expected[name])]
    if problems:
        raise MigrationError("The database has tables but no migration history, and they differ from the "
                             f"first revision ({BASELINE_REVISION}); nothing was changed: " + "; ".join(problems))
    if connection.dialect.name == "sqlite":
        _name_sqlite_constraints(connection)
    command.stamp(alembic_config(connection), BASELINE_REVISION)
    return True


def _name_sqlite_constraints(connection: Connection) -> None:
    """``create_all`` left SQLite's unique constraints unnamed (PostgreSQL named them itself, the way
    the naming convention does): rebuild those tables, rows included, so they carry the convention's
    names and later migrations find the same names on every database."""
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    inspector = inspect(connection)
    tables = [name for name in inspector.get_table_names()
              if any(unique["name"] is None for unique in inspector.get_unique_constraints(name))]
    operations = Operations(MigrationContext.configure(connection))
    for name in tables:
        with operations.batch_alter_table(name, recreate="always", naming_convention=NAMING_CONVENTION):
            pass


def migrate(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (the latest by default). Safe to run again and
    from several replicas at once: a no-op once the database is up to date."""
    from alembic import command

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # SQLite changes a table by copying it into a new one; checks on foreign keys would
                # refuse to drop the old one while rows point at it (a pragma: outside transactions).
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
            # One transaction for everything on PostgreSQL (transactional DDL): all or nothing.
            with connection.begin(), _migration_lock(connection):
                adopt_legacy_schema(connection)
                command.upgrade(alembic_config(connection), revision)
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise MigrationError("A migration left rows whose foreign keys point at nothing.")
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    """The revision the database is at; None for a database without migration history."""
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def autogenerate_options() -> dict[str, object]:
    """Shared by env.py and ``bot.schema.schema_differences`` so both compare the same way."""
    return {"compare_type": True, "compare_server_default": True, "render_as_batch": True}

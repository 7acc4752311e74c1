"""Test databases on both engines: migrated SQLite files and PostgreSQL databases from a template."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from bot.core.db import migrate

# Every test that asks for ``db_url`` runs on SQLite and on PostgreSQL (this server, unless told).
POSTGRES_ENV = "ASSISTANT_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def migrated_sqlite(path: Path) -> Path:
    migrate(f"sqlite:///{path}")
    return path


def copy_sqlite(template: Path, path: Path) -> str:
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@functools.cache
def sqlite_template() -> Path:
    """A SQLite file at the latest migration, made once per test process (removed at its end)."""
    folder = Path(tempfile.mkdtemp(prefix="assistant-test-template-"))
    atexit.register(shutil.rmtree, folder, True)
    return migrated_sqlite(folder / "template.db")


def migrated_sqlite_url(path: Path) -> str:
    """The URL of a SQLite database at ``path``, at the latest migration: a copy of the template
    unless the file exists already (a gateway started again on it, a test's own schema). A gateway
    would migrate a new file on start-up (about 0.1 s); where that is not what a test is about,
    the copy is quicker."""
    if not path.exists():
        shutil.copyfile(sqlite_template(), path)
    return f"sqlite:///{path}"


class PostgresServer:
    """A PostgreSQL server where tests get databases of their own, at the latest migration.

    Cloning the migrated template costs about 0.3 s of disk writes (``CREATE DATABASE … TEMPLATE``),
    so a test's database is cleaned for a later test in a background thread while the next test
    runs: the connections the test left are ended, the database is renamed (a forgotten engine
    cannot reach it by its old name, as if it were dropped), its schema is compared with the
    template's and its tables are emptied, identities restarted. A database whose schema changed is
    dropped instead, and a template with rows of its own or with sequences no column owns is cloned
    for each test (emptying would not bring those back)."""

    def __init__(self, url: str, admin: Engine) -> None:
        self.url = url
        self._admin = admin
        self._prefix = f"assistant_test_{os.getpid()}"
        self._counter = 0
        self._lock = threading.Lock()
        self._template: str | None = None
        self._template_schema = ""
        self._reusable = False
        self._background = ThreadPoolExecutor(1, thread_name_prefix="postgres-databases")
        self._ready: deque[Future[str | None]] = deque()   # databases for the next tests, being made
        self._dropping: list[Future[None]] = []

    @classmethod
    def connect(cls, url: str) -> tuple[PostgresServer | None, str]:
        """The server, or None and why the PostgreSQL tests are skipped."""
        if url.strip().lower() in {"", "off", "none"}:
            return None, "PostgreSQL tests turned off (ASSISTANT_TEST_POSTGRES_URL=off)"
        admin = create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
        try:
            with admin.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as error:
            admin.dispose()
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            return None, (f"PostgreSQL not reachable at {make_url(url).render_as_string(hide_password=True)} "
                          f"({reason}); set ASSISTANT_TEST_POSTGRES_URL or --postgres-url")
        return cls(url, admin), ""

    def database_url(self, name: str) -> str:
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def _name(self) -> str:
        with self._lock:
            self._counter += 1
            return f"{self._prefix}_{self._counter}"

    def create_database(self, template: str | None = None) -> str:
        name = self._name()
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        return name

    def drop_database(self, name: str) -> None:
        # FORCE: engines a test left open must not keep the database alive (PostgreSQL 13+).
        with self._admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    @contextmanager
    def fresh_database(self, migrated: bool = True) -> Iterator[str]:
        """A database for one test, at the latest migration (unless ``migrated`` is False: a new,
        empty one) with no rows but the migration history, that no other test is using."""
        if not migrated:
            name = self.create_database()
            try:
                yield self.database_url(name)
            finally:
                self._dropping = [f for f in self._dropping if not f.done()]
                self._dropping.append(self._background.submit(self.drop_database, name))
            return
        name = self._take()
        try:
            yield self.database_url(name)
        finally:
            self._ready.append(self._background.submit(self._clean, name))

    def _take(self) -> str:
        if self._template is None:
            self._template = self.create_database()
            migrate(self.database_url(self._template))
            self._template_schema, self._reusable = self._inspect(self._template)
            self._ready.append(self._background.submit(self.create_database, self._template))
            return self.create_database(self._template)
        while self._ready:
            name = self._ready.popleft().result()
            if name is not None:
                return name
        return self.create_database(self._template)

    def _inspect(self, name: str) -> tuple[str, bool]:
        """The database's schema (a digest) and whether emptying its tables restores it as migrated."""
        engine = create_engine(self.database_url(name), poolclass=NullPool)
        try:
            with engine.connect() as connection:
                schema = connection.execute(text(SCHEMA_DIGEST)).scalar_one()
                tables = connection.execute(text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )).scalars().all()
                rows = any(connection.execute(text(f'SELECT EXISTS (SELECT 1 FROM "{t}")')).scalar_one()
                           for t in tables)
                loose_sequences = connection.execute(text(
                    "SELECT count(*) FROM pg_class s WHERE s.relkind = 'S' AND NOT EXISTS (SELECT 1 FROM pg_depend d "
                    "WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i'))"
                )).scalar_one()
        finally:
            engine.dispose()
        return schema, not rows and not loose_sequences

    def _clean(self, name: str) -> str | None:
        """``name`` emptied for another test under a new name, or None (dropped) when that cannot be."""
        if not self._reusable:
            self.drop_database(name)
            return None
        renamed = self._name()
        with self._admin.connect() as connection:
            for _ in range(50):
                connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                        "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
                try:
                    connection.execute(text(f'ALTER DATABASE "{name}" RENAME TO "{renamed}"'))
                    break
                except OperationalError:   # a backend still on its way out
                    time.sleep(0.02)
            else:
                self.drop_database(name)
                return None
        engine = create_engine(self.database_url(renamed), poolclass=NullPool)
        try:
            with engine.connect() as connection:
                if connection.execute(text(SCHEMA_DIGEST)).scalar_one() != self._template_schema:
                    reusable = False
                else:
                    tables = connection.execute(text(
                        "SELECT quote_ident(tablename) FROM pg_tables "
                        "WHERE schemaname = 'public' AND tablename <> 'alembic_version'")).scalars().all()
                    if tables:
                        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
                    connection.commit()
                    reusable = True
        finally:
            engine.dispose()
        if not reusable:
            self.drop_database(renamed)
            return None
        return renamed

    def close(self) -> None:
        for dropped in self._dropping:
            dropped.result()
        while self._ready:
            name = self._ready.popleft().result()
            if name is not None:
                self.drop_database(name)
        self._background.shutdown()
        if self._template is not None:
            self.drop_database(self._template)
        self._admin.dispose()


# What a test could change in a database besides its rows: tables, columns, indexes, constraints,
# sequences, functions, triggers, schemas, extensions, and the migration it is at.
SCHEMA_DIGEST = """
SELECT md5(coalesce(string_agg(item, E'\\n' ORDER BY item), '')) FROM (
    SELECT 'column ' || table_schema || '.' || table_name || '.' || column_name || ' ' || data_type || ' '
           || coalesce(column_default, '') || ' ' || is_nullable AS item
      FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
    UNION ALL SELECT 'index ' || schemaname || ' ' || indexdef FROM pg_indexes
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
    UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
      FROM pg_constraint WHERE connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
    UNION ALL SELECT 'sequence ' || schemaname || '.' || sequencename FROM pg_sequences
    UNION ALL SELECT 'function ' || oid::regprocedure FROM pg_proc
      WHERE pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
    UNION ALL SELECT 'trigger ' || tgrelid::regclass || ' ' || tgname FROM pg_trigger WHERE NOT tgisinternal
    UNION ALL SELECT 'schema ' || nspname FROM pg_namespace
    UNION ALL SELECT 'extension ' || extname FROM pg_extension
    UNION ALL SELECT 'migration ' || version_num FROM alembic_version
) AS schema
"""

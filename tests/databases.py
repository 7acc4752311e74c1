"""Test databases on both engines: migrated SQLite files and PostgreSQL databases from a template."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.core.db import migrate


def migrated_sqlite(path: Path) -> Path:
    migrate(f"sqlite:///{path}")
    return path


def copy_sqlite(template: Path, path: Path) -> str:
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


class PostgresServer:
    """A PostgreSQL server where tests create (and drop) databases of their own."""

    def __init__(self, url: str, admin: Engine) -> None:
        self.url = url
        self._admin = admin
        self._prefix = f"assistant_test_{os.getpid()}"
        self._counter = 0
        self._lock = threading.Lock()
        self._template: str | None = None

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
        """A new database for one test, at the latest migration unless ``migrated`` is False."""
        template = None
        if migrated:
            if self._template is None:
                self._template = self.create_database()
                migrate(self.database_url(self._template))
            template = self._template
        name = self.create_database(template)
        try:
            yield self.database_url(name)
        finally:
            self.drop_database(name)

    def close(self) -> None:
        if self._template is not None:
            self.drop_database(self._template)
        self._admin.dispose()

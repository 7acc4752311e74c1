"""Fixtures and hooks only: the sample knowledge base, real Rasa + gateway pairs over HTTP, and
databases on both engines. The helpers they and the tests use are in ``tests/support/``."""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from bot.core.db import make_engine, make_sessionmaker
from knowledge_base.service import KnowledgeBase
from tests.support import databases
from tests.support.stack import STARTERS, Stack, Stacks

# Tests send many messages from one sender quickly; the limits have their own tests (test_ops.py).
os.environ.setdefault("ASSISTANT_RATE_LIMITS_ENABLED", "false")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Playwright drives Debian's Chromium: a browser download is not possible here."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Chromium is missing: `make browser` installs Debian's chromium")
    return {**browser_type_launch_args, "executable_path": chromium,
            "args": ["--disable-gpu", "--disable-background-networking", "--no-first-run",
                     "--disable-component-update", "--disable-sync"]}


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Argon2id with its lowest cost in this process: the staff tests hash and check a few hundred
    passwords (0.14 s each at the production cost). Servers the tests start as processes keep the
    real cost, and the stored hashes are still Argon2id (what ``tests/test_staff.py`` checks)."""
    from argon2 import PasswordHasher

    from bot.auth import passwords

    real_hasher, real_dummy = passwords._hasher, passwords._DUMMY_HASH
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    passwords._DUMMY_HASH = passwords._hasher.hash("không-phải-mật-khẩu-thật")
    yield
    passwords._hasher, passwords._DUMMY_HASH = real_hasher, real_dummy


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The sample catalog with the embedded encoder (index vectors cached in var/index)."""
    return KnowledgeBase.open()


# ---- real Rasa + gateway pairs over HTTP (trained first if needed, on free ports) ---------------------
@pytest.fixture(scope="session")
def stacks(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stacks]:
    """The first stack a test needs starts together with the others the selected tests use (they
    start in little more than the time of one); all stop at the end of the session."""
    used = {name for item in request.session.items for name in getattr(item, "fixturenames", ())}
    started = Stacks({name: functools.partial(start, tmp_path_factory) for name, start in STARTERS.items()}, used)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session")
def stack(stacks: Stacks) -> Stack:
    """Rasa and the gateway with the sample catalog."""
    return stacks.ready("stack")


@pytest.fixture(scope="session")
def national_stack(stacks: Stacks) -> Stack:
    """Rasa and a gateway serving the national records of ``tests/support/national.py``."""
    return stacks.ready("national_stack")


@pytest.fixture
def new_sender() -> Callable[[], str]:
    counter = iter(range(1_000_000))
    return lambda: f"test-{os.getpid()}-{next(counter)}-{os.urandom(3).hex()}"


# ---- databases: every test that asks for ``db_url`` runs on SQLite and on PostgreSQL -----------------
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--postgres-url", default=None,
                     help=f"PostgreSQL server for the database tests (a database there to connect to; "
                          f"default ${databases.POSTGRES_ENV} or {databases.DEFAULT_POSTGRES_URL}; 'off' skips them)")


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> Iterator[databases.PostgresServer]:
    url = (request.config.getoption("--postgres-url")
           or os.environ.get(databases.POSTGRES_ENV, databases.DEFAULT_POSTGRES_URL))
    server, reason = databases.PostgresServer.connect(url)
    if server is None:
        pytest.skip(reason)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def sqlite_template() -> Path:
    """A migrated SQLite file, copied for each test (quicker than migrating each time)."""
    return databases.sqlite_template()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database at the latest migration, on each engine: a copied SQLite file, or a
    PostgreSQL database of this test's own, cloned from a migrated template (or emptied and
    renamed after an earlier test: see ``tests/support/databases.py``)."""
    if request.param == "sqlite":
        yield databases.copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path / "test.db")
        return
    server: databases.PostgresServer = request.getfixturevalue("postgres_server")
    with server.fresh_database() as url:
        yield url


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker]:
    """Sessions on the ``db_url`` database, so on each engine (a test module may define its own)."""
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    engine.dispose()

"""Shared fixtures: the sample knowledge base, and a real Rasa + gateway pair over HTTP."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from bot import launcher
from knowledge_base.service import KnowledgeBase
from tests import databases

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


@dataclass
class Stack:
    """A running Rasa engine and gateway, reached only over HTTP."""

    gateway_url: str
    rasa_url: str
    database_url: str
    logs: Path

    def chat(self, sender: str, message: str, **extra: Any) -> list[dict[str, Any]]:
        response = httpx.post(f"{self.gateway_url}/webhooks/rest/webhook",
                              json={"sender": sender, "message": message, **extra}, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()


# People answer at any hour in the test stack, so handoff tests do not depend on the clock.
# Tests send many messages from one sender quickly; the limits have their own tests (test_ops.py).
os.environ.setdefault("ASSISTANT_RATE_LIMITS_ENABLED", "false")
ALWAYS_STAFFED = {"ASSISTANT_RATE_LIMITS_ENABLED": "false",
                  "ASSISTANT_HANDOFF_WEEKDAY_HOURS": "00:00-24:00", "ASSISTANT_HANDOFF_SATURDAY_HOURS": "00:00-24:00",
                  "ASSISTANT_HANDOFF_SUNDAY_HOURS": "00:00-24:00", "ASSISTANT_HANDOFF_FOLLOW_HOLIDAYS": "false"}


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Train if needed, then start real Rasa and the gateway on free ports."""
    launcher.train_if_changed()
    work = tmp_path_factory.mktemp("stack")
    gateway_port, rasa_port = free_port(), free_port()
    endpoints = work / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{gateway_port}/actions/webhook"\n')
    database_url = f"sqlite:///{work / 'gateway.db'}"
    logs = work / "logs.txt"
    rasa = launcher.start_rasa(rasa_port, endpoints, log_file=logs)
    gateway = launcher.start_gateway(
        gateway_port, f"http://127.0.0.1:{rasa_port}",
        env={"ASSISTANT_DATABASE_URL": database_url, **ALWAYS_STAFFED}, log_file=logs)
    try:
        up = launcher.wait_until(f"http://127.0.0.1:{gateway_port}/ready", 240, rasa)
        if not up:
            pytest.fail("Rasa/gateway did not start:\n" + logs.read_text()[-4000:])
        yield Stack(f"http://127.0.0.1:{gateway_port}", f"http://127.0.0.1:{rasa_port}",
                    database_url, logs)
    finally:
        launcher.stop(gateway)
        launcher.stop(rasa)


@pytest.fixture
def new_sender() -> Callable[[], str]:
    counter = iter(range(1_000_000))
    return lambda: f"test-{os.getpid()}-{next(counter)}-{os.urandom(3).hex()}"


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a fresh thread: Playwright's sync API keeps an event loop running in
    the main thread for the rest of the session, where ``asyncio.run`` would refuse to start."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Poll until ``predicate`` returns something truthy (background delivery, webhooks)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def run_rasa(*args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(launcher.rasa_bin()), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


# ---- databases: every test that asks for ``db_url`` runs on SQLite and on PostgreSQL -----------------
POSTGRES_ENV = "ASSISTANT_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--postgres-url", default=None,
                     help=f"PostgreSQL server for the database tests (a database there to connect to; "
                          f"default ${POSTGRES_ENV} or {DEFAULT_POSTGRES_URL}; 'off' skips them)")


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> Iterator[databases.PostgresServer]:
    url = request.config.getoption("--postgres-url") or os.environ.get(POSTGRES_ENV, DEFAULT_POSTGRES_URL)
    server, reason = databases.PostgresServer.connect(url)
    if server is None:
        pytest.skip(reason)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (quicker than migrating each time)."""
    return databases.migrated_sqlite(tmp_path_factory.mktemp("db-template") / "template.db")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database at the latest migration, on each engine: a copied SQLite file, or a
    PostgreSQL database cloned from a migrated template and dropped after the test."""
    if request.param == "sqlite":
        yield databases.copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path / "test.db")
        return
    server: databases.PostgresServer = request.getfixturevalue("postgres_server")
    with server.fresh_database() as url:
        yield url

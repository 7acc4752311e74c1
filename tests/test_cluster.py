"""Several gateway replicas sharing Redis (#8), against the real Redis on 127.0.0.1:6379: console
pushes and index reloads reach the other replica, background jobs run on one replica only, the bus
survives Redis restarting, rate limits are shared. Each test uses its own key prefix."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from bot.app import create_app
from bot.catalog.service import CatalogService
from bot.catalog.sync import CatalogSync
from bot.cluster import Cluster
from bot.cluster.bus import RedisBus, redis_client
from bot.cluster.lease import LeaseLock, RedisLease, run_exclusive
from bot.cluster.limits import RedisTokenBucketLimiter
from bot.core.services import services_of
from bot.handoff.service import HandoffService
from bot.payments.service import PaymentService
from knowledge_base.service import KnowledgeBase
from tests.support.handoff import Gateway, settings_for, staff
from tests.support.network import free_port
from tests.support.staff import create_user
from tests.support.waiting import run_async, wait_for

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not reachable on 127.0.0.1:6379 ({exc}); start it to run the cluster tests")
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)
    client.close()


@pytest.fixture
def replicas(kb: KnowledgeBase, tmp_path: Path, prefix: str,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Gateway, Gateway]]:
    """Two gateways on one SQLite file, both with Redis; each has its own copy of the knowledge
    base (the session one is shared by other tests and must not be changed)."""
    settings = settings_for(tmp_path, redis_url=REDIS_URL, redis_prefix=prefix, catalog_poll_seconds=3600)
    for username, role in [("tnv", "volunteer"), ("tnv2", "volunteer")]:
        create_user(monkeypatch, settings, username, role)
    with ExitStack() as stack:
        gateways = []
        for _ in range(2):
            app = create_app(settings, kb=kb.copy_with())
            client = stack.enter_context(TestClient(app, follow_redirects=False))
            gateways.append(Gateway(client, app, settings))
        for gateway in gateways:
            wait_for(services_of(gateway.app).get(Cluster).bus.is_following, timeout=10)
        yield gateways[0], gateways[1]


def receive(socket: WebSocketTestSession, wanted: dict[str, Any], timeout: float = 10) -> None:
    """Read the socket until ``wanted`` arrives (TestClient's receive has no timeout of its own)."""
    deadline = time.monotonic() + timeout
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        seen = []
        while time.monotonic() < deadline:
            try:
                event = pool.submit(socket.receive_json).result(timeout=deadline - time.monotonic())
            except concurrent.futures.TimeoutError:
                break
            seen.append(event)
            if event == wanted:
                return
        socket.close()   # unblocks the reader thread
        raise AssertionError(f"{wanted} not received in {timeout} s; got {seen}")


# ---- console pushes ------------------------------------------------------------------------------
def test_a_console_on_replica_b_sees_a_claim_made_on_replica_a(replicas: tuple[Gateway, Gateway]) -> None:
    a, b = replicas
    for gateway in (a, b):
        gateway.run(gateway.handoff.set_presence(staff("tnv2", "volunteer"), "online"))
    b.login("tnv")
    with b.client.websocket_connect("/staff/console/ws", headers={"origin": "http://testserver"}) as socket:
        socket.send_json({"type": "ping"})
        receive(socket, {"type": "pong"})
        queued = a.queue_citizen("c1")                               # on replica A
        receive(socket, {"type": "queue"})
        a.run(a.handoff.claim(queued.handoff_id, staff("tnv2", "volunteer")))
        receive(socket, {"type": "handoff", "id": queued.handoff_id})


# ---- index reloads ------------------------------------------------------------------------------
FAQ = {"question": "Xe buýt điện tuyến Hồ Gươm chạy đến mấy giờ tối thứ bảy?",
       "answer": "Tuyến xe buýt điện Hồ Gươm chạy đến 23 giờ tối thứ bảy và chủ nhật.",
       "tags": ["xe buýt điện"]}


def approve_faq(gateway: Gateway, faq_id: str) -> None:
    catalog = services_of(gateway.app).get(CatalogService)
    draft = catalog.save_draft("faq", {**FAQ, "id": faq_id}, "tnv", "volunteer", submit=True)
    catalog.approve(draft.id, "duyet", "reviewer")


def found(gateway: Gateway, faq_id: str) -> bool:
    hits = services_of(gateway.app).get(KnowledgeBase).search(FAQ["question"], kind="faq", top=3)
    return bool(hits) and hits[0].id == faq_id


def test_an_faq_approved_on_a_is_found_on_b_within_seconds(replicas: tuple[Gateway, Gateway]) -> None:
    a, b = replicas
    assert services_of(b.app).get(KnowledgeBase).faq("xe-buyt-dien-ho-guom") is None
    approve_faq(a, "xe-buyt-dien-ho-guom")
    assert found(a, "xe-buyt-dien-ho-guom")
    wait_for(lambda: found(b, "xe-buyt-dien-ho-guom"), timeout=5)   # the poll is hourly here: the message did it


def test_a_lost_message_is_caught_up_by_the_poll(kb: KnowledgeBase, tmp_path: Path, prefix: str) -> None:
    settings = settings_for(tmp_path, redis_url=REDIS_URL, redis_prefix=prefix, catalog_poll_seconds=1)
    with TestClient(create_app(settings, kb=kb.copy_with())) as client_a, \
            TestClient(create_app(settings, kb=kb.copy_with())) as client_b:
        a, b = Gateway(client_a, client_a.app, settings), Gateway(client_b, client_b.app, settings)  # type: ignore[arg-type]
        services_of(a.app).get(CatalogService).published_listeners.clear()   # the pub/sub message is never sent
        approve_faq(a, "xe-buyt-dien-ho-guom")
        wait_for(lambda: found(b, "xe-buyt-dien-ho-guom"), timeout=5)


def test_the_catalog_sync_applies_what_the_database_says_not_the_message(kb: KnowledgeBase, tmp_path: Path) -> None:
    """A message only says "look": an unknown or repeated version is harmless."""
    class NoBus:
        def subscribe(self, channel: str, callback: Any) -> Any:
            return lambda: None

    from bot.catalog.startup import start_catalog
    from bot.core.db import make_engine, make_sessionmaker
    from bot.schema import create_schema
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    create_schema(engine)
    sessions = make_sessionmaker(engine)
    writer, reader = kb.copy_with(), kb.copy_with()
    catalog = start_catalog(writer, sessions)
    sync = CatalogSync(reader, sessions, NoBus(), poll_seconds=3600)  # type: ignore[arg-type]
    assert sync.sync_items() == 0                        # the same sample catalog: nothing re-encoded
    assert sync.poll() == 0
    draft = catalog.save_draft("faq", {**FAQ, "id": "xe-buyt-dien-ho-guom"}, "tnv", "volunteer", submit=True)
    catalog.approve(draft.id, "duyet", "reviewer")
    assert sync.poll() == 1 and reader.faq("xe-buyt-dien-ho-guom") is not None
    assert sync.poll() == 0
    engine.dispose()


# ---- exactly-once jobs ----------------------------------------------------------------------------
def test_a_lease_has_one_holder_and_is_taken_over_when_not_renewed(prefix: str) -> None:
    async def scenario() -> None:
        client = redis_client(REDIS_URL)
        first = RedisLease(client, f"{prefix}:lease:job", ttl=0.5)
        second = RedisLease(client, f"{prefix}:lease:job", ttl=0.5)
        assert await first.acquire()
        assert not await second.acquire()
        assert await first.renew() and await first.acquire()     # the holder keeps it
        await asyncio.sleep(0.7)                                   # the holder stopped renewing
        assert await second.acquire()
        assert not await first.renew()                             # cannot extend the new holder's
        await first.release()                                      # nor delete it
        assert not await first.acquire()
        await second.release()
        assert await first.acquire()
        await client.aclose()
    run_async(scenario())


def test_a_job_under_a_lease_runs_on_one_contender_and_moves_when_it_stops(prefix: str) -> None:
    async def scenario() -> None:
        client = redis_client(REDIS_URL)
        ticks: list[str] = []

        def job(name: str) -> Any:
            async def loop() -> None:
                while True:
                    ticks.append(name)
                    await asyncio.sleep(0.1)
            return loop
        tasks = {name: asyncio.create_task(run_exclusive(RedisLease(client, f"{prefix}:lease:j", ttl=0.6), job(name)))
                 for name in ("a", "b")}
        await asyncio.sleep(1.2)
        assert len(set(ticks)) == 1 and 8 <= len(ticks) <= 14, ticks  # one body per period, not two
        holder = ticks[0]
        other = "b" if holder == "a" else "a"
        tasks[holder].cancel()                                     # that replica stops
        with contextlib.suppress(asyncio.CancelledError):
            await tasks[holder]
        ticks.clear()
        await asyncio.sleep(1.0)
        assert ticks and set(ticks) == {other}
        tasks[other].cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await tasks[other]
        await client.aclose()
    run_async(scenario())


def test_reconciliation_and_the_handoff_sweep_run_on_one_replica(kb: KnowledgeBase, tmp_path: Path, prefix: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    calls: dict[str, list[int]] = {"reconcile": [], "sweep": []}

    async def reconcile(self: PaymentService, now: Any = None) -> dict[str, int]:
        calls["reconcile"].append(id(self))
        return {}

    async def sweep(self: HandoffService, now: Any = None) -> int:
        calls["sweep"].append(id(self))
        return 0
    monkeypatch.setattr(PaymentService, "reconcile", reconcile)
    monkeypatch.setattr(HandoffService, "sweep", sweep)
    settings = settings_for(tmp_path, redis_url=REDIS_URL, redis_prefix=prefix, payment_reconcile_seconds=1)
    with TestClient(create_app(settings, kb=kb)), TestClient(create_app(settings, kb=kb)):
        time.sleep(2.5)
    assert len(set(calls["reconcile"])) == 1 and 2 <= len(calls["reconcile"]) <= 4, calls
    assert len(set(calls["sweep"])) == 1, calls


def test_the_token_refresh_lock_excludes_other_replicas_and_never_blocks_without_redis(prefix: str) -> None:
    async def scenario() -> None:
        client = redis_client(REDIS_URL)
        # Two replicas: each its own LeaseLock (own in-process lock), one lease name in Redis.
        locks = [LeaseLock(lambda: RedisLease(client, f"{prefix}:lease:zalo", ttl=5)) for _ in range(2)]
        inside: list[int] = []
        overlaps: list[int] = []

        async def refresh(lock: LeaseLock) -> None:
            async with lock():
                inside.append(1)
                if len(inside) > 1:
                    overlaps.append(len(inside))
                await asyncio.sleep(0.05)
                inside.pop()
        await asyncio.gather(*(refresh(locks[i % 2]) for i in range(8)))
        assert overlaps == []
        await client.aclose()
        down = redis_client(f"redis://127.0.0.1:{free_port()}/0")
        started = time.monotonic()
        async with LeaseLock(lambda: RedisLease(down, f"{prefix}:lease:zalo", ttl=5))():
            pass                                                   # Redis down: the database CAS still guards
        assert time.monotonic() - started < 1
    run_async(scenario())


# ---- Redis restarting -----------------------------------------------------------------------------
class Proxy:
    """A TCP relay to Redis that can be stopped (connections cut, port closed) and started again:
    what the gateway sees of a Redis restart."""

    def __init__(self, port: int, target: tuple[str, int] = ("127.0.0.1", 6379)) -> None:
        self.port, self.target = port, target
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.writers):
            writer.close()
        await self.server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.writers |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


def test_the_bus_reconnects_when_redis_comes_back(prefix: str) -> None:
    async def scenario() -> None:
        proxy = Proxy(free_port())
        await proxy.start()
        url = f"redis://127.0.0.1:{proxy.port}/0"
        sender, listener = RedisBus(url, prefix), RedisBus(url, prefix)
        got: list[dict[str, Any]] = []
        listener.subscribe("news", got.append)
        await sender.start()
        await listener.start()

        async def until(predicate: Any, timeout: float = 15) -> None:
            deadline = time.monotonic() + timeout
            while not predicate():
                assert time.monotonic() < deadline, "not in time"
                await asyncio.sleep(0.05)
        await until(listener.is_following)
        sender.publish("news", {"n": 1})
        await until(lambda: {"n": 1} in got)
        await proxy.stop()                                         # Redis "restarts"
        await until(lambda: not listener.is_following())
        sender.publish("news", {"n": 2})                           # may be lost; must not raise
        await asyncio.sleep(0.5)
        await proxy.start()
        await until(listener.is_following)
        sender.publish("news", {"n": 3})
        await until(lambda: {"n": 3} in got)
        await sender.close()
        await listener.close()
        await proxy.stop()
    run_async(scenario())


# ---- shared rate limits ---------------------------------------------------------------------------
def test_the_redis_rate_limiter_shares_its_budget(prefix: str) -> None:
    async def scenario() -> None:
        client = redis_client(REDIS_URL)
        one = RedisTokenBucketLimiter(lambda: client, f"{prefix}:rate:ip:", per_minute=6, burst=3)
        two = RedisTokenBucketLimiter(lambda: client, f"{prefix}:rate:ip:", per_minute=6, burst=3)
        assert [await one.hit("ip:1"), await two.hit("ip:1"), await one.hit("ip:1")] == [0.0, 0.0, 0.0]
        wait = await two.hit("ip:1")
        assert 9 < wait <= 10                                     # 6 a minute: one every 10 s
        assert await one.hit("ip:2") == 0.0                       # another key has its own bucket
        await client.aclose()
        down = RedisTokenBucketLimiter(lambda: redis_client(f"redis://127.0.0.1:{free_port()}/0"),
                                       f"{prefix}:rate:ip:", per_minute=6, burst=1)
        assert await down.hit("ip:1") == 0.0 and await down.hit("ip:1") > 0   # per replica while Redis is down
    run_async(scenario())


def test_two_replicas_share_the_per_ip_limit(kb: KnowledgeBase, tmp_path: Path, prefix: str) -> None:
    settings = settings_for(tmp_path, redis_url=REDIS_URL, redis_prefix=prefix, rate_limits_enabled=True,
                            rate_limit_ip_per_minute=1, rate_limit_ip_burst=2)
    with TestClient(create_app(settings, kb=kb)) as a, TestClient(create_app(settings, kb=kb)) as b:
        assert a.get("/").status_code == 200
        assert b.get("/").status_code == 200
        refused = a.get("/")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 1
        assert b.get("/").status_code == 429

"""A message bus between gateway replicas: ``publish(channel, message)`` reaches every callback
subscribed to ``channel`` in every replica (this one included).

``LocalBus`` is the in-process part; ``RedisBus`` adds Redis pub/sub for the other replicas.
Delivery across replicas is best effort: a message published while Redis is unreachable is lost
(the console re-reads its JSON every 20 s, the catalog sync also polls the database)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

log = logging.getLogger(__name__)

Message = dict[str, Any]
Callback = Callable[[Message], None]
MAX_OUTGOING = 1000          # messages waiting for Redis; beyond that they are dropped, never memory
RECONNECT_MIN_SECONDS = 0.2
RECONNECT_MAX_SECONDS = 10.0



def call_on_loop(loop: asyncio.AbstractEventLoop | None, function: Callable[..., None], *args: Any) -> None:
    """Run ``function`` on ``loop``: now if we are on it, else handed over (from worker threads)."""
    if loop is None or loop.is_closed():
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        function(*args)
    else:
        with contextlib.suppress(RuntimeError):   # the loop closed meanwhile: shutting down
            loop.call_soon_threadsafe(function, *args)

class Bus(Protocol):
    def publish(self, channel: str, message: Message) -> None:
        """Thread-safe, never blocks nor raises (fire and forget)."""

    def subscribe(self, channel: str, callback: Callback) -> Callable[[], None]:
        """``callback`` runs on the bus's event loop; it must not block. Returns the unsubscriber."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class LocalBus:
    """Callbacks of this process, called on the loop the bus was started on."""

    def __init__(self) -> None:
        self._callbacks: dict[str, list[Callback]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()

    async def close(self) -> None:
        self._loop = None
        self._callbacks.clear()   # they belong to the app's objects of this run (hub, catalog sync)

    def subscribe(self, channel: str, callback: Callback) -> Callable[[], None]:
        self._callbacks.setdefault(channel, []).append(callback)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._callbacks.get(channel, []).remove(callback)
        return unsubscribe

    @property
    def channels(self) -> list[str]:
        return [c for c, callbacks in self._callbacks.items() if callbacks]

    def publish(self, channel: str, message: Message) -> None:
        self._on_loop(self._deliver, channel, message)

    def _on_loop(self, function: Callable[..., None], *args: Any) -> None:
        call_on_loop(self._loop, function, *args)

    def _deliver(self, channel: str, message: Message) -> None:
        for callback in list(self._callbacks.get(channel, [])):
            try:
                callback(message)
            except Exception:
                log.exception("bus callback %r failed on %s", callback, channel)


def redis_client(url: str, **options: Any) -> aioredis.Redis:
    """No retries inside the client: our loops decide when to try again, and a rate limit check
    must fail fast when Redis is down."""
    options.setdefault("socket_connect_timeout", 2.0)
    options.setdefault("socket_timeout", 2.0)
    return aioredis.Redis.from_url(url, retry=Retry(NoBackoff(), 0), **options)


class RedisBus(LocalBus):
    """Local delivery at once, plus Redis pub/sub (channel ``<prefix>:bus:<channel>``) for the other
    replicas; a replica ignores its own messages coming back from Redis. When the connection drops
    the listener reconnects with exponential back-off and subscribes again."""

    def __init__(self, url: str, prefix: str) -> None:
        super().__init__()
        self.url = url
        self.prefix = f"{prefix}:bus:"
        self.node = uuid.uuid4().hex          # this replica, to recognise its own echoes
        self.connected = asyncio.Event()      # set while the listener is subscribed (tests wait on it)
        self._client: aioredis.Redis | None = None
        self._listener: aioredis.Redis | None = None
        self._outgoing: asyncio.Queue[tuple[str, str]] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._subscribed: set[str] = set()

    async def start(self) -> None:
        await super().start()
        self.connected = asyncio.Event()      # bound to this loop
        self._client = redis_client(self.url)
        # Its own connection without a read timeout: a quiet channel is not a dead one; the health
        # check (a PING every 5 s) finds dead ones.
        self._listener = redis_client(self.url, socket_timeout=None, health_check_interval=5)
        self._outgoing = asyncio.Queue(MAX_OUTGOING)
        self._tasks = [asyncio.create_task(self._listen(), name="bus-listen"),
                       asyncio.create_task(self._send(), name="bus-send")]

    def is_following(self) -> bool:
        """Subscribed in Redis to every channel that has a callback here."""
        return self.connected.is_set() and {self.prefix + c for c in self.channels} <= self._subscribed

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        for client in (self._client, self._listener):
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.aclose()
        await super().close()

    def publish(self, channel: str, message: Message) -> None:
        payload = json.dumps({"from": self.node, "message": message}, ensure_ascii=False)
        self._on_loop(self._deliver, channel, message)
        self._on_loop(self._enqueue, channel, payload)

    def _enqueue(self, channel: str, payload: str) -> None:
        if self._outgoing is None:
            return
        try:
            self._outgoing.put_nowait((self.prefix + channel, payload))
        except asyncio.QueueFull:
            log.warning("bus: %d messages waiting for Redis; one dropped", MAX_OUTGOING)

    async def _send(self) -> None:
        assert self._outgoing is not None and self._client is not None
        failing = False
        while True:
            channel, payload = await self._outgoing.get()
            try:
                await self._client.publish(channel, payload)
                if failing:
                    log.info("bus: publishing to Redis again")
                failing = False
            except Exception as exc:   # redis errors and OSError alike: never kill the gateway
                if not failing:
                    log.warning("bus: Redis unreachable, message on %s lost (%r)", channel, exc)
                failing = True

    async def _listen(self) -> None:
        assert self._listener is not None
        delay = RECONNECT_MIN_SECONDS
        while True:
            pubsub = self._listener.pubsub(ignore_subscribe_messages=True)
            try:
                self._subscribed = set()
                await self._follow_subscriptions(pubsub)
                self.connected.set()
                if delay > RECONNECT_MIN_SECONDS:
                    log.info("bus: reconnected to Redis")
                delay = RECONNECT_MIN_SECONDS
                while True:
                    await self._follow_subscriptions(pubsub)
                    if not self._subscribed:
                        await asyncio.sleep(0.5)
                        continue
                    raw = await pubsub.get_message(timeout=1.0)
                    if raw is not None and raw.get("type") == "message":
                        self._receive(raw["channel"], raw["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.connected.clear()
                log.warning("bus: Redis connection lost (%r); retrying in %.1f s", exc, delay)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_SECONDS)

    async def _follow_subscriptions(self, pubsub: Any) -> None:
        """Subscribe to channels that got their first callback since the last look."""
        wanted = {self.prefix + c for c in self.channels}
        new = wanted - self._subscribed
        if new:
            await pubsub.subscribe(*sorted(new))
            self._subscribed |= new

    def _receive(self, channel: bytes | str, data: bytes | str) -> None:
        try:
            envelope = json.loads(data)
            if envelope.get("from") == self.node:
                return                       # delivered locally when published
            name = channel.decode() if isinstance(channel, bytes) else channel
            self._deliver(name.removeprefix(self.prefix), envelope["message"])
        except (ValueError, KeyError, AttributeError):
            log.warning("bus: unreadable message on %r ignored", channel)

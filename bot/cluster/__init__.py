"""Running several gateway replicas (#8): a message bus, leases for jobs that must run once, and
shared rate limits — all in Redis when ``ASSISTANT_REDIS_URL`` is set. Empty (the embedded mode):
one process, everything stays in memory exactly as before and Redis is never contacted."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

import redis.asyncio as aioredis

from bot.cluster.bus import Bus, LocalBus, RedisBus, redis_client
from bot.cluster.lease import Lease, LeaseLock, LocalLease, RedisLease, run_exclusive
from bot.cluster.limits import RedisTokenBucketLimiter
from bot.ops.limits import RateLimiter, TokenBucketLimiter

__all__ = ["Bus", "Cluster", "Lease", "LocalBus", "LocalLease", "RedisBus", "RedisLease", "run_exclusive"]


class ClusterSettings(Protocol):
    redis_url: str
    redis_prefix: str
    cluster_lease_seconds: float
    catalog_poll_seconds: float


class Cluster:
    """Made in ``create_app`` (no I/O), started and closed by the lifespan."""

    def __init__(self, redis_url: str = "", prefix: str = "assistant", lease_seconds: float = 30.0,
                 catalog_poll_seconds: float = 10.0) -> None:
        self.redis_url = redis_url
        self.prefix = prefix
        self.lease_seconds = lease_seconds
        self.catalog_poll_seconds = catalog_poll_seconds
        self.bus: RedisBus | None = RedisBus(redis_url, prefix) if redis_url else None
        self.redis: aioredis.Redis | None = None   # commands (leases, limits); the bus has its own

    @classmethod
    def from_settings(cls, settings: ClusterSettings) -> Cluster:
        return cls(settings.redis_url, settings.redis_prefix, settings.cluster_lease_seconds,
                   settings.catalog_poll_seconds)

    @property
    def distributed(self) -> bool:
        return bool(self.redis_url)

    async def start(self) -> None:
        if not self.distributed:
            return
        self.redis = redis_client(self.redis_url)
        assert self.bus is not None
        await self.bus.start()   # does not wait for Redis: the gateway starts even while it is down

    async def close(self, tasks: Iterable[asyncio.Task[Any]] = ()) -> None:
        """``tasks``: background tasks just cancelled; waited for (a few seconds at most) so that
        jobs release their leases while Redis is still reachable."""
        if not self.distributed:
            return
        pending = [t for t in tasks if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=5)
        if self.bus is not None:
            await self.bus.close()
        if self.redis is not None:
            with contextlib.suppress(Exception):
                await self.redis.aclose()
            self.redis = None

    # ---- jobs ---------------------------------------------------------------------------------
    def lease(self, name: str, ttl: float | None = None) -> Lease:
        ttl = ttl or self.lease_seconds
        if self.redis is None:
            return LocalLease(name, ttl)
        return RedisLease(self.redis, f"{self.prefix}:lease:{name}", ttl)

    def exclusive(self, name: str, job: Callable[[], Awaitable[None]]) -> Coroutine[Any, Any, None]:
        """The coroutine to run as a background task: ``job`` itself in the embedded mode, else
        ``job`` on whichever replica holds the lease ``name``."""
        if not self.distributed:
            return _await(job)
        return run_exclusive(self.lease(name), job)

    def lock(self, name: str) -> Callable[[], AbstractAsyncContextManager[None]] | None:
        """A lock across replicas for short critical sections; None in the embedded mode (callers
        keep their in-process lock)."""
        if not self.distributed:
            return None
        return LeaseLock(lambda: self.lease(name, ttl=60.0))

    # ---- rate limits ------------------------------------------------------------
    def rate_limiter(self, name: str, per_minute: float, burst: int) -> RateLimiter:
        if not self.distributed:
            return TokenBucketLimiter(per_minute, burst)
        return RedisTokenBucketLimiter(lambda: self.redis, f"{self.prefix}:rate:{name}:", per_minute, burst)



async def _await(job: Callable[[], Awaitable[None]]) -> None:
    await job()

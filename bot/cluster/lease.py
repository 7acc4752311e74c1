"""Leases: at most one replica holds a named lease at a time, for at most ``ttl`` unless renewed.

Redis ``SET key token NX PX ttl`` takes it; renewal and release are compare-and-extend and
compare-and-delete in Lua, so a replica whose lease expired (and was taken over) cannot extend or
delete the new holder's. In the embedded mode (one process) ``LocalLease`` always holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol

import redis.asyncio as aioredis

log = logging.getLogger(__name__)

EXTEND = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class Lease(Protocol):
    name: str
    ttl: float

    async def acquire(self) -> bool:
        """Take the lease, or keep it if it is already ours. False when held by another (or unknown)."""

    async def renew(self) -> bool:
        """Extend our lease by ``ttl``; False if it is no longer ours (or Redis cannot say)."""

    async def release(self) -> None: ...


class LocalLease:
    """One process: nobody to share with, the lease is always held."""

    def __init__(self, name: str, ttl: float = 30.0) -> None:
        self.name, self.ttl = name, ttl

    async def acquire(self) -> bool:
        return True

    async def renew(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class RedisLease:
    def __init__(self, client: aioredis.Redis, key: str, ttl: float, token: str | None = None) -> None:
        self.client = client
        self.name = key
        self.ttl = ttl
        self.token = token or uuid.uuid4().hex   # who holds it: only the holder can extend or free it
        self.unreachable = False                 # the last call could not reach Redis

    @property
    def _ttl_ms(self) -> int:
        return max(1, int(self.ttl * 1000))

    async def acquire(self) -> bool:
        try:
            taken = bool(await self.client.set(self.name, self.token, nx=True, px=self._ttl_ms)
                         or await self.client.eval(EXTEND, 1, self.name, self.token, self._ttl_ms))
        except Exception as exc:   # Redis down: we cannot know, so we do not hold it
            if not self.unreachable:
                log.warning("lease %s: Redis unreachable (%r)", self.name, exc)
            self.unreachable = True
            return False
        self.unreachable = False
        return taken

    async def renew(self) -> bool:
        try:
            return bool(await self.client.eval(EXTEND, 1, self.name, self.token, self._ttl_ms))
        except Exception as exc:
            log.warning("lease %s: renewal failed (%r)", self.name, exc)
            return False

    async def release(self) -> None:
        try:
            await self.client.eval(RELEASE, 1, self.name, self.token)
        except Exception as exc:   # it expires by itself after ttl
            log.warning("lease %s: release failed (%r)", self.name, exc)


async def run_exclusive(lease: Lease, job: Callable[[], Awaitable[None]], retry_seconds: float | None = None) -> None:
    """Run ``job`` (a loop that never returns) only while holding ``lease``. The holder renews every
    third of the ttl and cancels the job as soon as a renewal fails, before the ttl runs out and
    another replica may take over; the others try to acquire every ``retry_seconds``."""
    renew_every = lease.ttl / 3
    retry = retry_seconds if retry_seconds is not None else renew_every
    while True:
        if await lease.acquire():
            log.info("lease %s taken: this replica runs the job", lease.name)
            task = asyncio.ensure_future(job())
            try:
                while True:
                    done, _ = await asyncio.wait({task}, timeout=renew_every)
                    if done:
                        if not task.cancelled() and task.exception() is not None:
                            log.error("job under lease %s failed", lease.name, exc_info=task.exception())
                        break
                    if not await lease.renew():
                        log.warning("lease %s lost: job stopped on this replica", lease.name)
                        break
            finally:
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
                await lease.release()   # on shutdown too: another replica takes over at once
        await asyncio.sleep(retry)


class LeaseLock:
    """A lock across replicas for a short critical section (the Zalo token refresh): a local
    ``asyncio.Lock`` first, then the lease, waited for at most ``wait`` seconds. If Redis is down
    or the wait runs out we go on without it: the caller must stay safe on its own (the token
    refresh is a compare-and-swap) — the lease only keeps replicas from racing."""

    def __init__(self, make_lease: Callable[[], Lease], wait: float = 10.0, poll: float = 0.1) -> None:
        self._make_lease = make_lease
        self._wait = wait
        self._poll = poll
        self._local: dict[int, asyncio.Lock] = {}   # per event loop

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        local = self._local.setdefault(id(asyncio.get_running_loop()), asyncio.Lock())
        async with local:
            lease = self._make_lease()
            held = await self._take(lease)
            try:
                yield
            finally:
                if held:
                    await lease.release()

    async def _take(self, lease: Lease) -> bool:
        deadline = asyncio.get_running_loop().time() + self._wait
        while not await lease.acquire():
            if getattr(lease, "unreachable", False):
                log.warning("lease %s: Redis unreachable; going on without it", lease.name)
                return False
            if asyncio.get_running_loop().time() >= deadline:
                log.warning("lease %s not obtained in %.0f s; going on without it", lease.name, self._wait)
                return False
            await asyncio.sleep(self._poll)
        return True

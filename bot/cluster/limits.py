"""A token bucket shared by every replica: the bucket lives in Redis and one Lua script refills and
takes from it atomically, on Redis's clock (replicas' clocks may differ)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import redis.asyncio as aioredis

from bot.ops.limits import TokenBucketLimiter

log = logging.getLogger(__name__)

# KEYS[1] bucket; ARGV rate (tokens/s), burst. Returns the wait in seconds as a string (Lua numbers
# come back from Redis as integers otherwise).
TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or burst
local at = tonumber(bucket[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""
WARN_EVERY_SECONDS = 60.0


class RedisTokenBucketLimiter:
    """Same contract as ``TokenBucketLimiter``. ``client`` gives the current Redis client (None
    before the gateway started); while Redis is unreachable this replica's own in-memory bucket
    answers, so limits still hold per replica rather than failing open or closed."""

    def __init__(self, client: Callable[[], aioredis.Redis | None], key_prefix: str, per_minute: float,
                 burst: int) -> None:
        self.fallback = TokenBucketLimiter(per_minute, burst)   # also validates the numbers
        self._client = client
        self.key_prefix = key_prefix
        self.rate = per_minute / 60.0
        self.burst = burst
        self._script: tuple[aioredis.Redis, object] | None = None
        self._warned_at = -WARN_EVERY_SECONDS

    async def hit(self, key: str) -> float:
        client = self._client()
        if client is None:
            return await self.fallback.hit(key)
        if self._script is None or self._script[0] is not client:
            self._script = (client, client.register_script(TAKE))   # EVALSHA, loaded again if flushed
        script = self._script[1]
        try:
            wait = await script(keys=[self.key_prefix + key], args=[repr(self.rate), self.burst])  # type: ignore[operator]
        except Exception as exc:
            now = time.monotonic()
            if now - self._warned_at >= WARN_EVERY_SECONDS:
                log.warning("rate limits: Redis unreachable (%r); limiting per replica meanwhile", exc)
                self._warned_at = now
            return await self.fallback.hit(key)
        return float(wait)

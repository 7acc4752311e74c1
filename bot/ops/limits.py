"""Rate limits: per client IP on public endpoints, and per chat sender on the web chat.

Token buckets kept in this process behind the ``RateLimiter`` interface, so a shared (Redis) one
can replace them when the gateway runs as several replicas. The client IP is the ASGI ``client``:
behind a reverse proxy run uvicorn with ``--proxy-headers --forwarded-allow-ips=<proxy>`` so it is
the citizen's, never trust ``X-Forwarded-For`` from anyone else.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from typing import Protocol

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.ops.senders import sender_from_body, sender_from_query

TOO_FAST = "Anh/Chị gửi quá nhanh, vui lòng thử lại sau ít giây."
# Not limited per IP: staff (logged in, few), probes and scrapes, Rasa calling its actions, and the
# payment providers' and platforms' callbacks (few source IPs, signatures checked by their routes).
DEFAULT_EXEMPT_PREFIXES = ("/staff", "/health", "/ready", "/metrics", "/actions", "/payments/",
                           "/webhooks/zalo", "/webhooks/telegram")
# Chat endpoints limited per sender, and where the sender is: "body" (JSON or multipart) or "query".
MESSAGE_PATHS = {"/webhooks/rest/webhook": "body", "/api/chat/upload": "body"}
POLL_PATHS = {"/api/chat/updates": "query"}  # polled every 3 s by the web chat: a bucket of its own


class RateLimiter(Protocol):
    """Takes one token for ``key``: returns 0.0 when allowed, else the seconds until one is free."""

    async def hit(self, key: str) -> float: ...


class TokenBucketLimiter:
    """``burst`` requests at once, refilled at ``per_minute``. In process memory, at most
    ``max_keys`` buckets: the least recently used is forgotten first (a full bucket anyway, or a
    flood of addresses, which then gets a fresh burst each; the IP limit is not a firewall)."""

    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 100_000) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("per_minute must be > 0 and burst >= 1")
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}  # key → (tokens, time); order = recency

    async def hit(self, key: str) -> float:
        # No await inside: the event loop cannot interleave two hits on one bucket.
        now = self.clock()
        tokens, then = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_keys:
            del self._buckets[next(iter(self._buckets))]
        return wait


def _matches(path: str, prefixes: Iterable[str]) -> bool:
    """``/staff`` covers ``/staff`` and ``/staff/...`` but not ``/staffing``."""
    for prefix in prefixes:
        base = prefix.rstrip("/")
        if path == base or path.startswith(base + "/"):
            return True
    return False


async def too_many_requests(scope: Scope, receive: Receive, send: Send, wait: float) -> None:
    response = JSONResponse({"error": TOO_FAST}, status_code=429,
                            headers={"Retry-After": str(max(1, math.ceil(wait)))})
    await response(scope, receive, send)


class RateLimitMiddleware:
    """Pure ASGI; WebSockets and lifespan pass through. Add it inside the body limit, which caps
    what this reads to find a JSON or multipart ``sender``."""

    def __init__(self, app: ASGIApp, ip: RateLimiter, sender: RateLimiter, poll: RateLimiter,
                 exempt_prefixes: Iterable[str] = DEFAULT_EXEMPT_PREFIXES) -> None:
        self.app = app
        self.ip = ip
        self.sender = sender
        self.poll = poll
        self.exempt = tuple(exempt_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or _matches(path, self.exempt):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = await self.ip.hit(f"ip:{client[0] if client else '-'}")
        if wait:
            await too_many_requests(scope, receive, send, wait)
            return
        where = MESSAGE_PATHS.get(path) or POLL_PATHS.get(path)
        if where is not None:
            if where == "query":
                sender = sender_from_query(scope)
            else:
                sender, receive = await sender_from_body(scope, receive)
            limiter = self.poll if path in POLL_PATHS else self.sender
            wait = await limiter.hit(f"sender:{sender}") if sender else 0.0
            if wait:
                await too_many_requests(scope, receive, send, wait)
                return
        await self.app(scope, receive, send)


def install_rate_limits(app: FastAPI, ip: RateLimiter, sender: RateLimiter, poll: RateLimiter,
                        exempt_prefixes: Iterable[str] = DEFAULT_EXEMPT_PREFIXES) -> None:
    app.add_middleware(RateLimitMiddleware, ip=ip, sender=sender, poll=poll, exempt_prefixes=exempt_prefixes)

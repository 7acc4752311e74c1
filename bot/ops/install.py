"""One call wiring all of ``bot.ops`` into the app, in the order the middlewares must nest."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from fastapi import FastAPI
from prometheus_client.registry import Collector

from bot.ops.body_limit import install_body_limit
from bot.ops.limits import DEFAULT_EXEMPT_PREFIXES, RateLimiter, TokenBucketLimiter, install_rate_limits
from bot.ops.metrics import METRICS, GatewayMetrics, install_metrics
from bot.ops.request_id import install_request_id


class OpsSettings(Protocol):
    """The fields of ``bot.core.config.Settings`` this needs (names and defaults in docs of the change)."""

    max_upload_bytes: int
    metrics_token: str
    max_json_body_bytes: int
    rate_limits_enabled: bool
    rate_limit_ip_per_minute: float
    rate_limit_ip_burst: int
    rate_limit_sender_per_minute: float
    rate_limit_sender_burst: int
    rate_limit_poll_per_minute: float
    rate_limit_poll_burst: int


def _in_memory(_name: str, per_minute: float, burst: int) -> RateLimiter:
    return TokenBucketLimiter(per_minute, burst)


def install_ops(app: FastAPI, settings: OpsSettings, metrics: GatewayMetrics = METRICS,
                exempt_prefixes: tuple[str, ...] = DEFAULT_EXEMPT_PREFIXES,
                make_limiter: Callable[[str, float, int], RateLimiter] = _in_memory,
                collectors: Iterable[Collector] = ()) -> None:
    """Starlette wraps the last added middleware outermost, so from the outside in:
    request id (every answer has one) → metrics (counts 413/429 too) → body limit → rate limits.
    ``make_limiter(name, per_minute, burst)``: in memory, or shared by the replicas (bot/cluster)."""
    if settings.rate_limits_enabled:
        install_rate_limits(
            app,
            ip=make_limiter("ip", settings.rate_limit_ip_per_minute, settings.rate_limit_ip_burst),
            sender=make_limiter("sender", settings.rate_limit_sender_per_minute, settings.rate_limit_sender_burst),
            poll=make_limiter("poll", settings.rate_limit_poll_per_minute, settings.rate_limit_poll_burst),
            exempt_prefixes=exempt_prefixes)
    install_body_limit(app, json_limit=settings.max_json_body_bytes, max_upload_bytes=settings.max_upload_bytes)
    install_metrics(app, token=settings.metrics_token, metrics=metrics, collectors=collectors)
    install_request_id(app)

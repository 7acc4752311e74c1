"""Prometheus metrics: HTTP traffic per route template, queue gauges read at scrape time, and
counters the services call (handoffs requested, payment callbacks judged).

Labels hold only bounded, non-personal values: route templates (never raw paths), methods, status
codes, team, reason, provider and outcome names.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import time
from collections.abc import Iterable

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.core.services import services_of
from bot.ops.routing import route_template

log = logging.getLogger(__name__)

METRICS_PATH = "/metrics"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Chat turns wait for Rasa (timeout 10 s by default): buckets reach past it.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
KNOWN_TEAMS = ("volunteer", "hotline")
_LABEL_SAFE = re.compile(r"[^a-z0-9_]+")


def metric_label(value: str, fallback: str = "none") -> str:
    """Bound a label taken from app data: lower-case ``[a-z0-9_]``, at most 32 characters."""
    cleaned = _LABEL_SAFE.sub("_", str(value).lower()).strip("_")[:32]
    return cleaned or fallback


class GatewayMetrics:
    """The process's counters and histograms, on their own registry (so tests can build a fresh
    one; the module-level ``METRICS`` is what the app and its services use)."""

    def __init__(self, process_metrics: bool = True) -> None:
        self.registry = CollectorRegistry()
        if process_metrics:  # CPU, memory, open files, GC: what an operator looks at first
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
            GCCollector(registry=self.registry)
        self.http_requests = Counter(
            "gateway_http_requests", "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"], registry=self.registry)
        self.http_latency = Histogram(
            "gateway_http_request_duration_seconds", "Time to answer an HTTP request (whole body sent).",
            ["method", "route"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.handoffs_requested = Counter(
            "gateway_handoffs_requested", "Requests for a person, by team and reason.",
            ["team", "reason"], registry=self.registry)
        self.payment_outcomes = Counter(
            "gateway_payment_outcomes",
            "Payment notifications judged, by provider, source (callback|query) and outcome "
            "(confirmed, failure_recorded, already_confirmed, or a refusal: bad_signature, ...).",
            ["provider", "source", "outcome"], registry=self.registry)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "OTHER"
        self.http_requests.labels(method, route, str(status)).inc()
        self.http_latency.labels(method, route).observe(seconds)

    def handoff_requested(self, team: str, reason: str) -> None:
        """Call where a handoff is created (``team`` may be empty when nobody is online)."""
        self.handoffs_requested.labels(metric_label(team), metric_label(reason)).inc()

    def payment_outcome(self, provider: str, outcome: str, source: str = "callback") -> None:
        """Call with the ``Outcome`` the payment service decided (a ``StrEnum``: its value is used)."""
        self.payment_outcomes.labels(metric_label(provider), metric_label(source), metric_label(outcome)).inc()


METRICS = GatewayMetrics()


class MetricsMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware): streaming bodies pass through untouched, and WebSockets
    and lifespan go straight to the app. Time runs until the last body chunk is sent."""

    def __init__(self, app: ASGIApp, metrics: GatewayMetrics = METRICS) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        root_path = scope.get("root_path", "")
        start = time.perf_counter()
        status = 500  # what the server answers when the app raises before starting a response

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.observe_request(scope["method"], route_template(scope, root_path), status,
                                         time.perf_counter() - start)


def install_metrics(app: FastAPI, token: str = "", metrics: GatewayMetrics = METRICS,
                    collectors: Iterable[Collector] = ()) -> GatewayMetrics:
    """Add the HTTP middleware and ``GET /metrics``; with ``token`` set, scrapes need
    ``Authorization: Bearer <token>``. ``collectors`` add gauges read at scrape time (the queues of
    the capabilities above, which this module must not import). The metrics object is also
    registered among the app's services."""
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    services_of(app).add(metrics, GatewayMetrics)
    # Gauges per app (they read this app's services); counters are per process.
    app_registry = CollectorRegistry()
    for collector in collectors:
        app_registry.register(collector)
    if not token:
        log.warning("GET %s is not protected by a token: keep it off the public network", METRICS_PATH)
    expected = f"Bearer {token}".encode()

    async def scrape(request: Request) -> Response:
        given = request.headers.get("authorization", "").encode()
        if token and not hmac.compare_digest(given, expected):
            return PlainTextResponse("Unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"})
        body = await asyncio.to_thread(lambda: generate_latest(metrics.registry) + generate_latest(app_registry))
        return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})

    app.add_api_route(METRICS_PATH, scrape, methods=["GET"], include_in_schema=False)
    return metrics

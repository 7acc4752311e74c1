"""A request id per HTTP request: kept from the client's ``X-Request-ID`` when sane, else made here;
put in a context variable (so every log line of the request carries it) and in the response."""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.core.privacy import mask
from bot.ops.routing import route_template

HEADER = "X-Request-ID"
# Ids that a proxy or client commonly sends (UUIDs, hex, base64url); nothing that could break a log line.
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,127}")

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
access_log = logging.getLogger("bot.access")


def current_request_id() -> str | None:
    return request_id_var.get()


def new_request_id() -> str:
    while True:
        request_id = uuid.uuid4().hex
        if _loggable(request_id):
            return request_id


def _loggable(request_id: str) -> bool:
    """Logs mask digit runs that look like a phone or căn cước number. An id with such a run would
    reach the log altered and no longer match the response header (measured: 1.9 % of random ids),
    and a client's id with one may carry personal data: neither is used."""
    return mask(request_id) == request_id


class RequestIdMiddleware:
    """Pure ASGI. For WebSockets the id is only set for logs (the handshake answer is left alone).
    With ``access_log``, one line per request with the route template, never the raw path or query
    (file tokens, payment parameters): run uvicorn with ``--no-access-log`` then."""

    def __init__(self, app: ASGIApp, access_log: bool = True) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(HEADER, "")
        request_id = given if _SANE.fullmatch(given) and _loggable(given) else new_request_id()
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id  # request.state.request_id
        if scope["type"] == "websocket":
            try:
                await self.app(scope, receive, send)
            finally:
                request_id_var.reset(token)
            return

        root_path = scope.get("root_path", "")
        start = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self.access_log:
                route = route_template(scope, root_path)
                access_log.info("%s %s %d", scope["method"], route, status, extra={
                    "method": scope["method"], "route": route, "status": status, "request_id": request_id,
                    "duration_ms": round((time.perf_counter() - start) * 1000, 1)})
            request_id_var.reset(token)


def install_request_id(app: FastAPI, access_log: bool = True) -> None:
    """Add last, so it is the outermost middleware: 413/429 answers get the header too."""
    app.add_middleware(RequestIdMiddleware, access_log=access_log)

"""A local stand-in for Zalo's HTTP APIs (OA OpenAPI v3 messages, v2 image upload, OAuth v4 token
refresh, file downloads), run by uvicorn on 127.0.0.1 in a thread. Tests steer it through
``ZaloStandIn`` attributes: fail with 5xx, answer -216 once, make refresh tokens single-use."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from tests.support.servers import serve_in_thread

INVALID_TOKEN = {"error": -216, "message": "Access token is invalid"}
INVALID_REFRESH = {"error": -14014, "error_name": "Invalid parameter",
                   "error_reason": "Invalid refresh token", "error_description": "Refresh token is invalid",
                   "ref_doc": "https://developers.zalo.me/docs/official-account/bat-dau/xac-thuc-va-uy-quyen"}


@dataclass
class ZaloStandIn:
    app_id: str = "app-1"
    secret_key: str = "app-secret"
    access_tokens: set[str] = field(default_factory=lambda: {"access-1"})
    refresh_tokens: set[str] = field(default_factory=lambda: {"refresh-1"})
    sent: list[dict[str, Any]] = field(default_factory=list)
    uploads: list[bytes] = field(default_factory=list)
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    refreshes: list[str] = field(default_factory=list)          # refresh tokens spent
    rejected_refreshes: list[str] = field(default_factory=list)  # reuse / unknown tokens
    blocked_users: set[str] = field(default_factory=set)
    outage: bool = False                # every OpenAPI call answers 503
    reject_token_once: bool = False     # next message call answers -216 and revokes the token
    refresh_delay: float = 0.0
    url: str = ""
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(2))

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.post("/v3.0/oa/message/{kind}")
        async def message(kind: str, request: Request) -> Response:
            if self.outage:
                return JSONResponse({"error": -1, "message": "Service unavailable"}, status_code=503)
            token = request.headers.get("access_token", "")
            if self.reject_token_once:
                self.reject_token_once = False
                self.access_tokens.discard(token)
            if token not in self.access_tokens:
                return JSONResponse(INVALID_TOKEN)
            body = await request.json()
            if body["recipient"]["user_id"] in self.blocked_users:
                return JSONResponse({"error": -213, "message": "User has not followed OA"})
            message_id = f"zmsg-{len(self.sent) + 1}"
            self.sent.append({"kind": kind, "token": token, "id": message_id, **body})
            return JSONResponse({"error": 0, "message": "Success",
                                 "data": {"message_id": message_id, "user_id": body["recipient"]["user_id"]}})

        @api.post("/v2.0/oa/upload/image")
        async def upload(request: Request) -> Response:
            if self.outage:
                return JSONResponse({"error": -1}, status_code=503)
            if request.headers.get("access_token", "") not in self.access_tokens:
                return JSONResponse(INVALID_TOKEN)
            form = await request.form()
            data = await form["file"].read()  # type: ignore[union-attr]
            self.uploads.append(data)
            return JSONResponse({"error": 0, "message": "Success",
                                 "data": {"attachment_id": f"att-{len(self.uploads)}"}})

        @api.post("/v4/oa/access_token")
        async def refresh(request: Request) -> Response:
            form = await request.form()
            token = str(form.get("refresh_token", ""))
            if (request.headers.get("secret_key") != self.secret_key or form.get("app_id") != self.app_id
                    or form.get("grant_type") != "refresh_token" or token not in self.refresh_tokens):
                self.rejected_refreshes.append(token)
                return JSONResponse(INVALID_REFRESH)
            self.refresh_tokens.discard(token)  # single-use: spent on arrival
            self.refreshes.append(token)
            if self.refresh_delay:
                await asyncio.sleep(self.refresh_delay)
            n = next(self._counter)
            self.access_tokens = {f"access-{n}"}  # the previous access token stops working
            self.refresh_tokens.add(f"refresh-{n}")
            return JSONResponse({"access_token": f"access-{n}", "refresh_token": f"refresh-{n}",
                                 "expires_in": "90000"})

        @api.get("/files/{name}")
        async def download(name: str) -> Response:
            if name not in self.files:
                return Response(status_code=404)
            data, content_type = self.files[name]
            return Response(data, media_type=content_type)

        @api.get("/redirect/{name}")
        async def redirect(name: str) -> Response:
            return Response(status_code=302, headers={"location": f"/files/{name}"})

        return api

    def texts(self) -> list[str]:
        """Every text that reached a user, whatever the message shape."""
        out = []
        for sent in self.sent:
            message = sent["message"]
            payload = (message.get("attachment") or {}).get("payload") or {}
            if "text" in message:
                out.append(message["text"])
            elif "text" in payload:
                out.append(payload["text"])
            out.extend(e["content"] for e in payload.get("elements", []) if e.get("type") == "text")
        return out


@contextmanager
def running(standin: ZaloStandIn, port: int) -> Iterator[ZaloStandIn]:
    """Serve ``standin`` on 127.0.0.1:``port`` in a thread until the block ends."""
    with serve_in_thread(standin.app(), port, "Zalo stand-in") as url:
        standin.url = url
        yield standin

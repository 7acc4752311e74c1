"""A stand-in for the Telegram Bot API on 127.0.0.1: the methods the gateway calls, in Telegram's
response shapes, recording every call, and failing on demand (outage, flood limit, blocked user)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from tests.support.servers import serve_in_thread

BOT_USER = {"id": 777000111, "is_bot": True, "first_name": "Trợ lý ảo", "username": "tro_ly_dvc_bot"}
SEND_METHODS = frozenset({"sendMessage", "sendPhoto"})


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class StandinFile:
    data: bytes
    path: str
    reported_size: int


@dataclass
class TelegramStandin:
    """State of the stand-in; tests read ``calls`` and switch failures on and off."""

    token: str
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)
    files: dict[str, StandinFile] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)
    failure: str | None = None  # "down" (500), "flood" (429), "blocked" (403), "no_chat" (400)
    next_message_id: int = 1000

    def called(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in list(self.calls) if c.method == method]

    def add_file(self, file_id: str, data: bytes, path: str, reported_size: int | None = None) -> None:
        self.files[file_id] = StandinFile(data, path, len(data) if reported_size is None else reported_size)

    def push_update(self, update: dict[str, Any]) -> None:
        self.updates.append(update)


def _ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _error(code: int, description: str, **parameters: Any) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=code)


FAILURES = {
    "down": lambda: _error(500, "Internal Server Error"),
    "flood": lambda: _error(429, "Too Many Requests: retry after 3", retry_after=3),
    "blocked": lambda: _error(403, "Forbidden: bot was blocked by the user"),
    "no_chat": lambda: _error(400, "Bad Request: chat not found"),
}


async def _params(request: Request) -> dict[str, Any]:
    """PTB sends form fields (nested values JSON-encoded); curl users may send JSON."""
    if request.headers.get("content-type", "").startswith("application/json"):
        return dict(await request.json())
    out: dict[str, Any] = {}
    for key, value in (await request.form()).items():
        out[key] = value
        if isinstance(value, str) and value[:1] in "[{":
            out[key] = json.loads(value)
    return out


def create_app(state: TelegramStandin) -> FastAPI:
    app = FastAPI()

    def message(chat_id: Any, **content: Any) -> dict[str, Any]:
        state.next_message_id += 1
        return {"message_id": state.next_message_id, "date": int(time.time()), "from": BOT_USER,
                "chat": {"id": int(chat_id), "type": "private"}, **content}

    @app.post("/bot{token}/{method}")
    async def api(token: str, method: str, request: Request) -> Response:
        if token != state.token:
            return _error(401, "Unauthorized")
        params = await _params(request)
        state.calls.append(Call(method, params))
        if method in SEND_METHODS and state.failure:
            return FAILURES[state.failure]()
        markup = {"reply_markup": params["reply_markup"]} if "reply_markup" in params else {}
        if method == "getMe":
            return _ok(BOT_USER)
        if method == "sendMessage":
            text = str(params.get("text", ""))
            if not text.strip():
                return _error(400, "Bad Request: message text is empty")
            if len(text) > 4096:
                return _error(400, "Bad Request: message is too long")
            for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
                if any(len(b.get("callback_data", "").encode()) > 64 for b in row):
                    return _error(400, "Bad Request: BUTTON_DATA_INVALID")
            return _ok(message(params["chat_id"], text=text, **markup))
        if method == "sendPhoto":
            photo = [{"file_id": "sent-photo", "file_unique_id": "sp", "width": 800, "height": 600}]
            return _ok(message(params["chat_id"], photo=photo, **markup))
        if method == "answerCallbackQuery" or method in {"deleteWebhook", "setWebhook"}:
            return _ok(True)
        if method == "getFile":
            stored = state.files.get(str(params.get("file_id")))
            if stored is None:
                return _error(400, "Bad Request: invalid file_id")
            return _ok({"file_id": params["file_id"], "file_unique_id": f"u-{params['file_id']}",
                        "file_size": stored.reported_size, "file_path": stored.path})
        if method == "getUpdates":
            return _ok(await _long_poll(state, params))
        return _error(404, "Not Found")

    @app.get("/file/bot{token}/{path:path}")
    async def download(token: str, path: str) -> Response:
        found = next((f for f in state.files.values() if f.path == path), None)
        if token != state.token or found is None:
            return _error(404, "Not Found")
        state.downloads.append(path)
        return Response(found.data, media_type="application/octet-stream")

    return app


async def _long_poll(state: TelegramStandin, params: dict[str, Any]) -> list[dict[str, Any]]:
    """getUpdates: drop confirmed updates (id < offset), wait up to ``timeout`` for new ones."""
    offset = int(params.get("offset") or 0)
    state.updates[:] = [u for u in state.updates if u["update_id"] >= offset]
    deadline = time.monotonic() + float(params.get("timeout") or 0)
    while not state.updates and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return list(state.updates)


@contextmanager
def serve(token: str, port: int) -> Iterator[TelegramStandin]:
    """Run the stand-in with uvicorn in a thread on 127.0.0.1:``port``."""
    state = TelegramStandin(token=token, url=f"http://127.0.0.1:{port}")
    with serve_in_thread(create_app(state), port, "Telegram stand-in"):
        yield state


# ---- Updates in Telegram's shape, as the tests send them -----------------------------------------
def _chat(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "private", "first_name": "Lan"}


def _user(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Lan", "language_code": "vi"}


def message_update(update_id: int, chat_id: int, message_id: int, **content: Any) -> dict[str, Any]:
    """An update carrying a message (``text=…``, ``photo=[…]``, ``document={…}``, ``caption=…``)."""
    return {"update_id": update_id, "message": {"message_id": message_id, "date": int(time.time()),
                                                "chat": _chat(chat_id), "from": _user(chat_id), **content}}


def photo_sizes(*file_ids_and_sizes: tuple[str, int, int]) -> list[dict[str, Any]]:
    """PhotoSize list from (file_id, side in pixels, bytes), smallest first as Telegram sends them."""
    return [{"file_id": fid, "file_unique_id": f"u-{fid}", "width": side, "height": side, "file_size": size}
            for fid, side, size in file_ids_and_sizes]


def callback_update(update_id: int, chat_id: int, query_id: str, data: str, message_id: int = 1) -> dict[str, Any]:
    """An inline-button tap on the bot's message ``message_id``."""
    bot_message = {"message_id": message_id, "date": int(time.time()), "chat": _chat(chat_id),
                   "from": BOT_USER, "text": "…"}
    return {"update_id": update_id, "callback_query": {"id": query_id, "from": _user(chat_id),
                                                       "chat_instance": "ci-1", "message": bot_message,
                                                       "data": data}}

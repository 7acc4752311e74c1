"""Finding the chat ``sender`` of a request before the app runs, for per-sender rate limits.

The body read to find it is handed on to the app unchanged (``replay``). A JSON body is small (the
body limit caps it); a multipart upload is parsed as it streams and only read up to the ``sender``
field, which the web chat sends before the file. A sender not found in the first
``MULTIPART_SCAN_BYTES`` is treated as missing (the per-IP limit still applies).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.datastructures import Headers
from starlette.types import Message, Receive, Scope

MAX_SENDER_CHARS = 128  # as the chat routes validate it
MULTIPART_SCAN_BYTES = 64 * 1024


def sender_from_query(scope: Scope) -> str | None:
    """The web chat's ``X-Chat-Sender`` header (kept out of URLs and access logs), else ``?sender=``."""
    header = Headers(scope=scope).get("x-chat-sender")
    if header:
        return _sane(header)
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("sender")
    return _sane(values[0]) if values else None


def _sane(value: Any) -> str | None:
    return value[:MAX_SENDER_CHARS] if isinstance(value, str) and value else None


class _FieldFinder:
    """Streams multipart chunks until the value of one text field is complete."""

    def __init__(self, boundary: bytes, field: bytes) -> None:
        self.field = field
        self.value: str | None = None
        self.done = False
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._in_field = False
        self._data = bytearray()
        self._parser = MultipartParser(boundary, callbacks={
            "on_part_begin": self._part_begin, "on_header_field": self._header_field_data,
            "on_header_value": self._header_value_data, "on_header_end": self._header_end,
            "on_part_data": self._part_data, "on_part_end": self._part_end, "on_end": self._end})

    def feed(self, chunk: bytes) -> None:
        if self.done:
            return
        try:
            self._parser.write(chunk)
        except Exception:  # malformed: the app will refuse it; nothing to limit by here
            self.done = True

    def _part_begin(self) -> None:
        self._in_field = False
        self._data.clear()

    def _header_field_data(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if bytes(self._header_name).lower() == b"content-disposition":
            _, options = parse_options_header(bytes(self._header_value))
            self._in_field = options.get(b"name") == self.field and b"filename" not in options
        self._header_name.clear()
        self._header_value.clear()

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_field and len(self._data) <= MAX_SENDER_CHARS * 4:  # UTF-8: 4 bytes a character
            self._data += data[start:end]

    def _part_end(self) -> None:
        if self._in_field:
            self.value = _sane(bytes(self._data).decode("utf-8", "replace"))
            self.done = True

    def _end(self) -> None:
        self.done = True


async def sender_from_body(scope: Scope, receive: Receive) -> tuple[str | None, Receive]:
    """The ``sender`` of a JSON or multipart body, and a ``receive`` that gives the app the whole
    body again (what was read first, then the rest as it arrives)."""
    content_type = Headers(scope=scope).get("content-type", "")
    media, options = parse_options_header(content_type)
    finder: _FieldFinder | None = None
    if media == b"multipart/form-data" and options.get(b"boundary"):
        finder = _FieldFinder(options[b"boundary"], b"sender")
    # Any other body is read as JSON, as FastAPI does for "…/json", "…+json" and no content type:
    # a media type the limit skipped would otherwise skip the per-sender limit too.

    read: list[Message] = []
    size = 0
    more = True
    while more:
        message = await receive()  # the body limit's receive: raises past the limit
        read.append(message)
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        more = message.get("more_body", False)
        if finder is not None:
            finder.feed(chunk)
            if finder.done or size >= MULTIPART_SCAN_BYTES:
                break

    body = b"".join(m.get("body", b"") for m in read)
    sender = finder.value if finder is not None else _json_sender(body)
    return sender, replay(read, receive)


def _json_sender(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None  # the app answers 400/422 with the reason
    return _sane(data.get("sender")) if isinstance(data, dict) else None


def replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed

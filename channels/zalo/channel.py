"""The Zalo OA channel: sends through the OA message API v3, fetches files citizens send."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx

from channels.base import DeliveryError
from channels.messages import OutboundMessage
from channels.zalo.client import MessageKind, ZaloClient
from channels.zalo.errors import TOKEN_ERRORS, ZaloApiError, ZaloAuthError, delivery_error
from channels.zalo.render import ImagePart, Part, image_message, render_notice, render_reply
from channels.zalo.tokens import TokenStore
from channels.zalo.window import ReplyWindow

log = logging.getLogger(__name__)
T = TypeVar("T")
_IMAGE_TYPES = {b"\xff\xd8\xff": ("image/jpeg", "anh.jpg"), b"\x89PNG": ("image/png", "anh.png")}


class ZaloChannel:
    name = "zalo"

    def __init__(self, client: ZaloClient, tokens: TokenStore, window: ReplyWindow,
                 max_download_bytes: int) -> None:
        self._client = client
        self._tokens = tokens
        self._window = window
        self._max_bytes = max_download_bytes
        # Parts already delivered of a message being retried, so a retry does not repeat them.
        self._progress: dict[str, int] = {}

    async def close(self) -> None:
        await self._client.aclose()

    async def send(self, recipient_id: str, message: OutboundMessage, kind: str = "reply") -> str | None:
        """Deliver one message (maybe several Zalo messages); returns the first Zalo message id."""
        mode = await asyncio.to_thread(self._window.mode, recipient_id, kind)
        if mode == "blocked":
            log.warning("Zalo reply to %s blocked: outside the 48-hour window and not a notice",
                        recipient_id)
            raise DeliveryError("ngoài khung 48 giờ kể từ tin nhắn cuối của người dân; "
                                "chỉ thông báo (notice) mới được gửi dạng tin giao dịch", retryable=False)
        kind: MessageKind = "cs" if mode == "cs" else "transaction"
        parts = render_reply(message) if kind == "cs" else render_notice(message)
        key = _progress_key(recipient_id, kind, message)
        first_id: str | None = None
        for index in range(self._progress.get(key, 0), len(parts)):
            message_id = await self._deliver(recipient_id, kind, parts[index])
            self._progress[key] = index + 1
            first_id = first_id or message_id or None
        self._progress.pop(key, None)
        return first_id

    async def download(self, url: str) -> bytes:
        """Fetch a file the citizen sent (redirects followed, size capped)."""
        return await self._client.download(url, self._max_bytes)

    async def _deliver(self, recipient_id: str, kind: MessageKind, part: Part) -> str:
        body = image_message(await self._upload(part.url)) if isinstance(part, ImagePart) else part
        return await self._authorised(
            lambda token: self._client.send_message(token, kind, recipient_id, body))

    async def _upload(self, url: str) -> str:
        try:
            data = await self.download(url)
        except Exception as exc:
            raise DeliveryError(f"không tải được ảnh {url}: {exc!r}", retryable=True) from exc
        content_type, filename = next(
            (v for magic, v in _IMAGE_TYPES.items() if data.startswith(magic)), ("image/jpeg", "anh.jpg"))
        return await self._authorised(
            lambda token: self._client.upload_image(token, data, filename, content_type))

    async def _authorised(self, call: Callable[[str], Awaitable[T]]) -> T:
        """Run ``call`` with the access token; on -216/-220 refresh once and try again."""
        try:
            token = await self._tokens.access_token()
            try:
                return await call(token)
            except ZaloApiError as exc:
                if exc.code not in TOKEN_ERRORS:
                    raise delivery_error(exc) from exc
                log.info("Zalo rejected the access token (%s); refreshing", exc.code)
            token = await self._tokens.after_rejection(token)
            try:
                return await call(token)
            except ZaloApiError as exc:
                raise delivery_error(exc) from exc
        except ZaloAuthError as exc:
            raise DeliveryError(f"không làm mới được token Zalo: {exc}", retryable=True) from exc
        except ZaloApiError as exc:  # from the refresh call (OAuth server error)
            raise delivery_error(exc) from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(f"lỗi mạng khi gọi Zalo: {exc!r}", retryable=True) from exc


def _progress_key(recipient_id: str, kind: str, message: OutboundMessage) -> str:
    raw = json.dumps([recipient_id, kind, message.model_dump(exclude_none=True)], sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()

"""Request body size limit: 413 before the app reads an oversize body into memory.

A declared ``Content-Length`` over the limit is refused without reading anything; a body without
one (chunked) is counted as it streams, and the request is cut at the first byte over the limit.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

JSON_LIMIT_BYTES = 64 * 1024
MULTIPART_SLACK_BYTES = 1024 * 1024  # multipart framing and the other form fields around the file
# Rasa posts the whole tracker and domain to the action endpoint: hundreds of KB in a long
# conversation. The endpoint is internal (nginx does not expose /actions).
ACTION_SERVER_PATHS = ("/actions/",)
ACTION_SERVER_LIMIT_BYTES = 16 * 1024 * 1024
UPLOAD_PATHS = ("/api/chat/upload", "/staff/")   # where multipart files are accepted
# Payment providers' callbacks are a few KB (VNPay's is a query string): anything bigger is junk.
PAYMENT_CALLBACK_PATHS = ("/payments/",)
PAYMENT_CALLBACK_LIMIT_BYTES = 16 * 1024


def too_large_message(limit: int) -> str:
    size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{max(1, limit // 1024)} KB"
    return f"Dữ liệu gửi lên quá lớn (tối đa {size}). Vui lòng gửi nội dung nhỏ hơn."


class _BodyTooLarge(HTTPException):
    """Raised from ``receive``. An HTTPException, so FastAPI's body parsing lets it through instead
    of turning it into a 400; whatever the app answers then is replaced by our 413."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


class BodyLimitMiddleware:
    """Pure ASGI; only ``http`` requests are looked at (WebSockets pass through)."""

    def __init__(self, app: ASGIApp, json_limit: int = JSON_LIMIT_BYTES,
                 multipart_limit: int = 10 * 1024 * 1024 + MULTIPART_SLACK_BYTES) -> None:
        self.app = app
        self.json_limit = json_limit
        self.multipart_limit = multipart_limit

    def limit_for(self, headers: Headers, path: str = "") -> int:
        """Uploads get the upload limit; Rasa's action calls a large one; everything else (JSON,
        forms, webhooks) the small one."""
        if path.startswith(ACTION_SERVER_PATHS):
            return ACTION_SERVER_LIMIT_BYTES
        if path.startswith(PAYMENT_CALLBACK_PATHS):
            return min(PAYMENT_CALLBACK_LIMIT_BYTES, self.json_limit)
        content_type = headers.get("content-type", "").lower()
        uploads = content_type.startswith("multipart/") and path.startswith(UPLOAD_PATHS)
        return self.multipart_limit if uploads else self.json_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.limit_for(headers, scope.get("path", ""))
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return

        received = 0
        exceeded = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise _BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True  # the chunk is dropped: nothing past the limit reaches the app
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's answer to the cut body (an error page) is replaced by ours
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self._refuse(scope, receive, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        # Connection: close, so the server does not read the rest of the body to reuse the connection.
        response = JSONResponse({"error": too_large_message(limit)}, status_code=413,
                                headers={"Connection": "close"})
        await response(scope, receive, send)


def install_body_limit(app: FastAPI, json_limit: int = JSON_LIMIT_BYTES,
                       max_upload_bytes: int = 10 * 1024 * 1024) -> None:
    app.add_middleware(BodyLimitMiddleware, json_limit=json_limit,
                       multipart_limit=max_upload_bytes + MULTIPART_SLACK_BYTES)

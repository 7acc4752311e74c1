"""Rate and body-size limits without the gateway: a clock the test moves by hand, and an app with
the chat endpoints' shapes behind the limits."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from pydantic import BaseModel

from bot.ops.body_limit import BodyLimitMiddleware
from bot.ops.limits import TokenBucketLimiter, install_rate_limits


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class ChatBody(BaseModel):
    sender: str
    message: str = ""


def chat_app(clock: FakeClock, ip_burst: int = 100, sender_burst: int = 2, poll_burst: int = 2) -> FastAPI:
    """The chat endpoints' shapes, and a few exempt ones."""
    app = FastAPI()

    @app.post("/webhooks/rest/webhook")
    async def webhook(body: ChatBody) -> list[dict[str, str]]:
        return [{"recipient_id": body.sender}]

    @app.post("/api/chat/upload")
    async def upload(sender: Annotated[str, Form()], file: Annotated[UploadFile, File()]) -> dict[str, Any]:
        return {"sender": sender, "size": len(await file.read())}

    @app.get("/api/chat/updates")
    async def updates(sender: str = Query()) -> dict[str, str]:
        return {"sender": sender}

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def anything(path: str) -> dict[str, str]:
        return {"path": path}

    install_rate_limits(app, ip=TokenBucketLimiter(60, ip_burst, clock=clock),
                        sender=TokenBucketLimiter(60, sender_burst, clock=clock),
                        poll=TokenBucketLimiter(60, poll_burst, clock=clock))
    app.add_middleware(BodyLimitMiddleware, json_limit=1024, multipart_limit=64 * 1024)
    return app

"""REST chat: Rasa's REST-channel contract, served by the gateway (see docs/rest-chat.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from channels.messages import InboundMessage

router = APIRouter(tags=["chat"])


class RestMessage(BaseModel):
    """Body of ``POST /webhooks/rest/webhook``, as Rasa's REST channel accepts it."""

    sender: str = Field(min_length=1, max_length=128, description="Mã người gửi, ổn định theo phiên")
    message: str = Field(default="", max_length=100_000, description="Nội dung tin nhắn")
    message_id: str | None = Field(default=None, max_length=128,
                                   description="Mã tin nhắn phía client để nhận biết gửi trùng")
    metadata: dict[str, Any] = Field(default_factory=dict)


@router.post("/webhooks/rest/webhook", summary="Gửi tin nhắn, nhận danh sách tin trả lời")
async def rest_webhook(body: RestMessage, request: Request) -> list[dict[str, Any]]:
    inbound = InboundMessage(channel="web", sender_id=body.sender, text=body.message,
                             platform_message_id=body.message_id, metadata=body.metadata)
    handled = await request.app.state.conversations.handle(inbound)
    return [reply.to_rest(body.sender) for reply in handled.replies]

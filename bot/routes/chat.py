"""REST chat: Rasa's REST-channel contract, served by the gateway (see docs/rest-chat.md)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot import texts
from bot.attachments import AttachmentRejected
from bot.conversations import Recorded
from bot.models import Conversation, OutboxItem
from channels.messages import InboundMessage, OutboundMessage

router = APIRouter(tags=["chat"])
MAX_ROW_ID = 2**63 - 1   # the databases' largest integer: a bigger ``after`` overflowed in the driver (a 500)


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


class ChatUpdate(BaseModel):
    id: int
    messages: list[dict[str, Any]]


class ChatUpdates(BaseModel):
    updates: list[ChatUpdate]


@router.get("/api/chat/updates", response_model=ChatUpdates,
            summary="Tin gửi chủ động tới cuộc trò chuyện web (thông báo, nhân viên)")
async def chat_updates(request: Request, sender: str = Query(min_length=1, max_length=128),
                       after: int = Query(0, ge=0, le=MAX_ROW_ID)) -> ChatUpdates:
    """Messages delivered to this web conversation after outbox id ``after``. The sender id is
    a random value only the citizen's browser holds."""
    rows = await asyncio.to_thread(_delivered, request.app.state.sessions, sender, after)
    return ChatUpdates(updates=[
        ChatUpdate(id=row_id, messages=[OutboundMessage(**payload).to_rest(sender)])
        for row_id, payload in rows])


def _delivered(sessions: sessionmaker, sender: str, after: int) -> list[tuple[int, dict[str, Any]]]:
    with sessions() as session:
        return [(row.id, row.payload) for row in session.execute(
            select(OutboxItem.id, OutboxItem.payload).join(Conversation)
            .where(Conversation.channel == "web", Conversation.sender_id == sender,
                   OutboxItem.id > after, OutboxItem.status == "sent")
            .order_by(OutboxItem.id).limit(50))]


@router.post("/api/chat/upload", summary="Gửi ảnh hoặc PDF vào cuộc trò chuyện web")
async def upload(request: Request, sender: Annotated[str, Form(min_length=1, max_length=128)],
                 file: Annotated[UploadFile, File()]) -> list[dict[str, Any]]:
    """The file is checked by its content (JPEG, PNG, PDF), its size and readability, and stored
    with the conversation; a rejected file gets the reason, in the same reply shape as the chat."""
    limit = request.app.state.attachments.max_bytes
    data = await file.read(limit + 1)  # never read more than one byte past the limit
    inbound = InboundMessage(channel="web", sender_id=sender, text="",
                             metadata={"upload": file.filename or ""})
    recorded = await request.app.state.conversations.record(inbound)
    if recorded is None:  # cannot happen without a message id; kept for symmetry
        return []
    reply, attachment_id = await asyncio.to_thread(_store_upload, request, recorded, file.filename or "", data)
    replies = [reply]
    if attachment_id is not None:  # let the dialogue use the file (a document step, a supplement)
        replies += await request.app.state.conversations.announce_upload(recorded, "web", attachment_id)
    return [r.to_rest(sender) for r in replies]


def _store_upload(request: Request, recorded: Recorded, filename: str,
                  data: bytes) -> tuple[OutboundMessage, int | None]:
    try:
        stored = request.app.state.attachments.save(recorded.conversation_id, recorded.message_id,
                                                    filename, data)
    except AttachmentRejected as rejected:
        return OutboundMessage(text=rejected.reason), None
    return texts.file_received(stored.filename, stored.content_type), stored.id

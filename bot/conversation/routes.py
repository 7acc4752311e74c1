"""REST chat: Rasa's REST-channel contract, served by the gateway (see docs/rest-chat.md).

The web chat page also gets its sender here (``POST /api/chat/session``), bound to the browser by
a signed HttpOnly cookie, and the recent transcript (``GET /api/chat/history``) only with that
cookie: knowing a sender id is not enough to read a conversation. The page never puts the sender in
a URL; it sends it in the body or in the ``X-Chat-Sender`` header.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Header, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.conversation import texts
from bot.conversation.attachments import AttachmentRejected, AttachmentService
from bot.conversation.deps import Attachments, Conversations
from bot.conversation.models import Conversation, Message, OutboxItem
from bot.conversation.service import Recorded
from bot.core.config import Settings
from bot.core.deps import AppSettings, Sessions
from bot.core.params import MAX_ROW_ID
from bot.core.secrets import secret_key
from bot.core.tokens import tokens_match
from channels.messages import InboundMessage, OutboundMessage

router = APIRouter(tags=["chat"])
SENDER_HEADER = "X-Chat-Sender"
SESSION_COOKIE = "tro_ly_ao_chat"
SESSION_DAYS = 30
HISTORY_LIMIT = 40      # messages shown again after a reload: enough to pick up a form where it was
NO_STORE = {"Cache-Control": "no-store"}


class RestMessage(BaseModel):
    """Body of ``POST /webhooks/rest/webhook``, as Rasa's REST channel accepts it."""

    sender: str = Field(min_length=1, max_length=128, description="Mã người gửi, ổn định theo phiên")
    message: str = Field(default="", max_length=100_000, description="Nội dung tin nhắn")
    message_id: str | None = Field(default=None, max_length=128,
                                   description="Mã tin nhắn phía client để nhận biết gửi trùng")
    metadata: dict[str, Any] = Field(default_factory=dict)


@router.post("/webhooks/rest/webhook", summary="Gửi tin nhắn, nhận danh sách tin trả lời")
async def rest_webhook(body: RestMessage, conversations: Conversations) -> list[dict[str, Any]]:
    inbound = InboundMessage(channel="web", sender_id=body.sender, text=body.message,
                             platform_message_id=body.message_id, metadata=body.metadata)
    handled = await conversations.handle(inbound)
    return [reply.to_rest(body.sender) for reply in handled.replies]


class ChatUpdate(BaseModel):
    id: int
    messages: list[dict[str, Any]]


class ChatUpdates(BaseModel):
    updates: list[ChatUpdate]


@router.get("/api/chat/updates", response_model=ChatUpdates,
            summary="Tin gửi chủ động tới cuộc trò chuyện web (thông báo, nhân viên)")
async def chat_updates(sessions: Sessions,
                       x_chat_sender: Annotated[str | None, Header(min_length=1, max_length=128)] = None,
                       sender: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
                       after: int = Query(0, ge=0, le=MAX_ROW_ID)) -> ChatUpdates | JSONResponse:
    """Messages delivered to this web conversation after outbox id ``after``. The sender id is
    a random value only the citizen's browser holds: the page sends it in the ``X-Chat-Sender``
    header (never logged with the URL); ``?sender=`` is still read for older clients."""
    sender = x_chat_sender or sender
    if not sender:
        return JSONResponse({"error": "Yêu cầu không hợp lệ",
                             "details": [{"field": SENDER_HEADER, "reason": "thiếu (bắt buộc)"}]}, status_code=422)
    rows = await asyncio.to_thread(_delivered, sessions, sender, after)
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


class ChatSession(BaseModel):
    sender: str
    history: bool = Field(description="Có thể tải lại lịch sử (trình duyệt giữ cookie của phiên)")
    max_upload_bytes: int


@router.post("/api/chat/session", response_model=ChatSession,
             summary="Mã người gửi của trang trò chuyện web, gắn với trình duyệt này")
async def chat_session(request: Request, settings: AppSettings, sessions: Sessions, attachments: Attachments,
                       x_chat_sender: Annotated[str | None, Header(min_length=1, max_length=128)] = None,
                       ) -> JSONResponse:
    """The sender the page should use. The cookie's sender when the browser holds a valid one; the
    page's own earlier sender when its conversation exists but was started before cookies (kept,
    so its notices still arrive, but without history: nothing proves this browser started it);
    otherwise a new random sender, bound to this browser by the cookie."""
    sender = _cookie_sender(request, settings)
    bound = sender is not None
    if sender is None and x_chat_sender and await asyncio.to_thread(
            _web_conversation_exists, sessions, x_chat_sender):
        sender = x_chat_sender
    if sender is None:
        sender, bound = f"web-{uuid.uuid4()}", True
    body = ChatSession(sender=sender, history=bound, max_upload_bytes=attachments.max_bytes)
    response = JSONResponse(body.model_dump(), headers=NO_STORE)
    if bound:  # set again each visit: the 30 days count from the last one
        response.set_cookie(SESSION_COOKIE, f"{sender}.{_signature(settings, sender)}",
                            max_age=SESSION_DAYS * 86_400, path="/api/chat", httponly=True,
                            samesite="strict", secure=_https(request, settings))
    return response


class HistoryMessage(BaseModel):
    author: str = Field(description="citizen | bot")
    text: str | None = None
    buttons: list[dict[str, str]] = Field(default_factory=list)
    image: str | None = None
    custom: dict[str, Any] | None = None


class ChatHistory(BaseModel):
    messages: list[HistoryMessage]
    updates_after: int = Field(description="Số `after` cho /api/chat/updates: các tin trên đã gồm chúng")


@router.get("/api/chat/history", response_model=ChatHistory,
            summary="Các tin gần đây của cuộc trò chuyện web, chỉ cho trình duyệt đã bắt đầu nó")
async def chat_history(request: Request, settings: AppSettings, sessions: Sessions) -> JSONResponse:
    """The last messages of this browser's web conversation, oldest first, as the page shows them:
    button taps by their title, internal commands (``/greet``) left out, files by their name."""
    sender = _cookie_sender(request, settings)
    if sender is None:
        return JSONResponse({"error": "Trình duyệt này chưa có cuộc trò chuyện để tải lại."},
                            status_code=401, headers=NO_STORE)
    history = await asyncio.to_thread(_history, sessions, sender)
    return JSONResponse(history.model_dump(exclude_none=True), headers=NO_STORE)


def _signature(settings: Settings, sender: str) -> str:
    return hmac.new(secret_key(settings), f"web-chat:{sender}".encode(), hashlib.sha256).hexdigest()[:32]


def _https(request: Request, settings: Settings) -> bool:
    """Served over https, here or at the proxy in front (whose public address says so)."""
    return request.url.scheme == "https" or settings.public_url.startswith("https://")


def _cookie_sender(request: Request, settings: Settings) -> str | None:
    """The sender of a valid session cookie; None when absent, malformed or not signed by us."""
    value = request.cookies.get(SESSION_COOKIE, "")
    sender, _, signature = value.rpartition(".")
    if not sender or len(sender) > 128:
        return None
    return sender if tokens_match(_signature(settings, sender), signature) else None


def _web_conversation_exists(sessions: sessionmaker, sender: str) -> bool:
    with sessions() as session:
        return session.scalar(select(Conversation.id).where(
            Conversation.channel == "web", Conversation.sender_id == sender)) is not None


def _history(sessions: sessionmaker, sender: str) -> ChatHistory:
    with sessions() as session:
        conversation_id = session.scalar(select(Conversation.id).where(
            Conversation.channel == "web", Conversation.sender_id == sender))
        if conversation_id is None:
            return ChatHistory(messages=[], updates_after=0)
        rows = list(session.scalars(select(Message).where(Message.conversation_id == conversation_id)
                                    .order_by(Message.id.desc()).limit(HISTORY_LIMIT)))[::-1]
        last_outbox = session.scalar(select(func.max(OutboxItem.id))
                                     .where(OutboxItem.conversation_id == conversation_id)) or 0
    shown: list[HistoryMessage] = []
    offered: dict[str, str] = {}   # payload → title of the buttons the citizen could tap
    for row in rows:
        if row.direction == "out":
            reply = OutboundMessage(**(row.payload or {"text": row.text}))
            offered = {b.payload: b.title for b in reply.buttons} or offered
            shown.append(HistoryMessage(author="bot", text=reply.text, image=reply.image, custom=reply.custom,
                                        buttons=[b.model_dump() for b in reply.buttons]))
            continue
        text = _as_shown(row, offered)
        if text:
            shown.append(HistoryMessage(author="citizen", text=text))
    return ChatHistory(messages=shown, updates_after=last_outbox)


def _as_shown(row: Message, offered: dict[str, str]) -> str | None:
    """A citizen's message as the page showed it when it was sent."""
    upload = (row.payload or {}).get("upload")
    if upload is not None and not row.text:
        return f"📎 {upload}"
    text = row.text or ""
    if text.startswith("/"):   # a button's payload, or an internal command nobody typed
        return offered.get(text)
    return text or None


@router.post("/api/chat/upload", summary="Gửi ảnh hoặc PDF vào cuộc trò chuyện web")
async def upload(sender: Annotated[str, Form(min_length=1, max_length=128)], file: Annotated[UploadFile, File()],
                 conversations: Conversations, attachments: Attachments) -> list[dict[str, Any]]:
    """The file is checked by its content (JPEG, PNG, PDF), its size and readability, and stored
    with the conversation; a rejected file gets the reason, in the same reply shape as the chat."""
    limit = attachments.max_bytes
    data = await file.read(limit + 1)  # never read more than one byte past the limit
    inbound = InboundMessage(channel="web", sender_id=sender, text="",
                             metadata={"upload": file.filename or ""})
    recorded = await conversations.record(inbound)
    if recorded is None:  # cannot happen without a message id; kept for symmetry
        return []
    reply, attachment_id = await asyncio.to_thread(_store_upload, attachments, recorded, file.filename or "", data)
    replies = [reply]
    if attachment_id is not None:  # let the dialogue use the file (a document step, a supplement)
        replies += await conversations.announce_upload(recorded, "web", attachment_id)
    return [r.to_rest(sender) for r in replies]


def _store_upload(attachments: AttachmentService, recorded: Recorded, filename: str,
                  data: bytes) -> tuple[OutboundMessage, int | None]:
    try:
        stored = attachments.save(recorded.conversation_id, recorded.message_id, filename, data)
    except AttachmentRejected as rejected:
        return OutboundMessage(text=rejected.reason), None
    return texts.file_received(stored.filename, stored.content_type), stored.id

"""The handoff console: the page, its JSON API and its WebSocket (contract in docs/console.md).

An agent reads the handoffs waiting in their team's queue, the one they handle and, for a day, the
ones they handled (``bot.handoff.service.can_read``); any other id answers 404 like a missing one.
What citizens typed is shown with căn cước, phone numbers and e-mails masked, by the dossier page's
rule (``bot.dossiers.staff_view``): supervisors and admins may reveal a transcript with
``?reveal=1``, and each reveal is audited."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, File, Request, UploadFile, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.auth.deps import Auth
from bot.auth.pages import Audit, AuditLog, error_page, render
from bot.auth.reveal import may_reveal, shown_text
from bot.auth.service import Staff, StaffAuth
from bot.auth.web import SESSION_COOKIE, StaffHTTPError, make_route_class, require_staff
from bot.catalog.deps import Knowledge
from bot.conversation.attachments import AttachmentRejected
from bot.conversation.deps import Attachments
from bot.conversation.files import citizen_link
from bot.conversation.models import Attachment, Conversation, Message
from bot.core.deps import AppSettings, Sessions
from bot.core.params import RowId
from bot.core.tokens import tokens_match
from bot.core.vntime import aware, utcnow, vn_iso
from bot.handoff.deps import CitizenDossiers, Handoffs
from bot.handoff.models import CallbackRequest, Handoff
from bot.handoff.service import (
    OUTCOMES,
    REASONS,
    TEAMS,
    HandoffError,
    HandoffService,
    teams_of,
)
from channels.messages import OutboundMessage

router = APIRouter(prefix="/staff", route_class=make_route_class(error_page), include_in_schema=False)
ws_router = APIRouter(include_in_schema=False)
CHANNEL_LABELS = {"web": "Web", "rest": "Web", "zalo": "Zalo", "telegram": "Telegram"}
CSRF_HEADER = "X-CSRF-Token"


class ReplyBody(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class TransferBody(BaseModel):
    team: str
    note: str = Field(min_length=1, max_length=2000)


class CloseBody(BaseModel):
    outcome: str


class PresenceBody(BaseModel):
    status: str


class DoneBody(BaseModel):
    note: str = Field(default="", max_length=2000)


async def _csrf(request: Request, staff: Staff = Depends(require_staff())) -> Staff:  # noqa: B008
    """Every console POST carries the session's CSRF token in a header (the page's fetch calls)."""
    if not tokens_match(staff.csrf_token, request.headers.get(CSRF_HEADER)):
        raise StaffHTTPError(403, "Phiên làm việc không hợp lệ, vui lòng tải lại trang.")
    return staff


def _error(error: HandoffError) -> JSONResponse:
    return JSONResponse({"error": str(error)}, status_code=error.status_code)


async def _body(request: Request, model: type[BaseModel]) -> Any:
    try:
        return model.model_validate(await request.json())
    except (ValueError, ValidationError):
        raise StaffHTTPError(400, "Dữ liệu gửi lên không hợp lệ.") from None


def _iso(moment: dt.datetime | None) -> str | None:
    """Vietnam time with its offset (+07:00): the console shows it as is, scripts read the zone."""
    return vn_iso(moment)


def handoff_json(handoff: Handoff, conversation: Conversation | None, names: dict[str, str],
                 full: bool = False) -> dict[str, Any]:
    queued = aware(handoff.queued_at)
    channel = conversation.channel if conversation else ""
    sender = conversation.sender_id if conversation else ""
    return {"id": handoff.id, "status": handoff.status, "team": handoff.team, "team_label": TEAMS[handoff.team],
            "reason": handoff.reason, "reason_label": REASONS.get(handoff.reason, handoff.reason),
            "channel": channel, "channel_label": CHANNEL_LABELS.get(channel, channel),
            "citizen": f"{CHANNEL_LABELS.get(channel, channel)} …{sender[-4:]}",
            "queued_at": _iso(queued), "waiting_seconds": max(0, int((utcnow() - queued).total_seconds())),
            "agent": handoff.agent, "agent_name": names.get(handoff.agent or "", handoff.agent),
            "transfer_note": shown_text(handoff.transfer_note, full), "outcome": handoff.outcome,
            "summary": {k: shown_text(str(handoff.summary.get(k) or ""), full)
                        for k in ("procedure", "dossier_code", "question")}}


def callback_json(request: CallbackRequest, conversation: Conversation | None) -> dict[str, Any]:
    channel = conversation.channel if conversation else ""
    # The number to call stays whole (only the hotline, supervisors and admins see callbacks).
    return {"id": request.id, "phone": request.phone, "topic": shown_text(request.topic, False),
            "channel_label": CHANNEL_LABELS.get(channel, channel), "created_at": _iso(request.created_at),
            "call_after": _iso(request.call_after), "status": request.status, "done_by": request.done_by}


def _names(auth: StaffAuth) -> dict[str, str]:
    return {u.username: u.full_name or u.username for u in auth.list_users()}


def _conversations(sessions: sessionmaker, ids: set[int]) -> dict[int, Conversation]:
    with sessions() as session:
        return {c.id: c for c in session.scalars(select(Conversation).where(Conversation.id.in_(ids)))}


def _queue(service: HandoffService, sessions: sessionmaker, auth: StaffAuth, staff: Staff) -> dict[str, Any]:
    waiting, mine, callbacks = service.queue(staff)
    conversations = _conversations(sessions, {h.conversation_id for h in [*waiting, *mine]}
                                   | {c.conversation_id for c in callbacks})
    names = _names(auth)
    return {"me": {"username": staff.username, "name": staff.display_name, "role": staff.role,
                   "teams": list(teams_of(staff)), "presence": service.presence_of(staff.username)},
            "waiting": [handoff_json(h, conversations.get(h.conversation_id), names) for h in waiting],
            "mine": [handoff_json(h, conversations.get(h.conversation_id), names) for h in mine],
            "callbacks": [callback_json(c, conversations.get(c.conversation_id)) for c in callbacks]}


def message_json(message: Message, files: list[Attachment], names: dict[str, str],
                 full: bool = False) -> dict[str, Any]:
    """One message as staff read it: personal data masked unless ``full`` (an audited reveal)."""
    author, _, username = message.author.partition(":")
    payload = message.payload or {}
    return {"id": message.id, "author": author, "author_name": names.get(username) if username else None,
            "text": shown_text(message.text, full), "at": _iso(message.created_at),
            "buttons": [shown_text(str(b.get("title", "")), full) for b in payload.get("buttons") or []
                        if isinstance(b, dict)],
            "attachments": [{"id": f.id, "filename": shown_text(f.filename, full),
                             "url": f"/staff/attachments/{f.id}", "content_type": f.content_type}
                            for f in files]}


def _tapped(messages: list[Message]) -> dict[int, str | None]:
    """For each citizen message that is a button payload (``/greet``, ``/track_dossier{…}``): the
    title of the button the citizen tapped (from the bot's messages before it), or None for an
    internal payload no button showed (the web chat's opening ``/greet``): staff read words."""
    shown: dict[str, str] = {}
    tapped: dict[int, str | None] = {}
    for message in messages:
        if message.direction == "out":
            for button in (message.payload or {}).get("buttons") or []:
                if isinstance(button, dict) and button.get("payload"):
                    shown[str(button["payload"])] = str(button.get("title") or "")
        elif message.text.startswith("/"):
            title = shown.get(message.text.strip())
            tapped[message.id] = f"[Bấm nút] {title}" if title else None
    return tapped


def _transcript(sessions: sessionmaker, auth: StaffAuth, conversation_id: int,
                full: bool = False) -> list[dict[str, Any]]:
    names = _names(auth)
    with sessions() as session:
        messages = list(session.scalars(select(Message).where(Message.conversation_id == conversation_id)
                                        .order_by(Message.id)))
        files: dict[int | None, list[Attachment]] = {}
        for attachment in session.scalars(select(Attachment).where(Attachment.conversation_id == conversation_id)):
            files.setdefault(attachment.message_id, []).append(attachment)
    tapped = _tapped(messages)
    shown = []
    for message in messages:
        item = message_json(message, files.get(message.id, []), names, full)
        if message.id in tapped:
            if tapped[message.id] is None and not item["attachments"]:
                continue
            item["text"] = shown_text(tapped[message.id] or "", full)
        shown.append(item)
    return shown


# ---- page and reads --------------------------------------------------------------------------------
@router.get("/console")
async def console_page(request: Request, staff: Staff = Depends(require_staff())) -> Response:  # noqa: B008
    return render(request, "staff_console.html", {})


@router.get("/console/api/queue")
async def queue(service: Handoffs, sessions: Sessions, auth: Auth,
                staff: Staff = Depends(require_staff())) -> dict[str, Any]:  # noqa: B008
    return await asyncio.to_thread(_queue, service, sessions, auth, staff)


@router.get("/console/api/handoffs/{handoff_id}")
async def handoff_detail(handoff_id: RowId, service: Handoffs, sessions: Sessions, auth: Auth, backend: CitizenDossiers,
                         kb: Knowledge, audit: Audit, reveal: str = "",
                         staff: Staff = Depends(require_staff())) -> Any:  # noqa: B008
    try:
        handoff = await service.load_for(handoff_id, staff)
    except HandoffError as error:
        return _error(error)
    full = bool(reveal) and may_reveal(staff.role)
    conversation = (await asyncio.to_thread(_conversations, sessions, {handoff.conversation_id})).get(
        handoff.conversation_id)
    messages = await asyncio.to_thread(_transcript, sessions, auth, handoff.conversation_id, full)
    dossiers = []
    if conversation is not None:
        for view in await backend.list(channel=conversation.channel, sender_id=conversation.sender_id, limit=20):
            procedure = kb.procedure(view.procedure_id)
            dossiers.append({"code": view.code, "title": procedure.title if procedure else view.procedure_id,
                             "status_label": view.status.label})
    await audit(staff, "handoff.reveal" if full else "handoff.view", f"handoff:{handoff_id}")
    names = await asyncio.to_thread(_names, auth)
    return {"handoff": handoff_json(handoff, conversation, names, full), "messages": messages,
            "dossiers": dossiers, "revealed": full, "can_reveal": may_reveal(staff.role)}


@router.get("/console/api/canned")
async def canned(kb: Knowledge, q: str = "",
                 staff: Staff = Depends(require_staff())) -> list[dict[str, str]]:  # noqa: B008
    if q.strip():
        hits = await asyncio.to_thread(kb.search, q[:200], "faq", 5)
        faqs = [kb.faq(h.id) for h in hits]
    else:
        faqs = list(kb.catalog.faqs)[:5]
    return [{"id": f.id, "question": f.question, "answer": f.answer} for f in faqs if f is not None]


# ---- actions ----------------------------------------------------------------------------------------
async def _answer(audit: AuditLog, sessions: sessionmaker, auth: StaffAuth, staff: Staff, handoff_id: int,
                  action: str, detail: str, work: Any) -> JSONResponse:
    try:
        handoff = await work
    except HandoffError as error:
        return _error(error)
    await audit(staff, f"handoff.{action}", f"handoff:{handoff_id}", detail)
    conversation = (await asyncio.to_thread(_conversations, sessions, {handoff.conversation_id})).get(
        handoff.conversation_id)
    return JSONResponse(handoff_json(handoff, conversation, await asyncio.to_thread(_names, auth)))


@router.post("/console/api/handoffs/{handoff_id}/claim")
async def claim(handoff_id: RowId, service: Handoffs, sessions: Sessions, auth: Auth, audit: Audit,
                staff: Staff = Depends(_csrf)) -> JSONResponse:  # noqa: B008
    return await _answer(audit, sessions, auth, staff, handoff_id, "claim", "", service.claim(handoff_id, staff))


@router.post("/console/api/handoffs/{handoff_id}/transfer")
async def transfer(request: Request, handoff_id: RowId, service: Handoffs, sessions: Sessions, auth: Auth,
                   audit: Audit, staff: Staff = Depends(_csrf)) -> JSONResponse:  # noqa: B008
    body: TransferBody = await _body(request, TransferBody)
    return await _answer(audit, sessions, auth, staff, handoff_id, "transfer", f"→ {body.team}: {body.note}",
                         service.transfer(handoff_id, staff, body.team, body.note))


@router.post("/console/api/handoffs/{handoff_id}/close")
async def close(request: Request, handoff_id: RowId, service: Handoffs, sessions: Sessions, auth: Auth,
                audit: Audit, staff: Staff = Depends(_csrf)) -> JSONResponse:  # noqa: B008
    body: CloseBody = await _body(request, CloseBody)
    if body.outcome not in OUTCOMES:
        return JSONResponse({"error": "Kết quả không hợp lệ."}, status_code=400)
    return await _answer(audit, sessions, auth, staff, handoff_id, "close", body.outcome,
                         service.close(handoff_id, staff, body.outcome))


@router.post("/console/api/handoffs/{handoff_id}/return")
async def return_to_bot(handoff_id: RowId, service: Handoffs, sessions: Sessions, auth: Auth, audit: Audit,
                        staff: Staff = Depends(_csrf)) -> JSONResponse:  # noqa: B008
    return await _answer(audit, sessions, auth, staff, handoff_id, "return", "",
                         service.close(handoff_id, staff, "returned"))


@router.post("/console/api/handoffs/{handoff_id}/reply")
async def reply(request: Request, handoff_id: RowId, service: Handoffs, sessions: Sessions, auth: Auth,
                staff: Staff = Depends(_csrf)) -> JSONResponse:  # noqa: B008
    body: ReplyBody = await _body(request, ReplyBody)
    return await _send(service, sessions, auth, staff, handoff_id, OutboundMessage(text=body.text.strip()))


@router.post("/console/api/handoffs/{handoff_id}/files")
async def send_file(handoff_id: RowId, service: Handoffs, sessions: Sessions, auth: Auth, attachments: Attachments,
                    settings: AppSettings, file: UploadFile = File(...),  # noqa: B008
                    staff: Staff = Depends(_csrf)) -> JSONResponse:  # noqa: B008
    try:
        handoff = await service.load_for(handoff_id, staff)
    except HandoffError as error:
        return _error(error)
    data = await file.read(attachments.max_bytes + 1)
    try:
        stored = await asyncio.to_thread(attachments.save, handoff.conversation_id, None,
                                         file.filename or "tep", data)
    except AttachmentRejected as rejected:
        return JSONResponse({"error": rejected.reason}, status_code=400)
    link = citizen_link(settings, stored.id)
    message = OutboundMessage(text=f"📎 Nhân viên gửi Anh/Chị tệp “{stored.filename}”:\n{link}")
    return await _send(service, sessions, auth, staff, handoff_id, message, attachment_id=stored.id)


async def _send(service: HandoffService, sessions: sessionmaker, auth: StaffAuth, staff: Staff, handoff_id: int,
                message: OutboundMessage, attachment_id: int | None = None) -> JSONResponse:
    try:
        message_id = await service.reply(handoff_id, staff, message)
    except HandoffError as error:
        return _error(error)
    with sessions() as session, session.begin():
        if attachment_id is not None:   # the file shows in the transcript under the agent's message
            session.get(Attachment, attachment_id).message_id = message_id  # type: ignore[union-attr]
    messages = await asyncio.to_thread(_transcript, sessions, auth, (await service.load_for(
        handoff_id, staff)).conversation_id)
    return JSONResponse(next(m for m in messages if m["id"] == message_id))


@router.post("/console/api/presence")
async def presence(request: Request, service: Handoffs, audit: Audit,
                   staff: Staff = Depends(_csrf)) -> Any:  # noqa: B008
    body: PresenceBody = await _body(request, PresenceBody)
    try:
        status = await service.set_presence(staff, body.status)
    except HandoffError as error:
        return _error(error)
    await audit(staff, "agent.presence", staff.username, status)
    return {"presence": status}


@router.post("/console/api/callbacks/{callback_id}/done")
async def callback_done(request: Request, callback_id: RowId, service: Handoffs, audit: Audit,
                        staff: Staff = Depends(_csrf)) -> Any:  # noqa: B008
    body: DoneBody = await _body(request, DoneBody)
    try:
        done = await service.mark_callback_done(callback_id, staff, body.note)
    except HandoffError as error:
        return _error(error)
    await audit(staff, "callback.done", f"callback:{callback_id}", body.note)
    return callback_json(done, None)


# ---- live pushes ------------------------------------------------------------------------------------
@ws_router.websocket("/staff/console/ws")
async def console_socket(websocket: WebSocket, settings: AppSettings, auth: Auth, service: Handoffs) -> None:
    """Same-origin, logged-in consoles only. Pings are the agent's presence heartbeat."""
    origin = websocket.headers.get("origin", "")
    allowed = {settings.public_url.rstrip("/"), f"{websocket.url.scheme.replace('ws', 'http')}://"
               f"{websocket.headers.get('host', '')}"}
    staff = await asyncio.to_thread(auth.session_staff, websocket.cookies.get(SESSION_COOKIE))
    if staff is None or origin not in allowed:
        await websocket.close(code=4401)
        return
    await websocket.accept()
    events = service.hub.subscribe()
    await service.heartbeat(staff)

    async def pump() -> None:
        while True:
            await websocket.send_json(await events.get())

    sender = asyncio.create_task(pump())
    try:
        while True:
            data = await websocket.receive_json()
            if isinstance(data, dict) and data.get("type") == "ping":
                await service.heartbeat(staff)
                await websocket.send_json({"type": "pong"})
    except (WebSocketDisconnect, ValueError, RuntimeError):
        pass
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
        service.hub.unsubscribe(events)


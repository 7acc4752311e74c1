"""The handoff: who owns a conversation (the bot, the queue, an agent), and every move between.

``Conversation.owner`` is the one switch the gateway reads for each citizen message: ``bot`` →
Rasa; ``queue`` or ``agent:<username>`` → the console. Every change of a handoff is a conditional
UPDATE on the status it expects, so two agents racing for one conversation cannot both win, and
every citizen message is stored before it is routed, so a message written during a transfer is in
the transcript exactly once whoever reads it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.auth.service import Staff
from bot.conversation.models import Conversation, Message
from bot.conversation.outbox import Outbox
from bot.conversation.rasa_client import RasaClient, RasaUnavailable
from bot.core.errors import ServiceError
from bot.core.vntime import aware, utcnow
from bot.handoff import texts
from bot.handoff.hours import ServiceHours
from bot.handoff.hub import ConsoleHub
from bot.handoff.models import AgentPresence, CallbackRequest, Handoff
from bot.handoff.summary import problem
from bot.ops.metrics import METRICS
from channels.messages import OutboundMessage

log = logging.getLogger(__name__)

TEAMS = {"volunteer": "Tình nguyện viên", "hotline": "Tổng đài"}
ROLE_TEAMS: dict[str, tuple[str, ...]] = {"volunteer": ("volunteer",), "hotline": ("hotline",),
                                          "supervisor": ("volunteer", "hotline"), "admin": ("volunteer", "hotline")}
CALLBACK_ROLES = ("hotline", "supervisor", "admin")
REASONS = {"asked": "Công dân yêu cầu gặp người", "fallback": "Trợ lý ảo không hiểu hai lần liên tiếp",
           "complaint": "Công dân phàn nàn, không hài lòng", "submission_failed": "Nộp hồ sơ không thành công",
           "payment_failed": "Thanh toán không thành công"}
# Money and filing problems go to the hotline (staff of the centre); other questions to volunteers.
REASON_TEAM = {"complaint": "hotline", "submission_failed": "hotline", "payment_failed": "hotline"}
OUTCOMES = {"resolved": "Đã giải quyết", "unresolved": "Chưa giải quyết", "callback": "Hẹn gọi lại",
            "spam": "Tin rác", "returned": "Trả lại trợ lý ảo", "cancelled": "Công dân hủy chờ"}
WAIT_SAMPLE = 20          # recent claims used to estimate the wait
UNSTAFFED = "unstaffed"   # outcome of a request nobody could take (out of hours, nobody online)
UNSTAFFED_REPEAT = dt.timedelta(minutes=10)
PROBLEM_LOOKBACK = 30     # citizen messages read back to find what the request is about
ACK_EVERY = dt.timedelta(minutes=2)   # "still waiting" reminders at most this often
SUPERVISING = ("supervisor", "admin")    # read every handoff, open or closed
CLOSED_READABLE = dt.timedelta(hours=24)  # how long the agent who handled a closed handoff still reads it
NOT_FOUND = "Không có cuộc trò chuyện này."


class HandoffError(ServiceError):
    """A refused console action; ``str()`` is Vietnamese for the agent."""

    status_code = 409


class NotFound(HandoffError):
    status_code = 404


class Forbidden(HandoffError):
    status_code = 403


@dataclass(frozen=True)
class Queued:
    """The citizen is in a queue."""

    handoff_id: int
    team: str
    position: int
    wait_minutes: int


@dataclass(frozen=True)
class Unstaffed:
    """Nobody can answer now: outside working hours, or nobody online."""

    open_now: bool
    next_opening: dt.datetime


def teams_of(staff: Staff) -> tuple[str, ...]:
    return ROLE_TEAMS.get(staff.role, ())


def can_read(handoff: Handoff, staff: Staff, now: dt.datetime | None = None) -> bool:
    """Who reads a handoff (its transcript, its files): supervisors and admins, any; an agent, one
    waiting in a queue of their team, the one they handle, and one they handled for
    ``CLOSED_READABLE`` after it closed. Not a colleague's conversation, not an old one."""
    if staff.role in SUPERVISING:
        return True
    if handoff.status == "waiting":
        return handoff.team in teams_of(staff)
    if not handoff.agent or handoff.agent != staff.username:
        return False
    if handoff.status == "active":
        return True
    closed = aware(handoff.closed_at)
    return closed is not None and (now or utcnow()) - closed <= CLOSED_READABLE


class HandoffService:
    def __init__(self, sessions: sessionmaker, outbox: Outbox, rasa: RasaClient, hub: ConsoleHub,
                 hours: ServiceHours, agent_timeout_seconds: int = 90, default_wait_seconds: int = 180) -> None:
        self.sessions = sessions
        self.outbox = outbox
        self.rasa = rasa
        self.hub = hub
        self.hours = hours
        self.agent_timeout = dt.timedelta(seconds=agent_timeout_seconds)
        self.default_wait = default_wait_seconds
        self._last_ack: dict[int, dt.datetime] = {}

    # ---- the citizen's side ----------------------------------------------------------------------
    async def request(self, conversation_id: int, reason: str, summary: dict[str, Any]) -> Queued | Unstaffed:
        """Put the conversation in a queue (the same one again if it is there already)."""
        now = utcnow()
        summary = {**summary, **await asyncio.to_thread(self._problem, conversation_id, summary)}
        if not self.hours.is_open(now):
            await asyncio.to_thread(self._unstaffed, conversation_id, reason, summary, now)
            return Unstaffed(False, self.hours.next_opening(now))
        queued = await asyncio.to_thread(self._request, conversation_id, reason, summary, now)
        if queued is None:
            await asyncio.to_thread(self._unstaffed, conversation_id, reason, summary, now)
            return Unstaffed(True, now)
        METRICS.handoff_requested(queued.team, reason)
        self.hub.queue_changed()
        return queued

    async def ask_for_person(self, conversation_id: int, reason: str,
                             summary: dict[str, Any]) -> tuple[list[OutboundMessage], bool]:
        """What the citizen is told when they are handed over, and whether they are now in a
        queue (False: nobody can answer, a callback is offered instead)."""
        result = await self.request(conversation_id, reason, summary)
        if isinstance(result, Queued):
            return [OutboundMessage(text=texts.queued(TEAMS[result.team], result.position, result.wait_minutes),
                                    buttons=[texts.CANCEL_WAIT])], True
        opens = ServiceHours.describe(result.next_opening)
        text = texts.NOBODY_ONLINE if result.open_now else texts.out_of_hours(opens)
        return [OutboundMessage(text=text, buttons=texts.CALLBACK_BUTTONS)], False

    async def citizen_wrote(self, conversation_id: int) -> list[OutboundMessage]:
        """A message (or file) arrived while a person owns the conversation: it is stored already;
        tell the console, and remind a waiting citizen of their place now and then."""
        found = await asyncio.to_thread(self._open_handoff, conversation_id)
        if found is None:
            return []
        self.hub.handoff_changed(found.id)
        if found.status != "waiting":
            return []
        now = utcnow()
        last = self._last_ack.get(found.id)
        if last is not None and now - last < ACK_EVERY:
            return []
        self._last_ack[found.id] = now
        position, minutes = await asyncio.to_thread(self._position, found.id)
        return [texts.still_waiting(TEAMS[found.team], position, minutes)]

    async def cancel_waiting(self, conversation_id: int) -> bool:
        """The citizen gives up waiting: the bot takes the conversation back."""
        found = await asyncio.to_thread(self._open_handoff, conversation_id)
        if found is None or found.status != "waiting":
            return False
        if not await asyncio.to_thread(self._close, found.id, "waiting", "cancelled", "citizen"):
            return False
        await self._resume_bot(conversation_id)
        self.hub.handoff_changed(found.id)
        return True

    async def request_callback(self, conversation_id: int, phone: str, topic: str) -> dt.datetime:
        """Store a callback request for the hotline; returns when the call can be expected."""
        now = utcnow()
        call_after = self.hours.next_opening(now)
        with self.sessions() as session, session.begin():
            session.add(CallbackRequest(conversation_id=conversation_id, phone=phone, topic=topic[:2000],
                                        created_at=now, call_after=call_after))
        self.hub.queue_changed()
        return call_after

    # ---- the agent's side ------------------------------------------------------------------------
    async def claim(self, handoff_id: int, staff: Staff) -> Handoff:
        handoff = await self._load_for(handoff_id, staff)
        won = await asyncio.to_thread(self._claim, handoff_id, staff)
        if not won:
            raise HandoffError("Cuộc trò chuyện này đã có người khác nhận hoặc không còn chờ.")
        self.hub.handoff_changed(handoff_id)
        await self._tell(handoff.conversation_id, texts.agent_joined(staff.display_name, TEAMS[handoff.team]))
        return await self._load_for(handoff_id, staff)

    async def reply(self, handoff_id: int, staff: Staff, message: OutboundMessage) -> int:
        """An agent's message to the citizen, through the channel's outbound path; returns its id."""
        handoff = await self._owned(handoff_id, staff)
        ids = await asyncio.to_thread(self.outbox.send_as, handoff.conversation_id, [message],
                                      f"staff:{staff.username}")
        self.hub.handoff_changed(handoff_id)
        return ids[0]

    async def transfer(self, handoff_id: int, staff: Staff, team: str, note: str) -> Handoff:
        if team not in TEAMS:
            raise HandoffError("Đội nhận không hợp lệ.")
        handoff = await self._owned(handoff_id, staff)
        if not await asyncio.to_thread(self._requeue, handoff_id, "active", staff.username, team, note):
            raise HandoffError("Cuộc trò chuyện đã thay đổi, vui lòng tải lại.")
        self.hub.handoff_changed(handoff_id)
        await self._tell(handoff.conversation_id, texts.transferred(TEAMS[team]))
        return await self._load(handoff_id)

    async def close(self, handoff_id: int, staff: Staff, outcome: str) -> Handoff:
        """End the person's part (with an outcome, or ``returned``): the bot takes over again and
        asks the citizen for a rating."""
        if outcome not in OUTCOMES or outcome == "cancelled":
            raise HandoffError("Kết quả không hợp lệ.")
        handoff = await self._owned(handoff_id, staff)
        if not await asyncio.to_thread(self._close, handoff_id, "active", outcome, staff.username):
            raise HandoffError("Cuộc trò chuyện đã thay đổi, vui lòng tải lại.")
        await self._resume_bot(handoff.conversation_id)
        self.hub.handoff_changed(handoff_id)
        await self._tell(handoff.conversation_id, texts.back_to_bot(handoff_id, outcome == "returned"))
        return await self._load(handoff_id)

    async def set_presence(self, staff: Staff, status: str) -> str:
        if status not in ("online", "away"):
            raise HandoffError("Trạng thái không hợp lệ.")
        await asyncio.to_thread(self._presence, staff, status)
        self.hub.queue_changed()
        return status

    async def heartbeat(self, staff: Staff) -> None:
        await asyncio.to_thread(self._presence, staff, None)

    async def sweep(self, now: dt.datetime | None = None) -> int:
        """Conversations of agents who disappeared (no heartbeat) go back to their queue."""
        moved = await asyncio.to_thread(self._sweep, now or utcnow())
        for handoff_id in moved:
            self.hub.handoff_changed(handoff_id)
        return len(moved)

    async def run(self, interval: float = 15.0) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:
                log.exception("handoff sweep failed")
            await asyncio.sleep(interval)

    async def mark_callback_done(self, callback_id: int, staff: Staff, note: str) -> CallbackRequest:
        if staff.role not in CALLBACK_ROLES:
            raise Forbidden("Chỉ tổng đài, giám sát và quản trị viên xử lý yêu cầu gọi lại.")
        with self.sessions() as session, session.begin():
            request = session.get(CallbackRequest, callback_id)
            if request is None:
                raise NotFound("Không có yêu cầu gọi lại này.")
            request.status, request.done_by, request.note = "done", staff.username, note[:2000]
            request.done_at = utcnow()
        self.hub.queue_changed()
        return request

    # ---- reads for the console -------------------------------------------------------------------
    async def load_for(self, handoff_id: int, staff: Staff) -> Handoff:
        """The handoff if ``staff`` may read it (``can_read``); else ``NotFound``, as for an id
        that does not exist, so that an id tells nothing to whoever may not read it."""
        return await self._load_for(handoff_id, staff)

    def may_read_conversation(self, conversation_id: int, staff: Staff) -> bool:
        """Whether ``staff`` may read some handoff of this conversation (so its transcript and files)."""
        now = utcnow()
        with self.sessions() as session:
            return any(can_read(h, staff, now) for h in session.scalars(
                select(Handoff).where(Handoff.conversation_id == conversation_id)))

    def queue(self, staff: Staff) -> tuple[list[Handoff], list[Handoff], list[CallbackRequest]]:
        """Waiting handoffs of the agent's teams (oldest first), the agent's own, open callbacks."""
        with self.sessions() as session:
            waiting = list(session.scalars(select(Handoff).where(
                Handoff.status == "waiting", Handoff.team.in_(teams_of(staff))).order_by(Handoff.queued_at)))
            mine = list(session.scalars(select(Handoff).where(
                Handoff.status == "active", Handoff.agent == staff.username).order_by(Handoff.claimed_at)))
            callbacks = list(session.scalars(select(CallbackRequest).where(
                CallbackRequest.status == "open").order_by(CallbackRequest.call_after))) \
                if staff.role in CALLBACK_ROLES else []
            return waiting, mine, callbacks

    def presence_of(self, username: str) -> str:
        with self.sessions() as session:
            row = session.get(AgentPresence, username)
            return row.status if row else "away"

    # ---- internals -------------------------------------------------------------------------------
    async def _tell(self, conversation_id: int, message: OutboundMessage) -> None:
        await asyncio.to_thread(self.outbox.send_as, conversation_id, [message], "system")

    async def _resume_bot(self, conversation_id: int) -> None:
        """Rasa was paused when the person took over: resume it at a listening point, so the next
        message is understood afresh (``resume`` alone re-pauses on the next turn)."""
        rasa_sender = await asyncio.to_thread(self._rasa_sender, conversation_id)
        try:
            await self.rasa.append_events(rasa_sender, [{"event": "resume"},
                                                        {"event": "action", "name": "action_listen"}])
        except RasaUnavailable as error:  # the gateway owns routing; Rasa catches up on its next turn
            log.warning("could not resume Rasa for conversation %s: %s", conversation_id, error)

    async def _load_for(self, handoff_id: int, staff: Staff) -> Handoff:
        handoff = await self._load(handoff_id)
        if not can_read(handoff, staff):
            raise NotFound(NOT_FOUND)
        return handoff

    async def _owned(self, handoff_id: int, staff: Staff) -> Handoff:
        handoff = await self._load(handoff_id)
        if handoff.status != "active" or handoff.agent != staff.username:
            raise HandoffError("Anh/Chị không còn phụ trách cuộc trò chuyện này.")
        return handoff

    async def _load(self, handoff_id: int) -> Handoff:
        with self.sessions() as session:
            handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise NotFound(NOT_FOUND)
        return handoff

    def _rasa_sender(self, conversation_id: int) -> str:
        with self.sessions() as session:
            conversation = session.get(Conversation, conversation_id)
            return conversation.rasa_sender_id if conversation else ""

    def _open_handoff(self, conversation_id: int) -> Handoff | None:
        with self.sessions() as session:
            return session.scalars(select(Handoff).where(
                Handoff.conversation_id == conversation_id, Handoff.status != "closed")
                .order_by(Handoff.id.desc())).first()

    def _online_roles(self, session: Session, now: dt.datetime) -> list[str]:
        """The role of every agent online now (presence set and a recent heartbeat)."""
        return list(session.scalars(select(AgentPresence.role).where(
            AgentPresence.status == "online", AgentPresence.last_seen >= now - self.agent_timeout)))

    def _online_teams(self, session: Session, now: dt.datetime) -> set[str]:
        return {team for role in self._online_roles(session, now) for team in ROLE_TEAMS.get(role, ())}

    def _request(self, conversation_id: int, reason: str, summary: dict[str, Any],
                 now: dt.datetime) -> Queued | None:
        with self.sessions() as session, session.begin():
            existing = session.scalars(select(Handoff).where(
                Handoff.conversation_id == conversation_id, Handoff.status != "closed")).first()
            if existing is not None:
                handoff_id, team = existing.id, existing.team
            else:
                online = self._online_teams(session, now)
                preferred = REASON_TEAM.get(reason, "volunteer")
                team = preferred if preferred in online else next((t for t in TEAMS if t in online), "")
                if not team:
                    return None
                handoff = Handoff(conversation_id=conversation_id, team=team, reason=reason,
                                  summary=summary, queued_at=now, created_at=now)
                session.add(handoff)
                session.execute(update(Conversation).where(Conversation.id == conversation_id)
                                .values(owner="queue"))
                session.flush()
                handoff_id = handoff.id
        position, minutes = self._position(handoff_id)
        return Queued(handoff_id, team, position, minutes)

    def _unstaffed(self, conversation_id: int, reason: str, summary: dict[str, Any], now: dt.datetime) -> None:
        """A request nobody could take (out of hours, nobody online) is still a request for a
        person: kept as a closed handoff with outcome ``unstaffed``, so the dashboard counts it and
        the conversation is not counted as answered without a person. A citizen asking again within
        ``UNSTAFFED_REPEAT`` is the same request."""
        with self.sessions() as session, session.begin():
            recent = session.scalar(select(Handoff.id).where(
                Handoff.conversation_id == conversation_id, Handoff.outcome == UNSTAFFED,
                Handoff.created_at >= now - UNSTAFFED_REPEAT))
            if recent is not None:
                return
            session.add(Handoff(conversation_id=conversation_id, team=REASON_TEAM.get(reason, "volunteer"),
                                reason=reason, summary=summary, status="closed", outcome=UNSTAFFED,
                                closed_by="system", queued_at=now, created_at=now, closed_at=now))

    def _problem(self, conversation_id: int, summary: dict[str, Any]) -> dict[str, Any]:
        """What the citizen needs, in their words, for the queue (see ``bot.handoff.summary``)."""
        with self.sessions() as session:
            texts_in = list(session.scalars(select(Message.text).where(
                Message.conversation_id == conversation_id, Message.direction == "in")
                .order_by(Message.id.desc()).limit(PROBLEM_LOOKBACK)))
        return {"question": problem(list(reversed(texts_in)), str(summary.get("question") or ""))}

    def _position(self, handoff_id: int) -> tuple[int, int]:
        """Place in the team's queue, and the expected wait in minutes (recent waits of the team,
        shared among its agents online)."""
        now = utcnow()
        with self.sessions() as session:
            handoff = session.get(Handoff, handoff_id)
            assert handoff is not None
            ahead = session.scalar(select(func.count()).select_from(Handoff).where(
                Handoff.status == "waiting", Handoff.team == handoff.team, Handoff.queued_at < handoff.queued_at)) or 0
            waits = list(session.scalars(select(Handoff.first_wait_seconds).where(
                Handoff.team == handoff.team, Handoff.first_wait_seconds.is_not(None))
                .order_by(Handoff.claimed_at.desc()).limit(WAIT_SAMPLE)))
            agents = sum(handoff.team in ROLE_TEAMS.get(role, ()) for role in self._online_roles(session, now)) or 1
        typical = sum(w for w in waits if w is not None) / len(waits) if waits else self.default_wait
        position = ahead + 1
        return position, max(1, math.ceil(typical * position / agents / 60))

    def _claim(self, handoff_id: int, staff: Staff) -> bool:
        now = utcnow()
        with self.sessions() as session, session.begin():
            handoff = session.get(Handoff, handoff_id)
            if handoff is None or handoff.team not in teams_of(staff):
                return False
            won = session.execute(update(Handoff).where(Handoff.id == handoff_id, Handoff.status == "waiting")
                                  .values(status="active", agent=staff.username, claimed_at=now)).rowcount == 1
            if not won:
                return False
            if handoff.first_wait_seconds is None:
                queued = aware(handoff.queued_at) or now
                session.execute(update(Handoff).where(Handoff.id == handoff_id).values(
                    first_wait_seconds=int((now - queued).total_seconds())))
            session.execute(update(Conversation).where(Conversation.id == handoff.conversation_id)
                            .values(owner=f"agent:{staff.username}"))
        return True

    def _requeue(self, handoff_id: int, expected: str, agent: str, team: str, note: str) -> bool:
        """Back to a queue (a transfer, or an agent who disappeared)."""
        now = utcnow()
        with self.sessions() as session, session.begin():
            handoff = session.get(Handoff, handoff_id)
            if handoff is None:
                return False
            moved = session.execute(update(Handoff).where(
                Handoff.id == handoff_id, Handoff.status == expected, Handoff.agent == agent).values(
                status="waiting", agent=None, team=team, transfer_note=note[:2000], queued_at=now)).rowcount == 1
            if moved:
                session.execute(update(Conversation).where(Conversation.id == handoff.conversation_id)
                                .values(owner="queue"))
        return moved

    def _close(self, handoff_id: int, expected: str, outcome: str, by: str) -> bool:
        with self.sessions() as session, session.begin():
            handoff = session.get(Handoff, handoff_id)
            if handoff is None:
                return False
            closed = session.execute(update(Handoff).where(Handoff.id == handoff_id, Handoff.status == expected)
                                     .values(status="closed", outcome=outcome, closed_by=by,
                                             closed_at=utcnow())).rowcount == 1
            if closed:
                session.execute(update(Conversation).where(Conversation.id == handoff.conversation_id)
                                .values(owner="bot"))
        self._last_ack.pop(handoff_id, None)
        return closed

    def _presence(self, staff: Staff, status: str | None) -> None:
        with self.sessions() as session, session.begin():
            row = session.get(AgentPresence, staff.username)
            if row is None:
                row = AgentPresence(username=staff.username, role=staff.role, status=status or "online")
                session.add(row)
            if status is not None:
                row.status = status
            row.role = staff.role
            row.last_seen = utcnow()

    def _sweep(self, now: dt.datetime) -> list[int]:
        with self.sessions() as session:
            alive = {name for (name,) in session.execute(select(AgentPresence.username).where(
                AgentPresence.last_seen >= now - self.agent_timeout))}
            orphans = [(h.id, h.agent, h.team) for h in session.scalars(select(Handoff).where(
                Handoff.status == "active")) if h.agent not in alive]
        moved = []
        for handoff_id, agent, team in orphans:
            if self._requeue(handoff_id, "active", agent or "", team, texts.AGENT_LOST_NOTE.format(agent=agent)):
                log.info("handoff %s back to the %s queue: %s disappeared", handoff_id, team, agent)
                moved.append(handoff_id)
        return moved

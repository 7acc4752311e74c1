"""Tracking a dossier in the chat: ``tracking_form`` asks for the code (when the message had none)
and the last 4 digits of the phone or căn cước used to file; ``action_track_dossier`` asks the
gateway's ``TrackingService`` (ownership proof + throttle) and shows the status, the timeline, the
due date, the fee and what to do next. A wrong code and wrong digits get the same reply.

The conversation that filed a dossier owns it ("Hồ sơ của tôi"): asked with no code, the form
lists its dossiers (or shows the only one) without asking anything; a code it filed needs no
4 digits. The button is ``/track_dossier`` (``MY_DOSSIERS_BUTTON``)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import submission_texts as t
from actions.answers import KnowledgeAction
from actions.forms import CitizenFormValidation
from bot.core.buttons import payload
from bot.core.money import vnd
from bot.core.vntime import VIETNAM, vn_date
from bot.dossiers.backend import DossierView
from bot.dossiers.codes import CODE_PATTERN, normalise_code
from bot.dossiers.errors import DossierError
from bot.dossiers.notices import NEXT_STEP
from bot.dossiers.status import DossierStatus
from bot.dossiers.tracking import TrackingService
from knowledge_base.service import KnowledgeBase

log = logging.getLogger(__name__)
FORM = "tracking_form"
PROOF = "tracking_proof"
TRACKING_SLOTS = ("dossier_code", PROOF)
# The one-stop system's codes (000.00.15.H12-250301-0012), as in data/nlu/entities.yml.
ONESTOP_CODE = re.compile(r"\b\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}\b", re.IGNORECASE)
MINE = "__mine__"   # dossier_code when the citizen asked for their own dossiers (several)
MY_DOSSIERS_BUTTON = {"title": "Hồ sơ của tôi", "payload": "/track_dossier"}
OWN_HEAD = "Các hồ sơ Anh/Chị đã nộp từ cuộc trò chuyện này ({count}):"
OWN_LINE = "• {code} — {title}: {status} (nộp {day})"
NO_OWN = "Cuộc trò chuyện này chưa nộp hồ sơ nào trực tuyến. Hồ sơ nộp ở nơi khác thì Anh/Chị tra bằng mã hồ sơ."
OWN_TAIL = ("Anh/Chị bấm vào mã hồ sơ để xem chi tiết. Hồ sơ nộp từ số điện thoại hoặc tài khoản khác: "
            "Anh/Chị gõ mã hồ sơ.")


def view_button(view: DossierView) -> dict[str, str]:
    return {"title": f"{view.code} · {view.status.label}",
            "payload": payload("track_dossier", dossier_code=view.code)}


def own_text(views: list[DossierView], titles: dict[str, str]) -> str:
    lines = [OWN_HEAD.format(count=len(views))]
    for view in views:
        lines.append(OWN_LINE.format(code=view.code, title=titles.get(view.procedure_id, view.procedure_id),
                                     status=view.status.label, day=vn_date(view.submitted_at)))
    lines.append(OWN_TAIL)
    return "\n".join(lines)


def find_code(text: str) -> str | None:
    """The dossier code in a message: a canonical or one-stop code anywhere, or the whole
    message typed loosely (``hs 7k3m q9tx``)."""
    upper = text.upper()
    for pattern in (CODE_PATTERN, ONESTOP_CODE):
        found = pattern.search(upper)
        if found:
            return found.group(0)
    return normalise_code(text)


def owes_fee(view: DossierView) -> bool:
    """A fee is still to pay on a dossier that is going on (not finished, stopped or withdrawn)."""
    return bool(view.fee_due_vnd) and view.status in (DossierStatus.NEW, DossierStatus.RECEIVED,
                                                      DossierStatus.PROCESSING, DossierStatus.FEE_DUE,
                                                      DossierStatus.SUPPLEMENT)


def pay_button(view: DossierView) -> dict[str, str]:
    return {"title": t.PAY_AMOUNT_BUTTON.format(amount=vnd(view.fee_due_vnd)),
            "payload": payload("pay_fee", dossier_code=view.code)}


def dossier_text(view: DossierView, title: str) -> str:
    """Status label, timeline (date — status — note), due date, fee and the next step."""
    lines = [t.TRACK_HEAD.format(code=view.code, title=title, status=view.status.label)]
    if view.history:
        lines.append(t.TRACK_TIMELINE)
        for event in view.history:
            note = f" — {event.note}" if event.note else ""
            lines.append(f"• {vn_date(event.at)} — {event.status.label}{note}")
    if view.due_date and view.status not in (DossierStatus.RETURNED, DossierStatus.REJECTED,
                                             DossierStatus.WITHDRAWN, DossierStatus.STOPPED):
        lines.append(t.TRACK_DUE.format(due=vn_date(view.due_date)))
    if owes_fee(view):
        lines.append(t.TRACK_FEE.format(amount=vnd(view.fee_due_vnd)))
    next_step = t.TRACK_NEXT_STEP.get(view.status.name, NEXT_STEP[view.status])
    lines.append(t.TRACK_NEXT.format(next=next_step))
    return "\n".join(lines)


class ValidateTrackingForm(CitizenFormValidation):
    """``validate_tracking_form``: a code must look like one; the proof must be 4 digits, and is
    not asked of the conversation that filed the dossier."""

    def __init__(self, tracking: TrackingService | None = None) -> None:
        super().__init__()
        self.tracking = tracking

    def name(self) -> str:
        return "validate_tracking_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        code = str(tracker.get_slot("dossier_code") or "")
        if code == MINE:
            return ["dossier_code"]
        if code and self.tracking is not None and PROOF in domain_slots:
            try:
                if await self.tracking.owned(code, tracker.sender_id) is not None:
                    return [s for s in domain_slots if s != PROOF]
            except DossierError as error:
                log.warning("ownership check failed: %s", error)
        return domain_slots

    async def extract_dossier_code(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        """Asked with no code: the citizen's own dossiers, when this conversation filed some."""
        if (tracker.get_slot("dossier_code") or tracker.get_slot("requested_slot") == "dossier_code"
                or self.tracking is None):
            return {}
        entities = [e for e in tracker.latest_message.get("entities") or [] if e.get("entity") == "dossier_code"]
        if entities:
            return {}
        try:
            views = await self.tracking.own(tracker.sender_id, limit=2)
        except DossierError as error:
            log.warning("own dossiers unavailable: %s", error)
            return {}
        if not views:
            dispatcher.utter_message(text=NO_OWN)
            return {}
        return {"dossier_code": views[0].code if len(views) == 1 else MINE}

    def validate_dossier_code(self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict[str, Any]:
        value = slot_value[0] if isinstance(slot_value, list) and slot_value else slot_value
        if value == MINE:
            return {"dossier_code": MINE}
        code = find_code(str(value or ""))
        if code is None:
            dispatcher.utter_message(text=t.TRACK_CODE_FORMAT)
        return {"dossier_code": code}

    def validate_tracking_proof(self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        digits = "".join(ch for ch in str(slot_value or "") if ch.isdigit())
        if len(digits) != 4:
            dispatcher.utter_message(text=t.TRACK_PROOF_FORMAT)
            return {PROOF: None}
        return {PROOF: digits}


class ActionTrackDossier(KnowledgeAction):
    """``action_track_dossier``: the form is complete; ask the tracking service and answer."""

    def __init__(self, kb: KnowledgeBase, tracking: TrackingService | None) -> None:
        super().__init__(kb)
        self.tracking = tracking

    def name(self) -> str:
        return "action_track_dossier"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        reset: list[EventType] = [SlotSet(slot, None) for slot in TRACKING_SLOTS]
        code = str(tracker.get_slot("dossier_code") or "")
        proof = str(tracker.get_slot(PROOF) or "")
        human = {"title": t.HUMAN_BUTTON, "payload": "/request_human"}
        if self.tracking is None:
            dispatcher.utter_message(text=t.TRACK_UNAVAILABLE, buttons=[human])
            return reset
        if code == MINE:
            return reset + await self.show_own(dispatcher, tracker, human)
        try:
            result = await self.tracking.track(code, proof, tracker.sender_id)
        except DossierError as error:
            log.warning("tracking failed: %s", error)
            dispatcher.utter_message(text=t.TRACK_UNAVAILABLE, buttons=[human])
            return reset
        if result.outcome == "throttled":
            minutes = max(1, -(-result.retry_after_seconds // 60))
            at = dt.datetime.now(VIETNAM) + dt.timedelta(seconds=result.retry_after_seconds)
            dispatcher.utter_message(text=t.TRACK_THROTTLED.format(minutes=minutes, at=f"{at:%H:%M}"),
                                     buttons=[human])
            return reset
        if result.outcome != "ok" or result.dossier is None:
            again = {"title": t.TRACK_AGAIN_BUTTON, "payload": "/track_dossier"}
            dispatcher.utter_message(text=t.TRACK_NO_MATCH, buttons=[again, human])
            return reset
        view = result.dossier
        procedure = self.kb.procedure(view.procedure_id)
        buttons = [pay_button(view), human] if owes_fee(view) else [human]
        dispatcher.utter_message(text=dossier_text(view, procedure.title if procedure else view.procedure_id),
                                 buttons=buttons)
        return reset


    async def show_own(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                       human: dict[str, str]) -> list[EventType]:
        """"Hồ sơ của tôi" with several dossiers: each with its status, one tap to see it."""
        assert self.tracking is not None
        try:
            views = await self.tracking.own(tracker.sender_id)
        except DossierError as error:
            log.warning("own dossiers unavailable: %s", error)
            dispatcher.utter_message(text=t.TRACK_UNAVAILABLE, buttons=[human])
            return []
        titles = {}
        for view in views:
            procedure = self.kb.procedure(view.procedure_id)
            titles[view.procedure_id] = procedure.title if procedure else view.procedure_id
        dispatcher.utter_message(text=own_text(views, titles), buttons=[*map(view_button, views), human])
        return []


class ActionCancelTracking(Action):
    """"hủy" while tracking: forget the code and digits, and stop."""

    def name(self) -> str:
        return "action_cancel_tracking"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(text=t.TRACK_CANCELLED)
        return [SlotSet(slot, None) for slot in TRACKING_SLOTS]

"""A person: hand the conversation to the volunteer team or the hotline (Rasa pauses until the
person hands it back), or — outside working hours or with nobody online — take a callback
request; afterwards store the citizen's 1–5 rating."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING, Any

from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from actions import cards
from actions.answers import KnowledgeAction
from actions.forms import CitizenFormValidation
from actions.slots import current_procedure
from actions.validation import Invalid, check_phone, check_text
from bot.conversation.senders import split_sender
from bot.conversation.transcript import conversation_id_of
from bot.core.privacy import mask
from bot.core.vntime import utcnow
from bot.dossiers.models import DossierRecord
from bot.handoff.hours import ServiceHours
from bot.handoff.models import Handoff, Rating
from bot.handoff.service import REASONS
from bot.handoff.texts import callback_stored, rating_buttons
from channels.messages import OutboundMessage
from knowledge_base.service import KnowledgeBase

if TYPE_CHECKING:
    from bot.handoff.service import HandoffService

CALLBACK_SLOTS = ("callback_phone", "callback_topic")
SUBJECTS = ("handoff", "conversation", "dossier", "answer")
HOTLINE_FAQ = "duong-day-nong"
NO_HANDOFF = "Hiện chưa chuyển được tới nhân viên. Anh/Chị gọi đường dây nóng của Trung tâm giúp em ạ."
THANKS = {1: "Em xin lỗi vì trải nghiệm chưa tốt. Trung tâm sẽ xem lại để cải thiện.",
          2: "Em xin lỗi vì trải nghiệm chưa tốt. Trung tâm sẽ xem lại để cải thiện.",
          3: "Cảm ơn Anh/Chị đã đánh giá. Trung tâm sẽ cố gắng hơn.",
          4: "Cảm ơn Anh/Chị đã đánh giá!", 5: "Cảm ơn Anh/Chị đã đánh giá!"}
FEEDBACK_BUTTON = {"title": "Góp ý thêm", "payload": "/give_feedback"}
ASK_RATING = "Anh/Chị đánh giá giúp em cuộc trò chuyện này nhé (1 là kém, 5 là rất tốt):"
COMMENT_STORED = "Em đã ghi nhận góp ý. Cảm ơn Anh/Chị!"
RATING_AGAIN_AFTER = dt.timedelta(hours=24)   # a finished conversation is rated at most once a day


def last_question(tracker: Tracker) -> str:
    """The citizen's last typed message (button payloads are not questions)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user" and not str(event.get("text") or "").startswith("/"):
            return str(event.get("text") or "")[:300]
    return ""


def utter(dispatcher: CollectingDispatcher, messages: list[OutboundMessage]) -> None:
    for message in messages:
        dispatcher.utter_message(text=message.text,
                                 buttons=[b.model_dump() for b in message.buttons] or None)


class HandoffAction(KnowledgeAction):
    def __init__(self, kb: KnowledgeBase, handoff: HandoffService | None, sessions: sessionmaker | None) -> None:
        super().__init__(kb)
        self.handoff = handoff
        self.sessions = sessions

    def summary(self, tracker: Tracker, reason: str) -> dict[str, Any]:
        """What the person sees in the queue before opening the conversation."""
        procedure = current_procedure(self.kb, tracker)
        return {"procedure": procedure.title if procedure else "",
                "dossier_code": str(tracker.get_slot("dossier_code") or ""),
                "question": last_question(tracker), "why": REASONS.get(reason, reason)}

    def no_handoff(self, dispatcher: CollectingDispatcher) -> None:
        dispatcher.utter_message(text=NO_HANDOFF)
        faq = self.kb.faq(HOTLINE_FAQ)
        if faq is not None:
            dispatcher.utter_message(text=faq.answer)

    async def hand_over(self, dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> list[EventType]:
        """Queue the conversation and pause Rasa; or offer a callback when nobody can answer."""
        found = await asyncio.to_thread(conversation_id_of, self.sessions, tracker.sender_id) \
            if self.sessions is not None else None
        if self.handoff is None or found is None:
            self.no_handoff(dispatcher)
            return []
        summary = self.summary(tracker, reason)
        if reason in ("asked", "complaint") and summary["question"]:   # fallback questions are logged already
            await self.insights.unanswered(tracker.sender_id, summary["question"], "handoff")
        messages, queued = await self.handoff.ask_for_person(found, reason, summary)
        utter(dispatcher, messages)
        return [ConversationPaused()] if queued else []


class ActionOfferHuman(HandoffAction):
    """The citizen asks for a person, complains, or taps "Gặp nhân viên" after a failure."""

    def name(self) -> str:
        return "action_offer_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        given = next(tracker.get_latest_entity_values("handoff_reason"), None)
        reason = given if given in REASONS else "complaint" if intent == "complain" else "asked"
        return await self.hand_over(dispatcher, tracker, reason)


class ValidateCallbackForm(CitizenFormValidation):
    def name(self) -> str:
        return "validate_callback_form"

    def validate_callback_phone(self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        return self._check(dispatcher, "callback_phone", check_phone, slot_value)

    def validate_callback_topic(self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        return self._check(dispatcher, "callback_topic", check_text, slot_value)

    @staticmethod
    def _check(dispatcher: CollectingDispatcher, slot: str, check: Any, value: Any) -> dict[str, Any]:
        try:
            return {slot: check(str(value or ""))}
        except Invalid as error:
            dispatcher.utter_message(text=str(error))
            return {slot: None}


class ActionStoreCallback(HandoffAction):
    def name(self) -> str:
        return "action_store_callback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        phone, topic = (str(tracker.get_slot(s) or "") for s in CALLBACK_SLOTS)
        found = await asyncio.to_thread(conversation_id_of, self.sessions, tracker.sender_id) \
            if self.sessions is not None else None
        if self.handoff is None or found is None or not phone:
            self.no_handoff(dispatcher)
        else:
            call_after = await self.handoff.request_callback(found, phone, topic)
            dispatcher.utter_message(text=callback_stored(ServiceHours.describe(call_after)))
        return [SlotSet(slot, None) for slot in CALLBACK_SLOTS]


class ActionStoreRating(HandoffAction):
    """``/rate{"score": 4, "rating_subject": "handoff:12"}``: stored with the channel, the
    procedure discussed and, after a handoff, the team that answered."""

    def name(self) -> str:
        return "action_store_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        try:
            score = int(next(tracker.get_latest_entity_values("score"), 0) or 0)
        except (TypeError, ValueError):
            score = 0
        subject, _, subject_id = str(next(tracker.get_latest_entity_values("rating_subject"), "") or "").partition(":")
        if subject == "answer" and 1 <= score <= 5:   # 👍/👎 under an answer card
            return await self.rate_answer(dispatcher, tracker, score, subject_id)
        if not 1 <= score <= 5 or self.sessions is None:
            dispatcher.utter_message(text="Anh/Chị chọn từ 1 đến 5 sao giúp em ạ.")
            return []
        await asyncio.to_thread(self._store, tracker, score, subject, subject_id)
        dispatcher.utter_message(text=THANKS[score], buttons=[FEEDBACK_BUTTON])
        return []

    async def rate_answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, score: int,
                          item_id: str) -> list[EventType]:
        """👍/👎 under an answer: a rating of that record; a 👎 also puts the question and the answer
        given in the unanswered inbox, and offers the portal's search and a person."""
        known = self.kb.procedure(item_id) or self.kb.faq(item_id)
        item_id = item_id if known is not None else ""   # a forged payload rates nothing in particular
        if self.sessions is not None:
            await asyncio.to_thread(self._store, tracker, score, "answer", item_id)
        if score >= 3:
            dispatcher.utter_message(text=cards.LIKED_TEXT)
            return []
        question = last_question(tracker)
        title = getattr(known, "title", None) or getattr(known, "question", "")
        await self.insights.unanswered(tracker.sender_id, question or title, "disliked", item_id)
        asked = question or title
        dispatcher.utter_message(text=cards.disliked_text(asked),
                                 buttons=[cards.portal_button(asked), cards.human_button(), FEEDBACK_BUTTON])
        return []

    def _store(self, tracker: Tracker, score: int, subject: str, subject_id: str) -> None:
        assert self.sessions is not None
        channel, _ = split_sender(tracker.sender_id)
        found = conversation_id_of(self.sessions, tracker.sender_id)
        if found is None:
            return
        procedure_id = subject_id if subject == "answer" else str(tracker.get_slot("procedure_id") or "")
        with self.sessions() as session, session.begin():
            handoff = session.get(Handoff, int(subject_id)) if subject == "handoff" and subject_id.isdigit() else None
            if handoff is not None and handoff.conversation_id != found:
                handoff = None   # a forged payload cannot rate someone else's conversation
            if subject == "dossier":   # a returned dossier: rated for its procedure, if it is the citizen's
                dossier = session.scalar(select(DossierRecord).where(DossierRecord.code == subject_id))
                owned = dossier is not None and (dossier.channel, dossier.sender_id) == split_sender(tracker.sender_id)
                procedure_id = dossier.procedure_id if owned and dossier else procedure_id
                subject = "dossier" if owned else "conversation"
            session.add(Rating(conversation_id=found, channel=channel, score=score,
                               subject="handoff" if handoff else subject if subject in SUBJECTS else "conversation",
                               team=handoff.team if handoff else "", handoff_id=handoff.id if handoff else None,
                               procedure_id=procedure_id[:64]))


class ActionStoreRatingComment(HandoffAction):
    """The optional comment, added to the conversation's latest rating."""

    def name(self) -> str:
        return "action_store_rating_comment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        comment = mask(" ".join(str(tracker.get_slot("rating_comment") or "").split()))[:2000]
        if comment and self.sessions is not None:
            await asyncio.to_thread(self._store, tracker.sender_id, comment)
        dispatcher.utter_message(text=COMMENT_STORED)
        return [SlotSet("rating_comment", None)]

    def _store(self, rasa_sender: str, comment: str) -> None:
        assert self.sessions is not None
        found = conversation_id_of(self.sessions, rasa_sender)
        with self.sessions() as session, session.begin():
            latest = session.scalars(select(Rating).where(Rating.conversation_id == found)
                                     .order_by(Rating.id.desc())).first()
            if latest is not None:
                latest.comment = comment
            elif found is not None:   # "tôi muốn góp ý" without a rating: a comment on its own
                channel, _ = split_sender(rasa_sender)
                session.add(Rating(conversation_id=found, channel=channel, subject="conversation", score=None,
                                   comment=comment))


class ActionAskRating(HandoffAction):
    """After "tạm biệt": ask for a rating of the conversation, at most once a day."""

    def name(self) -> str:
        return "action_ask_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        if self.sessions is None or await asyncio.to_thread(self._rated_lately, tracker.sender_id):
            return []
        dispatcher.utter_message(text=ASK_RATING,
                                 buttons=[b.model_dump() for b in rating_buttons("conversation")])
        return []

    def _rated_lately(self, rasa_sender: str) -> bool:
        assert self.sessions is not None
        found = conversation_id_of(self.sessions, rasa_sender)
        with self.sessions() as session:
            return session.scalar(select(Rating.id).where(
                Rating.conversation_id == found, Rating.created_at >= utcnow() - RATING_AGAIN_AFTER)) is not None

"""Submission, tracking, payment and a person: what the assistant can honestly do for each today.

Filing a dossier in the chat, tracking, payment and the live handoff arrive in later releases; until
then these actions say so and give the citizen the catalog's own way forward (the online link, the
hotline FAQ) instead of pretending.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import cards
from actions.answers import KnowledgeAction, entity, user_text
from knowledge_base.normalise import syllables

HOTLINE_FAQ = "duong-day-nong"
# "nộp hồ sơ online" alone names no procedure; a longer request usually does.
MIN_WORDS_NAMING_A_PROCEDURE = 6


class ActionStartSubmission(KnowledgeAction):
    """The citizen wants to file: find which procedure, say whether and where it can be filed."""

    def name(self) -> str:
        return "action_start_submission"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        procedure_id = entity(tracker, "procedure_id")
        text = user_text(tracker)
        if not procedure_id and len(syllables(text)) >= MIN_WORDS_NAMING_A_PROCEDURE:
            result = await asyncio.to_thread(self.kb.ask, text, "procedure")
            if result.confident and result.best:
                procedure_id = result.best.id
        procedure_id = procedure_id or tracker.get_slot("procedure_id")
        procedure = self.kb.procedure(procedure_id) if procedure_id else None
        if procedure is None:
            dispatcher.utter_message(response="utter_ask_submission_procedure")
            return []
        online = procedure.online
        if online is None:
            dispatcher.utter_message(
                text=f"{cards.header(procedure)}\n\nThủ tục này chưa nộp trực tuyến được. "
                     f"{cards.where_text(procedure)}",
                buttons=cards.procedure_buttons(procedure, []))
            return [SlotSet("procedure_id", procedure.id)]
        link = f"\n{online.url}" if online.url else ""
        dispatcher.utter_message(
            text=f"{cards.header(procedure)}\n\nThủ tục này nộp trực tuyến được "
                 f"(dịch vụ công {online.online_level}). Việc nộp hồ sơ ngay trong khung chat "
                 f"đang được hoàn thiện; hiện Anh/Chị nộp trên Cổng Dịch vụ công:{link}\n\n"
                 f"{cards.documents_text(procedure)}",
            buttons=[{"title": "Lệ phí",
                      "payload": cards.payload("ask_detail", item_id=procedure.id, aspect="fees")},
                     {"title": "Gặp nhân viên", "payload": cards.payload("request_human")}])
        return [SlotSet("procedure_id", procedure.id)]


class ActionOfferHuman(KnowledgeAction):
    """The citizen asks for a person: give the hotline from the FAQ, honestly."""

    def name(self) -> str:
        return "action_offer_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(response="utter_handoff_unavailable")
        faq = self.kb.faq(HOTLINE_FAQ)
        if faq is not None:
            dispatcher.utter_message(text=faq.answer)
        return []

"""Answers about procedures and FAQs, from the in-process knowledge base."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import cards
from bot.insights.recorder import Insights
from knowledge_base.aspects import Aspect, detect_aspects, subject_words
from knowledge_base.service import KnowledgeBase


def entity(tracker: Tracker, name: str) -> str | None:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value else None


def user_text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


def answer_item(dispatcher: CollectingDispatcher, kb: KnowledgeBase, item_id: str,
                aspects: list[Aspect]) -> list[EventType]:
    """Send the card of a procedure or an FAQ; remembers the procedure for follow-ups."""
    procedure = kb.procedure(item_id)
    if procedure is not None:
        dispatcher.utter_message(text=cards.procedure_card(procedure, aspects),
                                 buttons=cards.procedure_buttons(procedure, aspects))
        return [SlotSet("procedure_id", procedure.id)]
    faq = kb.faq(item_id)
    if faq is not None:
        buttons = [cards.choice_button(p, kb.procedure(p).title)  # type: ignore[union-attr]
                   for p in faq.related_procedures[:2] if kb.procedure(p)]
        buttons.append({"title": "Gặp nhân viên", "payload": cards.payload("request_human")})
        dispatcher.utter_message(text=cards.faq_card(faq), buttons=buttons)
        return []
    dispatcher.utter_message(response="utter_item_not_found")
    return []


class KnowledgeAction(Action):
    """An action that reads the in-process knowledge base, given at construction. ``insights``
    (set by ``build_actions``) records what was asked and answered, for the dashboard and the
    unanswered inbox; by default it records nothing."""

    insights: Insights = Insights()

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    async def answered(self, tracker: Tracker, item_id: str) -> None:
        if self.kb.procedure(item_id) or self.kb.faq(item_id):
            await self.insights.event(tracker.sender_id, "answer", item_id)


class ActionAnswerQuestion(KnowledgeAction):
    """Answer a question: directly when sure, with the top 3 as buttons when not."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        question = user_text(tracker)
        if question.startswith("/"):  # a bare "Hỏi thủ tục" button
            dispatcher.utter_message(response="utter_ask_which_procedure")
            return []
        aspects = detect_aspects(question)
        result = await asyncio.to_thread(self.kb.ask, question)
        previous = tracker.get_slot("procedure_id")
        if (aspects and previous and self.kb.procedure(previous)
                and _is_follow_up(question, result.best.id if result.best else None, previous)):
            await self.answered(tracker, previous)
            return answer_item(dispatcher, self.kb, previous, aspects)
        if result.best is None:
            await self.insights.unanswered(tracker.sender_id, question, "fallback")
            dispatcher.utter_message(response="utter_no_answer")
            return []
        if result.confident:
            await self.answered(tracker, result.best.id)
            return answer_item(dispatcher, self.kb, result.best.id, aspects)
        await self.insights.unanswered(tracker.sender_id, question, "low_confidence", result.best.id,
                                       result.best.score)
        buttons = [cards.choice_button(h.id, h.title) for h in result.hits[:3]]
        buttons.append({"title": "Gặp nhân viên", "payload": cards.payload("request_human")})
        dispatcher.utter_message(text=cards.clarify_text(), buttons=buttons)
        return []


def _is_follow_up(question: str, best_id: str | None, previous: str) -> bool:
    """"mất bao lâu" after a question about kết hôn is about kết hôn; "lệ phí khai sinh" is not."""
    return best_id == previous or not subject_words(question)


class ActionChooseItem(KnowledgeAction):
    """The citizen tapped one of the suggested procedures or FAQs."""

    def name(self) -> str:
        return "action_choose_item"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        item_id = entity(tracker, "item_id") or entity(tracker, "procedure_id")
        if not item_id:
            dispatcher.utter_message(response="utter_ask_which_procedure")
            return []
        await self.answered(tracker, item_id)
        return answer_item(dispatcher, self.kb, item_id, [])


class ActionAnswerDetail(KnowledgeAction):
    """One part (fees, documents, …) of a procedure, from a follow-up button."""

    def name(self) -> str:
        return "action_answer_detail"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        item_id = entity(tracker, "item_id") or tracker.get_slot("procedure_id")
        aspect = entity(tracker, "aspect")
        aspects: list[Aspect] = [aspect] if aspect in cards.SECTIONS else []  # type: ignore[list-item]
        if not item_id:
            dispatcher.utter_message(response="utter_ask_which_procedure")
            return []
        await self.answered(tracker, str(item_id))
        return answer_item(dispatcher, self.kb, item_id, aspects)

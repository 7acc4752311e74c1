"""When Rasa's reading is not a question about a procedure: unsure of the intent (ask again with
suggestions from the catalog, then offer a person), off-topic talk, or details given unasked. In
each, the catalog answers what it is sure of."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import cards
from actions.answers import PENDING_SUBJECT, ActionAnswerQuestion, answer_item
from actions.forms import fold
from actions.handoff import HandoffAction
from actions.slots import user_text
from actions.validation import ADDRESS_WORDS, NAME_PREFIXES
from knowledge_base.aspects import detect_aspects, subject_words
from knowledge_base.normalise import strip_diacritics

FALLBACK_INTENT = "nlu_fallback"


def previous_user_intent(tracker: Tracker) -> str | None:
    """Intent of the user turn before the current one."""
    seen_current = False
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if seen_current:
            return (event.get("parse_data") or {}).get("intent", {}).get("name")
        seen_current = True
    return None


class ActionFallback(HandoffAction):
    """Rasa was unsure of the intent. The catalog may still know the answer; if not, ask again
    once, and the second time in a row hand the conversation to a person."""

    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        question = user_text(tracker)
        result = await asyncio.to_thread(self.kb.ask, question)
        handled = (await self.tell_variants_apart(dispatcher, tracker, question, result, detect_aspects(question))
                   if result.hits and not result.out_of_catalog else None)
        if handled is not None:   # one procedure at several levels: one question, not a guess
            return [*handled, SlotSet("fallback_streak", 0.0)]
        if result.confident and result.best is not None:
            await self.answered(tracker, result.best.id)
            events = answer_item(dispatcher, self.kb, result.best.id, detect_aspects(question))
            return [*events, SlotSet("fallback_streak", 0.0)]
        best = result.best
        streak = float(tracker.get_slot("fallback_streak") or 0.0)
        streak = streak + 1 if previous_user_intent(tracker) == FALLBACK_INTENT else 1.0
        if (streak < 2 and best is not None and best.lexical_rank is not None and result.out_of_catalog
                and subject_words(question)):
            # Words of the catalog, but no procedure it holds: said so, with the portal and a person.
            return [*await self.not_in_catalog(dispatcher, tracker, question, result),
                    SlotSet("fallback_streak", streak)]
        await self.insights.unanswered(tracker.sender_id, question, "fallback", best.id if best else "",
                                       best.score if best else 0.0)
        if streak >= 2:
            dispatcher.utter_message(response="utter_fallback_handover")
            return [SlotSet("fallback_streak", 0.0), *await self.hand_over(dispatcher, tracker, "fallback")]
        buttons = cards.choice_buttons(((h.id, h.title) for h in result.hits if h.lexical_rank is not None), 3)
        if buttons:
            dispatcher.utter_message(text="Em chưa chắc đã hiểu đúng ý Anh/Chị. "
                                          "Có phải Anh/Chị hỏi về một trong các nội dung này?",
                                     buttons=buttons)
        else:
            dispatcher.utter_message(response="utter_fallback_rephrase")
        return [SlotSet("fallback_streak", streak)]



# Words of papers and procedures, which talk about weather, football or prices does not use.
_ADMINISTRATIVE = re.compile(r"\b(?:xin (?!chao)|cap (?:moi|lai|doi|giay|the|phep)|dang ky|dk|xac nhan|giay phep|"
                             r"chung nhan|chung thuc|thu tuc|ho so|giay to|to khai|le phi|"
                             r"bang lai|gplx|cccd|cmnd|can cuoc|ho chieu|bhyt|so do)")


def names_a_procedure(text: str) -> bool:
    """The message speaks of a paper or a procedure ("xin xác nhận hộ nghèo")."""
    return bool(_ADMINISTRATIVE.search(fold(text)))


class ActionOutOfScope(ActionAnswerQuestion):
    """Rasa read the message as off-topic. Its examples of off-topic talk (weather, football,
    jokes) hold numbers and everyday words, so it also reads some procedure questions that way
    ("con 8 tuổi làm hộ chiếu", "xin xac nhan ho ngheo"): one in the words of papers and
    procedures is a question, answered as any other (or said to be outside the catalog); else
    the catalog answers when it is sure, and only then; everything else gets the polite refusal."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        text = user_text(tracker)
        if names_a_procedure(text):
            return await super().run(dispatcher, tracker, domain)
        answered = await self.answer_if_sure(dispatcher, tracker, text)
        if answered is not None:
            return answered
        dispatcher.utter_message(response="utter_out_of_scope")
        return []


# Numbers of papers and phones, dates, e-mail addresses.
_PERSONAL = re.compile(r"\d{6,}|\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4}|@")
# An address word before a name: "thôn Tiền Phong", not "ở tỉnh".
_ADDRESS = re.compile(rf"{ADDRESS_WORDS.pattern}\s+[A-Z]")


def looks_personal(text: str, entities: list[dict[str, Any]]) -> bool:
    """Personal data, never searched: what Rasa tagged, a number, date or e-mail, a name written as
    one ("Nguyễn Văn An", "tên tôi là …") or a place written as an address ("thôn Tiền Phong")."""
    words = text.split()
    written_as_name = 2 <= len(words) <= 6 and all(w[:1].isupper() and w.isalpha() for w in words)
    plain = strip_diacritics(text)
    return bool(entities or _PERSONAL.search(text) or written_as_name or NAME_PREFIXES.match(plain.lower())
                or _ADDRESS.search(f"{plain[:1].lower()}{plain[1:]}"))


# A form's answer given out of context is a button's label or a few words ("Cấp lại", "ở tỉnh").
_LABEL_WORDS = 3


class ActionAnythingElse(ActionAnswerQuestion):
    """Yes or no with no question pending: "Anh/Chị cần em hỗ trợ thêm gì không ạ?". Rasa also
    reads some whole questions ending in "không" as a no ("trung tam co cho muon kinh lup khong"):
    one longer than a short reply is answered when the catalog is sure of it."""

    def name(self) -> str:
        return "action_anything_else"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        text = user_text(tracker)
        if len(text.split()) > _LABEL_WORDS and not text.startswith("/"):
            answered = await self.answer_if_sure(dispatcher, tracker, text)
            if answered is not None:
                return answered
        dispatcher.utter_message(response="utter_anything_else")
        return []


class ActionInformOutOfContext(ActionAnswerQuestion):
    """Details given with no form asking for them. Personal data is not searched or kept, and the
    citizen is told not to send it unasked. A question in the words of papers and procedures,
    longer than a label ("tôi 22 tuổi lần đầu đăng ký thường trú cần gì"), is answered as any
    other. Words that only look like a form's answer are answered: "cấp tỉnh" a few turns after
    "… ở cấp nào ạ?" (the subject asked about is kept in ``pending_subject``), or a procedure the
    catalog is sure of; else the citizen is asked which procedure, not warned about data they did
    not give."""

    def name(self) -> str:
        return "action_inform_out_of_context"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        text = user_text(tracker)
        if looks_personal(text, tracker.latest_message.get("entities") or []):
            dispatcher.utter_message(response="utter_inform_out_of_context")
            return []
        if names_a_procedure(text) and len(text.split()) > _LABEL_WORDS:
            return await super().run(dispatcher, tracker, domain)
        pending = tracker.get_slot(PENDING_SUBJECT)
        answered = await self.answer_if_sure(dispatcher, tracker, f"{text} {pending}" if pending else text)
        if answered is not None:   # forgotten with the answer; asking again sets it again
            return [SlotSet(PENDING_SUBJECT, None), *answered] if pending else answered
        dispatcher.utter_message(response="utter_ask_which_procedure")
        return []

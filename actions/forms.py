"""What every form shares: a way out of every question.

* A slot reset to None by the action that opened the form is not an answer. rasa-sdk validates
  every slot set since the form last ran, None included, so each validator used to say its error
  message once before the form's first question (six of them for the filing form).
* A question typed instead of an answer ("le phi bao nhieu", "cần giấy tờ gì") is answered — about
  the procedure in progress unless it names another — and the pending question is asked again.
* Two failed attempts at the same question offer a person ("Gặp nhân viên").

Asking for a person, "menu", "quay lại" and "hủy" never reach the validators: the slot mappings
exclude those intents and rules in ``data/rules/ways_out.yml`` answer them (``actions.resume``).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from rasa_sdk import Tracker, utils
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import cards
from actions import submission_texts as t
from actions.slots import current_procedure
from knowledge_base.aspects import detect_aspects, subject_words
from knowledge_base.normalise import strip_diacritics
from knowledge_base.service import KnowledgeBase

FAILURES = "form_failures"
FAILURES_BEFORE_A_PERSON = 2
HUMAN_BUTTON = {"title": t.HUMAN_BUTTON, "payload": "/request_human"}

# Words that make a message a question; an aspect ("lệ phí", "giấy tờ", "bao lâu") must come with
# one of them, so an answer such as "thôn Tiền Phong" (tiền) is never taken for a question.
_ASKING = re.compile(r"\b(?:bao nhieu|bn|gi|j|khong|ko|k|hong|o dau|dau|bao lau|the nao|ntn|lam sao|ra sao|"
                     r"nhu nao|chua|dc ko|duoc khong|co duoc|may ngay|khi nao|bao gio)\b")


def fold(text: str) -> str:
    return " ".join(strip_diacritics(text).lower().split())


def is_question(text: str) -> bool:
    """A question about a procedure typed where an answer was expected."""
    if not text or text.startswith("/"):
        return False
    if text.rstrip().endswith("?"):
        return True
    return bool(detect_aspects(text)) and bool(_ASKING.search(fold(text)))


async def answer_question(kb: KnowledgeBase, dispatcher: CollectingDispatcher, tracker: Tracker,
                          question: str) -> None:
    """Answer ``question`` without leaving the form: the part asked of the procedure in progress,
    or the catalog's answer when the question names another; the pending question follows."""
    aspects = detect_aspects(question)
    current = current_procedure(kb, tracker)
    text = None
    if current is not None and not subject_words(question):
        text = cards.procedure_card(current, [a for a in aspects if a in cards.SECTIONS])  # type: ignore[misc]
    else:
        result = await asyncio.to_thread(kb.ask, question)
        best = result.best
        procedure = kb.procedure(best.id) if result.confident and best else None
        faq = kb.faq(best.id) if result.confident and best else None
        if procedure is not None:
            text = cards.procedure_card(procedure, [a for a in aspects if a in cards.SECTIONS])  # type: ignore[misc]
        elif faq is not None:
            text = cards.faq_card(faq)
        elif current is not None:
            text = cards.procedure_card(current, [a for a in aspects if a in cards.SECTIONS])  # type: ignore[misc]
    dispatcher.utter_message(text=text or t.QUESTION_NOT_FOUND)
    dispatcher.utter_message(text=t.BACK_TO_FORM)


class CitizenFormValidation(FormValidationAction):
    """A form validator that ignores reset slots, answers questions typed mid-form, and offers a
    person after two failed attempts at one question. ``kb`` is given by ``build_actions``."""

    kb: KnowledgeBase | None = None

    def failure_key(self, slot: str, tracker: Tracker) -> str:
        """What counts as "the same question" (a cursor slot asks several; see submission)."""
        return slot

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list[EventType]:
        from rasa_sdk.events import SlotSet

        wanted = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        slots: dict[str, Any] = tracker.slots_to_validate()
        requested = tracker.get_slot("requested_slot")
        text = str(tracker.latest_message.get("text") or "")
        failures = dict(tracker.get_slot(FAILURES) or {})
        failed_now: str | None = None
        answered = False
        for name, value in list(slots.items()):
            if name not in wanted:
                slots.pop(name)
                continue
            if value is None:
                continue   # reset when the form opened (or by a correction): not an answer
            asked = name == requested and self.kb is not None
            if asked and is_question(text) and not self.is_answer(name, text, tracker):
                await answer_question(self.kb, dispatcher, tracker, text)
                slots[name] = None
                tracker.slots[name] = None
                continue
            method = getattr(self, f"validate_{name.replace('-', '_')}", None)
            if method is None:
                continue
            said = len(dispatcher.messages)
            output = await utils.call_potential_coroutine(method(value, dispatcher, tracker, domain))
            if not isinstance(output, dict):
                continue
            slots.update(output)
            tracker.slots.update(output)
            if name == requested:
                if output.get(name) is None and len(dispatcher.messages) > said:
                    failed_now = self.failure_key(name, tracker)
                else:
                    answered = True
        if failed_now is not None:
            count = failures.get("count", 0) + 1 if failures.get("key") == failed_now else 1
            failures = {"key": failed_now, "count": count}
            if count >= FAILURES_BEFORE_A_PERSON:
                dispatcher.utter_message(text=t.OFFER_PERSON, buttons=[HUMAN_BUTTON])
            slots[FAILURES] = failures
        elif answered and failures:
            slots[FAILURES] = None
        return [SlotSet(slot, value) for slot, value in slots.items()]

    def is_answer(self, slot: str, text: str, tracker: Tracker) -> bool:
        """A question-like text that is still a valid answer (a choice named by its words)."""
        return False

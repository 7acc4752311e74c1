"""Answers about procedures and FAQs, from the in-process knowledge base."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import cards
from actions.slots import entity, user_text
from bot.insights.recorder import Insights
from knowledge_base import variants
from knowledge_base.aspects import Aspect, detect_aspects, subject_words
from knowledge_base.index import Hit
from knowledge_base.schema import Faq, Procedure
from knowledge_base.service import EVIDENCE_TO_ANSWER, EVIDENCE_TO_ASK, SUGGESTED, Answerable, KnowledgeBase
from knowledge_base.variants import Clarification


def linked_procedures(kb: KnowledgeBase, faq: Faq) -> list[Procedure]:
    """The procedures an FAQ links to that the catalog holds: by id, then by national code (portal
    FAQs name codes, some of them no longer in force), each once, in the FAQ's order."""
    found = [p for p in map(kb.procedure, faq.related_procedures) if p is not None]
    if faq.related_codes:
        by_code = _procedures_by_code(kb)
        found += [by_code[c] for c in faq.related_codes if c in by_code]
    return list({p.id: p for p in found}.values())


def _procedures_by_code(kb: KnowledgeBase) -> dict[str, Procedure]:
    # A pass over the catalog (well under a millisecond for 2,642 records), only for FAQs that
    # name codes; the knowledge base has no lookup by code yet.
    table: dict[str, Procedure] = {}
    for procedure in kb.procedures:
        table.setdefault(procedure.code, procedure)
    return table


def answer_item(dispatcher: CollectingDispatcher, kb: KnowledgeBase, item_id: str,
                aspects: list[str]) -> list[EventType]:
    """Send the card of a procedure or an FAQ; remembers the procedure for follow-ups. The aspects
    ``all_documents`` (a procedure's whole document list) and ``full_answer`` (an FAQ's whole
    official answer) come from the "Xem đủ giấy tờ" / "Xem đầy đủ" buttons."""
    procedure = kb.procedure(item_id)
    if procedure is not None:
        if cards.ALL_DOCUMENTS in aspects:
            messages = cards.all_documents_messages(procedure)
            for text in messages[:-1]:
                dispatcher.utter_message(text=text)
            dispatcher.utter_message(text=messages[-1], buttons=cards.with_feedback(
                cards.all_documents_buttons(procedure), procedure.id))
        else:
            parts: list[Aspect] = [a for a in aspects if a in cards.SECTIONS]  # type: ignore[misc]
            dispatcher.utter_message(text=cards.procedure_card(procedure, parts), buttons=cards.with_feedback(
                cards.procedure_buttons(procedure, parts), procedure.id))
        return [SlotSet("procedure_id", procedure.id)]
    faq = kb.faq(item_id)
    if faq is not None:
        linked = linked_procedures(kb, faq)
        if cards.FULL_ANSWER in aspects:
            messages = cards.faq_full_messages(faq)
            for text in messages[:-1]:
                dispatcher.utter_message(text=text)
            dispatcher.utter_message(text=messages[-1], buttons=cards.with_feedback(
                cards.faq_buttons(faq, linked, full=True), faq.id))
        else:
            dispatcher.utter_message(text=cards.faq_card(faq), buttons=cards.with_feedback(
                cards.faq_buttons(faq, linked), faq.id))
        return []
    dispatcher.utter_message(response="utter_item_not_found")
    return []


def near_identical(kb: KnowledgeBase, question: str, hits: list[Hit], *,
                   faq_may_lead: bool = True) -> str | Clarification | None:
    """The best hits when they are one procedure at several levels or in several variants: the id
    the question already picks, or the one question to ask (``knowledge_base.variants``). With
    ``faq_may_lead`` an FAQ ranked first wins (None); without it FAQs are passed over (the search
    was unsure anyway, and a list mixing them with near-identical titles helps nobody)."""
    candidates = []
    for hit in hits:
        procedure = kb.procedure(hit.id) if hit.kind == "procedure" else None
        if procedure is None:
            if not candidates and faq_may_lead:
                return None
            continue
        candidates.append(_candidate(procedure))
    if candidates:
        # The first one's other levels and variants, though ranked lower: "… từ đủ 14 tuổi trở lên
        # (thực hiện tại cấp trung ương)" first for an age, the same title at the commune outside
        # the hits; "Cấp đổi thẻ căn cước" when only its cấp mới and cấp lại were found, so the
        # question's buttons offer every variant there is. Not its foreign-element twin: asking
        # "có yếu tố nước ngoài không" of every "khai sinh" costs nearly every citizen a turn.
        listed = {c.id for c in candidates}
        foreign = variants.facets(candidates[0].title).foreign
        candidates += [_candidate(p) for other in kb.same_subject(candidates[0].id)
                       if other not in listed and (p := kb.procedure(other)) is not None
                       and variants.facets(p.title).foreign == foreign]
    return variants.resolve(question, candidates, max_options=cards.MAX_BUTTONS - 1)


def _candidate(procedure: Procedure) -> variants.Candidate:
    # A record published for several levels has no one level to ask about.
    level = procedure.level if len(set(procedure.levels)) <= 1 else None
    return variants.Candidate(procedure.id, procedure.title, level, own=bool(procedure.form_fields))


# The procedure a variant question ("… ở cấp nào ạ?") was about, until the citizen gets a card.
PENDING_SUBJECT = "pending_subject"


def agencies_of(kb: KnowledgeBase, choice: Clarification) -> dict[str, str]:
    """Each option's agency, for the question to say who serves each level."""
    return {item_id: procedure.agency for _, item_id in choice.options
            if (procedure := kb.procedure(item_id)) is not None}


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

    async def tell_variants_apart(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  question: str, result: Answerable,
                                  aspects: list[Aspect]) -> list[EventType] | None:
        """When the best hits are one procedure at several levels or variants: answer the one the
        question names, or ask the one question that tells them apart. None when they are not."""
        # "giấy tờ" alone names no procedure: the usual top 3, not a question about levels. Nor does
        # a question whose words the first procedure does not hold ("đăng ký nhãn hiệu" is not
        # "nhận cha, mẹ, con").
        first = next((h for h in result.hits if h.kind == "procedure"), None)
        named = (bool(subject_words(question)) and first is not None
                 and self.kb.evidence(question, first.id) >= EVIDENCE_TO_ASK)
        choice = near_identical(self.kb, question, result.hits, faq_may_lead=result.confident) if named else None
        if isinstance(choice, Clarification):
            # One tap answers: with the part asked about ("cần giấy tờ gì"), or the overview.
            dispatcher.utter_message(text=cards.variant_question(choice, agencies_of(self.kb, choice)),
                                     buttons=cards.variant_buttons(choice, aspects[0] if len(aspects) == 1 else None))
            # "lệ phí bao nhiêu" instead of a tap is about this procedure, not the one before it.
            return [SlotSet(PENDING_SUBJECT, cards.variant_subject(choice)), SlotSet("procedure_id", None)]
        if isinstance(choice, str):
            if result.contested and not result.confident:
                # "gia hạn giấy phép xây dựng" names the variant of the first, but the railway's
                # permit is no surer than the level crossing's: the citizen chooses among them.
                return None
            # The question named the level or variant ("cấp lại", "ở xã"), or the near-identical
            # hits are one title published twice: that one answers.
            await self.answered(tracker, choice)
            return answer_item(dispatcher, self.kb, choice, aspects)
        return None

    async def answer_if_sure(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                             question: str) -> list[EventType] | None:
        """The catalog's answer when it is sure of one procedure (or of one procedure's levels and
        variants, then the one question), None otherwise: for a message Rasa read as something
        else than a question."""
        result = await asyncio.to_thread(self.kb.ask, question)
        if not result.confident or result.best is None:
            return None
        aspects = detect_aspects(question)
        handled = await self.tell_variants_apart(dispatcher, tracker, question, result, aspects)
        if handled is not None:
            return handled
        await self.answered(tracker, result.best.id)
        return answer_item(dispatcher, self.kb, result.best.id, aspects)

    async def not_in_catalog(self, dispatcher: CollectingDispatcher, tracker: Tracker, question: str,
                             result: Answerable) -> list[EventType]:
        """Nothing in the catalog is close: say so, offer the portal's search and a person, and
        put the question in the unanswered inbox."""
        best = result.best
        await self.insights.unanswered(tracker.sender_id, question, "out_of_catalog", best.id if best else "",
                                       best.score if best else 0.0)
        dispatcher.utter_message(text=cards.not_in_catalog_text(question),
                                 buttons=[cards.portal_button(question), cards.human_button()])
        return []

    async def not_sure(self, dispatcher: CollectingDispatcher, tracker: Tracker, question: str,
                       result: Answerable) -> list[EventType]:
        """Something close but not sure: the best hits as buttons and a person; a question naming a
        subject is also told the catalog may not hold it, with the portal's search."""
        assert result.best is not None
        await self.insights.unanswered(tracker.sender_id, question, "low_confidence", result.best.id,
                                       result.best.score)
        buttons = cards.choice_buttons(((h.id, h.title) for h in result.hits), SUGGESTED)
        # "giấy tờ" names no procedure: which one, not whether the catalog has it.
        named = bool(subject_words(question))
        if not named:
            text = cards.clarify_text(detect_aspects(question))
        elif result.contested and result.evidence >= EVIDENCE_TO_ANSWER:
            text = cards.CLOSE_CHOICES_TEXT
        else:
            text = cards.not_sure_text(question)
        buttons += [cards.portal_button(question), cards.human_button()] if named else [cards.human_button()]
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


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
        previous = tracker.get_slot("procedure_id")
        pending = tracker.get_slot(PENDING_SUBJECT)
        forget = [SlotSet(PENDING_SUBJECT, None)] if pending else []
        if pending and not previous and not subject_words(question):
            # Asked "ở cấp nào?", the citizen asked "lệ phí bao nhiêu": the same question again,
            # whose buttons now open the fee.
            question = f"{question} {pending}"
        # A pending subject is forgotten with every answer; asking the variant question again sets it again.
        return forget + await self._answer(dispatcher, tracker, question, aspects, previous)

    async def _answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, question: str,
                      aspects: list[Aspect], previous: str | None) -> list[EventType]:
        result = await asyncio.to_thread(self.kb.ask, question)
        if (aspects and previous and self.kb.procedure(previous)
                and _is_follow_up(question, result.best.id if result.best else None, previous)):
            await self.answered(tracker, previous)
            return answer_item(dispatcher, self.kb, previous, aspects)
        if result.out_of_catalog:   # nothing close: never a look-alike procedure's card
            return await self.not_in_catalog(dispatcher, tracker, question, result)
        assert result.best is not None
        handled = await self.tell_variants_apart(dispatcher, tracker, question, result, aspects)
        if handled is not None:
            return handled
        if result.confident:
            await self.answered(tracker, result.best.id)
            return answer_item(dispatcher, self.kb, result.best.id, aspects)
        return await self.not_sure(dispatcher, tracker, question, result)


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
        known = {*cards.SECTIONS, cards.ALL_DOCUMENTS, cards.FULL_ANSWER}
        aspects = [aspect] if aspect in known else []
        if not item_id:
            dispatcher.utter_message(response="utter_ask_which_procedure")
            return []
        await self.answered(tracker, str(item_id))
        return answer_item(dispatcher, self.kb, item_id, aspects)

"""Coming back to a dossier left half-way: a greeting or a new request to file offers "Tiếp tục hồ
sơ đang dở: <thủ tục>" and "Bắt đầu lại"; resuming refills the slots and goes on where the citizen
stopped (a question of the form, a document, or the summary)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import submission_texts as t
from actions.answers import KnowledgeAction
from actions.drafts import APPLICANT_KEYS, DraftStore, FormDraft
from actions.submission import (
    ALLOWED,
    DONE,
    DRAFT,
    FIELD_CURSOR,
    FIELDS,
    FORM,
    ActionStartSubmission,
    pending_field,
)
from knowledge_base.service import KnowledgeBase


def offer_buttons(kb: KnowledgeBase, draft: FormDraft, procedure_id: str | None) -> tuple[str, list[dict[str, Any]]]:
    procedure = kb.procedure(draft.procedure_id)
    title = procedure.title if procedure else draft.procedure_id
    restart = f'/restart_submission{{"procedure_id": "{procedure_id}"}}' if procedure_id else "/restart_submission"
    return t.DRAFT_OFFER.format(title=title), [{"title": t.RESUME_BUTTON.format(title=title),
                                                "payload": "/resume_draft"},
                                               {"title": t.RESTART_BUTTON, "payload": restart}]


async def pending_draft(drafts: DraftStore, sender_id: str) -> FormDraft | None:
    draft = await drafts.load(sender_id)
    return draft if draft is not None and not draft.is_empty else None


class ActionGreet(KnowledgeAction):
    """``action_greet``: the greeting, then the offer when a draft waits."""

    def __init__(self, kb: KnowledgeBase, drafts: DraftStore) -> None:
        super().__init__(kb)
        self.drafts = drafts

    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_greet")
        draft = await pending_draft(self.drafts, tracker.sender_id)
        if draft is not None:
            text, buttons = offer_buttons(self.kb, draft, draft.procedure_id)
            dispatcher.utter_message(text=text, buttons=buttons)
        return []


class ActionResumeDraft(KnowledgeAction):
    """``/resume_draft``: refill the slots from the draft and continue."""

    def __init__(self, kb: KnowledgeBase, drafts: DraftStore) -> None:
        super().__init__(kb)
        self.drafts = drafts

    def name(self) -> str:
        return "action_resume_draft"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        draft = await pending_draft(self.drafts, tracker.sender_id)
        procedure = self.kb.procedure(draft.procedure_id) if draft else None
        if draft is None or procedure is None:
            dispatcher.utter_message(text=t.NO_DRAFT)
            dispatcher.utter_message(response="utter_ask_submission_procedure")
            return []
        dispatcher.utter_message(text=t.RESUMED.format(title=procedure.title))
        fields = dict(draft.fields)
        events: list[EventType] = [SlotSet(key, draft.applicant.get(key)) for key in APPLICANT_KEYS]
        form_done = all(draft.applicant.get(k) is not None for k in APPLICANT_KEYS)
        cursor = DONE if pending_field(procedure, fields) is None else None
        if procedure.form_fields:
            form_done = form_done and cursor == DONE
        events += [SlotSet("procedure_id", procedure.id), SlotSet(FIELDS, fields),
                   SlotSet(FIELD_CURSOR, cursor), SlotSet("submission_documents", draft.documents),
                   SlotSet("document_item", None), SlotSet(ALLOWED, True), SlotSet(DRAFT, draft.as_slot())]
        # A complete form goes straight on to the documents (or the summary).
        return [*events, FollowupAction("action_submission_collected" if form_done else FORM)]


class ActionRestartSubmission(ActionStartSubmission):
    """``/restart_submission``: forget the draft and start afresh."""

    def name(self) -> str:
        return "action_restart_submission"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        if self.drafts is not None:
            await self.drafts.discard(tracker.sender_id)
        events = await self.open_form(dispatcher, tracker)
        allowed = any(e.get("name") == ALLOWED and e.get("value") for e in events)
        return [*events, SlotSet(DRAFT, None), *([FollowupAction(FORM)] if allowed else [])]

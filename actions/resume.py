"""Coming back to a dossier left half-way: a greeting or a new request to file offers "Tiếp tục hồ
sơ đang dở: <thủ tục>" and "Bắt đầu lại"; resuming refills the slots and goes on where the citizen
stopped (a question of the form, a document, or the summary)."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import submission_texts as t
from actions.answers import KnowledgeAction
from actions.forms import answer_question
from actions.slots import current_procedure, user_text
from actions.submission import ActionStartSubmission
from actions.submission_steps import (
    ALLOWED,
    CASE_CURSOR,
    DONE,
    DRAFT,
    FIELD_CURSOR,
    FIELDS,
    FORM,
    collected_draft,
    cursor_values,
    is_case_field,
    offer_buttons,
    pending_draft,
    pending_field,
)
from bot.dossiers.drafts import APPLICANT_KEYS, DraftStore
from knowledge_base.service import KnowledgeBase


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
        cursors = cursor_values(procedure, fields)
        form_done = form_done and all(value == DONE for value in cursors.values())
        events += [SlotSet("procedure_id", procedure.id), SlotSet(FIELDS, fields),
                   *(SlotSet(c, v) for c, v in cursors.items()), SlotSet("submission_documents", draft.documents),
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


# --- ways out of every form: a person, the menu, one step back -------------------------------------

FORMS_WITH_DRAFTS = (FORM, "documents_form")
MENU_BUTTONS = [{"title": "Hỏi thủ tục", "payload": "/ask_procedure"},
                {"title": "Hồ sơ của tôi", "payload": "/track_dossier"},
                {"title": "Gặp nhân viên", "payload": "/request_human"}]
# What each form asks, in order (the submission form's order comes from its validator).
FORM_ORDER = {"tracking_form": ("dossier_code", "tracking_proof"),
              "callback_form": ("callback_phone", "callback_topic"),
              "rating_comment_form": ("rating_comment",)}


def continue_button() -> dict[str, str]:
    return {"title": t.CONTINUE_BUTTON, "payload": "/resume_draft"}


class ActionLeaveForm(KnowledgeAction):
    """``action_leave_form``: the citizen asked for a person, complained or asked for the menu in
    the middle of a form. The dossier being filled is kept as a draft ("Tiếp tục nộp hồ sơ" brings
    it back); a short form (tracking, callback, comment) is simply left. The rule then deactivates
    the loop and answers the request."""

    def __init__(self, kb: KnowledgeBase, drafts: DraftStore) -> None:
        super().__init__(kb)
        self.drafts = drafts

    def name(self) -> str:
        return "action_leave_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:

        loop = (tracker.active_loop or {}).get("name")
        events: list[EventType] = [SlotSet("requested_slot", None), SlotSet("form_failures", None)]
        if loop in FORM_ORDER:
            return [*events, *(SlotSet(slot, None) for slot in FORM_ORDER[loop])]
        draft = collected_draft(tracker)
        if loop not in FORMS_WITH_DRAFTS or not draft.procedure_id or draft.is_empty:
            return events
        await self.drafts.save(draft)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent != "menu":   # the menu shows its own "Tiếp tục nộp hồ sơ"
            procedure = self.kb.procedure(draft.procedure_id)
            dispatcher.utter_message(text=t.FORM_KEPT.format(title=procedure.title if procedure else ""),
                                     buttons=[continue_button()])
        return [*events, SlotSet(DRAFT, draft.as_slot())]


class ActionShowMenu(KnowledgeAction):
    """``action_show_menu``: the main choices, and the dossier left half-way when there is one."""

    def __init__(self, kb: KnowledgeBase, drafts: DraftStore) -> None:
        super().__init__(kb)
        self.drafts = drafts

    def name(self) -> str:
        return "action_show_menu"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        draft = await pending_draft(self.drafts, tracker.sender_id)
        buttons = [continue_button()] if draft is not None else []
        dispatcher.utter_message(text=t.MENU_TEXT, buttons=[*buttons, *MENU_BUTTONS])
        return []


class ActionGoBack(KnowledgeAction):
    """``action_go_back`` ("quay lại") inside a form: forget the previous answer so the form asks
    it again; the rule then runs the form. At the first question nothing is forgotten."""

    def name(self) -> str:
        return "action_go_back"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        loop = (tracker.active_loop or {}).get("name")
        requested = tracker.get_slot("requested_slot")
        if loop == FORM:
            events = self._back_in_submission(tracker, str(requested or ""))
        elif loop == "documents_form":
            events = self._back_in_documents(tracker)
        else:
            order = FORM_ORDER.get(str(loop), ())
            index = order.index(requested) if requested in order else 0
            events = [SlotSet(order[index - 1], None)] if index > 0 else []
        dispatcher.utter_message(text=t.BACK_DONE if events else t.BACK_FIRST)
        return [*events, SlotSet("form_failures", None)]

    def _back_in_submission(self, tracker: Tracker, requested: str) -> list[EventType]:

        procedure = current_procedure(self.kb, tracker)
        if procedure is None:
            return []
        fields = dict(tracker.get_slot(FIELDS) or {})
        # Everything the form asks, in its order, with whether it is answered.
        order: list[tuple[str, bool]] = [(f"field:{f.name}", f.name in fields)
                                         for f in procedure.form_fields if is_case_field(f)]
        order += [(key, tracker.get_slot(key) not in (None, "")) for key in APPLICANT_KEYS]
        order += [(f"field:{f.name}", f.name in fields) for f in procedure.form_fields if not is_case_field(f)]
        pending = pending_field(procedure, fields, requested) if requested in (CASE_CURSOR, FIELD_CURSOR) else None
        here = f"field:{pending.name}" if pending else requested
        names = [name for name, _ in order]
        index = names.index(here) if here in names else len(names)
        previous = next((name for name, answered in reversed(order[:index]) if answered), None)
        if previous is None:
            return []
        if previous.startswith("field:"):
            fields.pop(previous.removeprefix("field:"), None)
            return [SlotSet(FIELDS, fields), *(SlotSet(c, v) for c, v in cursor_values(procedure, fields).items())]
        return [SlotSet(previous, None)]

    @staticmethod
    def _back_in_documents(tracker: Tracker) -> list[EventType]:
        state = dict(tracker.get_slot("submission_documents") or {})
        items = list(state.get("items") or [])
        if not items:
            return []
        return [SlotSet("submission_documents", {**state, "items": items[:-1]}), SlotSet("document_item", None)]


class ActionAnswerInForm(KnowledgeAction):
    """``action_answer_in_form``: a question while a document is awaited; answered, then the
    document is asked again (the rule runs the form)."""

    def name(self) -> str:
        return "action_answer_in_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:

        await answer_question(self.kb, dispatcher, tracker, user_text(tracker))
        return []

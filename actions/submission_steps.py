"""The state of a guided submission in Rasa's slots, and the pure steps over it that the
submission form, the document checklist and the draft offers share: which field is asked next,
which document is pending, what the citizen entered so far and the summary they confirm.
The actions (``actions.submission``, ``actions.documents``, ``actions.resume``) build on this
module and never on one another's internals."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import cards
from actions import submission_texts as t
from actions.slots import current_procedure
from actions.validation import mask_cccd
from bot.core.buttons import payload
from bot.dossiers.drafts import APPLICANT_KEYS, DraftStore, FormDraft
from bot.dossiers.fees import assess_fee
from knowledge_base.schema import FormField, Procedure, RequiredDocument
from knowledge_base.service import KnowledgeBase

# ---- slots of the applicant form ----------------------------------------------------------------
FORM = "submission_form"
CASE_CURSOR = "case_field"
FIELD_CURSOR = "procedure_field"
CURSORS = (CASE_CURSOR, FIELD_CURSOR)
FIELDS = "procedure_fields"
DRAFT = "submission_draft"
ALLOWED = "submission_allowed"
DONE = "done"
FORM_SLOTS = (*APPLICANT_KEYS, CASE_CURSOR, FIELD_CURSOR, FIELDS)

# ---- slots of the document checklist (after the form) -------------------------------------
DOC_FORM = "documents_form"
CURSOR = "document_item"
DOCS = "submission_documents"
UPLOADED = "document_uploaded"
HUMAN = {"title": t.HUMAN_BUTTON, "payload": payload("request_human", handoff_reason="submission_failed")}
DOC_SLOTS = (CURSOR, DOCS)


# ---- the form's fields --------------------------------------------------------------------------
def _as_text(value: Any) -> str:
    """A slot candidate as text (an entity mapping may give a list)."""
    if isinstance(value, list):
        value = value[0] if value else ""
    return "" if value is None else str(value)


def is_case_field(field: FormField) -> bool:
    """A choice about the case (request type, reason, …): asked before the applicant's details."""
    return field.type == "choice"


def field_applies(field: FormField, collected: dict[str, str]) -> bool:
    """False when the earlier answers rule the field out (the catalog's ``when``, if it has one)."""
    applies = getattr(field, "applies", None)
    if callable(applies):
        return bool(applies(collected))
    when = getattr(field, "when", None)
    if not when:
        return True
    return all(_matches(collected.get(name), wanted) for name, wanted in dict(when).items())


def _matches(answer: str | None, wanted: Any) -> bool:
    options = wanted if isinstance(wanted, list | tuple | set) else [wanted]
    return answer is not None and any(str(o).casefold() == answer.casefold() for o in options)


def cursor_of(field: FormField) -> str:
    return CASE_CURSOR if is_case_field(field) else FIELD_CURSOR


def pending_field(procedure: Procedure | None, collected: dict[str, str],
                  cursor: str | None = None) -> FormField | None:
    """The first catalog field not answered yet that the answers do not rule out (skipped optional
    fields are answered with ""); with ``cursor``, only the fields that cursor asks."""
    if procedure is None:
        return None
    return next((f for f in procedure.form_fields
                 if f.name not in collected and (cursor is None or cursor_of(f) == cursor)
                 and field_applies(f, collected)), None)


def cursor_values(procedure: Procedure | None, collected: dict[str, str]) -> dict[str, str | None]:
    """Each cursor: empty while it has a field to ask, ``done`` after."""
    return {c: None if pending_field(procedure, collected, c) is not None else DONE for c in CURSORS}


def answer_field(procedure: Procedure, collected: dict[str, str], value: str,
                 cursor: str = FIELD_CURSOR, extra: dict[str, str] | None = None) -> dict[str, Any]:
    """Slot values after ``value`` answers the cursor's pending field (and ``extra`` others)."""
    field = pending_field(procedure, collected, cursor)
    updated = dict(collected)
    if field is not None:
        updated[field.name] = value
    updated.update(extra or {})
    return {FIELDS: updated, **cursor_values(procedure, updated)}


def collected_draft(tracker: Tracker, complete: bool = False,
                    changes: dict[str, Any] | None = None) -> FormDraft:
    """What the citizen entered so far, from the form's slots (with ``changes`` not applied yet)."""
    def slot(name: str) -> Any:
        return changes[name] if changes and name in changes else tracker.get_slot(name)

    applicant = {key: str(slot(key)) for key in APPLICANT_KEYS if slot(key) is not None}
    return FormDraft(sender_id=tracker.sender_id, procedure_id=str(slot("procedure_id") or ""),
                     applicant=applicant, fields=dict(slot(FIELDS) or {}), complete=complete,
                     documents=slot("submission_documents"))


async def save_progress(drafts: DraftStore | None, tracker: Tracker, events: list[EventType]) -> None:
    """Keep the draft after every answer, so nothing is lost if the citizen leaves."""
    if drafts is None:
        return
    changes = {e["name"]: e.get("value") for e in events if e.get("event") == "slot" and "name" in e}
    draft = collected_draft(tracker, changes=changes)
    if draft.procedure_id and not draft.is_empty:
        await drafts.save(draft)


def summary_text(draft: FormDraft, procedure: Procedure | None, head: str = t.SUMMARY_HEAD,
                 tail: list[str] | None = None) -> str:
    """The short summary shown after the form; the căn cước shows only its last 4 digits."""
    title = procedure.title if procedure else draft.procedure_id
    lines = [head.format(title=title)]
    for key, label in t.SUMMARY_LABELS.items():
        value = draft.applicant.get(key) or t.NOT_GIVEN
        if key == "cccd" and draft.applicant.get(key):
            value = mask_cccd(value)
        lines.append(f"• {label}: {value}")
    for field in procedure.form_fields if procedure else []:
        if field.name in draft.fields:
            value = draft.fields[field.name] or t.NOT_GIVEN
            if field.type == "cccd" and draft.fields[field.name]:
                value = mask_cccd(value)
            lines.append(f"• {field.label}: {value}")
    return "\n".join([*lines, "", *(tail if tail is not None else [t.SUMMARY_NEXT])])


# ---- the document checklist ---------------------------------------------------------------------
def doc_state(tracker: Tracker) -> dict[str, Any]:
    state = tracker.get_slot(DOCS) or {}
    return {"after": int(state.get("after") or 0), "items": list(state.get("items") or [])}


def optional_documents(procedure: Procedure, answers: dict[str, str]) -> list[RequiredDocument]:
    return [d for d in procedure.documents_for(answers) if not d.required]


def checklist(procedure: Procedure, answers: dict[str, str] | None = None) -> list[RequiredDocument]:
    """The steps of the document checklist for this case: each required document, then the optional
    ones as one step (a document of its own when there is only one)."""
    needed = procedure.documents_for(answers or {})
    optional = [d for d in needed if not d.required]
    steps = [d for d in needed if d.required]
    if len(optional) == 1:
        steps.append(optional[0])
    elif optional:
        steps.append(RequiredDocument(name=t.OPTIONAL_GROUP + ": " + "; ".join(cards.short_name(d.name)
                                                                              for d in optional),
                                      required=False))
    return steps


def current_items(procedure: Procedure, state: dict[str, Any], answers: dict[str, str]) -> list[dict[str, Any]]:
    """What was sent for the steps this case still has (a corrected answer may rule one out)."""
    names = {step.name for step in checklist(procedure, answers)}
    return [item for item in state["items"] if item["name"] in names]


def pending_document(procedure: Procedure | None, state: dict[str, Any],
                     answers: dict[str, str] | None = None) -> RequiredDocument | None:
    """The first checklist step not handled yet."""
    if procedure is None:
        return None
    handled = {item["name"] for item in state["items"]}
    return next((step for step in checklist(procedure, answers) if step.name not in handled), None)


def answers_of(tracker: Tracker) -> dict[str, str]:
    """The citizen's answers to the procedure's own form fields."""
    return {k: str(v) for k, v in dict(tracker.get_slot(FIELDS) or {}).items()}


def used_ids(state: dict[str, Any]) -> set[int]:
    return {int(i) for item in state["items"] for i in item.get("ids", [])}


def handle_document(procedure: Procedure, state: dict[str, Any], ids: list[int],
                    answers: dict[str, str] | None = None) -> dict[str, Any]:
    """Slot values after the pending item got ``ids`` (none: skipped)."""
    document = pending_document(procedure, state, answers)
    items = list(state["items"])
    if document is not None:
        items.append({"name": document.name, "ids": ids, "skipped": not ids})
    updated = {**state, "items": items}
    return {DOCS: updated, CURSOR: DONE if pending_document(procedure, updated, answers) is None else None}


def uploaded_id(tracker: Tracker) -> int | None:
    """The attachment the gateway announced with ``/document_uploaded``, if this message is one."""
    if (tracker.latest_message.get("intent") or {}).get("name") != UPLOADED:
        return None
    value = next(tracker.get_latest_entity_values("attachment_id"), None)
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def review_message(dispatcher: CollectingDispatcher, draft: FormDraft, procedure: Procedure | None,
                   state: dict[str, Any]) -> None:
    """Everything entered and sent, the fee this case owes, with "Xác nhận nộp" and "Sửa thông tin"."""
    answers = {k: str(v) for k, v in draft.fields.items()}
    items = current_items(procedure, state, answers) if procedure else state["items"]
    tail = [t.REVIEW_DOCS] if items else []
    for item in items:
        line = t.REVIEW_DOC_SKIPPED if item.get("skipped") else t.REVIEW_DOC_SENT
        tail.append(line.format(name=item["name"], count=len(item.get("ids", []))))
    if procedure is not None:
        fee = assess_fee(procedure, answers)
        tail += ["", cards.fee_summary(fee.amount_vnd, fee.explanation)]
    tail += ["", t.REVIEW_ASK]
    dispatcher.utter_message(text=summary_text(draft, procedure, head=t.REVIEW_HEAD, tail=tail),
                             buttons=[{"title": t.CONFIRM_BUTTON, "payload": "/confirm_submission"},
                                      {"title": t.CORRECT_BUTTON, "payload": "/correct_field"}])


def documents_complete(procedure: Procedure | None, tracker: Tracker) -> bool:
    return pending_document(procedure, doc_state(tracker), answers_of(tracker)) is None


def skip_document_events(kb: KnowledgeBase, tracker: Tracker,
                         dispatcher: CollectingDispatcher) -> list[EventType] | None:
    """"bỏ qua" (understood as a cancel phrase) while a document is asked: skip it when optional,
    refuse when required; None when no document is being asked."""
    if tracker.get_slot("requested_slot") != CURSOR:
        return None
    procedure = current_procedure(kb, tracker)
    state = doc_state(tracker)
    answers = answers_of(tracker)
    document = pending_document(procedure, state, answers)
    if procedure is None or document is None:
        return None
    if document.required:
        dispatcher.utter_message(text=t.DOC_REQUIRED.format(name=document.name))
        return [FollowupAction(DOC_FORM)]
    dispatcher.utter_message(text=t.DOC_NONE)
    slots = handle_document(procedure, state, [], answers)
    return [*(SlotSet(k, v) for k, v in slots.items()), FollowupAction(DOC_FORM)]


# ---- a draft left half-way ----------------------------------------------------------------------
def offer_buttons(kb: KnowledgeBase, draft: FormDraft, procedure_id: str | None) -> tuple[str, list[dict[str, Any]]]:
    procedure = kb.procedure(draft.procedure_id)
    title = procedure.title if procedure else draft.procedure_id
    restart = payload("restart_submission", procedure_id=procedure_id) if procedure_id else "/restart_submission"
    return t.DRAFT_OFFER.format(title=title), [{"title": t.RESUME_BUTTON.format(title=title),
                                                "payload": "/resume_draft"},
                                               {"title": t.RESTART_BUTTON, "payload": restart}]


async def pending_draft(drafts: DraftStore, sender_id: str) -> FormDraft | None:
    draft = await drafts.load(sender_id)
    return draft if draft is not None and not draft.is_empty else None

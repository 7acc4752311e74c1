"""After the submission form: the procedure's document checklist one item at a time, the summary
to confirm (or correct a field), filing, and a file sent later for a dossier that needs a
supplement.

``documents_form`` has one cursor slot, ``document_item``: empty while items remain, ``done`` after
the last. The checklist is the case's own (``Procedure.documents_for``: no rental contract after
"nhập vào chỗ ở của người thân"): the required documents one at a time, then the optional ones
asked once together ("Anh/Chị có thêm … không?", one "Không có" tap). What was sent is kept in
``submission_documents`` ({"after": watermark, "items": [{name, ids, skipped}]}, in checklist
order). A file reaches the dialogue as the internal message ``/document_uploaded{"attachment_id":
N}`` the gateway sends after storing it (web upload, Zalo, Telegram); a typed message makes the
form look for files sent since the step began.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import cards
from actions import submission_texts as t
from actions.answers import KnowledgeAction
from actions.attachments_lookup import AttachmentLookup
from actions.slots import current_procedure
from actions.submission_steps import (
    CURSOR,
    DOCS,
    DONE,
    FIELD_CURSOR,
    FIELDS,
    FORM_SLOTS,
    HUMAN,
    answers_of,
    checklist,
    collected_draft,
    current_items,
    doc_state,
    documents_complete,
    handle_document,
    optional_documents,
    pending_document,
    review_message,
    save_progress,
    uploaded_id,
    used_ids,
)
from actions.validation import Invalid, is_skip, parse_date
from bot.conversation.senders import split_sender
from bot.core.buttons import payload
from bot.core.money import vnd
from bot.core.vntime import vn_date
from bot.dossiers.backend import Applicant, DossierBackend, DossierDraft, DossierView, SubmittedDocument
from bot.dossiers.drafts import APPLICANT_KEYS, DraftStore
from bot.dossiers.errors import DossierError
from bot.dossiers.status import DossierStatus
from knowledge_base.service import KnowledgeBase

log = logging.getLogger(__name__)
DOC_SLOTS = (CURSOR, DOCS)


class ValidateDocumentsForm(FormValidationAction):
    """``validate_documents_form``: a file for the pending item, or a skip when it is optional."""

    def __init__(self, kb: KnowledgeBase, lookup: AttachmentLookup | None,
                 drafts: DraftStore | None = None) -> None:
        self.kb = kb
        self.lookup = lookup
        self.drafts = drafts

    def name(self) -> str:
        return "validate_documents_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        await save_progress(self.drafts, tracker, events)
        return events

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        procedure = current_procedure(self.kb, tracker)
        return [] if procedure is None or not procedure.documents else domain_slots

    async def validate_document_item(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        procedure = current_procedure(self.kb, tracker)
        state = doc_state(tracker)
        answers = answers_of(tracker)
        document = pending_document(procedure, state, answers)
        if procedure is None or document is None:
            return {CURSOR: DONE}
        if slot_value == DONE:
            return {CURSOR: DONE}
        announced = uploaded_id(tracker)
        ids: list[int] = []
        if self.lookup is not None:
            if announced is not None:
                ids = [i for i in await self.lookup.owned(tracker.sender_id, [announced])
                       if i not in used_ids(state)]
                if not ids:
                    dispatcher.utter_message(text=t.DOC_NOT_YOURS)
                    return {CURSOR: None}
            elif not is_skip(str(slot_value or "")):
                ids = await self.lookup.newest_unused(tracker.sender_id, used_ids(state), state["after"])
        if not ids:
            if is_skip(str(slot_value or "")):
                if document.required:
                    dispatcher.utter_message(text=t.DOC_REQUIRED.format(name=document.name))
                    return {CURSOR: None}
                dispatcher.utter_message(text=t.DOC_NONE)
                return handle_document(procedure, state, [], answers)
            dispatcher.utter_message(text=t.DOC_WAITING.format(name=document.name))
            return {CURSOR: None}
        dispatcher.utter_message(text=t.DOC_RECEIVED.format(name=document.name))
        return handle_document(procedure, state, ids, answers)


class ActionAskDocumentItem(KnowledgeAction):
    """``action_ask_document_item``: "Anh/Chị gửi ảnh hoặc PDF của: <tên giấy tờ> (<copies>)"."""

    def name(self) -> str:
        return "action_ask_document_item"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        procedure = current_procedure(self.kb, tracker)
        state = doc_state(tracker)
        answers = answers_of(tracker)
        document = pending_document(procedure, state, answers)
        if procedure is None or document is None:
            return []
        copies = f" ({document.copies})" if document.copies else ""
        if document.required:
            steps = checklist(procedure, answers)
            text = t.DOC_ASK.format(index=steps.index(document) + 1, total=len(steps),
                                    name=document.name, copies=copies) + t.DOC_ASK_HINT
            dispatcher.utter_message(text=text)
            return []
        optional = optional_documents(procedure, answers)
        if len(optional) == 1:
            text = t.DOC_OPTIONAL_ONE.format(name=cards.short_name(document.name), copies=copies)
        else:
            text = t.DOC_OPTIONAL_MANY.format(items="\n".join(f"• {cards.short_name(d.name)}" for d in optional))
        dispatcher.utter_message(text=text, buttons=[{"title": t.NONE_BUTTON, "payload": t.SKIP_PAYLOAD}])
        return []


class ActionReviewSubmission(KnowledgeAction):
    """``action_review_submission``: the documents are in; show everything to confirm."""

    def __init__(self, kb: KnowledgeBase, drafts: DraftStore) -> None:
        super().__init__(kb)
        self.drafts = drafts

    def name(self) -> str:
        return "action_review_submission"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        draft = collected_draft(tracker, complete=True)
        await self.drafts.save(draft)
        review_message(dispatcher, draft, current_procedure(self.kb, tracker), doc_state(tracker))
        return []


class ActionCorrectField(KnowledgeAction):
    """``/correct_field``: without a field, list the fields as buttons; with one, clear it and
    reopen the form, which asks it again (then the summary comes back)."""

    def name(self) -> str:
        return "action_correct_field"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        procedure = current_procedure(self.kb, tracker)
        if procedure is None or tracker.get_slot("full_name") is None:
            dispatcher.utter_message(text=t.NOTHING_TO_FILE)
            return []
        field = next(tracker.get_latest_entity_values("field_name"), None)
        fields = dict(tracker.get_slot(FIELDS) or {})
        if field in APPLICANT_KEYS:
            return [SlotSet(str(field), None), FollowupAction("submission_form")]
        if field and field in fields:
            fields.pop(str(field))
            return [SlotSet(FIELDS, fields), SlotSet(FIELD_CURSOR, None), FollowupAction("submission_form")]
        buttons = [{"title": label, "payload": payload("correct_field", field_name=key)}
                   for key, label in t.SUMMARY_LABELS.items()]
        buttons += [{"title": f.label, "payload": payload("correct_field", field_name=f.name)}
                    for f in procedure.form_fields if f.name in fields]
        dispatcher.utter_message(text=t.CORRECT_WHICH, buttons=buttons)
        return []


def filing_draft(tracker: Tracker, kb: KnowledgeBase | None = None) -> DossierDraft:
    """The dossier to file, from the slots (raises ValueError when something is missing)."""
    get = tracker.get_slot
    channel, sender_id = split_sender(tracker.sender_id)
    for key in ("full_name", "cccd", "birth_date", "phone", "address"):
        if not get(key):
            raise ValueError(key)
    applicant = Applicant(full_name=str(get("full_name")), cccd=str(get("cccd")),
                          birth_date=parse_date(str(get("birth_date"))), phone=str(get("phone")),
                          address=str(get("address")), email=str(get("email")) or None)
    state = doc_state(tracker)
    procedure_id = str(get("procedure_id"))
    procedure = kb.procedure(procedure_id) if kb is not None else None
    items = current_items(procedure, state, answers_of(tracker)) if procedure else state["items"]
    documents = [SubmittedDocument(name=item["name"], attachment_ids=[int(i) for i in item["ids"]])
                 for item in items if item.get("ids")]
    return DossierDraft(procedure_id=str(get("procedure_id")), applicant=applicant,
                        fields={k: str(v) for k, v in dict(get(FIELDS) or {}).items()},
                        documents=documents, channel=channel, sender_id=sender_id)


class ActionFileDossier(KnowledgeAction):
    """``/confirm_submission``: file through the dossier backend; reply with the code, the due date
    and the fee. A failure keeps everything and offers a person."""

    def __init__(self, kb: KnowledgeBase, drafts: DraftStore, dossiers: DossierBackend | None) -> None:
        super().__init__(kb)
        self.drafts = drafts
        self.dossiers = dossiers

    def name(self) -> str:
        return "action_file_dossier"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        procedure = current_procedure(self.kb, tracker)
        if procedure is None or not documents_complete(procedure, tracker):
            dispatcher.utter_message(text=t.NOTHING_TO_FILE)
            return []
        try:
            draft = filing_draft(tracker, self.kb)
        except (ValueError, Invalid) as error:  # a field is missing or unreadable
            log.info("confirm without a complete form: %s", type(error).__name__)
            dispatcher.utter_message(text=t.NOTHING_TO_FILE)
            return []
        retry = {"title": t.RETRY_BUTTON, "payload": "/confirm_submission"}
        if self.dossiers is None:
            dispatcher.utter_message(text=t.FILE_FAILED.format(reason="hệ thống hồ sơ chưa sẵn sàng"),
                                     buttons=[retry, HUMAN])
            return []
        try:
            view = await self.dossiers.file(draft)
        except DossierError as error:
            log.warning("filing failed for %s: %s", procedure.id, type(error).__name__)
            dispatcher.utter_message(text=t.FILE_FAILED.format(reason=str(error).rstrip(".")),
                                     buttons=[retry, HUMAN])
            return []
        except Exception:
            log.exception("filing failed for %s", procedure.id)
            dispatcher.utter_message(text=t.FILE_FAILED.format(reason="lỗi kết nối"), buttons=[retry, HUMAN])
            return []
        due = (t.FILED_DUE.format(due=vn_date(view.due_date)) if view.due_date
               else t.FILED_DUE_UNKNOWN)
        fee = filed_fee_text(view)
        buttons = [{"title": "Hồ sơ của tôi", "payload": payload("track_dossier", dossier_code=view.code)}]
        if view.fee_due_vnd:  # the fee is due at filing: one tap to the pay link
            buttons.insert(0, {"title": t.PAY_AMOUNT_BUTTON.format(amount=vnd(view.fee_due_vnd)),
                               "payload": payload("pay_fee", dossier_code=view.code)})
        dispatcher.utter_message(text=t.FILED.format(code=view.code, due=due, fee=fee), buttons=buttons)
        await self.drafts.discard(tracker.sender_id)
        cleared = [SlotSet(slot, None) for slot in (*FORM_SLOTS, *DOC_SLOTS, "submission_draft")]
        return [*cleared, SlotSet("procedure_id", None)]


def filed_fee_text(view: DossierView) -> str:
    """The fee stored on the dossier at filing, in the words of the summary the citizen confirmed."""
    if view.fee_explanation:
        text = cards.fee_summary(view.fee_assessed_vnd, view.fee_explanation)
        return text + ("\n" + t.FILED_PAY_NOW if view.fee_due_vnd else "")
    if view.fee_due_vnd:  # a one-stop system that computes the fee itself
        return cards.fee_summary(view.fee_due_vnd, f"Phí, lệ phí phải nộp: {vnd(view.fee_due_vnd)}")
    return t.FILED_FEE_LATER if view.fee_assessed_vnd is None else t.FILED_NO_FEE


class ActionReceiveDocument(KnowledgeAction):
    """A file outside the document step. When one of the citizen's dossiers waits for a supplement,
    the file is attached to it and the dossier goes back to processing; otherwise the gateway's own
    "Em đã nhận…" is enough and nothing more is said."""

    def __init__(self, kb: KnowledgeBase, dossiers: DossierBackend | None,
                 lookup: AttachmentLookup | None) -> None:
        super().__init__(kb)
        self.dossiers = dossiers
        self.lookup = lookup

    def name(self) -> str:
        return "action_receive_document"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        announced = uploaded_id(tracker)
        if self.dossiers is None or self.lookup is None or announced is None:
            return []
        if not await self.lookup.owned(tracker.sender_id, [announced]):
            return []
        channel, sender_id = split_sender(tracker.sender_id)
        waiting = [v for v in await self.dossiers.list(status=DossierStatus.SUPPLEMENT, limit=1000)
                   if (v.channel, v.sender_id) == (channel, sender_id)]
        if not waiting:
            return []
        dossier = max(waiting, key=lambda v: v.history[-1].at if v.history else v.submitted_at)
        try:
            await self.dossiers.add_documents(dossier.code, [SubmittedDocument(t.SUPPLEMENT_DOCUMENT, [announced])])
            view = await self.dossiers.change_status(dossier.code, DossierStatus.PROCESSING,
                                                     "Công dân đã gửi giấy tờ bổ sung qua trợ lý ảo", "citizen")
        except DossierError as error:
            log.warning("supplement for %s failed: %s", dossier.code, type(error).__name__)
            dispatcher.utter_message(text=t.SUPPLEMENT_FAILED.format(code=dossier.code), buttons=[HUMAN])
            return []
        dispatcher.utter_message(text=t.SUPPLEMENT_ADDED.format(code=view.code, status=view.status.label))
        return []



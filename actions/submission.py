"""The guided submission dialogue: pick the procedure, then a Rasa form collects the applicant and
the procedure's own fields (``Procedure.form_fields``), one question at a time.

The case comes first: ``case_field`` is a cursor slot asked once per catalog *choice* field
(request type, reason, delivery…), so what the answers rule out is never asked. Then the applicant
(``full_name, cccd, birth_date, phone, email, address``; several of them may come in one message),
then ``procedure_field``, the cursor over the catalog's other fields. Both cursors keep their
answers in the dict slot ``procedure_fields``. What was given already is offered, not asked again:
"Giống địa chỉ trên" for an address field, "Là tôi" for the person a certificate is about.
Documents, the summary to confirm and filing come after ``action_submission_collected``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import cards
from actions import submission_texts as t
from actions.answers import KnowledgeAction, agencies_of, near_identical
from actions.attachments_lookup import AttachmentLookup
from actions.case_words import inferred_case, recent_texts
from actions.forms import CitizenFormValidation
from actions.slots import current_procedure, entity, user_text
from actions.slots import procedure_id as chosen_procedure_id
from actions.submission_steps import (
    ALLOWED,
    CASE_CURSOR,
    CURSORS,
    DOC_FORM,
    DOC_SLOTS,
    DOCS,
    DONE,
    DRAFT,
    FIELD_CURSOR,
    FIELDS,
    FORM,
    FORM_SLOTS,
    _as_text,
    answer_field,
    collected_draft,
    cursor_values,
    doc_state,
    documents_complete,
    field_applies,
    is_case_field,
    offer_buttons,
    pending_draft,
    pending_field,
    review_message,
    save_progress,
    skip_document_events,
    summary_text,
)
from actions.validation import (
    Invalid,
    check_address,
    check_birth_date,
    check_cccd,
    check_cccd_matches_birth,
    check_choice,
    check_email,
    check_field,
    check_phone,
    extract_details,
    format_date,
    is_address_field,
    is_me,
    is_person_name,
    is_same_address,
    is_skip,
    may_be_applicant,
    normalise_name,
    parse_date,
    strip_email,
)
from bot.core.buttons import payload
from bot.dossiers.drafts import APPLICANT_KEYS, DraftStore
from knowledge_base.index import Hit
from knowledge_base.normalise import strip_diacritics, syllables
from knowledge_base.schema import FormField, Procedure
from knowledge_base.service import KnowledgeBase
from knowledge_base.variants import Clarification, facets, wanted_variants

# "nộp hồ sơ online" alone names no procedure; a longer request usually does.
MIN_WORDS_NAMING_A_PROCEDURE = 6
MAX_CHOICES = 3
# How citizens say they want to file; searched with the rest, these words pull forward records
# whose titles say "hồ sơ" ("Đăng ký khai sinh cho người đã có hồ sơ, giấy tờ cá nhân").
_FILING_WORDS = re.compile(r"\b(?:(?:muon|can|xin) )?(?:nop|lam|gui) (?:ho so|online|truc tuyen|qua mang)"
                           r"(?: (?:online|truc tuyen|qua mang))?\b")


def without_filing_words(text: str) -> str:
    """``text`` without "nộp hồ sơ", "muốn nộp online"… (matched without accents, cut from the text
    as typed, so the search still reads its accents)."""
    plain = strip_diacritics(text).lower()
    if len(plain) != len(text):   # a decomposed accent: cutting by position would go astray
        return text
    kept, start = [], 0
    for match in _FILING_WORDS.finditer(plain):
        kept.append(text[start:match.start()])
        start = match.end()
    kept.append(text[start:])
    return " ".join("".join(kept).split()) or text


class ActionStartSubmission(KnowledgeAction):
    """The citizen wants to file: confirm the procedure and its online level, then open the form."""

    def name(self) -> str:
        return "action_start_submission"

    def __init__(self, kb: KnowledgeBase, drafts: DraftStore | None = None) -> None:
        super().__init__(kb)
        self.drafts = drafts

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:

        draft = await pending_draft(self.drafts, tracker.sender_id) if self.drafts is not None else None
        if draft is not None:  # a dossier left half-way: continue it or start again
            text, buttons = offer_buttons(self.kb, draft, entity(tracker, "procedure_id"))
            dispatcher.utter_message(text=text, buttons=buttons)
            return [SlotSet(ALLOWED, False)]
        return await self.open_form(dispatcher, tracker)

    async def open_form(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """Confirm the procedure (asking which one when unclear) and clear the form's slots."""
        procedure_id = entity(tracker, "procedure_id")
        text = user_text(tracker)
        if not procedure_id and not text.startswith("/") and len(syllables(text)) >= MIN_WORDS_NAMING_A_PROCEDURE:
            result = await asyncio.to_thread(self.kb.ask, without_filing_words(text), "procedure")
            # "đăng ký kết hôn với người nước ngoài": of the near-identical procedures, the one the
            # citizen named; else the one question that tells them apart, not a list of look-alikes.
            choice = near_identical(self.kb, text, result.hits, faq_may_lead=False) if result.hits else None
            if isinstance(choice, Clarification):
                choice = _the_one_with_a_form(self.kb, text, choice, result.hits) or choice
            if isinstance(choice, Clarification):
                dispatcher.utter_message(text=cards.variant_question(choice, agencies_of(self.kb, choice)),
                                         buttons=cards.variant_buttons(choice, target=lambda item_id: payload(
                                             "start_submission", procedure_id=item_id)))
                return [SlotSet(ALLOWED, False)]
            if isinstance(choice, str):
                procedure_id = choice
            elif result.confident and result.best:
                procedure_id = result.best.id
            elif result.hits:
                buttons = [{"title": hit.title, "payload": payload("start_submission", procedure_id=hit.id)}
                           for hit in result.hits[:MAX_CHOICES]]
                dispatcher.utter_message(text=t.WHICH_PROCEDURE, buttons=buttons)
                return [SlotSet(ALLOWED, False)]
        procedure_id = procedure_id or tracker.get_slot("procedure_id")
        procedure = self.kb.procedure(procedure_id) if procedure_id else None
        if procedure is None:
            dispatcher.utter_message(response="utter_ask_submission_procedure")
            return [SlotSet(ALLOWED, False)]
        online = procedure.online
        if online is None:
            dispatcher.utter_message(text=t.NOT_ONLINE.format(header=cards.header(procedure),
                                                              where=cards.where_text(procedure)),
                                     buttons=cards.procedure_buttons(procedure, []))
            return [SlotSet("procedure_id", procedure.id), SlotSet(ALLOWED, False)]
        level = online.online_level or ""
        await self.insights.event(tracker.sender_id, "submission_started", procedure.id)
        note = t.LEVEL_NOTES.get(level, "")
        start = t.START_ONLINE.format(title=procedure.title, level=f" {level}" if level else "",
                                      level_note=f" {note}" if note else "")
        named = inferred_case(procedure, recent_texts(tracker), field_applies)
        if named:  # the question already said which case: not asked again
            labels = {f.name: f.label for f in procedure.form_fields}
            start += "\n" + t.CASE_FROM_QUESTION.format(answers="; ".join(
                f"{labels[name]}: {value}" for name, value in named.items()))
        dispatcher.utter_message(text=start)
        cleared: list[EventType] = [SlotSet(slot, None) for slot in (*FORM_SLOTS, *DOC_SLOTS) if slot != FIELDS]
        cursors = [SlotSet(c, v) for c, v in cursor_values(procedure, named).items() if v is not None]
        return [*cleared, SlotSet(FIELDS, named), *cursors, SlotSet("procedure_id", procedure.id),
                SlotSet(ALLOWED, True)]


def _the_one_with_a_form(kb: KnowledgeBase, text: str, choice: Clarification, hits: list[Hit]) -> str | None:
    """Of near-identical procedures, the only one the centre has its own form for ("Cấp, đổi, cấp
    lại thẻ căn cước" beside the national "Cấp lại thẻ căn cước" at three levels), when it serves
    the variant asked: its form asks the case itself, and the case the citizen named is noted, so
    no question comes first."""
    core = facets(choice.subject).core
    wanted = wanted_variants(text)
    with_form = []
    for hit in hits:
        procedure = kb.procedure(hit.id) if hit.kind == "procedure" else None
        if procedure is None or not procedure.form_fields:
            continue
        shape = facets(procedure.title)
        if shape.core == core and (not wanted or shape.serves & set(wanted)):
            with_form.append(procedure.id)
    return with_form[0] if len(with_form) == 1 else None


class ValidateSubmissionForm(CitizenFormValidation):
    """``validate_submission_form``: one validator per slot; an error is said, then re-asked. A
    message with several details fills every slot it can; questions and failures are handled by
    ``CitizenFormValidation``."""

    def __init__(self, kb: KnowledgeBase, drafts: DraftStore | None = None) -> None:
        self.kb = kb
        self.drafts = drafts

    def name(self) -> str:
        return "validate_submission_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        if (tracker.latest_message.get("intent") or {}).get("name") == "document_uploaded" and requested:
            # A file sent while a question is pending: kept in the conversation, used at the document step.
            dispatcher.utter_message(text=t.FILE_BEFORE_DOCUMENTS)
            return [SlotSet(str(requested), None)]
        events = await super().run(dispatcher, tracker, domain)
        events += self._cursor_fixes(tracker, events)
        await save_progress(self.drafts, tracker, events)
        return events

    def _cursor_fixes(self, tracker: Tracker, events: list[EventType]) -> list[EventType]:
        """Each cursor agrees with the answers (after a correction, a resumed draft, a ``when``)."""
        changed = {e["name"]: e.get("value") for e in events if e.get("event") == "slot"}
        def slot(name: str) -> Any:
            return changed[name] if name in changed else tracker.get_slot(name)
        procedure = self._procedure(tracker)
        wanted = cursor_values(procedure, dict(slot(FIELDS) or {}))
        return [SlotSet(c, v) for c, v in wanted.items() if slot(c) != v]

    def _procedure(self, tracker: Tracker) -> Procedure | None:
        return current_procedure(self.kb, tracker)

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        """The case first (the procedure's choices), then the applicant, then the other fields."""
        procedure = self._procedure(tracker)
        fields = procedure.form_fields if procedure else []
        case = [CASE_CURSOR] if any(is_case_field(f) for f in fields) else []
        rest = [FIELD_CURSOR] if any(not is_case_field(f) for f in fields) else []
        return [*case, *APPLICANT_KEYS, *rest]

    def failure_key(self, slot: str, tracker: Tracker) -> str:
        if slot in CURSORS:
            field = pending_field(self._procedure(tracker), dict(tracker.get_slot(FIELDS) or {}), slot)
            return f"{slot}:{field.name if field else ''}"
        return slot

    def is_answer(self, slot: str, text: str, tracker: Tracker) -> bool:
        if slot not in CURSORS:
            return False
        field = pending_field(self._procedure(tracker), dict(tracker.get_slot(FIELDS) or {}), slot)
        if field is None or field.type != "choice":
            return False
        try:
            check_choice(text, field.choices)
        except Invalid:
            return False
        return True

    @staticmethod
    def _check(dispatcher: CollectingDispatcher, slot: str, check: Callable[[str], str],
               value: Any) -> dict[str, Any]:
        try:
            return {slot: check(_as_text(value))}
        except Invalid as error:
            dispatcher.utter_message(text=str(error))
            return {slot: None}

    def _several(self, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str) -> dict[str, Any] | None:
        """A message giving several of the applicant's details at once: every one read (None when
        the message is one answer)."""
        details = extract_details(user_text(tracker))
        if len(details) < 2:
            return None
        pending = {key for key in APPLICANT_KEYS if tracker.get_slot(key) in (None, "")} | {slot}
        values: dict[str, Any] = {}
        birth = details.get("birth_date")
        for key in ("full_name", "birth_date", "cccd", "phone", "email", "address"):
            if key not in details or key not in pending:
                continue
            try:
                if key == "full_name":
                    values[key] = normalise_name(details[key])
                elif key == "birth_date":
                    values[key] = format_date(check_birth_date(details[key]))
                elif key == "cccd":
                    known = values.get("birth_date") or tracker.get_slot("birth_date")
                    values[key] = check_cccd(details[key], parse_date(known) if known else None)
                elif key == "phone":
                    values[key] = check_phone(details[key])
                elif key == "email":
                    values[key] = check_email(details[key])
                else:
                    values[key] = check_address(details[key])
            except Invalid as error:
                dispatcher.utter_message(text=str(error))
                if key == "cccd" and birth:
                    values["birth_date"] = None
        if not any(values.values()):
            return {slot: None}
        if "email" not in details and tracker.get_slot("email") is None:
            values["email"] = ""   # the question invited an email with the others: none given
        values.setdefault(slot, None)
        return values

    def validate_full_name(self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> dict[str, Any]:
        several = self._several(dispatcher, tracker, "full_name")
        if several is not None:
            return several
        return self._check(dispatcher, "full_name", normalise_name, slot_value)

    def validate_cccd(self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> dict[str, Any]:
        several = self._several(dispatcher, tracker, "cccd")
        if several is not None:
            return several
        birth = tracker.get_slot("birth_date")
        birth_date = parse_date(birth) if birth else None
        return self._check(dispatcher, "cccd", lambda text: check_cccd(text, birth_date), slot_value)

    def validate_birth_date(self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> dict[str, Any]:
        several = self._several(dispatcher, tracker, "birth_date")
        if several is not None:
            return several
        cleaned = self._check(dispatcher, "birth_date", lambda text: format_date(check_birth_date(text)),
                              slot_value)
        cccd = tracker.get_slot("cccd")
        if cleaned["birth_date"] and cccd:
            try:
                check_cccd_matches_birth(cccd, parse_date(cleaned["birth_date"]))
            except Invalid as error:
                dispatcher.utter_message(text=str(error))
                return {"birth_date": None, "cccd": None}
        return cleaned

    def validate_phone(self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> dict[str, Any]:
        several = self._several(dispatcher, tracker, "phone")
        if several is not None:
            return several
        return self._check(dispatcher, "phone", check_phone, slot_value)

    def validate_email(self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> dict[str, Any]:
        if slot_value == "":  # skipped (see ActionCancelSubmission)
            return {"email": ""}
        return self._check(dispatcher, "email", check_email, slot_value)

    def validate_address(self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: DomainDict) -> dict[str, Any]:
        return self._check(dispatcher, "address", lambda text: check_address(strip_email(text)), slot_value)

    def validate_case_field(self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> dict[str, Any]:
        return self._validate_field(CASE_CURSOR, slot_value, dispatcher, tracker)

    def validate_procedure_field(self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> dict[str, Any]:
        return self._validate_field(FIELD_CURSOR, slot_value, dispatcher, tracker)

    def _validate_field(self, cursor: str, slot_value: Any, dispatcher: CollectingDispatcher,
                        tracker: Tracker) -> dict[str, Any]:
        """Check the answer against the cursor's pending catalog field and store it in
        ``procedure_fields``; "Là tôi" / "Giống địa chỉ trên" take what the citizen gave above."""
        procedure = self._procedure(tracker)
        collected = dict(tracker.get_slot(FIELDS) or {})
        field = pending_field(procedure, collected, cursor)
        if procedure is None or field is None:
            return {cursor: DONE}
        if slot_value in (None, DONE):
            return {cursor: slot_value}
        text = _as_text(slot_value)
        extra: dict[str, str] = {}
        if is_same_address(text) and is_address_field(field) and tracker.get_slot("address"):
            text = str(tracker.get_slot("address"))
        elif may_be_applicant(field) and (is_me(text) or _same_name(text, tracker.get_slot("full_name"))):
            text = str(tracker.get_slot("full_name") or text)
            extra = self_details(procedure, field, tracker, collected)
        elif is_person_name(field) and is_me(text):   # the newborn, the deceased: never "Là Tôi"
            dispatcher.utter_message(text=t.NOT_THE_APPLICANT)
            return {cursor: None}
        try:
            value = check_field(field, text)
        except Invalid as error:
            dispatcher.utter_message(text=str(error))
            return {cursor: None}
        return answer_field(procedure, collected, value, cursor, extra)


def _same_name(text: str, name: Any) -> bool:
    try:
        return bool(name) and normalise_name(text) == str(name)
    except Invalid:
        return False


def self_details(procedure: Procedure, field: FormField, tracker: Tracker,
                 collected: dict[str, str]) -> dict[str, str]:
    """The person is the applicant: their other details (birth date, căn cước) are known already."""
    prefix = field.name[: -len("full_name")] if field.name.endswith("full_name") else ""
    known = {"birth_date": tracker.get_slot("birth_date"), "cccd": tracker.get_slot("cccd")}
    filled = {}
    for other in procedure.form_fields:
        key = other.name[len(prefix):] if other.name.startswith(prefix) else ""
        if other.name != field.name and other.name not in collected and known.get(key):
            filled[other.name] = str(known[key])
    return filled


class ActionAskProcedureField(KnowledgeAction):
    """``action_ask_procedure_field`` / ``action_ask_case_field``: ask the cursor's pending catalog
    field with its label (buttons for a choice, a skip button when optional, and what the citizen
    gave already: "Giống địa chỉ trên", "Là tôi")."""

    cursor = FIELD_CURSOR

    def name(self) -> str:
        return f"action_ask_{self.cursor}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        procedure = current_procedure(self.kb, tracker)
        field = pending_field(procedure, dict(tracker.get_slot(FIELDS) or {}), self.cursor)
        if field is None:
            return []
        text = t.FIELD_QUESTION.format(label=field.label) + t.FIELD_HINTS.get(field.type, "")
        buttons = [{"title": choice, "payload": choice} for choice in field.choices] if field.type == "choice" else []
        if is_address_field(field) and tracker.get_slot("address"):
            buttons.append({"title": t.SAME_ADDRESS_BUTTON, "payload": t.SAME_ADDRESS_BUTTON})
        if may_be_applicant(field) and tracker.get_slot("full_name"):
            buttons.append({"title": t.ME_BUTTON, "payload": t.ME_BUTTON})
        if not field.required:
            text += t.OPTIONAL_HINT
            buttons.append({"title": t.SKIP_BUTTON, "payload": t.SKIP_PAYLOAD})
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


class ActionAskCaseField(ActionAskProcedureField):
    cursor = CASE_CURSOR


class ActionCancelSubmission(KnowledgeAction):
    """"hủy"/"thôi" during the form: keep what was entered as a draft and stop politely.

    "bỏ qua" is also a cancel phrase; on an optional question it skips that question instead.
    """

    def __init__(self, kb: KnowledgeBase, drafts: DraftStore) -> None:
        super().__init__(kb)
        self.drafts = drafts

    def name(self) -> str:
        return "action_cancel_submission"

    def _skip_events(self, tracker: Tracker) -> list[EventType] | None:
        requested = tracker.get_slot("requested_slot")
        if not requested or not is_skip(user_text(tracker)):
            return None
        if requested == "email":
            return [SlotSet("email", ""), FollowupAction(FORM)]
        if requested in CURSORS:
            procedure = current_procedure(self.kb, tracker)
            collected = dict(tracker.get_slot(FIELDS) or {})
            field = pending_field(procedure, collected, str(requested))
            if procedure is not None and field is not None and not field.required:
                slots = answer_field(procedure, collected, "", str(requested))
                return [*(SlotSet(k, v) for k, v in slots.items()), FollowupAction(FORM)]
        return None

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:

        skipped = self._skip_events(tracker)
        if skipped is not None:
            return skipped
        if is_skip(user_text(tracker)):
            skipped = skip_document_events(self.kb, tracker, dispatcher)
            if skipped is not None:
                return skipped
        draft = collected_draft(tracker)
        events: list[EventType] = [SlotSet(slot, None) for slot in (*FORM_SLOTS, *DOC_SLOTS)]
        events.append(SlotSet("requested_slot", None))
        if draft.is_empty:
            dispatcher.utter_message(text=t.CANCELLED_EMPTY)
            return events
        # Hook for the lead's persistent store: whatever DraftStore build_actions was given.
        await self.drafts.save(draft)
        await self.insights.event(tracker.sender_id, "submission_cancelled", chosen_procedure_id(tracker))
        dispatcher.utter_message(text=t.CANCELLED)
        return [*events, SlotSet(DRAFT, draft.as_slot())]


class ActionSubmissionCollected(KnowledgeAction):
    """The form is complete: show what was collected (căn cước masked) and announce the document step."""

    def __init__(self, kb: KnowledgeBase, drafts: DraftStore, lookup: AttachmentLookup | None = None) -> None:
        super().__init__(kb)
        self.drafts = drafts
        self.lookup = lookup

    def name(self) -> str:
        return "action_submission_collected"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:

        draft = collected_draft(tracker, complete=True)
        procedure = self.kb.procedure(draft.procedure_id)
        await self.drafts.save(draft)
        events: list[EventType] = [SlotSet(DRAFT, draft.as_slot())]
        if tracker.get_slot(DOCS) is not None and documents_complete(procedure, tracker):
            # Back from correcting a field: the documents are in, show the summary to confirm.
            review_message(dispatcher, draft, procedure, doc_state(tracker))
            return events
        if procedure is None or not procedure.documents:
            state = {"after": 0, "items": []}
            review_message(dispatcher, draft, procedure, state)
            return [*events, SlotSet(DOCS, state)]
        dispatcher.utter_message(text=summary_text(draft, procedure))
        if tracker.get_slot(DOCS):  # resumed half-way through the documents: go on from there
            return [*events, FollowupAction(DOC_FORM)]
        after = await self.lookup.last_id(tracker.sender_id) if self.lookup else 0
        return [*events, SlotSet(DOCS, {"after": after, "items": []}), FollowupAction(DOC_FORM)]



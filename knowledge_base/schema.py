"""Catalog schema: a procedure record as in the national procedure database, and an FAQ entry.

Field names are English; values a citizen reads are Vietnamese with diacritics.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# "trung ương" is the portal's "Cấp bộ"; "khác" its "Cơ quan khác" (a body outside the levels).
Level = Literal["trung ương", "tỉnh", "huyện", "xã", "khác"]
MethodKind = Literal["direct", "online", "postal"]
OnlineLevel = Literal["toàn trình", "một phần"]
FieldType = Literal["text", "date", "cccd", "phone", "email", "choice", "number"]
# A case: {form field name: the answers that make it true}. Every named field must be answered with
# one of its listed choices ("and" across fields, "or" within a field's list); {} is always true.
Condition = dict[str, list[str]]

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProcessingTime(_Strict):
    """Time limit (thời hạn giải quyết): a number of working days when the law gives one."""

    working_days: float | None = Field(default=None, ge=0)
    text: str = Field(min_length=3)


def holds(when: Condition, answers: dict[str, str]) -> bool:
    """Whether the citizen's answers to the procedure's form fields make the case ``when`` true; a
    field not answered (or skipped) makes it false."""
    return all(answers.get(name) in choices for name, choices in when.items())


class Fee(_Strict):
    """A fee or charge (phí, lệ phí); amount 0 means exempt, None means it varies (see note).

    How it depends on the case, in curated records (national records have none of these):
    ``when`` the answers that make this rate apply (``{"request_type": ["Cấp lại"]}``); ``channel``
    the way of submitting it applies to; ``per`` a number field the amount is multiplied by
    (``number_of_copies``), counted in ``unit`` ("bản"). Once a record has a rule, every entry that
    applies is charged (entries without a rule always apply, except a description of who is exempt).
    """

    label: str = Field(min_length=2)
    amount_vnd: int | None = Field(default=None, ge=0)
    note: str = ""
    legal_basis: str = ""
    when: Condition = Field(default_factory=dict)
    channel: MethodKind | None = None
    per: str | None = None
    unit: str = ""

    @property
    def has_rule(self) -> bool:
        return bool(self.when or self.channel or self.per)


class SubmissionMethod(_Strict):
    """One way to submit: at the counter, online (with its level) or by post.

    National records give each channel its own time limit and fees; ``online_level`` is None on an
    online channel when no provincial list says whether it is "toàn trình" or "một phần".
    """

    method: MethodKind
    online_level: OnlineLevel | None = None
    url: str | None = None
    note: str = ""
    processing_time: ProcessingTime | None = None
    fees: list[Fee] = Field(default_factory=list)

    @model_validator(mode="after")
    def _online_level_only_online(self) -> SubmissionMethod:
        if self.method != "online" and self.online_level is not None:
            raise ValueError("online_level chỉ dùng cho method 'online'")
        return self


class RequiredDocument(_Strict):
    """One item of the dossier's document list (thành phần hồ sơ)."""

    name: str = Field(min_length=3)
    template: str = ""
    copies: str = ""
    required: bool = True
    note: str = ""
    originals_count: int | None = Field(default=None, ge=0)
    copies_count: int | None = Field(default=None, ge=0)
    when: Condition = Field(default_factory=dict)  # asked only in this case (see ``holds``)


class FormField(_Strict):
    """A procedure-specific field the chat collects when the citizen files online."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=2)
    type: FieldType = "text"
    required: bool = True
    choices: list[str] = Field(default_factory=list)
    when: Condition = Field(default_factory=dict)  # asked only in this case, on earlier fields


class Source(_Strict):
    name: str = Field(min_length=2)
    url: str = ""


class Procedure(_Strict):
    """An administrative procedure (thủ tục hành chính)."""

    id: str = Field(pattern=SLUG_PATTERN)
    code: str = Field(min_length=3)
    title: str = Field(min_length=5)
    aliases: list[str] = Field(default_factory=list)
    field: str = Field(min_length=2)
    level: Level
    levels: list[Level] = Field(default_factory=list)
    audience: str = ""
    agency: str = Field(min_length=3)
    submit_at: str = Field(min_length=3)
    methods: list[SubmissionMethod] = Field(min_length=1)
    steps: list[str] = Field(default_factory=list)
    documents: list[RequiredDocument] = Field(default_factory=list)
    processing_time: ProcessingTime
    fees: list[Fee] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    result: str = ""
    legal_basis: list[str] = Field(default_factory=list)
    form_fields: list[FormField] = Field(default_factory=list)
    source: Source
    checked_on: dt.date

    @property
    def online(self) -> SubmissionMethod | None:
        """The online submission method, if the procedure has one."""
        return next((m for m in self.methods if m.method == "online"), None)

    def fields_for(self, answers: dict[str, str]) -> list[FormField]:
        """The form fields this case asks (a field whose ``when`` the answers rule out is not)."""
        return [f for f in self.form_fields if holds(f.when, answers)]

    def documents_for(self, answers: dict[str, str]) -> list[RequiredDocument]:
        """The documents this case needs ("hợp đồng thuê nhà" only when the home is rented)."""
        return [d for d in self.documents if holds(d.when, answers)]

    @model_validator(mode="after")
    def _rules_name_real_fields(self) -> Procedure:
        """A case may only name a choice field of this procedure (one asked before, for a field) and
        its own choices; ``per`` a number field."""
        fields = {f.name: f for f in self.form_fields}
        order = [f.name for f in self.form_fields]

        def check(where: str, when: Condition, before: str | None = None) -> None:
            for name, choices in when.items():
                field = fields.get(name)
                if field is None or field.type != "choice":
                    raise ValueError(f"{where}: when nêu “{name}”, không phải trường lựa chọn của thủ tục")
                if before is not None and order.index(name) >= order.index(before):
                    raise ValueError(f"{where}: when nêu “{name}”, trường chưa được hỏi trước đó")
                unknown = [c for c in choices if c not in field.choices]
                if unknown or not choices:
                    raise ValueError(f"{where}: “{name}” không có lựa chọn {unknown or '(trống)'}")

        for fee in self.fees:
            check(f"phí “{fee.label}”", fee.when)
            if fee.per is not None and (fee.per not in fields or fields[fee.per].type != "number"):
                raise ValueError(f"phí “{fee.label}”: per “{fee.per}” không phải trường số của thủ tục")
        for document in self.documents:
            check(f"giấy tờ “{document.name}”", document.when)
        for field in self.form_fields:
            check(f"trường “{field.name}”", field.when, before=field.name)
        if len(order) != len(fields):
            raise ValueError("tên trường (form_fields.name) bị trùng")
        return self

    @field_validator("aliases", "steps", "conditions", "legal_basis")
    @classmethod
    def _no_blank_items(cls, items: list[str]) -> list[str]:
        cleaned = [i.strip() for i in items]
        if any(not i for i in cleaned):
            raise ValueError("không được có mục rỗng")
        return cleaned


class Faq(_Strict):
    """A volunteer-written question and answer."""

    id: str = Field(pattern=SLUG_PATTERN)
    question: str = Field(min_length=5)
    alt_questions: list[str] = Field(default_factory=list)
    answer: str = Field(min_length=10)
    tags: list[str] = Field(default_factory=list)
    related_procedures: list[str] = Field(default_factory=list)
    related_codes: list[str] = Field(default_factory=list)
    source: Source | None = None
    updated_on: dt.date | None = None


class Catalog(_Strict):
    """Everything the index is built from."""

    procedures: list[Procedure] = Field(default_factory=list)
    faqs: list[Faq] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids_and_known_links(self) -> Catalog:
        seen: set[str] = set()
        for item in [*self.procedures, *self.faqs]:
            if item.id in seen:
                raise ValueError(f"id trùng lặp: {item.id}")
            seen.add(item.id)
        procedure_ids = {p.id for p in self.procedures}
        for faq in self.faqs:
            unknown = [p for p in faq.related_procedures if p not in procedure_ids]
            if unknown and self.procedures:
                raise ValueError(f"FAQ {faq.id}: related_procedures không tồn tại: {unknown}")
        return self

"""Dossiers for tests: a draft of any procedure with answers its form accepts, the applicant's phone
and căn cước, and the dossier registry of a running stack's gateway."""

from __future__ import annotations

import datetime as dt

from bot.core.db import make_engine, make_sessionmaker
from bot.dossiers.backend import Applicant, DossierDraft, SubmittedDocument
from bot.dossiers.registry import EmbeddedRegistry
from knowledge_base.schema import FormField
from knowledge_base.service import KnowledgeBase
from tests.support.stack import Stack

PHONE, CCCD = "0912 345 678", "001099012345"


def sample_answer(field: FormField) -> str:
    """An answer the form would accept: the first choice, one copy, some text."""
    return field.choices[0] if field.type == "choice" else "1" if field.type == "number" else "giá trị"


def draft(kb: KnowledgeBase, procedure_id: str = "doi-gplx", documents: list[SubmittedDocument] | None = None,
          sender_id: str = "citizen-1", **answers: str) -> DossierDraft:
    procedure = kb.procedure(procedure_id)
    fields = {f.name: sample_answer(f) for f in procedure.form_fields} if procedure else {}
    fields.update(answers)
    return DossierDraft(
        procedure_id=procedure_id,
        applicant=Applicant("Nguyễn Văn An", CCCD, dt.date(1990, 5, 17), PHONE, "12 Lê Lợi, phường 1"),
        fields=fields, documents=documents or [], channel="web", sender_id=sender_id)


def registry(stack: Stack, kb: KnowledgeBase) -> EmbeddedRegistry:
    """The stack gateway's own dossier tables, reached through its database."""
    return EmbeddedRegistry(make_sessionmaker(make_engine(stack.database_url)), kb)

""""Try it": what the bot answers a citizen's question now, and what it would answer with a draft
published. The draft goes into a private copy of the index (only its passages are encoded); the
live index is never touched."""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalog.flat import Record
from knowledge_base.schema import Faq
from knowledge_base.service import KnowledgeBase

EXCERPT = 400


@dataclass(frozen=True)
class ShownHit:
    id: str
    kind: str
    title: str
    score: float
    is_draft: bool


@dataclass(frozen=True)
class Outcome:
    hits: list[ShownHit]
    confident: bool
    answer: str          # what the citizen reads first (an FAQ's answer, a procedure's title)

    @property
    def best(self) -> ShownHit | None:
        return self.hits[0] if self.hits else None


@dataclass(frozen=True)
class TryResult:
    question: str
    now: Outcome
    with_draft: Outcome


def _outcome(kb: KnowledgeBase, question: str, draft_id: str) -> Outcome:
    asked = kb.ask(question)
    hits = [ShownHit(h.id, h.kind, h.title, h.score, h.id == draft_id) for h in asked.hits[:3]]
    answer = ""
    if asked.best is not None:
        faq = kb.faq(asked.best.id) if asked.best.kind == "faq" else None
        procedure = kb.procedure(asked.best.id) if faq is None else None
        text = faq.answer if isinstance(faq, Faq) else (procedure.title if procedure else asked.best.title)
        answer = text if len(text) <= EXCERPT else text[:EXCERPT].rsplit(" ", 1)[0] + " …"
    return Outcome(hits, asked.confident, answer)


def try_question(kb: KnowledgeBase, draft: Record, question: str) -> TryResult:
    """Blocking (encodes the draft's passages): run it in a thread."""
    question = question.strip()[:500]
    return TryResult(question, _outcome(kb, question, draft.id), _outcome(kb.copy_with(draft), question, draft.id))

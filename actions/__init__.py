"""Rasa custom actions, run inside the gateway by rasa-sdk's ActionExecutor.

Actions receive the services they need in their constructor; ``build_actions`` wires them.
"""

from __future__ import annotations

from rasa_sdk import Action

from actions.drafts import DraftStore
from knowledge_base.service import KnowledgeBase


def build_actions(kb: KnowledgeBase, drafts: DraftStore | None = None) -> list[Action]:
    """Every custom action; ``drafts`` keeps cancelled/collected forms (in memory by default)."""
    from actions.answers import ActionAnswerDetail, ActionAnswerQuestion, ActionChooseItem
    from actions.drafts import InMemoryDraftStore
    from actions.fallback import ActionFallback
    from actions.services import ActionOfferHuman
    from actions.submission import (
        ActionAskProcedureField,
        ActionCancelSubmission,
        ActionStartSubmission,
        ActionSubmissionCollected,
        ValidateSubmissionForm,
    )

    drafts = drafts if drafts is not None else InMemoryDraftStore()
    return [ActionAnswerQuestion(kb), ActionChooseItem(kb), ActionAnswerDetail(kb),
            ActionFallback(kb), ActionStartSubmission(kb), ActionOfferHuman(kb),
            ValidateSubmissionForm(kb), ActionAskProcedureField(kb),
            ActionCancelSubmission(kb, drafts), ActionSubmissionCollected(kb, drafts)]

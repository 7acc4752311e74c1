"""Rasa custom actions, run inside the gateway by rasa-sdk's ActionExecutor.

Actions receive the services they need in their constructor; ``build_actions`` wires them.
"""

from __future__ import annotations

from rasa_sdk import Action

from knowledge_base.service import KnowledgeBase


def build_actions(kb: KnowledgeBase) -> list[Action]:
    from actions.answers import ActionAnswerDetail, ActionAnswerQuestion, ActionChooseItem
    from actions.fallback import ActionFallback
    from actions.services import ActionOfferHuman, ActionStartSubmission

    return [ActionAnswerQuestion(kb), ActionChooseItem(kb), ActionAnswerDetail(kb),
            ActionFallback(kb), ActionStartSubmission(kb), ActionOfferHuman(kb)]

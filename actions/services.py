"""A person: what the assistant can honestly do today (the live handoff arrives later).

Filing a dossier in the chat lives in ``actions.submission``.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import KnowledgeAction

HOTLINE_FAQ = "duong-day-nong"


class ActionOfferHuman(KnowledgeAction):
    """The citizen asks for a person: give the hotline from the FAQ, honestly."""

    def name(self) -> str:
        return "action_offer_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(response="utter_handoff_unavailable")
        faq = self.kb.faq(HOTLINE_FAQ)
        if faq is not None:
            dispatcher.utter_message(text=faq.answer)
        return []

"""What the actions read from Rasa's tracker: the latest message's text and entities, and the
procedure the conversation is about (the ``procedure_id`` slot)."""

from __future__ import annotations

from rasa_sdk import Tracker

from knowledge_base.schema import Procedure
from knowledge_base.service import KnowledgeBase


def entity(tracker: Tracker, name: str) -> str | None:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value else None


def user_text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


def procedure_id(tracker: Tracker) -> str:
    """The procedure the conversation is about ("" when none yet)."""
    return str(tracker.get_slot("procedure_id") or "")


def current_procedure(kb: KnowledgeBase, tracker: Tracker) -> Procedure | None:
    """That procedure's record, None when none is chosen or the catalog no longer has it."""
    chosen = procedure_id(tracker)
    return kb.procedure(chosen) if chosen else None

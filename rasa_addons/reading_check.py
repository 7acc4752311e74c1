"""What the NLU steps that second-guess DIET share: a reading they refuse gives way to DIET's best
reading among the others.

DIET's readings move with every change to its examples. A few readings cost the citizen dearly when
wrong (each leaves the form being filled in), so a step checks them against the message's words.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


class ReadingCheck(GraphComponent):
    """Replaces a reading that ``refuses`` rejects with DIET's best one outside ``passed_over``."""

    passed_over: frozenset[str] = frozenset()

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> ReadingCheck:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    @abstractmethod
    def refuses(self, intent: str, text: str) -> bool:
        """True when ``text`` cannot mean ``intent`` (each step says which readings it checks)."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name")
            if not intent or not self.refuses(intent, message.get(TEXT) or ""):
                continue
            ranking = message.get(INTENT_RANKING_KEY) or []
            others = [dict(item) for item in ranking if item.get("name") not in self.passed_over]
            if others:
                message.data[INTENT] = others[0]
                message.data[INTENT_RANKING_KEY] = others
        return messages

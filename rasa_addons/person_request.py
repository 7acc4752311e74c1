"""An NLU step that keeps "a person, please" for messages that name one.

Asking for a person leaves any form the citizen is filling in. DIET's reading moves with every change
to its examples, and once it read "nguyen gia bao", typed as a child's name, as asking for a person
(0.89). Every way of asking for one names whom: a staff member, a person, the hotline, an operator.
A message naming none of them gets DIET's next reading instead.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons.gibberish import plain_tokens

PERSON_INTENT = "request_human"
# Words, without marks, that name whom the citizen wants to talk to, or how.
_NAMES_A_PERSON = re.compile(
    r"\b(?:nhan vien|nv|nguoi|con nguoi|hotline|tong dai|can bo|tu van|tinh nguyen|tnv|ho tro|chuyen vien|"
    r"ad|admin|goi|dien thoai|dt|sdt|lanh dao|truong|chat|may|truc|support|lien he|1022|hoi truc tiep)\b")


def names_a_person(text: str) -> bool:
    """True when the message says whom or how to reach ("gặp nhân viên", "hotline", "gọi điện")."""
    return bool(_NAMES_A_PERSON.search(" ".join(plain_tokens(text))))


def next_reading(ranking: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The best-ranked intent other than asking for a person."""
    return next((dict(item) for item in ranking if item.get("name") != PERSON_INTENT), None)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class PersonRequestCheck(GraphComponent):
    """Replaces a request for a person that names none with DIET's next reading."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> PersonRequestCheck:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            intent = message.get(INTENT) or {}
            if intent.get("name") != PERSON_INTENT or text.startswith("/") or names_a_person(text):
                continue
            ranking = message.get(INTENT_RANKING_KEY) or []
            replacement = next_reading(ranking)
            if replacement is not None:
                message.data[INTENT] = replacement
                message.data[INTENT_RANKING_KEY] = [item for item in ranking if item.get("name") != PERSON_INTENT]
        return messages

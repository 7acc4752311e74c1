"""An NLU step that sends gibberish ("qwzx plof vrrt", "jjjj kkkk") to the fallback.

DIET always picks some intent, often with high confidence, even for keyboard mashing. Real input
here is Vietnamese syllables, or words the training data knows (abbreviations, teen-code, brand
names). When most tokens of a message are neither, the message is not understood, whatever DIET
says, and the two-stage fallback takes over.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

FALLBACK_INTENT = "nlu_fallback"
_TOKEN = re.compile(r"[a-z0-9]+")
# Onset, vowel nucleus, final: the shape of every Vietnamese syllable once marks are removed.
_SYLLABLE = re.compile(
    r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?"
    r"(uye|uya|uyu|ieu|yeu|oai|oay|oeo|uay|uoi|uou|uoc|"
    r"[aeiouy]{1,2})"
    r"(ch|ng|nh|[cmnpt])?$"
)


def plain_tokens(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D").lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _TOKEN.findall(stripped)


def is_gibberish(text: str, vocabulary: set[str], max_unknown_share: float) -> bool:
    tokens = [t for t in plain_tokens(text) if not t.isdigit()]
    if not tokens:
        return False  # numbers alone (a phone, a căn cước) are handled by the intents
    unknown = [t for t in tokens if t not in vocabulary and not _SYLLABLE.match(t)]
    return len(unknown) / len(tokens) > max_unknown_share


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class GibberishFallback(GraphComponent):
    """Overrides the predicted intent with ``nlu_fallback`` for messages made of non-words."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"max_unknown_share": 0.5}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 vocabulary: set[str] | None = None) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._vocabulary = vocabulary or set()

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> GibberishFallback:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        self._vocabulary = {
            token for example in training_data.training_examples
            for token in plain_tokens(example.get(TEXT) or "")
        }
        with self._storage.write_to(self._resource) as directory:
            (directory / "vocabulary.json").write_text(json.dumps(sorted(self._vocabulary)))
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> GibberishFallback:
        with model_storage.read_from(resource) as directory:
            vocabulary = set(json.loads((directory / "vocabulary.json").read_text()))
        return cls(config, model_storage, resource, vocabulary)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/") or not is_gibberish(
                    text, self._vocabulary, self._config["max_unknown_share"]):
                continue
            message.data[INTENT] = {"name": FALLBACK_INTENT, "confidence": 1.0}
            ranking = message.get(INTENT_RANKING_KEY) or []
            message.data[INTENT_RANKING_KEY] = [{"name": FALLBACK_INTENT, "confidence": 1.0},
                                                *ranking]
        return messages

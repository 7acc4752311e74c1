"""An NLU step that reads a full name as data, never as a way out of the form.

Forms ask for names, and every way out of a form (cancel, menu, back, a person) leaves the question
unanswered. Some given names are such words: DIET read "Phan Văn Hủy" as "hủy" (cancel, 0.60), and
the citizen's answer was lost. A message written as a full name (a common family name, then two to
four more words, each capitalised) gets DIET's best reading that is not a way out.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

WAYS_OUT = frozenset({"cancel", "menu", "go_back", "request_human", "complain", "goodbye"})
# The commonest family names, with their marks: about nine Vietnamese in ten bear one. With marks,
# "Hồ" is not "hộ" and "Lê" is not "lệ".
FAMILY_NAMES = frozenset({
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
    "Dương", "Lý", "Đinh", "Trương", "Trịnh", "Lương", "Đoàn", "Đào", "Lâm", "Mai", "Cao", "Hà", "Tạ", "Tô",
    "Chu", "Lưu", "Thái", "Triệu", "Kiều", "Quách", "Tăng", "Châu", "Hứa", "Phùng", "Đàm",
})


def looks_like_a_full_name(text: str) -> bool:
    """"Phan Văn Hủy", "Nguyễn Thị Mai": a family name first, 2–5 words, each capitalised."""
    words = unicodedata.normalize("NFC", text).split()
    return (2 <= len(words) <= 5 and words[0] in FAMILY_NAMES
            and all(word.isalpha() and word[0].isupper() for word in words))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class FullNameCheck(GraphComponent):
    """Replaces a way-out reading of a full name with DIET's best other reading."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> FullNameCheck:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get("name") not in WAYS_OUT or not looks_like_a_full_name(message.get(TEXT) or ""):
                continue
            ranking = message.get(INTENT_RANKING_KEY) or []
            others = [dict(item) for item in ranking if item.get("name") not in WAYS_OUT]
            if others:
                message.data[INTENT] = others[0]
                message.data[INTENT_RANKING_KEY] = others
        return messages

"""An NLU step that keeps "a person, please" for messages that name one.

Asking for a person leaves any form the citizen is filling in. DIET's reading moves with every change
to its examples, and once it read "nguyen gia bao", typed as a child's name, as asking for a person
(0.89). Every way of asking for one names whom: a staff member, a person, the hotline, an operator.
A message naming none of them gets DIET's next reading instead.
"""

from __future__ import annotations

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from rasa_addons.gibberish import plain_tokens
from rasa_addons.reading_check import ReadingCheck

PERSON_INTENT = "request_human"
# Words, without marks, that name whom the citizen wants to talk to, or how.
_NAMES_A_PERSON = re.compile(
    r"\b(?:nhan vien|nv|nguoi|con nguoi|hotline|tong dai|can bo|tu van|tinh nguyen|tnv|ho tro|chuyen vien|"
    r"ad|admin|goi|dien thoai|dt|sdt|lanh dao|truong|chat|may|truc|support|lien he|1022|hoi truc tiep)\b")


def names_a_person(text: str) -> bool:
    """True when the message says whom or how to reach ("gặp nhân viên", "hotline", "gọi điện")."""
    return bool(_NAMES_A_PERSON.search(" ".join(plain_tokens(text))))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class PersonRequestCheck(ReadingCheck):
    """Replaces a request for a person that names none with DIET's next reading."""

    passed_over = frozenset({PERSON_INTENT})

    def refuses(self, intent: str, text: str) -> bool:
        return intent == PERSON_INTENT and not text.startswith("/") and not names_a_person(text)

"""An NLU step that keeps "a complaint" for messages that voice one.

A complaint apologises and hands the conversation to a person. DIET read "đổi bằng lái xe quân sự"
as one (0.48, just over the fallback threshold), and the citizen was offered a call-back instead of
the military licence's exchange. Every complaint says what displeases: the bot, a wait, an officer,
a feeling ("bực", "chán", "thất vọng"). A message saying none of it gets DIET's next reading.
"""

from __future__ import annotations

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from rasa_addons.gibberish import plain_tokens
from rasa_addons.reading_check import ReadingCheck

COMPLAINT_INTENT = "complain"
# Words, without marks, of displeasure. Each kept unambiguous without its marks: "tệ" not "y tế",
# "kém" not "kèm", "điên" not "điện", "lỗi" not "trả lời".
_DISPLEASED = re.compile(
    r"\b(?:bot|ngu|khong dung|sai|mat thoi gian|phi thoi gian|buc|hoi \d+ lan|(?:hoi|noi) mai|chan qua|qua chan"
    r"|chan that|chan ghe|vo dung|lung tung|khong hieu|do te|te qua|te that|te lam|kem qua|kem coi|khong hai long"
    r"|thai do|hach sach|khieu nai|phan anh|loi hoai|bi loi|loi qua|he thong loi|lag|nhu khong|mot neo"
    r"|chang giup|may lap|lap lai|dien mat|phat dien|uc che|that vong|chang ai|kieu gi|qua dang|van chua xong"
    r"|cham qua|lau qua|tre hen)\b")


def voices_displeasure(text: str) -> bool:
    """True when the message says what displeases ("bot ngu quá", "bực mình", "tôi muốn khiếu nại")."""
    return bool(_DISPLEASED.search(" ".join(plain_tokens(text))))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ComplaintCheck(ReadingCheck):
    """Replaces a complaint that voices no displeasure with DIET's next reading."""

    passed_over = frozenset({COMPLAINT_INTENT})

    def refuses(self, intent: str, text: str) -> bool:
        return intent == COMPLAINT_INTENT and not text.startswith("/") and not voices_displeasure(text)

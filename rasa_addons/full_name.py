"""An NLU step that reads a full name as data, never as a way out of the form.

Forms ask for names, and every way out of a form (cancel, menu, back, a person) leaves the question
unanswered. Some given names are such words: DIET read "Phan Văn Hủy" as "hủy" (cancel, 0.60), and
the citizen's answer was lost. A message written as a full name (a common family name, then one to
four more words, each capitalised) gets DIET's best reading that is not a way out.
"""

from __future__ import annotations

import unicodedata

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from rasa_addons.reading_check import ReadingCheck

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
class FullNameCheck(ReadingCheck):
    """Replaces a way-out reading of a full name with DIET's best other reading."""

    passed_over = WAYS_OUT

    def refuses(self, intent: str, text: str) -> bool:
        return intent in WAYS_OUT and looks_like_a_full_name(text)

"""A button's label typed instead of tapped ("Cấp tỉnh", "cap tinh ạ"): the citizen meant the button.

On a phone the keyboard hides the buttons, and some citizens type what they read. Rasa reads such a
label as free text (it answered "Cấp tỉnh" as if personal details had been sent), so the gateway
sends the button's payload instead when the text is one of the labels the bot last offered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from channels.messages import Button
from knowledge_base.normalise import syllables

# Said after a choice without changing it: "cấp tỉnh ạ", "không nhé".
_POLITE_ENDING = re.compile(r"(?: (?:a|nhe|nha|em oi|ban oi))+$")
# Yes and no as citizens type them, for labels that start with "Có" or "Không".
_YES_NO = {"ko": "khong", "k": "khong", "hok": "khong", "hong": "khong", "khong co": "khong",
           "vang": "co", "da": "co", "uh": "co", "um": "co", "dung roi": "co", "dung vay": "co"}


def label_key(text: str) -> str:
    """``text`` as a label is compared: no accents, case, emoji, punctuation or trailing "…"."""
    return " ".join(syllables(text))


def tapped(text: str, offered: Sequence[Button]) -> str | None:
    """The payload of the one offered button whose label ``text`` is, or the part of it that tells
    it from labels starting with the same word ("tỉnh" for "Cấp tỉnh"), else of the one button
    whose label starts with it ("có" for "Có yếu tố nước ngoài"); None otherwise. Links and
    truncated labels the citizen could not have typed whole are left to Rasa."""
    typed = label_key(text)
    if not typed:
        return None
    plain = _POLITE_ENDING.sub("", typed) or typed
    plain = _YES_NO.get(plain, plain)
    buttons = [b for b in offered if b.payload.startswith("/") and not b.title.endswith("…")]
    keys = [label_key(b.title) for b in buttons]
    firsts = [key.split(" ", 1)[0] for key in keys]
    whole, opening = set(), set()
    for button, key, first in zip(buttons, keys, firsts, strict=True):
        # "tỉnh" for "Cấp tỉnh" beside "Cấp trung ương": the word the labels share says nothing.
        short = key.split(" ", 1)[1] if " " in key and firsts.count(first) > 1 else key
        if plain in (key, short) or typed in (key, short):
            whole.add(button.payload)
        elif key.startswith(f"{plain} "):   # "có" for "Có yếu tố nước ngoài"
            opening.add(button.payload)
    matches = whole or opening
    return matches.pop() if len(matches) == 1 else None

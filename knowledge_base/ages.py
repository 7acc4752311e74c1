"""Ages: the one a question states and the range a title serves.

The catalog splits some procedures by age ("Cấp thẻ căn cước cho người dưới 14 tuổi" / "… cho người
từ đủ 14 tuổi trở lên", "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi"); citizens give an age
("con tôi 15 tuổi làm căn cước được không") and never the range. Read from plain text, no
diacritics, like the rest of search.
"""

from __future__ import annotations

import re

from knowledge_base.normalise import strip_diacritics

# "15 tuổi", "chưa đủ 14 tuổi", "trên 60 tuổi"; a range the question itself names is left to search.
STATED_AGE = re.compile(r"\b(?:(chua du|duoi|tren|hon)\s+)?(\d{1,3})\s*tuoi\b")
_UNDER = re.compile(r"\bduoi\s+(\d{1,3})\s+tuoi\b")
_FROM = re.compile(r"\btu\s+(?:du\s+)?(\d{1,3})\s+tuoi\s+tro\s+len\b")
# Either range, in plain text: what two titles for two ages of one procedure differ by.
AGE_RANGE = re.compile(rf"{_UNDER.pattern}|{_FROM.pattern}")


def _plain(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", strip_diacritics(text).lower()))


# A child under a year: "trẻ sơ sinh", "bé mới sinh", "con tôi 3 tháng tuổi".
_NEWBORN = re.compile(r"\b(?:so sinh|(?:moi|vua) (?:sinh|de|chao doi)|\d{1,2} thang tuoi)\b")


def stated_age(question: str) -> int | None:
    """The age the question gives ("bé 3 tuổi" → 3, "chưa đủ 14 tuổi" → 13, "trẻ sơ sinh" → 0),
    None when it gives none or several."""
    text = _plain(question)
    found = STATED_AGE.findall(text)
    if not found and _NEWBORN.search(text):
        return 0
    if len(found) != 1:
        return None
    qualifier, number = found[0]
    age = int(number)
    return age - 1 if qualifier in ("chua du", "duoi") else age + 1 if qualifier in ("tren", "hon") else age


def age_range(title: str) -> tuple[int, int] | None:
    """The ages a title serves, both ends included ("dưới 14 tuổi" → 0–13), None when it names none."""
    text = _plain(title)
    if under := _UNDER.search(text):
        return 0, int(under.group(1)) - 1
    if start := _FROM.search(text):
        return int(start.group(1)), 200
    return None


def fits_age(title: str, age: int) -> bool | None:
    """True when the title's age range holds ``age``, False when it excludes it, None without one."""
    bounds = age_range(title)
    return None if bounds is None else bounds[0] <= age <= bounds[1]


def range_said(question: str, title: str) -> str:
    """The title's age range when the age the question gives falls in it ("con tôi 15 tuổi" says
    "từ đủ 14 tuổi trở lên"), in plain text; empty otherwise."""
    age = stated_age(question)
    if age is None or not fits_age(title, age):
        return ""
    found = AGE_RANGE.search(_plain(title))
    return found.group(0) if found else ""

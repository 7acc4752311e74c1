"""Acronyms read from the catalog's own names: "CHKSB" → "cảng hàng không sân bay".

Letters to the portal shorten long names to their initials ("Giấy phép KDVCHK", "GCNKNCM"). No
dictionary can list them all, but the catalog's names hold the phrases: an unknown word whose
letters are the initials of consecutive syllables in some names is read as that phrase (the one
most names use).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

from knowledge_base.normalise import syllables

MIN_LETTERS = 3


class Acronyms:
    """Initials of every name, searched only for words the index does not know."""

    def __init__(self, names: Iterable[str]) -> None:
        self._names: list[list[str]] = []
        self._initials: list[str] = []
        self._add(names)

    def _add(self, names: Iterable[str]) -> None:
        for name in names:
            words = syllables(name)
            self._names.append(words)
            self._initials.append("".join(w[0] for w in words))

    def adding(self, names: Iterable[str]) -> Acronyms:
        """A copy that also knows ``names``; this one is unchanged."""
        copy = object.__new__(Acronyms)
        copy._names, copy._initials = list(self._names), list(self._initials)
        copy._add(names)
        return copy

    def expand(self, word: str) -> list[str] | None:
        """The syllables ``word`` abbreviates, or None when no name has those initials."""
        if len(word) < MIN_LETTERS or not word.isalpha():
            return None
        found: Counter[tuple[str, ...]] = Counter()
        for words, initials in zip(self._names, self._initials, strict=True):
            start = initials.find(word)
            while start != -1:
                found[tuple(words[start:start + len(word)])] += 1
                start = initials.find(word, start + 1)
        return list(found.most_common(1)[0][0]) if found else None


# Letters a title carries as they are ("Cấp mới thẻ ABTC", "… thuộc Phụ lục CITES", "(AMO)"): a
# question naming one names those few procedures, however long the letter around it.
MAX_TITLES_NAMING = 10
_CAPITALS = re.compile(r"\b[^\W\d_a-zà-ỹđ]{3,}\b")
_ROMAN = re.compile(r"^[ivxlc]+$")


def named_in_titles(titles: Iterable[str], spelled_out: Callable[[str], bool]) -> frozenset[str]:
    """The acronyms (lower case) written in capitals in at most ``MAX_TITLES_NAMING`` titles:
    not a word titles also write in lower case ("VAN" is also "văn"), not a roman numeral, not
    one the dictionary ``spelled_out`` ("BHYT"), and not one more titles spell out than write
    ("TNCN" in 2 titles, "thu nhập cá nhân" in 16)."""
    counts: Counter[str] = Counter()
    lower: set[str] = set()
    initials: list[str] = []
    for title in titles:
        capitals = set(_CAPITALS.findall(title))
        counts.update({"".join(syllables(word)) for word in capitals})   # "TNLĐ" is typed "tnld"
        lower.update(syllables(" ".join(w for w in re.findall(r"\w+", title) if w not in capitals)))
        initials.append("".join(w[0] for w in syllables(title)))
    named = [word for word, n in counts.items() if n <= MAX_TITLES_NAMING and word not in lower
             and not _ROMAN.match(word) and not spelled_out(word)]
    return frozenset(word for word in named if _spelled_out_in(word, initials) <= counts[word])


def _spelled_out_in(word: str, initials: list[str]) -> int:
    """How many titles hold a phrase whose initials are ``word`` ("thu nhập cá nhân" for "tncn")."""
    return sum(1 for letters in initials if word in letters)

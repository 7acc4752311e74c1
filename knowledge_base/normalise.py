"""Vietnamese text normalisation for search: diacritics, abbreviations, teen-code.

Citizens type "lam giay khai sinh can j", "gplx het han ko", "cccd cho be". The lexical index works on
text with diacritics stripped, and a small dictionary (``abbreviations.yml``, editable by operators)
adds the full form of abbreviations and everyday words, so both sides meet on the same syllables.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from pathlib import Path

import yaml

ABBREVIATIONS_FILE = Path(__file__).with_name("abbreviations.yml")

_TOKEN = re.compile(r"[a-z0-9]+")
_WORD = re.compile(r"\w+", re.UNICODE)
_VIET_EXTRA = str.maketrans({"đ": "d", "Đ": "D"})
_COMBINING = re.compile(r"[\u0300-\u036f\ufe00-\ufe0f]")


def _strip_slowly(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.translate(_VIET_EXTRA))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


# Every precomposed Latin letter mapped to its bare form once: ``str.translate`` is then ten times
# faster than decomposing each character, which matters when indexing thousands of procedures.
_BARE = str.maketrans({chr(c): _strip_slowly(chr(c)) for c in range(0x00C0, 0x1F00)
                       if _strip_slowly(chr(c)) != chr(c)})


def strip_diacritics(text: str) -> str:
    """Return ``text`` without Vietnamese tone and vowel marks ("Đăng ký" → "Dang ky")."""
    bare = text.translate(_BARE)
    # Decomposed input (a combining mark typed after its letter) takes the careful path.
    return _strip_slowly(bare) if _COMBINING.search(bare) else bare


def has_diacritics(text: str) -> bool:
    """True when the text carries any Vietnamese mark (the citizen typed with accents)."""
    return strip_diacritics(text) != text


def syllables(text: str) -> list[str]:
    """Lower-case, diacritic-free syllables of ``text`` (punctuation and emoji dropped)."""
    return _TOKEN.findall(strip_diacritics(text).lower())


class Expander:
    """Adds full forms for abbreviations, teen-code and colloquial phrases.

    The dictionary maps a phrase (syllables, no diacritics) to its expansion. A phrase of several
    syllables is matched as a whole; the longest match wins. ``replace`` entries (teen-code such as
    "ko" → "khong") substitute the token; ``expand`` entries keep the original words and add the
    expansion, so a citizen's own word still matches when the catalog uses it too.
    """

    def __init__(self, replace: Mapping[str, str], expand: Mapping[str, str]) -> None:
        self._full_forms = {tuple(syllables(k)): v.lower() for k, v in [*replace.items(), *expand.items()]}
        self._replace = {tuple(syllables(k)): syllables(v) for k, v in replace.items()}
        self._expand = {tuple(syllables(k)): syllables(v) for k, v in expand.items()}
        lengths = [len(k) for k in [*self._replace, *self._expand]]
        self._longest = max(lengths, default=1)
        self._starts = frozenset(k[0] for k in [*self._replace, *self._expand] if k)

    def entries(self) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
        """Every phrase with what it becomes: what an index built with this dictionary depends on."""
        return ([("replace", k, tuple(v)) for k, v in self._replace.items()]
                + [("expand", k, tuple(v)) for k, v in self._expand.items()])

    @classmethod
    def from_yaml(cls, path: Path = ABBREVIATIONS_FILE) -> Expander:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls(replace=data.get("replace", {}), expand=data.get("expand", {}))

    def literal(self) -> Expander:
        """This dictionary without its everyday-phrase inferences ("sinh con" → "khai sinh", "visa"
        → "hộ chiếu"): teen-code and abbreviations only (an abbreviation has no vowel, or its letters
        are its expansion's initials: "cccd", "bhyt", "llttp"). What the citizen said, not what
        it suggests."""
        copy = object.__new__(Expander)
        copy.__dict__.update(self.__dict__)
        copy._expand = {k: v for k, v in self._expand.items() if _abbreviates(k, v)}
        copy._full_forms = {k: v for k, v in self._full_forms.items() if k in self._replace or k in copy._expand}
        keys = [*self._replace, *copy._expand]
        copy._longest = max((len(k) for k in keys), default=1)
        copy._starts = frozenset(k[0] for k in keys if k)
        return copy

    def spells_out(self, word: str) -> bool:
        """The dictionary gives ``word`` (one syllable, no diacritics) a full form."""
        return (word,) in self._full_forms

    def rewrite(self, text: str) -> str:
        """The question with every known abbreviation or everyday phrase replaced by its full,
        accented form ("xin llttp dc ko" → "xin lý lịch tư pháp được không"), for the encoder."""
        words = _WORD.findall(text.lower())
        plain = [strip_diacritics(w) for w in words]
        out: list[str] = []
        i = 0
        while i < len(words):
            for size in range(min(self._longest, len(words) - i), 0, -1):
                full = self._full_forms.get(tuple(plain[i : i + size]))
                if full is not None and " ".join(words[i : i + size]) == " ".join(plain[i : i + size]):
                    out.append(full)
                    break
            else:
                size = 1
                out.append(words[i])
            i += size
        return " ".join(out)

    def _phrases(self, tokens: list[str]) -> Iterator[tuple[str, tuple[str, ...] | None]]:
        """Each token in turn, or the longest dictionary phrase starting there (then its tokens
        are consumed): (token, None) or (first token, phrase)."""
        starts = self._starts
        i = 0
        while i < len(tokens):
            if tokens[i] in starts:   # most syllables begin no phrase: skip the search
                for size in range(min(self._longest, len(tokens) - i), 0, -1):
                    phrase = tuple(tokens[i : i + size])
                    if phrase in self._replace or phrase in self._expand:
                        yield tokens[i], phrase
                        i += size
                        break
                else:
                    yield tokens[i], None
                    i += 1
            else:
                yield tokens[i], None
                i += 1

    def inferences(self, tokens: list[str]) -> list[tuple[tuple[str, ...], list[str]]]:
        """The everyday phrases of ``tokens`` the dictionary reads as others ("len tho cu" →
        "chuyển mục đích sử dụng đất ở"), each with its reading; abbreviations (one syllable) are
        not inferences."""
        return [(phrase, self._expand[phrase]) for _, phrase in self._phrases(tokens)
                if phrase is not None and len(phrase) > 1 and phrase in self._expand
                and phrase not in self._replace]

    def readings(self, tokens: list[str]) -> list[str]:
        """What the dictionary reads the phrases of ``tokens`` as: the words it adds, and those it
        puts in place of what it replaces ("giai the ho kinh doanh": chấm dứt hoạt động …)."""
        read: list[str] = []
        for _, phrase in self._phrases(tokens):
            if phrase is not None:
                read.extend(self._replace[phrase] if phrase in self._replace else self._expand[phrase])
        return read

    def __call__(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        added: list[str] = []
        for token, phrase in self._phrases(tokens):
            if phrase is None:
                out.append(token)
            elif phrase in self._replace:
                out.extend(self._replace[phrase])
            else:
                out.extend(phrase)
                added.extend(self._expand[phrase])
        return out + added


def _abbreviates(phrase: tuple[str, ...], expansion: list[str]) -> bool:
    if len(phrase) != 1:
        return False
    word = phrase[0]
    return not set("aeiou").intersection(word) or "".join(s[0] for s in expansion[:len(word)]) == word


@lru_cache(maxsize=1)
def default_expander() -> Expander:
    return Expander.from_yaml()


def terms(text: str, expander: Expander | None = None) -> list[str]:
    """Index terms: expanded syllables plus adjacent syllable pairs ("khai_sinh").

    Pairs carry most of the meaning in Vietnamese, where words are made of several syllables.
    """
    tokens = (expander or default_expander())(syllables(text))
    return tokens + pairs(tokens)


def pairs(tokens: Iterable[str]) -> list[str]:
    items = list(tokens)
    return [f"{a}_{b}" for a, b in itertools.pairwise(items)]

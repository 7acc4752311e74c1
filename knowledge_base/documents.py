"""What the index sees of a catalog record: its names, its body text and its passages to embed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from knowledge_base.normalise import has_diacritics, strip_diacritics, syllables
from knowledge_base.schema import Catalog, Faq, Procedure

Kind = Literal["procedure", "faq"]

# National titles repeat the level ("… (thực hiện tại cấp tỉnh)"). For matching, those words only
# add noise: "cấp" in "cấp tỉnh" would match every "cấp giấy phép" question.
_LEVEL_SUFFIX = re.compile(
    r"\s*[\(\-–]?\s*(?:thực hiện|áp dụng)?\s*(?:tại|ở)?\s*cấp\s+"
    r"(?:tỉnh|xã|huyện|bộ|trung ương|tw)\s*\)?\s*$", re.IGNORECASE)
_CODE_SUFFIX = re.compile(r"\s*\(\s*\d\.\d{6}\s*\)\s*$")
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
# Above this many syllables a name is not also embedded without accents: long official titles are
# matched by the lexical index and by restoring the question's accents, and a second passage would
# double the encoding time of a national catalog.
SHORT_NAME_SYLLABLES = 8
# A letter to the portal is embedded by its asking sentence, cut to this many syllables: encoding
# cost grows with length, and the narrative before the question adds little to its meaning.
LONG_QUESTION_SYLLABLES = 40


def without_level(title: str) -> str:
    """"Cấp hộ chiếu (thực hiện tại cấp tỉnh)" → "Cấp hộ chiếu"; a few titles also end in their own
    code: "Thẩm định báo cáo đánh giá tác động môi trường (cấp Bộ) (1.010732)"."""
    return _LEVEL_SUFFIX.sub("", _CODE_SUFFIX.sub("", title)).strip() or title


# How a record is filed, not what it is: "… thực hiện bằng dịch vụ công trực tuyến toàn trình", "…
# một phần hoặc trực tiếp thực hiện tại cấp trung ương, cấp tỉnh, cấp xã" (Bộ Công an's vehicles).
_CHANNEL_SUFFIX = re.compile(r"\s*(?:thực hiện\s+)?(?:bằng\s+)?(?:dịch vụ công\s+)?trực tuyến\s+(?:toàn trình|một phần)"
                             r"(?:\s+hoặc\s+trực tiếp)?(?:\s+thực hiện\s+tại\s+cấp\b.*)?$", re.IGNORECASE)


def without_channel(title: str) -> str:
    """"Cấp lại chứng nhận đăng ký xe, biển số xe thực hiện bằng dịch vụ công trực tuyến toàn trình"
    → "Cấp lại chứng nhận đăng ký xe, biển số xe"."""
    return _CHANNEL_SUFFIX.sub("", title).strip() or title


def same_name(title: str) -> str:
    """A procedure's name compared across sources and levels: no level, no "Thủ tục", accents,
    case or punctuation."""
    return " ".join(syllables(without_level(title))).removeprefix("thu tuc ")


@dataclass(frozen=True)
class SearchDocument:
    """A record reduced to text: ``names`` carry the most weight, ``body`` less, and ``sections``
    (documents, result, steps of a procedure) each their own weight in the lexical index."""

    id: str
    kind: Kind
    title: str
    names: list[str]
    body: str
    passages: list[str] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)
    code: str = ""
    field: str = ""   # the procedure's field ("Đất đai"): a correction is looked for in the same one


def from_procedure(p: Procedure) -> SearchDocument:
    names = list(dict.fromkeys([without_level(p.title), *p.aliases]))
    body = " ".join([p.field, p.agency, " ".join(f.label for f in p.fees), " ".join(p.conditions)])
    sections = {
        "documents": " ".join(d.name for d in p.documents),
        "result": p.result,
        "steps": " ".join(p.steps),
    }
    return SearchDocument(p.id, "procedure", p.title, names, body, passages_for(names),
                          {k: v for k, v in sections.items() if v}, _code(p.code), p.field)


def from_faq(f: Faq) -> SearchDocument:
    names = [f.question, *f.alt_questions]
    body = " ".join([f.answer, " ".join(f.tags)])
    return SearchDocument(f.id, "faq", f.question, names, body,
                          passages_for([asking_part(n) for n in names]))


def asking_part(question: str, limit: int = LONG_QUESTION_SYLLABLES) -> str:
    """The sentence that asks, for a long letter ("Tôi là … Vậy tôi phải làm thủ tục gì?"),
    at most ``limit`` syllables."""
    words = question.split()
    if len(words) <= limit:
        return question
    sentences = [s.strip() for s in _SENTENCE_END.split(question) if s.strip()]
    asking = next((s for s in reversed(sentences) if s.endswith("?")), sentences[-1])
    return " ".join(asking.split()[-limit:])


def from_catalog(catalog: Catalog) -> list[SearchDocument]:
    return [*map(from_procedure, catalog.procedures), *map(from_faq, catalog.faqs)]


def passages_for(names: list[str]) -> list[str]:
    """Each name, plus the diacritic-free copy of a short one: citizens often type without accents,
    and a dense model places "dang ky ket hon" nearer to its stripped twin than to "đăng ký kết hôn"."""
    out: list[str] = []
    for name in names:
        out.append(name)
        if has_diacritics(name) and len(name.split()) <= SHORT_NAME_SYLLABLES:
            out.append(strip_diacritics(name).lower())
    return list(dict.fromkeys(out))


def _code(code: str) -> str:
    # Curated records without a verified national code say so in words ("đang cập nhật").
    return code if code[:1].isdigit() else ""

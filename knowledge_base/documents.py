"""What the index sees of a catalog record: its names, its body text and its passages to embed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from knowledge_base.normalise import has_diacritics, strip_diacritics
from knowledge_base.schema import Catalog, Faq, Procedure

Kind = Literal["procedure", "faq"]


@dataclass(frozen=True)
class SearchDocument:
    """A record reduced to text: ``names`` carry the most weight, ``body`` the rest."""

    id: str
    kind: Kind
    title: str
    names: list[str]
    body: str
    passages: list[str] = field(default_factory=list)


def from_procedure(p: Procedure) -> SearchDocument:
    names = [p.title, *p.aliases]
    body = " ".join([
        p.field, p.agency, p.result, " ".join(d.name for d in p.documents),
        " ".join(f.label for f in p.fees), " ".join(p.conditions),
    ])
    return SearchDocument(p.id, "procedure", p.title, names, body, passages_for(names))


def from_faq(f: Faq) -> SearchDocument:
    names = [f.question, *f.alt_questions]
    body = " ".join([f.answer, " ".join(f.tags)])
    return SearchDocument(f.id, "faq", f.question, names, body, passages_for(names))


def from_catalog(catalog: Catalog) -> list[SearchDocument]:
    return [*map(from_procedure, catalog.procedures), *map(from_faq, catalog.faqs)]


def passages_for(names: list[str]) -> list[str]:
    """Each name, plus its diacritic-free copy: citizens often type without accents, and a dense
    model places "dang ky ket hon" nearer to its stripped twin than to "đăng ký kết hôn"."""
    out: list[str] = []
    for name in names:
        out.append(name)
        if has_diacritics(name):
            out.append(strip_diacritics(name).lower())
    return list(dict.fromkeys(out))

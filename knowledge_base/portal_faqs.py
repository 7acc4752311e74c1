"""The national portal's published questions and official answers as this project's ``Faq``."""

from __future__ import annotations

import datetime as dt
from typing import Any

PORTAL_FAQ_NAME = "Cổng Dịch vụ công quốc gia – Hỏi đáp"


def from_portal(record: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """One portal question as a Faq dict; ``related_procedures`` is filled by ``link``."""
    audience = record.get("audience") or []
    if isinstance(audience, str):
        audience = [a.strip() for a in audience.split(",")]
    tags = [t for t in [(record.get("ministry") or "").strip(), *map(str.strip, audience)] if t]
    codes = [str(c).strip() for c in record.get("related_procedure_codes") or [] if str(c).strip()]
    return {
        "id": f"hoi-dap-{record['faq_id']}",
        "question": " ".join(str(record["question"]).split()),
        "answer": str(record["answer"]).strip(),  # the official answer as published
        "tags": list(dict.fromkeys(tags)),
        "related_codes": list(dict.fromkeys(codes)),
        "related_procedures": [],
        "source": {"name": PORTAL_FAQ_NAME, "url": record.get("url") or ""},
        "updated_on": today.isoformat(),
    }


def link(faqs: list[dict[str, Any]], id_by_code: dict[str, str]) -> int:
    """Point each FAQ that carries ``related_codes`` at the procedures the catalog has with those
    codes (the catalog refuses links to unknown ids). Returns how many FAQs have a link."""
    linked = 0
    for faq in faqs:
        codes = faq.get("related_codes") or []
        if not codes:
            continue  # a curated FAQ's hand-made links are left alone
        faq["related_procedures"] = list(dict.fromkeys(id_by_code[c] for c in codes if c in id_by_code))
        linked += bool(faq["related_procedures"])
    return linked

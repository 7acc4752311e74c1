"""The draft store and the post-form summary, without Rasa."""

from __future__ import annotations

import asyncio

from actions.submission import CASE_CURSOR, answer_field, pending_field, summary_text
from bot.dossiers.drafts import FormDraft, InMemoryDraftStore
from knowledge_base.service import KnowledgeBase


def test_in_memory_store_keeps_the_latest_draft_per_sender() -> None:
    store = InMemoryDraftStore()
    first = FormDraft("a", "khai-sinh", {"full_name": "Nguyễn Văn An"}, {})
    second = FormDraft("a", "tam-tru", {"full_name": "Nguyễn Văn An"}, {}, complete=True)

    async def scenario() -> tuple[FormDraft | None, FormDraft | None]:
        await store.save(first)
        await store.save(second)
        kept = await store.load("a")
        await store.discard("a")
        return kept, await store.load("a")

    kept, after = asyncio.run(scenario())
    assert kept == second and after is None
    assert second.as_slot()["procedure_id"] == "tam-tru" and not second.is_empty
    assert FormDraft("b", "khai-sinh", {}, {"x": ""}).is_empty


def test_fields_are_asked_in_catalog_order_and_the_summary_masks_the_cccd(kb: KnowledgeBase) -> None:
    procedure = kb.procedure("khai-sinh")
    assert procedure is not None
    # The case (a choice) is asked first, with its own cursor; then the other fields in catalog order.
    collected: dict[str, str] = answer_field(procedure, {}, "Nữ", cursor=CASE_CURSOR)["procedure_fields"]
    answers = ["Nguyen Gia Bao", "01/06/2026", "Bệnh viện tỉnh", "Le Thi Mai", ""]
    for answer in answers:
        slots = answer_field(procedure, collected, answer)
        collected = slots["procedure_fields"]
    assert slots["procedure_field"] == "done" and pending_field(procedure, collected) is None
    draft = FormDraft("s", "khai-sinh", {"full_name": "Nguyễn Văn An", "cccd": "001090123456",
                                         "birth_date": "12/03/1990", "phone": "0912345678", "email": "",
                                         "address": "số 12 Lê Lợi"}, collected, complete=True)
    text = summary_text(draft, procedure)
    assert "********3456" in text and "001090123456" not in text
    assert "Họ, chữ đệm và tên của trẻ: Nguyen Gia Bao" in text and "CHƯA được nộp" in text

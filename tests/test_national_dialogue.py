"""Dialogue at scale: national records and portal FAQs through the gateway and a real Rasa.

The catalog (``tests/support/national.py``, served by the ``national_stack`` fixture) is made by hand
from real records of the national portal (the two publications of "Cấp hộ chiếu phổ thông ở trong
nước", at the province and at the ministry, and the portal FAQ linked to both): one question gets one
clarifying question with level buttons, a tap gets the card, "Xem đủ giấy tờ" the whole list; the
portal's long answer is shortened with "Xem đầy đủ".
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import (
    ActionAnswerDetail,
    ActionAnswerQuestion,
    ActionChooseItem,
    linked_procedures,
    near_identical,
)
from actions.fallback import ActionFallback, ActionInformOutOfContext
from actions.submission import ActionStartSubmission
from knowledge_base.index import Hit
from knowledge_base.schema import Catalog
from knowledge_base.service import EVIDENCE_TO_ASK, KnowledgeBase
from knowledge_base.variants import Clarification
from tests.support.chat import buttons, texts
from tests.support.national import PASSPORT_DOCUMENTS, PORTAL, PORTAL_FAQ, national_catalog, write_catalog
from tests.support.stack import Stack


def tap(stack: Stack, sender: str, replies: list[dict], title: str) -> list[dict]:
    button = next((b for b in buttons(replies) if b["title"] == title), None)
    assert button is not None, f"no button {title!r} in {[b['title'] for b in buttons(replies)]}"
    return stack.chat(sender, button["payload"])


@pytest.mark.rasa
def test_one_level_question_then_the_card_then_every_document(national_stack: Stack, new_sender) -> None:
    sender = new_sender()
    asked = national_stack.chat(sender, "cấp hộ chiếu phổ thông cần giấy tờ gì")
    assert len(asked) == 1 and "ở cấp nào" in texts(asked)
    titles = [b["title"] for b in buttons(asked)]
    assert titles == ["Cấp trung ương", "Cấp tỉnh", "Gặp nhân viên"]

    card = tap(national_stack, sender, asked, "Cấp tỉnh")
    text = texts(card)
    assert "(thực hiện tại cấp tỉnh)" in text and "mã 1.001456" in text
    assert "Giấy tờ cần có:\n1. Tờ khai đề nghị cấp hộ chiếu phổ thông ở trong nước" in text
    assert "Thông tư số 31/2023" not in text  # the legal reference is left to the full list
    assert "Lệ phí:" not in text  # the question was about documents
    assert f"Nguồn: {PORTAL} – https://dichvucong.gov.vn/thu-tuc-hanh-chinh/" in text and "01/03/2026" in text
    assert len(text) < 900

    full = tap(national_stack, sender, card, "Xem đủ giấy tờ")
    listed = texts(full)
    assert all(str(n) + "." in listed for n in range(1, len(PASSPORT_DOCUMENTS) + 1))
    assert "Bản sao giấy khai sinh hoặc trích lục giấy khai sinh" in listed


@pytest.mark.rasa
def test_a_label_typed_instead_of_tapped_is_the_button(national_stack: Stack, new_sender) -> None:
    sender = new_sender()
    asked = national_stack.chat(sender, "cấp hộ chiếu phổ thông cần giấy tờ gì")
    assert "Cấp tỉnh" in [b["title"] for b in buttons(asked)]
    card = texts(national_stack.chat(sender, "cap tinh a"))   # typed, unaccented, with "ạ"
    assert "(thực hiện tại cấp tỉnh)" in card and "Giấy tờ cần có:" in card
    # Once the citizen has written something else, an old label is free text again: not the old
    # button (the documents asked for), but a level typed later still answers the level question.
    national_stack.chat(sender, "cấp hộ chiếu phổ thông cần giấy tờ gì")
    national_stack.chat(sender, "cảm ơn")
    later = texts(national_stack.chat(sender, "cấp tỉnh"))
    assert "(thực hiện tại cấp tỉnh)" in later and "Lệ phí" in later


@pytest.mark.rasa
def test_a_question_naming_the_level_is_answered_without_asking(national_stack: Stack, new_sender) -> None:
    replies = national_stack.chat(new_sender(), "lam ho chieu pho thong o cuc quan ly xuat nhap canh trung uong")
    text = texts(replies)
    assert "mã 1.001471" in text and "ở cấp nào" not in text
    assert "Lệ phí: 200.000 đồng" in text and "5 ngày làm việc" in text  # the same fee on every channel
    assert "toàn trình" not in text and "một phần" not in text  # the record does not say which
    assert "Xem đủ giấy tờ" in [b["title"] for b in buttons(replies)]


@pytest.mark.rasa
def test_a_portal_faq_is_shortened_with_its_source_and_linked_cards(national_stack: Stack, new_sender) -> None:
    sender = new_sender()
    replies = national_stack.chat(sender, "ủy thác cho tổ chức có tư cách pháp nhân nộp hồ sơ cấp hộ chiếu "
                                          "thì cần làm gì")
    text = texts(replies)
    assert "…" in text and PORTAL_FAQ.source.url in text  # type: ignore[union-attr]
    assert len(text) < len(PORTAL_FAQ.answer) + 300
    titles = [b["title"] for b in buttons(replies)]
    assert titles[0] == "Xem đầy đủ" and "Gặp nhân viên" in titles and len(titles) <= 5   # Zalo's limit
    assert all(len(t) <= 60 for t in titles)
    full = texts(tap(national_stack, sender, replies, "Xem đầy đủ"))
    assert "để kiểm tra, đối chiếu." in full


# ---- the actions in process (no Rasa): same catalog, same decisions ---------------------------------
@pytest.fixture(scope="module")
def national_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    folder = write_catalog(national_catalog(), tmp_path_factory.mktemp("national-kb") / "catalog")
    return KnowledgeBase.open(folder, cache_dir=None)


def run(action: Any, text: str, entities: dict[str, str] | None = None) -> list[dict]:
    return run_with_slots(action, text, {}, entities)[0]


def run_with_slots(action: Any, text: str, slots: dict[str, Any],
                   entities: dict[str, str] | None = None) -> tuple[list[dict], dict[str, Any]]:
    """The messages, and the slots the action set."""
    tracker = Tracker("t", slots, {"text": text, "intent": {},
                                   "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()]},
                      [], False, None, None, None)
    dispatcher = CollectingDispatcher()
    # A thread of its own: a browser test earlier in the session may leave a loop running here.
    with ThreadPoolExecutor(max_workers=1) as pool:
        events = pool.submit(asyncio.run, action.run(dispatcher, tracker, {})).result()
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_level_twins_put_first_by_either_ranking_count_as_both_rankings_agreeing(national_kb: KnowledgeBase) -> None:
    # Level twins share their words: which one each ranking puts first is a tie, and the catalog was
    # unsure of "Cấp thẻ bảo hiểm y tế" for it.
    first = national_kb.search("cấp hộ chiếu phổ thông", kind="procedure", top=1)[0]
    twin = next(i for i in national_kb.same_title(first.id) if i != first.id)
    other = next(p.id for p in national_kb.procedures if p.id not in national_kb.same_title(first.id))

    def hit(item: str, lexical: int, dense: int) -> Hit:
        return Hit(item, "procedure", "", 1.0, 0.0, 0.0, lexical, dense)
    assert national_kb.rankings_agree([hit(first.id, 1, 2), hit(twin, 2, 1)])
    assert not national_kb.rankings_agree([hit(first.id, 1, 2), hit(other, 2, 1)])


def test_the_level_question_carries_the_asked_part_and_one_tap_answers(national_kb: KnowledgeBase) -> None:
    asked = run(ActionAnswerQuestion(national_kb), "cấp hộ chiếu phổ thông cần giấy tờ gì")
    assert [m["text"] for m in asked] == ["Cấp hộ chiếu phổ thông ở trong nước: Anh/Chị làm thủ tục này ở cấp nào ạ?"
                                          "\n• Cấp trung ương: Cục Quản lý xuất nhập cảnh"
                                          "\n• Cấp tỉnh: Công an cấp Tỉnh"]   # who serves each level
    province = next(b for b in asked[0]["buttons"] if b["title"] == "Cấp tỉnh")
    assert province["payload"] == '/ask_detail{"item_id": "tthc-1-001456", "aspect": "documents"}'
    card = run(ActionAnswerDetail(national_kb), province["payload"],
               {"item_id": "tthc-1-001456", "aspect": "documents"})
    assert "Giấy tờ cần có" in card[0]["text"] and "Lệ phí" not in card[0]["text"]
    full = next(b for b in card[0]["buttons"] if b["title"] == "Xem đủ giấy tờ")
    listed = run(ActionAnswerDetail(national_kb), full["payload"],
                 {"item_id": "tthc-1-001456", "aspect": "all_documents"})
    assert "5. Bản sao giấy khai sinh" in "\n".join(m["text"] for m in listed)


def test_a_part_asked_instead_of_answering_the_level_question_asks_it_again_for_that_part(
        national_kb: KnowledgeBase) -> None:
    asked, slots = run_with_slots(ActionAnswerQuestion(national_kb), "làm hộ chiếu phổ thông",
                                  {"procedure_id": "tthc-other"})
    assert "ở cấp nào" in asked[0]["text"]
    assert slots["procedure_id"] is None        # a fee asked next is not the earlier procedure's
    again, slots = run_with_slots(ActionAnswerQuestion(national_kb), "lệ phí bao nhiêu", slots)
    assert "ở cấp nào" in again[0]["text"]                    # still waiting for the level
    assert slots["pending_subject"] == "Cấp hộ chiếu phổ thông ở trong nước"
    province = next(b for b in again[0]["buttons"] if b["title"] == "Cấp tỉnh")
    assert province["payload"] == '/ask_detail{"item_id": "tthc-1-001456", "aspect": "fees"}'
    # Answered with a card, the subject is forgotten.
    _, slots = run_with_slots(ActionAnswerQuestion(national_kb), "cấp hộ chiếu phổ thông ở cấp tỉnh",
                              {"pending_subject": "Cấp hộ chiếu phổ thông ở trong nước"})
    assert slots == {"pending_subject": None, "procedure_id": "tthc-1-001456"}


def test_filing_one_of_near_identical_procedures_asks_the_one_question_that_tells_them_apart(
        national_kb: KnowledgeBase) -> None:
    asked = run(ActionStartSubmission(national_kb), "tôi muốn nộp hồ sơ cấp hộ chiếu phổ thông")
    assert "ở cấp nào" in asked[0]["text"] and "• Cấp tỉnh: Công an cấp Tỉnh" in asked[0]["text"]
    province = next(b for b in asked[0]["buttons"] if b["title"] == "Cấp tỉnh")
    assert province["payload"] == '/start_submission{"procedure_id": "tthc-1-001456"}'
    assert asked[0]["buttons"][-1]["title"] == "Gặp nhân viên"
    started = run(ActionStartSubmission(national_kb), "nộp hồ sơ cấp hộ chiếu phổ thông ở cấp tỉnh")
    # The record says it is filed online, not at which level: nothing is made up.
    assert started[0]["text"].startswith("📝 Nộp hồ sơ: Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)"
                                         " — dịch vụ công trực tuyến.\n")


def test_filing_starts_the_one_near_identical_procedure_the_centre_has_a_form_for(
        kb: KnowledgeBase, tmp_path: Path) -> None:
    curated = kb.procedure("ho-chieu")
    assert curated is not None and curated.form_fields
    catalog = national_catalog()
    folder = write_catalog(Catalog(procedures=[*catalog.procedures, curated], faqs=catalog.faqs), tmp_path / "c")
    both = KnowledgeBase.open(folder, cache_dir=None)
    started = run(ActionStartSubmission(both), "tôi muốn nộp hồ sơ cấp hộ chiếu phổ thông")
    assert started[0]["text"].startswith("📝 Nộp hồ sơ: Cấp hộ chiếu phổ thông ở trong nước — dịch vụ công")
    # A level named is still that level's record.
    ministry = run(ActionStartSubmission(both), "nộp hồ sơ cấp hộ chiếu phổ thông ở cục trung ương")
    assert "(thực hiện tại cấp trung ương)" in ministry[0]["text"]


def test_a_general_question_gets_level_buttons_that_open_the_overview(national_kb: KnowledgeBase) -> None:
    asked = run(ActionAnswerQuestion(national_kb), "làm hộ chiếu phổ thông")
    assert "ở cấp nào" in asked[0]["text"]
    assert asked[0]["buttons"][0]["payload"] == '/choose{"item_id": "tthc-1-001471"}'
    card = run(ActionChooseItem(national_kb), "/choose", {"item_id": "tthc-1-001456"})[0]["text"]
    assert "Lệ phí: trực tuyến 160.000 đồng, qua bưu chính 160.000 đồng, trực tiếp 200.000 đồng" in card


def test_the_first_procedures_other_levels_are_asked_about_though_ranked_out_of_the_hits(
        national_kb: KnowledgeBase) -> None:
    # On the national catalog, an age put "… từ đủ 14 tuổi trở lên (thực hiện tại cấp trung ương)"
    # first and left the commune's record sixth: the card for the ministry came without a question.
    ministry = [h for h in national_kb.search("làm hộ chiếu phổ thông") if h.id == "tthc-1-001471"]
    choice = near_identical(national_kb, "làm hộ chiếu phổ thông", ministry)
    assert isinstance(choice, Clarification) and choice.facets == ("level",)
    assert {item_id for _, item_id in choice.options} == {"tthc-1-001456", "tthc-1-001471"}
    # Named, the level still answers at once.
    assert near_identical(national_kb, "làm hộ chiếu phổ thông ở cấp tỉnh", ministry) == "tthc-1-001456"


def test_the_variant_question_offers_every_variant_though_the_hits_hold_one(national_kb: KnowledgeBase) -> None:
    # "thẻ căn cước bị sai ngày sinh": the hits held cấp mới and cấp lại; "Cấp đổi" was not offered.
    province = national_kb.procedure("tthc-1-001456")
    assert province is not None
    renewal = "Gia hạn hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)"
    kb = national_kb.copy_with(province.model_copy(update={"id": "renewal", "code": "9.999999", "title": renewal}))
    first = [h for h in kb.search("làm hộ chiếu phổ thông") if h.id == "tthc-1-001456"]
    choice = near_identical(kb, "làm hộ chiếu phổ thông", first)
    assert isinstance(choice, Clarification) and "renewal" in {item_id for _, item_id in choice.options}
    assert kb.same_subject("renewal") == kb.same_subject("tthc-1-001456") and len(kb.same_subject("renewal")) == 3


def test_records_of_one_title_are_found_at_every_level_and_after_a_change(national_kb: KnowledgeBase) -> None:
    assert set(national_kb.same_title("tthc-1-001471")) == {"tthc-1-001456", "tthc-1-001471"}
    province = national_kb.procedure("tthc-1-001456")
    assert province is not None
    copy = national_kb.copy_with()
    copy.upsert_procedure(province.model_copy(update={"title": "Cấp hộ chiếu công vụ"}))
    assert copy.same_title("tthc-1-001471") == ["tthc-1-001471"]


def test_a_question_without_a_subject_keeps_the_top_three(national_kb: KnowledgeBase) -> None:
    asked = run(ActionAnswerQuestion(national_kb), "giấy tờ")
    assert "ở cấp nào" not in asked[0]["text"]


def test_the_portal_faq_links_its_procedures_by_code(national_kb: KnowledgeBase) -> None:
    faq = PORTAL_FAQ.model_copy(update={"related_procedures": []})
    linked = linked_procedures(national_kb, faq)
    assert [p.id for p in linked] == ["tthc-1-001456", "tthc-1-001471"]


def test_an_utterance_rasa_could_not_classify_gets_the_level_question_too(national_kb: KnowledgeBase) -> None:
    asked = run(ActionFallback(national_kb, None, None), "ho chieu pho thong lam o dau")
    assert "ở cấp nào" in asked[0]["text"]
    assert {b["title"] for b in asked[0]["buttons"]} >= {"Cấp tỉnh", "Cấp trung ương"}


def test_a_level_typed_later_answers_the_level_question_asked_before(national_kb: KnowledgeBase) -> None:
    asked, slots = run_with_slots(ActionAnswerQuestion(national_kb), "làm hộ chiếu phổ thông", {})
    assert "ở cấp nào" in asked[0]["text"]
    # Rasa reads a lone "ở tỉnh" as a form's answer given out of context.
    card, after = run_with_slots(ActionInformOutOfContext(national_kb), "ở tỉnh", slots)
    assert "(thực hiện tại cấp tỉnh)" in card[0]["text"] and after["pending_subject"] is None



class _WordsAgree(KnowledgeBase):
    """The national fixture with a fixed word agreement: a 4-record catalog cannot give the
    agreement a real question has with a real catalog's records."""

    agreement = 1.0

    def evidence(self, question: str, item_id: str, subject: list[str] | None = None,
                 inferred: bool = False) -> float:
        return self.agreement


@pytest.mark.parametrize(("agreement", "asks"), [(EVIDENCE_TO_ASK - 0.05, False), (EVIDENCE_TO_ASK, True)])
def test_siblings_ranked_first_for_words_they_do_not_hold_get_no_level_question(
        national_kb: KnowledgeBase, agreement: float, asks: bool) -> None:
    # On the national catalog "đăng ký nhãn hiệu" (0.38) was asked whether "nhận cha, mẹ, con" had
    # a foreign element: one procedure's siblings came first for want of anything better.
    kb = _WordsAgree(national_kb.catalog, national_kb.index)
    kb.agreement = agreement
    replies = run(ActionAnswerQuestion(kb), "làm hộ chiếu phổ thông")
    assert ("ở cấp nào" in replies[0]["text"]) is asks


BUILDING_PERMITS = {
    "rail": "Cấp giấy phép xây dựng công trình thiết yếu, dùng chung với đường sắt",
    "rail-extension": "Gia hạn giấy phép xây dựng công trình thiết yếu, dùng chung với đường sắt",
    "crossing-extension": "Gia hạn Giấy phép xây dựng, cải tạo, nâng cấp đường ngang",
    "house-extension": "Gia hạn giấy phép xây dựng đối với công trình cấp III, cấp IV và nhà ở riêng lẻ",
}


@pytest.fixture(scope="module")
def permits_kb(national_kb: KnowledgeBase) -> KnowledgeBase:
    template = national_kb.procedure("tthc-1-001456")
    assert template is not None
    kb = national_kb.copy_with()
    for number, (item_id, title) in enumerate(BUILDING_PERMITS.items()):
        kb.upsert_procedure(template.model_copy(update={"id": item_id, "code": f"9.99999{number}", "title": title,
                                                        "aliases": []}))
    return kb


def test_a_variant_named_of_one_of_several_close_procedures_lets_the_citizen_choose(permits_kb: KnowledgeBase) -> None:
    # National: "gia hạn giấy phép xây dựng" got the railway's extension card, though the level
    # crossing's ranked as close: "gia hạn" picked the variant of the first, not the procedure.
    result = permits_kb.ask("gia hạn giấy phép xây dựng")
    assert not result.confident and result.contested
    [message] = run(ActionAnswerQuestion(permits_kb), "gia hạn giấy phép xây dựng")
    # Which one, not "the catalog may not have it": every one of them says what was asked.
    assert message["text"] == "Có mấy thủ tục gần giống nhau. Anh/Chị chọn giúp em đúng thủ tục cần hỏi ạ:"
    offered = [b["title"].lower() for b in message["buttons"]]   # long titles are cut with "…"
    assert sum(title.startswith("gia hạn giấy phép xây dựng") for title in offered) == 3


def test_a_question_naming_the_procedure_and_its_variant_still_gets_the_card(permits_kb: KnowledgeBase) -> None:
    [message] = run(ActionAnswerQuestion(permits_kb), "gia hạn giấy phép xây dựng công trình dùng chung với đường sắt")
    assert message["text"].startswith(f"📄 {BUILDING_PERMITS['rail-extension']}")

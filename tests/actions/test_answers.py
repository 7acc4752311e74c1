"""Answers from the catalog (actions/answers.py): a card when sure, look-alikes when unsure, an honest
"not in the catalog" when nothing is close; follow-up questions about the procedure just discussed."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from actions.answers import ActionAnswerDetail, ActionAnswerQuestion, ActionChooseItem
from knowledge_base.service import KnowledgeBase
from tests.support.tracker import make_tracker, run

NOT_IN_CATALOG = "Em chưa có thông tin về thủ tục này trong danh mục của Trung tâm"
CAN_CUOC = "Cấp, đổi, cấp lại thẻ căn cước"


@pytest.fixture(scope="module")
def answer(kb: KnowledgeBase) -> ActionAnswerQuestion:
    return ActionAnswerQuestion(kb)


def test_a_fee_question_gets_the_fee_card_with_filing_a_person_and_feedback(answer: ActionAnswerQuestion) -> None:
    result = run(answer, make_tracker("làm căn cước mất bao nhiêu tiền", intent="ask_procedure"))
    [card] = result.texts
    assert card.startswith(f"📄 {CAN_CUOC}")
    assert "Lệ phí cấp lại thẻ căn cước: 70.000 đồng" in card and "Lệ phí cấp đổi thẻ căn cước: 50.000 đồng" in card
    assert "Giấy tờ cần có" not in card          # the part asked about, not the whole overview
    assert "Nguồn:" in card                      # quoted from the catalog, with its source
    assert result.payload("Nộp trực tuyến") == '/start_submission{"procedure_id": "can-cuoc"}'
    assert result.payload("Gặp nhân viên") == "/request_human"
    assert result.titles()[-2:] == ["👍 Hữu ích", "👎 Chưa đúng"]
    assert '"rating_subject": "answer:can-cuoc"' in result.payload("👎 Chưa đúng")
    assert result.slots == {"procedure_id": "can-cuoc"}   # remembered for "mất bao lâu" next


def test_a_question_typed_without_diacritics_gets_the_same_card(answer: ActionAnswerQuestion) -> None:
    accented = run(answer, make_tracker("làm căn cước mất bao nhiêu tiền"))
    plain = run(answer, make_tracker("lam can cuoc het bao nhieu tien"))
    assert plain.texts == accented.texts and plain.buttons() == accented.buttons()
    assert plain.slots == {"procedure_id": "can-cuoc"}


def test_a_general_question_gets_the_overview(answer: ActionAnswerQuestion) -> None:
    [card] = run(answer, make_tracker("thủ tục đăng ký kết hôn")).texts
    assert card.startswith("📄 Đăng ký kết hôn")
    for part in ("Giấy tờ cần có", "Lệ phí", "Thời hạn giải quyết", "Cách nộp"):
        assert part in card


@pytest.mark.parametrize(("previous", "question", "part", "absent"), [
    ("ket-hon", "mất bao lâu", "Thời hạn giải quyết: Ngay sau khi nhận đủ giấy tờ", "Lệ phí"),
    ("khai-sinh", "lệ phí bao nhiêu", "Lệ phí đăng ký khai sinh đúng hạn: miễn phí", "Thời hạn giải quyết"),
    ("can-cuoc", "le phi bao nhieu", "Lệ phí cấp lại thẻ căn cước: 70.000 đồng", "Thời hạn giải quyết"),
])
def test_a_follow_up_without_a_subject_is_about_the_procedure_just_discussed(
        answer: ActionAnswerQuestion, previous: str, question: str, part: str, absent: str) -> None:
    result = run(answer, make_tracker(question, slots={"procedure_id": previous}))
    [card] = result.texts
    assert part in card and absent not in card
    assert result.slots == {"procedure_id": previous}


def test_the_same_aspect_question_without_a_procedure_discussed_asks_which_one(
        answer: ActionAnswerQuestion) -> None:
    result = run(answer, make_tracker("mất bao lâu"))
    assert result.texts == ["Anh/Chị hỏi thời hạn của thủ tục nào ạ? Anh/Chị gõ kèm tên thủ tục, ví dụ "
                            "“làm hộ chiếu mất bao lâu”, hoặc chọn một nội dung dưới đây."]   # not a guessed card
    titles = result.titles()
    assert len(titles) == 4 and titles[-1] == "Gặp nhân viên"
    assert all(b["payload"].startswith('/choose{"item_id": ') for b in result.buttons()[:3])
    assert "Tra cứu Cổng DVC quốc gia" not in titles   # no subject named: which one, not "not in catalog"
    assert result.slots == {}


@pytest.mark.parametrize(("question", "opening"), [
    ("lệ phí bao nhiêu", "Anh/Chị hỏi lệ phí của thủ tục nào ạ?"),
    ("nop o dau", "Anh/Chị hỏi nơi nộp của thủ tục nào ạ?"),
    ("cần giấy tờ gì", "Anh/Chị hỏi giấy tờ của thủ tục nào ạ?"),
])
def test_a_part_asked_without_a_procedure_says_how_to_name_one(answer: ActionAnswerQuestion, question: str,
                                                                opening: str) -> None:
    [text] = run(answer, make_tracker(question)).texts
    assert text.startswith(opening) and "ví dụ “" in text


def test_a_follow_up_naming_another_procedure_answers_that_one(answer: ActionAnswerQuestion) -> None:
    result = run(answer, make_tracker("làm giấy khai sinh hết bao nhiêu tiền", slots={"procedure_id": "ket-hon"}))
    [card] = result.texts
    assert card.startswith("📄 Đăng ký khai sinh") and "Lệ phí đăng ký khai sinh đúng hạn: miễn phí" in card
    assert result.slots == {"procedure_id": "khai-sinh"}


def test_the_fee_of_khai_sinh_is_the_birth_registration_fee(answer: ActionAnswerQuestion) -> None:
    result = run(answer, make_tracker("lệ phí khai sinh", slots={"procedure_id": "ket-hon"}))
    assert result.slots == {"procedure_id": "khai-sinh"}


@pytest.mark.parametrize("question", ["xin giay phep bay flycam", "giay phep treo bien quang cao"])
def test_a_question_outside_the_catalog_says_so_with_the_portal_and_a_person(
        answer: ActionAnswerQuestion, question: str) -> None:
    result = run(answer, make_tracker(question, slots={"procedure_id": "can-cuoc"}))
    [text] = result.texts
    assert text.startswith(NOT_IN_CATALOG) and "để tránh hướng dẫn sai" in text
    assert "📄" not in text                        # never a look-alike procedure's card
    assert result.titles() == ["Tra cứu Cổng DVC quốc gia", "Gặp nhân viên"]
    portal = urlsplit(result.payload("Tra cứu Cổng DVC quốc gia"))
    assert portal.netloc == "dichvucong.gov.vn" and parse_qs(portal.query)["keyword"] == [question]
    assert result.slots == {}                     # the procedure discussed before is kept


def test_an_unsure_match_offers_the_look_alikes_the_portal_and_a_person(answer: ActionAnswerQuestion) -> None:
    result = run(answer, make_tracker("thu tuc ly hon thuan tinh"))
    [text] = result.texts
    assert text.startswith("Em chưa tìm thấy đúng thủ tục Anh/Chị hỏi trong danh mục")
    titles = result.titles()
    assert len(titles) == 5 and titles[-2:] == ["Tra cứu Cổng DVC quốc gia", "Gặp nhân viên"]
    assert "Cấp Giấy xác nhận tình trạng hôn nhân" in titles[:3]
    assert result.payload("Cấp Giấy xác nhận tình trạng hôn nhân") == \
        '/choose{"item_id": "xac-nhan-tinh-trang-hon-nhan"}'
    assert result.slots == {}


def test_the_bare_ask_button_asks_which_procedure(answer: ActionAnswerQuestion) -> None:
    result = run(answer, make_tracker("/ask_procedure", intent="ask_procedure"))
    assert result.texts == ["Anh/Chị cần hỏi thủ tục nào ạ? Anh/Chị cứ gõ tự nhiên, ví dụ: “làm giấy khai sinh "
                            "cần gì”, “lệ phí lý lịch tư pháp”."]


def test_choosing_an_faq_shows_its_answer_and_remembers_no_procedure(kb: KnowledgeBase) -> None:
    result = run(ActionChooseItem(kb), make_tracker('/choose{"item_id": "gio-lam-viec"}', intent="choose",
                                                    entities={"item_id": "gio-lam-viec"}))
    [text] = result.texts
    assert text.startswith("💬 Trung tâm Phục vụ hành chính công làm việc vào giờ nào?")
    assert "Thứ Hai–Thứ Sáu" in text
    assert "Gặp nhân viên" in result.titles() and result.slots == {}


def test_choosing_an_unknown_item_says_it_is_not_found(kb: KnowledgeBase) -> None:
    result = run(ActionChooseItem(kb), make_tracker('/choose{"item_id": "khong-co"}', intent="choose",
                                                    entities={"item_id": "khong-co"}))
    assert [m["response"] for m in result.messages] == ["utter_item_not_found"]
    assert result.slots == {}


def test_see_all_documents_lists_every_document_of_the_procedure(kb: KnowledgeBase) -> None:
    result = run(ActionAnswerDetail(kb), make_tracker(
        '/ask_detail{"item_id": "can-cuoc", "aspect": "all_documents"}', intent="ask_detail",
        entities={"item_id": "can-cuoc", "aspect": "all_documents"}))
    text = result.text
    assert f"Đủ thành phần hồ sơ – {CAN_CUOC} (4 giấy tờ)" in text
    assert "1. Phiếu đề nghị giải quyết thủ tục về căn cước (mẫu DC02)" in text and "\n4. " in text
    assert result.payload("Lệ phí, thời hạn") == '/choose{"item_id": "can-cuoc"}'
    assert result.slots == {"procedure_id": "can-cuoc"}


def test_a_detail_button_uses_the_procedure_discussed_when_the_payload_has_none(kb: KnowledgeBase) -> None:
    result = run(ActionAnswerDetail(kb), make_tracker('/ask_detail{"aspect": "time"}', intent="ask_detail",
                                                      entities={"aspect": "time"}, slots={"procedure_id": "ket-hon"}))
    [card] = result.texts
    assert card.startswith("📄 Đăng ký kết hôn") and "Thời hạn giải quyết" in card and "Lệ phí" not in card

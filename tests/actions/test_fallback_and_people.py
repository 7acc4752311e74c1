"""When Rasa is unsure (actions/fallback.py) and when the citizen asks for a person, rates or gives a
callback number (actions/handoff.py), with no handoff service and no database: what the citizen is
told then is the hotline, never silence."""

from __future__ import annotations

import pytest

from actions.fallback import ActionAnythingElse, ActionFallback, ActionInformOutOfContext, ActionOutOfScope
from actions.handoff import ActionOfferHuman, ActionStoreRating, ValidateCallbackForm
from actions.payment import ActionOfferPayment
from knowledge_base.service import KnowledgeBase
from tests.support.tracker import bot_event, make_tracker, run, user_event

FALLBACK = "nlu_fallback"
REPHRASE = "Xin lỗi, em chưa hiểu ý Anh/Chị."
HANDOVER = "Em vẫn chưa hiểu được câu hỏi, xin lỗi Anh/Chị."
OUT_OF_SCOPE = "Dạ, em chỉ hỗ trợ các thủ tục hành chính và dịch vụ công thôi ạ. Anh/Chị muốn hỏi thủ tục nào?"
NO_HANDOFF = "Hiện chưa chuyển được tới nhân viên. Anh/Chị gọi đường dây nóng của Trung tâm giúp em ạ."


@pytest.fixture(scope="module")
def fallback(kb: KnowledgeBase) -> ActionFallback:
    return ActionFallback(kb, None, None)


def after_a_fallback(text: str = "xyz qqq") -> list[dict]:
    """The turn before: a message Rasa did not understand, answered by the fallback."""
    return [user_event(text, FALLBACK), {"event": "action", "name": "action_fallback"}, bot_event(REPHRASE),
            {"event": "slot", "name": "fallback_streak", "value": 1.0}, {"event": "action", "name": "action_listen"}]


def test_the_first_misunderstanding_asks_to_rephrase(fallback: ActionFallback) -> None:
    result = run(fallback, make_tracker("asdkjh qwe", intent=FALLBACK))
    [text] = result.texts
    assert text.startswith(REPHRASE)
    assert "Hỏi thủ tục" in result.titles()
    assert result.slots == {"fallback_streak": 1.0}


def test_the_second_misunderstanding_in_a_row_hands_over_to_a_person(fallback: ActionFallback) -> None:
    result = run(fallback, make_tracker("asdkjh qwe", intent=FALLBACK, history=after_a_fallback(),
                                        slots={"fallback_streak": 1.0}))
    # Without a handoff service (or outside a known conversation) the person is the hotline.
    assert result.texts[:2] == [HANDOVER, NO_HANDOFF]   # what happened is said once, by the handoff
    assert not any("chuyển Anh/Chị sang" in text for text in result.texts)
    assert "Đường dây nóng" in result.texts[2] and "Cán bộ không bao giờ hỏi mật khẩu" in result.texts[2]
    assert result.slots == {"fallback_streak": 0.0}   # counted afresh after the handover
    assert not any(e["event"] == "pause" for e in result.events)   # nobody queued: the bot keeps answering


def test_a_misunderstanding_after_an_understood_message_starts_counting_again(fallback: ActionFallback) -> None:
    history = [user_event("xin chào", "greet"), bot_event("Xin chào Anh/Chị!")]
    result = run(fallback, make_tracker("asdkjh qwe", intent=FALLBACK, history=history,
                                        slots={"fallback_streak": 1.0}))
    assert result.texts[0].startswith(REPHRASE) and HANDOVER not in result.texts
    assert result.slots == {"fallback_streak": 1.0}


def test_the_catalog_answers_what_the_intent_model_missed(fallback: ActionFallback) -> None:
    result = run(fallback, make_tracker("làm căn cước mất bao nhiêu tiền", intent=FALLBACK,
                                        history=after_a_fallback(), slots={"fallback_streak": 1.0}))
    [card] = result.texts
    assert card.startswith("📄 Cấp, đổi, cấp lại thẻ căn cước") and "70.000 đồng" in card
    assert result.slots == {"procedure_id": "can-cuoc", "fallback_streak": 0.0}


def test_close_catalog_records_are_offered_when_unsure(fallback: ActionFallback) -> None:
    result = run(fallback, make_tracker("thu tuc ly hon thuan tinh", intent=FALLBACK))
    assert result.texts == ["Em chưa chắc đã hiểu đúng ý Anh/Chị. Có phải Anh/Chị hỏi về một trong các nội dung này?"]
    assert "Cấp Giấy xác nhận tình trạng hôn nhân" in result.titles()
    assert all(b["payload"].startswith("/choose{") for b in result.buttons())
    assert result.slots == {"fallback_streak": 1.0}


def test_a_procedure_outside_the_catalog_is_said_to_be_missing_the_first_time(fallback: ActionFallback) -> None:
    result = run(fallback, make_tracker("xin giay phep bay flycam", intent=FALLBACK))
    assert result.texts[0].startswith("Em chưa có thông tin về thủ tục này trong danh mục của Trung tâm")
    assert result.titles() == ["Tra cứu Cổng DVC quốc gia", "Gặp nhân viên"]
    assert result.slots == {"fallback_streak": 1.0}


def test_asking_for_a_person_without_a_handoff_service_gives_the_hotline(kb: KnowledgeBase) -> None:
    result = run(ActionOfferHuman(kb, None, None), make_tracker("cho tôi gặp nhân viên", intent="request_human"))
    assert result.texts[0] == NO_HANDOFF
    assert "Tổng đài Cổng Dịch vụ công quốc gia: 18001096" in result.texts[1]
    assert result.events == []


def test_a_thumbs_down_under_an_answer_apologises_and_offers_the_portal_and_a_person(kb: KnowledgeBase) -> None:
    history = [user_event("làm căn cước mất bao nhiêu tiền", "ask_procedure"), bot_event("📄 …")]
    result = run(ActionStoreRating(kb, None, None), make_tracker(
        '/rate{"score": "1", "rating_subject": "answer:can-cuoc"}', intent="rate", history=history,
        entities={"score": "1", "rating_subject": "answer:can-cuoc"}))
    [text] = result.texts
    assert text.startswith("Em xin lỗi vì câu trả lời chưa đúng ý Anh/Chị.")
    assert result.titles() == ["Tra cứu Cổng DVC quốc gia", "Gặp nhân viên", "Góp ý thêm"]
    # the portal is searched for what the citizen asked, not for the button's payload
    assert "keyword=l%C3%A0m+c%C4%83n+c%C6%B0%E1%BB%9Bc" in result.payload("Tra cứu Cổng DVC quốc gia")


def test_a_thumbs_up_thanks_the_citizen(kb: KnowledgeBase) -> None:
    result = run(ActionStoreRating(kb, None, None), make_tracker(
        "/rate", intent="rate", entities={"score": "5", "rating_subject": "answer:can-cuoc"}))
    assert result.texts == ["Cảm ơn Anh/Chị đã phản hồi! Anh/Chị cần hỏi gì thêm cứ nhắn cho em nhé."]


def test_a_score_out_of_range_asks_again(kb: KnowledgeBase) -> None:
    result = run(ActionStoreRating(kb, None, None), make_tracker("/rate", intent="rate", entities={"score": "9"}))
    assert result.texts == ["Anh/Chị chọn từ 1 đến 5 sao giúp em ạ."]


@pytest.mark.parametrize(("answer", "error", "kept"), [
    ("0212 345 678", "Đầu số 021 không phải đầu số di động tại Việt Nam (03x, 05x, 07x, 08x, 09x) ạ.", None),
    ("gọi em số 12345", "Số điện thoại di động gồm 10 chữ số, bắt đầu bằng 0 (hoặc +84), ví dụ 0912 345 678 ạ.", None),
    ("+84 912 345 678", None, "0912345678"),
])
def test_the_callback_number_must_be_a_vietnamese_mobile(answer: str, error: str | None, kept: str | None) -> None:
    tracker = make_tracker(answer, slots={"requested_slot": "callback_phone"}, candidates={"callback_phone": answer},
                           active_loop="callback_form")
    result = run(ValidateCallbackForm(), tracker)
    assert result.texts == ([error] if error else [])
    assert result.slots["callback_phone"] == kept


def test_paying_in_the_chat_when_payments_are_off_says_where_to_pay(kb: KnowledgeBase) -> None:
    result = run(ActionOfferPayment(kb, None), make_tracker("/pay_fee", intent="pay_fee"))
    assert result.texts == ["Thanh toán trực tuyến trong trò chuyện chưa được bật. Anh/Chị nộp phí trên Cổng dịch "
                            "vụ công hoặc tại bộ phận một cửa khi nhận kết quả."]
    assert result.titles() == ["Gặp nhân viên"]


@pytest.mark.parametrize(("message", "card"), [
    # Rasa read these as off-topic talk: its weather and football examples hold numbers too.
    ("con tôi 8 tuổi làm hộ chiếu", "📄 Cấp hộ chiếu phổ thông ở trong nước"),
    ("bé 3 tuổi làm thẻ bhyt", "📄 Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi"),
])
def test_a_procedure_question_read_as_off_topic_is_answered_when_the_catalog_is_sure(
        kb: KnowledgeBase, message: str, card: str) -> None:
    result = run(ActionOutOfScope(kb), make_tracker(message, intent="out_of_scope"))
    assert result.texts[0].startswith(card)


@pytest.mark.parametrize("message", ["xin xac nhan ho ngheo", "lam giay phep kinh doanh xang dau"])
def test_a_question_in_the_words_of_papers_read_as_off_topic_is_a_question(kb: KnowledgeBase, message: str) -> None:
    # Rasa read "xin xac nhan ho ngheo" as off-topic once its examples gave ages: a procedure the
    # catalog lacks is said to be outside it, with the portal and a person, not refused as small talk.
    result = run(ActionOutOfScope(kb), make_tracker(message, intent="out_of_scope"))
    assert result.texts != [OUT_OF_SCOPE] and "Gặp nhân viên" in result.titles()
    assert "Tra cứu Cổng DVC quốc gia" in result.titles()


@pytest.mark.parametrize("message", ["đổi bằng lái xe quân sự", "cccd của con tôi", "gia hạn hộ chiếu cho mẹ"])
def test_a_question_naming_a_paper_read_as_off_topic_is_not_refused(kb: KnowledgeBase, message: str) -> None:
    # National, once its complaint reading was refused, Rasa's next reading of "đổi bằng lái xe quân
    # sự" was off-topic: a paper named is a question, whether or not the catalog is sure of it.
    result = run(ActionOutOfScope(kb), make_tracker(message, intent="out_of_scope"))
    assert result.texts != [OUT_OF_SCOPE]


@pytest.mark.parametrize("message", ["hom nay thoi tiet the nao", "kể chuyện cười đi", "mua iphone 15 giá bao nhiêu"])
def test_off_topic_talk_is_declined_politely(kb: KnowledgeBase, message: str) -> None:
    result = run(ActionOutOfScope(kb), make_tracker(message, intent="out_of_scope"))
    assert result.texts == [OUT_OF_SCOPE]


ANYTHING_ELSE = "Anh/Chị cần em hỗ trợ thêm gì không ạ?"


@pytest.mark.parametrize("message", ["không", "không cảm ơn em nhiều nhé", "vâng em cảm ơn nhiều ạ"])
def test_yes_or_no_with_nothing_pending_asks_what_else(kb: KnowledgeBase, message: str) -> None:
    result = run(ActionAnythingElse(kb), make_tracker(message, intent="deny"))
    assert result.texts == [ANYTHING_ELSE] and result.titles() == ["Hỏi thủ tục khác", "Gặp nhân viên"]


def test_a_whole_question_read_as_a_no_is_answered_when_the_catalog_is_sure(kb: KnowledgeBase) -> None:
    # Rasa read "trung tam co cho muon kinh lup khong" as a no: it ends in "không".
    result = run(ActionAnythingElse(kb), make_tracker("đăng ký kết hôn có mất phí không", intent="deny"))
    assert result.texts[0].startswith("📄 Đăng ký kết hôn") and "Lệ phí" in result.texts[0]


PRIVACY = ("Em đã nhận thông tin. Hiện em chưa cần số giấy tờ hay số điện thoại của Anh/Chị; Anh/Chị đừng gửi "
           "thông tin cá nhân khi chưa được hỏi nhé. Anh/Chị cần hỏi thủ tục nào ạ?")


@pytest.mark.parametrize(("message", "entities"), [
    ("Nguyễn Văn An", None), ("0912345678", None), ("sinh ngày 12/03/1990", None), ("tên tôi là an", None),
    ("thôn Tiền Phong, xã Tân Tiến", None),
    ("số cccd của tôi là 001203004567", {"cccd": "001203004567"}),
    ("căn cước 001203004567 làm hộ chiếu", None),   # a paper's number is never searched
])
def test_personal_data_given_unasked_is_not_searched_and_the_citizen_is_warned(
        kb: KnowledgeBase, message: str, entities: dict | None) -> None:
    result = run(ActionInformOutOfContext(kb), make_tracker(message, intent="inform", entities=entities))
    assert result.texts == [PRIVACY]


def test_a_question_in_the_words_of_papers_read_as_data_is_answered_as_a_question(kb: KnowledgeBase) -> None:
    # Rasa read such questions as data given unasked, and those the catalog was not sure of got
    # "Anh/Chị cần hỏi thủ tục nào ạ?" although they had said which.
    result = run(ActionInformOutOfContext(kb), make_tracker("mẹ tôi 60 tuổi muốn xin xác nhận hộ nghèo",
                                                            intent="inform"))
    assert "Tra cứu Cổng DVC quốc gia" in result.titles() and "Gặp nhân viên" in result.titles()
    assert "thủ tục nào" not in result.texts[0]


def test_a_level_typed_turns_after_the_level_question_answers_it(kb: KnowledgeBase) -> None:
    # "… ở cấp nào ạ?" was asked, the citizen asked something else, then typed the level.
    result = run(ActionInformOutOfContext(kb), make_tracker(
        "cấp tỉnh", intent="inform", slots={"pending_subject": "Cấp hộ chiếu phổ thông ở trong nước"}))
    assert result.texts[0].startswith("📄 Cấp hộ chiếu phổ thông ở trong nước")
    assert result.slots["pending_subject"] is None


@pytest.mark.parametrize("message", ["ở tỉnh", "Cấp lại", "Bị mất thẻ"])
def test_a_form_answer_given_with_nothing_to_answer_asks_which_procedure_without_a_data_warning(
        kb: KnowledgeBase, message: str) -> None:
    result = run(ActionInformOutOfContext(kb), make_tracker(message, intent="inform"))
    assert result.texts[0].startswith("Anh/Chị cần hỏi thủ tục nào ạ?")

"""The guided submission form through the gateway's REST chat, over real HTTP to a real Rasa."""

from __future__ import annotations

import pytest

from actions import submission_texts as t
from tests.support.chat import Chat, fill_applicant, start
from tests.support.stack import Stack

pytestmark = pytest.mark.rasa


def test_full_run_for_a_birth_registration(stack: Stack, new_sender) -> None:
    chat = Chat(stack, new_sender())
    opening = chat.say(start("khai-sinh"))
    assert "Đăng ký khai sinh" in opening and "toàn trình" in opening
    # The case first: the form's first message is its first question, with no error before it.
    assert "Giới tính của trẻ" in opening and [b["title"] for b in chat.buttons] == ["Nam", "Nữ"]
    errors = (t.NAME_EMPTY, t.CCCD_MISSING, t.DATE_FORMAT, t.PHONE_FORMAT, t.EMAIL_FORMAT, t.ADDRESS_SHORT)
    assert not any(error in opening for error in errors)
    assert "họ và tên" in chat.say(chat.buttons[1]["payload"])
    first_field = fill_applicant(chat)
    assert "Họ, chữ đệm và tên của trẻ" in first_field
    assert "Ngày sinh của trẻ" in chat.say("nguyen gia bao")
    assert "Nơi sinh" in chat.say("01/06/2026")
    assert "của mẹ" in chat.say("Bệnh viện Đa khoa tỉnh Thanh Hóa")
    father = chat.say("le thi mai")
    assert "của cha" in father and any(b["title"] == t.SKIP_BUTTON for b in chat.buttons)
    # A name that is also a word for leaving ("hủy") is the answer: DIET once read it as cancel.
    summary = chat.say("Phan Văn Hủy")
    assert "Đăng ký khai sinh" in summary and "Phan Văn Hủy" in summary and t.CANCELLED not in summary
    assert "Nguyễn Văn An" in summary and "********3456" in summary and "001090123456" not in summary
    assert "12/03/1990" in summary and "0912345678" in summary and t.NOT_GIVEN in summary
    assert "Nguyen Gia Bao" in summary and "Nữ" in summary and "Le Thi Mai" in summary
    assert "CHƯA được nộp" in summary and "giấy tờ" in summary
    assert "Giấy tờ 1/4" in summary  # 3 required documents, then the optional ones together
    # Leaving keeps a draft; the next message is an ordinary question again.
    assert t.CANCELLED in chat.say("hủy")
    assert "Lệ phí" in chat.say("le phi cap phieu ly lich tu phap")


def test_full_run_for_a_criminal_record_certificate(stack: Stack, new_sender) -> None:
    chat = Chat(stack, new_sender())
    opening = chat.say(start("ly-lich-tu-phap"))
    assert "lý lịch tư pháp" in opening and "toàn trình" in opening
    assert "Loại phiếu" in opening and [b["title"] for b in chat.buttons] == ["Phiếu số 1", "Phiếu số 2"]
    assert "Đối tượng nộp phí" in chat.say("phieu so 1")
    assert "Hình thức nhận kết quả" in chat.say("Thông thường")
    chat.say("Bản điện tử trên VNeID")
    assert "Mục đích" in fill_applicant(chat, email="Email của tôi: An.Nguyen@Gmail.com")
    assert "Số lượng phiếu" in chat.say("bổ sung hồ sơ xin việc")
    summary = chat.say("2 bản")
    assert "an.nguyen@gmail.com" in summary and "Phiếu số 1" in summary and "Loại phiếu: Phiếu số 1" in summary
    assert "Số lượng phiếu yêu cầu: 2" in summary and "Bản điện tử trên VNeID" in summary
    assert "CHƯA được nộp" in summary


def test_each_wrong_answer_is_explained_and_asked_again(stack: Stack, new_sender) -> None:
    chat = Chat(stack, new_sender())
    chat.say(start("khai-sinh"))
    reply = chat.say("con trai")
    assert t.CHOICE_UNKNOWN in reply and [b["title"] for b in chat.buttons] == ["Nam", "Nữ"]
    assert "họ và tên" in chat.say("nam")
    reply = chat.say("Nguyễn Văn 2")
    assert t.NAME_CHARACTERS in reply and "họ và tên" in reply
    chat.say("Trần Thị Bích Ngọc")
    reply = chat.say("cccd 12345")
    assert t.CCCD_LENGTH.format(count=5) in reply and "căn cước" in reply
    reply = chat.say("097185012345")
    assert "(097)" in reply and "mã tỉnh" in reply
    assert "Ngày sinh" in chat.say("079185012345")
    reply = chat.say("31/02/1985")
    assert t.DATE_INVALID.format(text="31/02/1985") in reply and "Ngày sinh" in reply
    reply = chat.say("01/01/2020")
    assert t.AGE_TOO_YOUNG.format(age=14) in reply
    reply = chat.say("15/08/1986")  # the căn cước says born in 1985
    assert "không khớp" in reply and "********2345" in reply and "căn cước" in reply
    assert "Ngày sinh" in chat.say("079185012345")
    assert "điện thoại" in chat.say("15/08/1985")
    reply = chat.say("0212345678")
    assert t.PHONE_PREFIX.format(prefix="021") in reply and "điện thoại" in reply
    assert "email" in chat.say("+84 987 654 321")
    reply = chat.say("ngoc.anh@gmail")
    assert t.EMAIL_FORMAT in reply
    assert "Địa chỉ" in chat.say("ngoc.anh@gmail.com")
    reply = chat.say("Hà Nội")
    assert t.ADDRESS_SHORT in reply and "Địa chỉ" in reply
    assert "của trẻ" in chat.say("số 8 ngõ 15 Trần Hưng Đạo, Hà Nội")
    chat.say("Nguyễn Gia Bảo")
    reply = chat.say("01/01/2030")
    assert t.DATE_FUTURE.format(text="01/01/2030") in reply and "Ngày sinh của trẻ" in reply
    assert "Nơi sinh" in chat.say("01/06/2026")


def test_cancelling_mid_way_keeps_a_draft_and_stops(stack: Stack, new_sender) -> None:
    chat = Chat(stack, new_sender())
    opening = chat.say(start("tam-tru"))
    assert "Đăng ký tạm trú" in opening and "một phần" in opening
    chat.say("Nhà thuê")
    chat.say("Lê Hoàng Nam")
    assert "Ngày sinh" in chat.say("001090123456")
    assert t.CANCELLED in chat.say("hủy")
    # No question pending any more: the next question is answered as usual.
    reply = chat.say("le phi khai sinh")
    shown = (reply + " ".join(b["title"] for b in chat.buttons)).lower()
    assert "khai sinh" in shown and "ngày sinh của người nộp" not in shown


def test_cancelling_at_the_first_question(stack: Stack, new_sender) -> None:
    chat = Chat(stack, new_sender())
    chat.say(start("ly-lich-tu-phap"))
    assert t.CANCELLED_EMPTY in chat.say("thôi")


def test_a_procedure_without_an_online_method_is_refused_honestly(stack: Stack, new_sender) -> None:
    chat = Chat(stack, new_sender())
    reply = chat.say(start("chung-thuc-ban-sao"))
    assert "chưa nộp trực tuyến được" in reply and "họ và tên" not in reply
    assert "Nộp trực tuyến" not in [b["title"] for b in chat.buttons]
    assert "căn cước" not in chat.say("Nguyễn Văn An")


def test_a_request_naming_the_procedure_opens_the_form(stack: Stack, new_sender) -> None:
    chat = Chat(stack, new_sender())
    reply = chat.say("tôi muốn nộp hồ sơ đăng ký khai sinh cho con trực tuyến")
    if t.WHICH_PROCEDURE in reply:  # several procedures match: the citizen picks one
        reply = chat.say(next(b["payload"] for b in chat.buttons if "khai-sinh\"" in b["payload"]))
    assert "Đăng ký khai sinh" in reply and "toàn trình" in reply and "Giới tính của trẻ" in reply


def test_the_case_named_in_the_question_is_not_asked_again(stack: Stack, new_sender) -> None:
    chat = Chat(stack, new_sender())
    chat.say("cấp lại căn cước bị mất thì làm thế nào")
    opening = chat.say(start("can-cuoc"))
    assert "em đã ghi: Loại yêu cầu: Cấp lại; Lý do cấp lại: Bị mất thẻ" in opening
    assert "Hình thức nhận thẻ" in opening and "Loại yêu cầu?" not in opening
    # A damaged card is exchanged, not reissued (Luật Căn cước 2023, Điều 24), however it is said.
    damaged = Chat(stack, new_sender())
    damaged.say("cccd bị rách phải làm lại thì sao")
    assert "em đã ghi: Loại yêu cầu: Cấp đổi; Lý do cấp đổi: Thẻ bị hư hỏng" in damaged.say(start("can-cuoc"))
    # So is a card with wrong details, for the reason the law names (Điều 24, khoản 1).
    miswritten = Chat(stack, new_sender())
    miswritten.say("thẻ căn cước của tôi bị sai ngày sinh")
    assert ("em đã ghi: Loại yêu cầu: Cấp đổi; Lý do cấp đổi: Bị sai thông tin trên thẻ"
            in miswritten.say(start("can-cuoc")))
    # Nothing named: the form asks the case as usual.
    other = Chat(stack, new_sender())
    assert "Loại yêu cầu" in other.say(start("can-cuoc")) and "em đã ghi" not in other.last


# ---- a way out of every question (issue #14, item 3) ------------------------------------------------

def test_asking_for_a_person_mid_form_is_not_taken_as_an_answer_and_keeps_the_draft(stack: Stack, new_sender) -> None:
    chat = Chat(stack, new_sender())
    chat.say(start("tam-tru"))
    chat.say("Nhà thuê")
    assert "căn cước" in chat.say("Lê Hoàng Nam")
    for asking in ("cho tôi gặp nhân viên", "gap nv"):
        reply = chat.say(asking)
        assert t.CCCD_MISSING not in reply and "nhân viên" in reply
        assert t.FORM_KEPT.format(title="Đăng ký tạm trú") in reply
        assert t.CONTINUE_BUTTON in [b["title"] for b in chat.buttons]
        resumed = chat.say("/resume_draft")
        assert t.RESUMED.format(title="Đăng ký tạm trú") in resumed and "căn cước" in resumed
    assert "Ngày sinh" in chat.say("001090123456")


def test_menu_and_back_inside_the_form(stack: Stack, new_sender) -> None:
    chat = Chat(stack, new_sender())
    chat.say(start("tam-tru"))
    chat.say("Nhà thuê")
    chat.say("Lê Hoàng Nam")
    back = chat.say("quay lại")
    assert t.BACK_DONE in back and "họ và tên" in back       # the name is asked again
    assert "căn cước" in chat.say("Lê Hoàng Nam")
    menu = chat.say("menu")
    assert t.MENU_TEXT in menu and t.CCCD_MISSING not in menu
    assert next(b["title"] for b in chat.buttons) == t.CONTINUE_BUTTON
    resumed = chat.tap(t.CONTINUE_BUTTON)
    assert "căn cước" in resumed


def test_a_question_typed_mid_form_is_answered_and_the_question_comes_back(stack: Stack, new_sender) -> None:
    chat = Chat(stack, new_sender())
    chat.say(start("tam-tru"))
    chat.say("Nhà thuê")
    reply = chat.say("le phi bao nhieu")
    assert "Lệ phí" in reply and t.BACK_TO_FORM in reply and "họ và tên" in reply
    assert t.NAME_CHARACTERS not in reply and "Le Phi Bao Nhieu" not in reply
    reply = chat.say("cần giấy tờ gì")
    assert "CT01" in reply and "họ và tên" in reply
    assert "căn cước" in chat.say("Lê Hoàng Nam")


def test_two_failed_attempts_offer_a_person(stack: Stack, new_sender) -> None:
    chat = Chat(stack, new_sender())
    chat.say(start("tam-tru"))
    chat.say("Nhà thuê")
    chat.say("Lê Hoàng Nam")
    chat.say("001090123456")
    first = chat.say("hôm qua")
    assert t.DATE_FORMAT in first and t.OFFER_PERSON not in first
    second = chat.say("năm ngoái")
    assert t.DATE_FORMAT in second and t.OFFER_PERSON in second
    assert "Gặp nhân viên" in [b["title"] for b in chat.buttons]
    assert "điện thoại" in chat.say("12/03/1990")


def test_several_details_in_one_message_fill_the_form_at_once(stack: Stack, new_sender) -> None:
    chat = Chat(stack, new_sender())
    chat.say(start("tam-tru"))
    assert "họ và tên" in chat.say("Nhà thuê")
    reply = chat.say("Nguyễn Văn An, 001090123456, 12/03/1990, 0912345678")
    assert "Địa chỉ" in reply and "email" not in reply.lower().split("địa chỉ")[-1]
    reply = chat.say("số 5 ngõ 20 phố Huế, phường Hai Bà Trưng, Hà Nội")
    assert t.SAME_ADDRESS_BUTTON in [b["title"] for b in chat.buttons], reply
    chat.tap(t.SAME_ADDRESS_BUTTON)
    chat.say("01/12/2026")
    summary = chat.say("6")
    if "Giấy tờ" not in summary:
        summary = chat.say("bỏ qua")
    assert "Nguyễn Văn An" in summary and "********3456" in summary and "12/03/1990" in summary
    assert "0912345678" in summary and summary.count("số 5 ngõ 20 phố Huế") >= 2


def test_the_person_a_certificate_is_about_can_be_the_applicant(stack: Stack, new_sender) -> None:
    chat = Chat(stack, new_sender())
    chat.say(start("trich-luc-ho-tich"))
    assert "họ và tên" in chat.say("Khai sinh")
    chat.say("Nguyễn Văn An, 001090123456, 12/03/1990, 0912345678")
    reply = chat.say("số 5 ngõ 20 phố Huế, phường Hai Bà Trưng, Hà Nội")
    assert "Họ tên người được cấp trích lục" in reply and t.ME_BUTTON in [b["title"] for b in chat.buttons]
    reply = chat.tap(t.ME_BUTTON)
    assert "Ngày sinh của người được cấp" not in reply and "Nơi đã đăng ký" in reply

"""The submission form's validators, without Rasa: every error case and every normalisation."""

from __future__ import annotations

import datetime as dt

import pytest

from actions import submission_texts as t
from actions.validation import (
    Invalid,
    check_address,
    check_birth_date,
    check_cccd,
    check_cccd_matches_birth,
    check_choice,
    check_date,
    check_email,
    check_field,
    check_number,
    check_phone,
    is_skip,
    mask_cccd,
    normalise_name,
    parse_date,
)
from knowledge_base.schema import FormField

TODAY = dt.date(2026, 11, 29)


def reason(call, *args, **kwargs) -> str:
    with pytest.raises(Invalid) as error:
        call(*args, **kwargs)
    return str(error.value)


# --- names --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("nguyễn văn an", "Nguyễn Văn An"),
    ("NGUYỄN THỊ BÍCH NGỌC", "Nguyễn Thị Bích Ngọc"),
    ("  trần   thị   lan  ", "Trần Thị Lan"),
    ("nguyen van an", "Nguyen Van An"),
    ("tên tôi là Trần Thị Bích Ngọc", "Trần Thị Bích Ngọc"),
    ("ho ten: le hoang nam", "Le Hoang Nam"),
    ("Họ và tên: Vũ Đức Anh.", "Vũ Đức Anh"),
    ("tôi tên là Hoàng Thị Yến", "Hoàng Thị Yến"),
    ("Tôn Nữ Thị Hà", "Tôn Nữ Thị Hà"),
    ("Công Tằng Tôn Nữ Thị Bích", "Công Tằng Tôn Nữ Thị Bích"),
])
def test_names_are_normalised(text: str, expected: str) -> None:
    assert normalise_name(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("", t.NAME_EMPTY),
    ("tên tôi là", t.NAME_EMPTY),
    ("Nguyễn Văn 2", t.NAME_CHARACTERS),
    ("an@gmail.com", t.NAME_CHARACTERS),
    ("Nguyễn-Văn An", t.NAME_CHARACTERS),
    ("An", t.NAME_WORDS),
    ("một hai ba bốn năm sáu bảy", t.NAME_WORDS),
])
def test_bad_names_say_why(text: str, message: str) -> None:
    assert reason(normalise_name, text) == message


# --- căn cước ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("001203004567", "001203004567"),
    ("số cccd của tôi là 079185012345", "079185012345"),
    ("0012 0300 4567", "001203004567"),
    ("001.203.004.567", "001203004567"),
    ("cccd 001203004567 sđt 0912345678", "001203004567"),
])
def test_cccd_is_cleaned(text: str, expected: str) -> None:
    assert check_cccd(text, today=TODAY) == expected


def test_cccd_errors_say_what_is_wrong() -> None:
    assert reason(check_cccd, "tôi không nhớ", today=TODAY) == t.CCCD_MISSING
    assert reason(check_cccd, "00120300456", today=TODAY) == t.CCCD_LENGTH.format(count=11)
    assert reason(check_cccd, "0012030045678", today=TODAY) == t.CCCD_LENGTH.format(count=13)
    assert "(097)" in reason(check_cccd, "097203004567", today=TODAY)
    assert "(000)" in reason(check_cccd, "000203004567", today=TODAY)
    assert "(003)" in reason(check_cccd, "003203004567", today=TODAY)  # unused code between 002 and 004
    assert "(4)" in reason(check_cccd, "001403004567", today=TODAY)  # born in the 22nd century
    assert "2100" in reason(check_cccd, "001503004567", today=TODAY)


@pytest.mark.parametrize(("digit", "birth"), [
    ("0", dt.date(1985, 1, 2)), ("1", dt.date(1985, 1, 2)), ("2", dt.date(2003, 5, 6)),
    ("3", dt.date(2003, 5, 6)),
])
def test_cccd_century_and_gender_digit_matches_the_birth_date(digit: str, birth: dt.date) -> None:
    number = f"001{digit}{birth.year % 100:02d}004567"
    assert check_cccd(number, birth, today=TODAY) == number


def test_cccd_not_matching_the_birth_date_is_refused() -> None:
    message = reason(check_cccd, "001203004567", dt.date(1903, 1, 1), today=TODAY)  # century digit says 2000s
    assert "không khớp" in message and "********4567" in message and "001203004567" not in message
    assert "không khớp" in reason(check_cccd_matches_birth, "001085004567", dt.date(1986, 1, 1))  # year 85≠86
    assert "không khớp" in reason(check_cccd_matches_birth, "001885004567", dt.date(1985, 1, 1))  # 1800s
    check_cccd_matches_birth("001985004567", dt.date(1885, 1, 1))


def test_cccd_is_masked_to_its_last_four_digits() -> None:
    assert mask_cccd("001203004567") == "********4567"


# --- dates ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("12/03/1990", dt.date(1990, 3, 12)),
    ("5/7/1990", dt.date(1990, 7, 5)),
    ("05-07-1990", dt.date(1990, 7, 5)),
    ("05.07.1990", dt.date(1990, 7, 5)),
    ("ngày sinh 20/11/1985", dt.date(1985, 11, 20)),
    ("sinh ngày 5 tháng 7 năm 1990", dt.date(1990, 7, 5)),
    ("sinh ngay 05 thang 07 nam 1990", dt.date(1990, 7, 5)),
])
def test_dates_are_read_in_vietnamese_order(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


def test_date_errors() -> None:
    assert reason(parse_date, "hôm qua") == t.DATE_FORMAT
    assert reason(parse_date, "1990-07-05") == t.DATE_FORMAT
    assert reason(parse_date, "31/02/1990") == t.DATE_INVALID.format(text="31/02/1990")
    assert reason(parse_date, "12/13/1990") == t.DATE_INVALID.format(text="12/13/1990")
    assert reason(check_date, "01/12/2026", today=TODAY) == t.DATE_FUTURE.format(text="01/12/2026")
    assert check_date("01/12/2026", allow_future=True, today=TODAY) == dt.date(2026, 12, 1)
    assert reason(check_date, "01/01/1850", today=TODAY) == t.DATE_TOO_OLD.format(year=1850)


def test_birth_date_gives_a_plausible_applicant_age() -> None:
    assert check_birth_date("29/11/2012", today=TODAY) == dt.date(2012, 11, 29)  # 14 today
    assert check_birth_date("29/11/1906", today=TODAY) == dt.date(1906, 11, 29)  # 120 today
    assert reason(check_birth_date, "30/11/2012", today=TODAY) == t.AGE_TOO_YOUNG.format(age=14)
    assert reason(check_birth_date, "29/11/1905", today=TODAY) == t.AGE_TOO_OLD.format(age=120)
    assert reason(check_birth_date, "01/01/2027", today=TODAY) == t.DATE_FUTURE.format(text="01/01/2027")
    assert reason(check_birth_date, "không nhớ", today=TODAY) == t.DATE_FORMAT


# --- phones --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("0912345678", "0912345678"),
    ("0987 654 321", "0987654321"),
    ("0703.456.789", "0703456789"),
    ("+84 912 345 678", "0912345678"),
    ("+84912345678", "0912345678"),
    ("84912345678", "0912345678"),
    ("sđt của tôi là 0356-123-789", "0356123789"),
    ("0585111222", "0585111222"),
    ("0868123456", "0868123456"),
])
def test_phones_are_normalised(text: str, expected: str) -> None:
    assert check_phone(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("091234567", t.PHONE_FORMAT),             # 9 digits
    ("09123456789", t.PHONE_FORMAT),           # 11 digits
    ("không có", t.PHONE_FORMAT),
    ("0912345678 hoặc 0987654321", t.PHONE_FORMAT),
    ("1912345678", t.PHONE_FORMAT),
    ("0212345678", t.PHONE_PREFIX.format(prefix="021")),  # landline area code
    ("0312345678", t.PHONE_PREFIX.format(prefix="031")),  # unassigned mobile prefix
    ("0112345678", t.PHONE_PREFIX.format(prefix="011")),
])
def test_bad_phones_say_why(text: str, message: str) -> None:
    assert reason(check_phone, text) == message


# --- email, address, skip ------------------------------------------------------------------------

def test_email() -> None:
    assert check_email("email của tôi là An.Nguyen@Gmail.com") == "an.nguyen@gmail.com"
    assert check_email("ngocanh1995@yahoo.com.vn") == "ngocanh1995@yahoo.com.vn"
    assert check_email("bỏ qua") == "" and check_email("khong co") == ""
    assert reason(check_email, "an.nguyen@gmail") == t.EMAIL_FORMAT
    assert reason(check_email, "an nguyen") == t.EMAIL_FORMAT
    assert reason(check_email, "bỏ qua", required=True) == t.REQUIRED


def test_skip_phrases() -> None:
    assert is_skip("Bỏ qua") and is_skip("không có.") and is_skip("ko co")
    assert not is_skip("không có gì để nói thêm") and not is_skip("Nguyễn Văn An")


def test_address() -> None:
    assert check_address("địa chỉ: số 12 đường Lê Lợi, phường Trần Phú") == "số 12 đường Lê Lợi, phường Trần Phú"
    assert check_address("toi o so 8 ngo 15 tran hung dao") == "so 8 ngo 15 tran hung dao"
    assert check_address("thôn Đông,   xã Tân Lập") == "thôn Đông, xã Tân Lập"
    assert reason(check_address, "Hà Nội") == t.ADDRESS_SHORT
    assert reason(check_address, "địa chỉ: số 5") == t.ADDRESS_SHORT


# --- the procedure's own fields ----------------------------------------------------------------

GENDER = FormField(name="child_gender", label="Giới tính của trẻ", type="choice", choices=["Nam", "Nữ"])
DELIVERY = FormField(name="delivery_method", label="Hình thức nhận kết quả", type="choice",
                     choices=["Bản điện tử trên VNeID", "Nhận trực tiếp", "Chuyển phát qua bưu chính"])


@pytest.mark.parametrize(("text", "expected"), [
    ("Nữ", "Nữ"), ("nu", "Nữ"), ("NAM", "Nam"), ("2", "Nữ"), ("1.", "Nam"),
])
def test_choice_matches_ignoring_accents_or_by_number(text: str, expected: str) -> None:
    assert check_choice(text, GENDER.choices) == expected


def test_choice_partial_match_must_be_unique() -> None:
    assert check_choice("buu chinh", DELIVERY.choices) == "Chuyển phát qua bưu chính"
    assert check_choice("vneid", DELIVERY.choices) == "Bản điện tử trên VNeID"
    assert reason(check_choice, "con trai", GENDER.choices) == t.CHOICE_UNKNOWN
    assert reason(check_choice, "4", GENDER.choices) == t.CHOICE_UNKNOWN
    assert reason(check_choice, "n", DELIVERY.choices) == t.CHOICE_UNKNOWN  # ambiguous


def test_number() -> None:
    assert check_number("2") == "2" and check_number("2 bản") == "2" and check_number("03") == "3"
    assert reason(check_number, "hai") == t.NUMBER_FORMAT
    assert reason(check_number, "-1") == t.NUMBER_FORMAT
    assert reason(check_number, "1.5") == t.NUMBER_FORMAT
    assert reason(check_number, "0") == t.NUMBER_RANGE.format(value=0, maximum=1000)


def test_fields_by_type() -> None:
    child_name = FormField(name="child_full_name", label="Họ, chữ đệm và tên của trẻ")
    father = FormField(name="father_full_name", label="Họ, chữ đệm và tên của cha (nếu có)", required=False)
    birth = FormField(name="child_birth_date", label="Ngày sinh của trẻ", type="date")
    stay = FormField(name="stay_from", label="Ngày bắt đầu tạm trú", type="date")
    partner = FormField(name="partner_id_number", label="Số định danh của bên kia", type="cccd")
    phone = FormField(name="contact_phone", label="Số điện thoại", type="phone")
    purpose = FormField(name="purpose", label="Mục đích sử dụng phiếu")
    company = FormField(name="company_name", label="Tên công ty dự kiến (tiếng Việt)")
    assert check_field(child_name, "nguyen gia bao", TODAY) == "Nguyen Gia Bao"
    assert reason(check_field, child_name, "Bé 2", TODAY) == t.NAME_CHARACTERS
    assert check_field(father, "bỏ qua", TODAY) == ""
    assert reason(check_field, child_name, "bỏ qua", TODAY) == t.REQUIRED
    assert check_field(birth, "1/6/2024", TODAY) == "01/06/2024"
    assert reason(check_field, birth, "01/01/2027", TODAY) == t.DATE_FUTURE.format(text="01/01/2027")
    assert check_field(stay, "01/01/2027", TODAY) == "01/01/2027"  # a stay may start later
    assert check_field(partner, "can cuoc 024301009876", TODAY) == "024301009876"
    assert check_field(phone, "+84 987 654 321", TODAY) == "0987654321"
    assert check_field(GENDER, "nu", TODAY) == "Nữ"
    assert check_field(purpose, "  để   xin việc ", TODAY) == "để xin việc"
    assert check_field(company, "Công ty TNHH ABC 123", TODAY) == "Công ty TNHH ABC 123"
    assert reason(check_field, purpose, "   ", TODAY) == t.TEXT_EMPTY


# --- several details in one message, what was given already, questions typed mid-form -------------

@pytest.mark.parametrize(("name", "label", "may_be"), [
    ("child_full_name", "Họ, chữ đệm và tên của trẻ", False),
    ("deceased_full_name", "Họ tên người đã mất", False),
    ("person_full_name", "Họ tên người được cấp trích lục", True),
    ("guardian_full_name", "Họ tên người giám hộ của trẻ", True),      # "của trẻ" is not the child
    ("mother_name", "Họ tên mẹ của trẻ", True),
    ("other_name", "Họ tên trẻ được nhận làm con nuôi", False),
])
def test_who_may_be_the_applicant(name: str, label: str, may_be: bool) -> None:
    from actions.validation import may_be_applicant

    assert may_be_applicant(FormField(name=name, label=label)) is may_be


def test_a_landline_among_several_details_is_read_and_refused_with_the_reason() -> None:
    from actions.validation import extract_details

    found = extract_details("Nguyễn Văn An, 001090123456, 12/03/1990, 024 3825 1234")
    assert found["phone"] == "02438251234" and found["cccd"] == "001090123456"
    assert reason(check_phone, "024 3825 1234") == t.PHONE_LANDLINE
    assert reason(check_phone, "+84 24 3825 1234") == t.PHONE_LANDLINE


@pytest.mark.parametrize(("text", "expected"), [
    ("Nguyễn Văn An, 012345678901, 05/07/1990, 0912345678",
     {"full_name": "Nguyễn Văn An", "cccd": "012345678901", "birth_date": "05/07/1990", "phone": "0912345678"}),
    ("nguyen van an 001090123456 12/03/1990 0912 345 678",
     {"full_name": "nguyen van an", "cccd": "001090123456", "birth_date": "12/03/1990", "phone": "0912345678"}),
    ("tên tôi là Trần Thị Ngọc, cccd 001190012345, sđt 0987.654.321, email ngoc@gmail.com",
     {"full_name": "tên tôi là Trần Thị Ngọc", "cccd": "001190012345", "phone": "0987654321",
      "email": "ngoc@gmail.com"}),
    ("Nguyễn Văn An, 001090123456, 12/03/1990, 0912345678, số 12 đường Lê Lợi, phường Trần Phú, TP Thanh Hóa",
     {"full_name": "Nguyễn Văn An", "cccd": "001090123456", "birth_date": "12/03/1990", "phone": "0912345678",
      "address": "số 12 đường Lê Lợi, phường Trần Phú, TP Thanh Hóa"}),
])
def test_several_details_in_one_message_are_all_read(text: str, expected: dict[str, str]) -> None:
    from actions.validation import extract_details

    assert extract_details(text) == expected
    assert normalise_name(expected["full_name"]) in ("Nguyễn Văn An", "Nguyen Van An", "Trần Thị Ngọc")


@pytest.mark.parametrize("text", ["Nguyễn Văn An", "số 12 đường Lê Lợi, phường Trần Phú", "hủy", "/request_human"])
def test_one_answer_is_not_taken_for_several(text: str) -> None:
    from actions.validation import extract_details

    assert len(extract_details(text)) < 2


def test_what_was_given_already_is_recognised() -> None:
    from actions.validation import is_address_field, is_me, is_same_address

    assert is_same_address("Giống địa chỉ trên") and is_same_address("giong dia chi tren")
    assert is_me("Là tôi") and is_me("la toi") and not is_me("Lê Thị Mai")
    assert is_address_field(FormField(name="delivery_address", label="Địa chỉ nhận thẻ (nếu chuyển phát)"))
    assert is_address_field(FormField(name="previous", label="Nơi thường trú trước đây (nếu có)"))
    assert not is_address_field(FormField(name="registration_place", label="Nơi đã đăng ký sự kiện hộ tịch"))


@pytest.mark.parametrize(("text", "question"), [
    ("le phi bao nhieu", True), ("cần giấy tờ gì", True), ("bn ngày thì có", True), ("nộp ở đâu?", True),
    ("online dc ko", True), ("Nguyễn Văn An", False), ("thôn Tiền Phong, xã Tân Tiến", False),
    ("Lê Văn Tiền", False), ("12/03/1990", False), ("Chuyển phát qua bưu chính", False),
    ("số 12 đường Giá Rai, phường 3", False),
])
def test_a_question_typed_mid_form_is_told_from_an_answer(text: str, question: bool) -> None:
    from actions.forms import is_question

    assert is_question(text) is question

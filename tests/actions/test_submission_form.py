"""Filing in the chat (actions/submission.py, actions/forms.py): opening the form, and its validator
as Rasa runs it — the values Rasa extracted from the citizen's message are slot candidates after the
message, the validator answers with the slots to keep and says what is wrong in Vietnamese."""

from __future__ import annotations

from typing import Any

import pytest

from actions import submission_texts as t
from actions.submission import (
    ActionAskCaseField,
    ActionAskProcedureField,
    ActionStartSubmission,
    ActionSubmissionCollected,
    ValidateSubmissionForm,
    without_filing_words,
)
from knowledge_base.service import KnowledgeBase
from tests.support.tracker import Result, draft_store, make_tracker, run
from tests.support.waiting import run_async

FORM = "submission_form"
CAN_CUOC = "Cấp, đổi, cấp lại thẻ căn cước"
LOST = {"request_type": "Cấp lại", "reissue_reason": "Bị mất thẻ", "delivery_method": "Nhận tại cơ quan Công an"}
# Every catalog field of can-cuoc answered: only the applicant's details are left to ask.
CASE_DONE = {"procedure_id": "can-cuoc", "procedure_fields": LOST, "case_field": "done", "procedure_field": "done"}


def answer(validator: ValidateSubmissionForm, slot: str, text: str, **slots: Any) -> Result:
    """The citizen answers the question of ``slot`` with ``text`` (Rasa's from_text mapping)."""
    tracker = make_tracker(text, slots={**CASE_DONE, **slots, "requested_slot": slot}, candidates={slot: text},
                           active_loop=FORM)
    return run(validator, tracker)


@pytest.fixture
def validator(kb: KnowledgeBase) -> ValidateSubmissionForm:
    return ValidateSubmissionForm(kb, draft_store())


# ---- opening the form -----------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["tôi bị mất căn cước, muốn nộp hồ sơ cấp lại",
                                   "nop ho so cap lai can cuoc bi mat"])
def test_a_lost_card_named_without_the_word_card_fills_the_case(kb: KnowledgeBase, typed: str) -> None:
    result = run(ActionStartSubmission(kb, draft_store()), make_tracker(typed, intent="start_submission"))
    assert result.slots["procedure_fields"] == {"request_type": "Cấp lại", "reissue_reason": "Bị mất thẻ"}


def test_a_request_naming_the_procedure_and_the_case_opens_the_form_with_the_case_filled(kb: KnowledgeBase) -> None:
    start = ActionStartSubmission(kb, draft_store())
    result = run(start, make_tracker("tôi muốn nộp hồ sơ cấp lại thẻ căn cước bị mất", intent="start_submission"))
    [text] = result.texts
    assert text.startswith(f"📝 Nộp hồ sơ: {CAN_CUOC} — dịch vụ công trực tuyến một phần.")
    assert "Gõ “hủy” để dừng" in text
    assert "Theo câu hỏi của Anh/Chị, em đã ghi: Loại yêu cầu: Cấp lại; Lý do cấp lại: Bị mất thẻ." in text
    slots = result.slots
    assert slots["procedure_id"] == "can-cuoc" and slots["submission_allowed"] is True
    assert slots["procedure_fields"] == {"request_type": "Cấp lại", "reissue_reason": "Bị mất thẻ"}
    assert slots["case_field"] is None            # "Hình thức nhận thẻ" is still to ask
    assert all(slots[k] is None for k in ("full_name", "cccd", "birth_date", "phone", "email", "address"))


def test_a_request_that_names_no_case_asks_everything(kb: KnowledgeBase) -> None:
    result = run(ActionStartSubmission(kb, draft_store()), make_tracker(
        '/start_submission{"procedure_id": "can-cuoc"}', intent="start_submission",
        entities={"procedure_id": "can-cuoc"}))
    assert "Theo câu hỏi của Anh/Chị" not in result.text
    assert result.slots["procedure_fields"] == {} and result.slots["submission_allowed"] is True


def test_a_procedure_that_cannot_be_filed_online_says_where_to_go(kb: KnowledgeBase) -> None:
    result = run(ActionStartSubmission(kb, draft_store()), make_tracker(
        '/start_submission{"procedure_id": "chung-thuc-ban-sao"}', intent="start_submission",
        entities={"procedure_id": "chung-thuc-ban-sao"}))
    [text] = result.texts
    assert "Thủ tục này chưa nộp trực tuyến được, nên em chưa thể nhận hồ sơ trong khung chat." in text
    assert "Nơi nộp: Bộ phận Một cửa" in text
    assert "Nộp trực tuyến" not in result.titles() and "Gặp nhân viên" in result.titles()
    assert result.slots == {"procedure_id": "chung-thuc-ban-sao", "submission_allowed": False}


def test_a_request_naming_no_procedure_asks_which_one(kb: KnowledgeBase) -> None:
    result = run(ActionStartSubmission(kb, draft_store()), make_tracker("nộp hồ sơ online", intent="start_submission"))
    assert [m["response"] for m in result.messages] == ["utter_ask_submission_procedure"]
    assert result.slots == {"submission_allowed": False}


@pytest.mark.parametrize(("typed", "searched"), [
    # On the national catalog "nộp hồ sơ" pulled forward "… cho người đã có hồ sơ, giấy tờ cá nhân".
    ("nộp hồ sơ đăng ký khai sinh cho con", "đăng ký khai sinh cho con"),
    ("tôi muốn nộp online đổi bằng lái xe", "tôi đổi bằng lái xe"),
    ("muon nop ho so truc tuyen cap lai cccd", "cap lai cccd"),
    ("đăng ký khai sinh", "đăng ký khai sinh"), ("nộp hồ sơ", "nộp hồ sơ"),   # nothing else: kept
])
def test_the_words_for_filing_are_not_searched_for(typed: str, searched: str) -> None:
    assert without_filing_words(typed) == searched


def test_opening_the_form_says_no_error_for_the_slots_it_reset(kb: KnowledgeBase,
                                                               validator: ValidateSubmissionForm) -> None:
    opened = run(ActionStartSubmission(kb, draft_store()), make_tracker(
        "tôi muốn nộp hồ sơ cấp lại thẻ căn cước bị mất", intent="start_submission"))
    # Rasa then runs the form, which validates every slot set since it last ran: all reset to None.
    tracker = make_tracker("tôi muốn nộp hồ sơ cấp lại thẻ căn cước bị mất", slots=opened.slots,
                           candidates={k: v for k, v in opened.slots.items() if v is None}, active_loop=FORM)
    result = run(validator, tracker)
    assert result.texts == []
    assert "form_failures" not in result.slots


# ---- the applicant's details ----------------------------------------------------------------------
@pytest.mark.parametrize(("typed", "error"), [
    ("12345", "Số căn cước phải có đúng 12 chữ số (Anh/Chị vừa gửi 5 chữ số) ạ."),
    ("999090123456", "3 số đầu của số căn cước (999) không phải mã tỉnh/thành phố hợp lệ (001–096). "
                     "Anh/Chị kiểm tra lại giúp em ạ."),
    ("số căn cước của tôi đây", "Em chưa thấy số căn cước trong tin nhắn; số căn cước gồm 12 chữ số ạ."),
])
def test_a_wrong_cccd_is_refused_in_vietnamese_and_not_kept(validator: ValidateSubmissionForm, typed: str,
                                                            error: str) -> None:
    result = answer(validator, "cccd", typed, full_name="Nguyễn Văn An")
    assert result.texts == [error]
    assert result.slots["cccd"] is None
    assert result.slots["form_failures"] == {"key": "cccd", "count": 1}


def test_a_good_cccd_is_kept_even_typed_with_spaces(validator: ValidateSubmissionForm) -> None:
    result = answer(validator, "cccd", "CCCD: 001 090 123 456", full_name="Nguyễn Văn An")
    assert result.texts == []
    assert result.slots == {"cccd": "001090123456"}


def test_a_name_is_capitalised_and_a_name_with_digits_refused(validator: ValidateSubmissionForm) -> None:
    assert answer(validator, "full_name", "tên tôi là nguyễn văn an").slots == {"full_name": "Nguyễn Văn An"}
    refused = answer(validator, "full_name", "Nguyen Van 4n")
    assert refused.texts == ["Họ tên chỉ gồm chữ cái và dấu cách (không có số hay ký hiệu) ạ."]
    assert refused.slots["full_name"] is None


def test_several_details_in_one_message_fill_every_slot_they_answer(validator: ValidateSubmissionForm) -> None:
    result = answer(validator, "full_name", "Nguyễn Văn An, 001090123456, 17/05/1990, 0912 345 678")
    assert result.texts == []
    assert result.slots == {"full_name": "Nguyễn Văn An", "cccd": "001090123456", "birth_date": "17/05/1990",
                            "phone": "0912345678", "email": ""}   # no email given with the others: not asked


def test_one_bad_detail_among_several_is_refused_and_the_others_kept(validator: ValidateSubmissionForm) -> None:
    result = answer(validator, "full_name", "Trần Thị Bình, 001090123456, 05/07/2099, 0912345678")
    assert result.texts == ["Ngày 05/07/2099 ở sau hôm nay, chưa thể đúng ạ."]
    assert result.slots["full_name"] == "Trần Thị Bình" and result.slots["cccd"] == "001090123456"
    assert result.slots["phone"] == "0912345678"
    assert result.slots.get("birth_date") is None     # asked again


def test_a_landline_among_several_details_is_refused_with_the_reason(validator: ValidateSubmissionForm) -> None:
    result = answer(validator, "full_name", "Trần Thị Bình, 001090123456, 05/07/1990, 024 3825 1234")
    assert result.texts == [t.PHONE_LANDLINE]          # not silently dropped, the phone asked again
    assert result.slots["full_name"] == "Trần Thị Bình" and result.slots["cccd"] == "001090123456"
    assert result.slots.get("phone") is None


@pytest.mark.parametrize(("typed", "error"), [
    ("05/07/2099", "Ngày 05/07/2099 ở sau hôm nay, chưa thể đúng ạ."),
    ("31/02/1990", "Ngày 31/02/1990 không có trên lịch ạ."),
    ("hôm qua", "Em chưa đọc được ngày này. Anh/Chị gõ theo dạng ngày/tháng/năm, ví dụ 05/07/1990 ạ."),
])
def test_an_impossible_birth_date_is_refused(validator: ValidateSubmissionForm, typed: str, error: str) -> None:
    result = answer(validator, "birth_date", typed, full_name="Nguyễn Văn An")
    assert result.texts == [error]
    assert result.slots["birth_date"] is None


def test_a_birth_date_the_cccd_contradicts_clears_both(validator: ValidateSubmissionForm) -> None:
    result = answer(validator, "birth_date", "05/07/1985", full_name="Nguyễn Văn An", cccd="001090123456")
    [text] = result.texts
    assert text.startswith("Số căn cước (********3456) không khớp với ngày sinh 05/07/1985")
    assert result.slots["birth_date"] is None and result.slots["cccd"] is None


def test_the_second_failure_at_the_same_question_offers_a_person(validator: ValidateSubmissionForm) -> None:
    result = answer(validator, "phone", "0212345678", full_name="Nguyễn Văn An",
                    form_failures={"key": "phone", "count": 1})
    assert result.texts == ["Đầu số 021 không phải đầu số di động tại Việt Nam (03x, 05x, 07x, 08x, 09x) ạ.",
                            "Nếu khó điền mục này, Anh/Chị có thể gặp nhân viên để được hỗ trợ ạ."]
    assert result.payload("Gặp nhân viên") == "/request_human"
    assert result.slots["form_failures"] == {"key": "phone", "count": 2}


def test_a_good_answer_after_a_failure_forgets_the_failure(validator: ValidateSubmissionForm) -> None:
    result = answer(validator, "phone", "0912 345 678", form_failures={"key": "phone", "count": 1})
    assert result.slots == {"phone": "0912345678", "form_failures": None}


def test_a_question_typed_instead_of_an_answer_is_answered_and_the_question_stays(
        validator: ValidateSubmissionForm) -> None:
    result = answer(validator, "phone", "lệ phí bao nhiêu?", full_name="Nguyễn Văn An")
    card, back = result.texts
    assert card.startswith(f"📄 {CAN_CUOC}") and "Lệ phí cấp lại thẻ căn cước: 70.000 đồng" in card
    assert back == "Mình tiếp tục hồ sơ nhé ạ:"
    assert result.slots == {"phone": None}       # not taken as the phone number, not counted as a failure


def test_each_answer_is_kept_as_a_draft(kb: KnowledgeBase) -> None:
    drafts = draft_store()
    answer(ValidateSubmissionForm(kb, drafts), "cccd", "001090123456", full_name="Nguyễn Văn An")
    draft = run_async(drafts.load("web:citizen-1"))
    assert draft is not None and draft.procedure_id == "can-cuoc"
    assert draft.applicant == {"full_name": "Nguyễn Văn An", "cccd": "001090123456"} and draft.fields == LOST


# ---- the procedure's own questions ---------------------------------------------------------------
def test_a_choice_is_asked_with_its_buttons_and_answered_by_its_words(kb: KnowledgeBase,
                                                                      validator: ValidateSubmissionForm) -> None:
    fields = {"request_type": "Cấp lại"}
    asked = run(ActionAskCaseField(kb), make_tracker("", slots={"procedure_id": "can-cuoc",
                                                                "procedure_fields": fields}))
    assert asked.texts == ["Anh/Chị cho em biết: Lý do cấp lại? (bấm một lựa chọn)"]
    assert asked.titles() == ["Bị mất thẻ", "Được trở lại quốc tịch Việt Nam", "Khác"]   # Luật Căn cước, Điều 24
    tracker = make_tracker("bi mat", slots={"procedure_id": "can-cuoc", "procedure_fields": fields,
                                            "requested_slot": "case_field"},
                           candidates={"case_field": "bi mat"}, active_loop=FORM)
    result = run(validator, tracker)
    assert result.texts == []
    assert result.slots["procedure_fields"] == {"request_type": "Cấp lại", "reissue_reason": "Bị mất thẻ"}
    assert result.slots["case_field"] is None    # "Hình thức nhận thẻ" comes next


def test_an_answer_matching_no_choice_is_refused(validator: ValidateSubmissionForm) -> None:
    tracker = make_tracker("để em nghĩ đã", slots={"procedure_id": "can-cuoc", "procedure_fields": {},
                                                 "requested_slot": "case_field"},
                           candidates={"case_field": "để em nghĩ đã"}, active_loop=FORM)
    result = run(validator, tracker)
    assert result.texts == ["Em chưa khớp được câu trả lời với các lựa chọn; Anh/Chị bấm một nút bên dưới giúp em ạ."]
    assert result.slots["case_field"] is None and result.slots.get("procedure_fields") in (None, {})


def test_the_delivery_address_offers_the_address_given_above(kb: KnowledgeBase,
                                                             validator: ValidateSubmissionForm) -> None:
    fields = {**LOST, "delivery_method": "Chuyển phát qua bưu chính"}
    slots = {"procedure_id": "can-cuoc", "procedure_fields": fields, "case_field": "done",
             "address": "12 Lê Lợi, phường Bến Nghé, TP Hồ Chí Minh"}
    asked = run(ActionAskProcedureField(kb), make_tracker("", slots=slots))
    assert asked.texts == ["Anh/Chị cho em biết: Địa chỉ nhận thẻ qua bưu chính?"]
    assert asked.titles() == ["Giống địa chỉ trên"]
    result = run(validator, make_tracker("Giống địa chỉ trên", slots={**slots, "requested_slot": "procedure_field"},
                                         candidates={"procedure_field": "Giống địa chỉ trên"}, active_loop=FORM))
    assert result.slots["procedure_fields"]["delivery_address"] == "12 Lê Lợi, phường Bến Nghé, TP Hồ Chí Minh"
    assert result.slots["procedure_field"] == "done"


@pytest.mark.parametrize(("procedure_id", "label"), [("khai-sinh", "Họ, chữ đệm và tên của trẻ"),
                                                     ("khai-tu", "Họ, chữ đệm và tên của người đã mất")])
def test_me_is_not_offered_for_a_person_who_cannot_be_the_applicant(kb: KnowledgeBase, procedure_id: str,
                                                                    label: str) -> None:
    slots = {"procedure_id": procedure_id, "procedure_fields": {}, "full_name": "Nguyễn Văn An"}
    asked = run(ActionAskProcedureField(kb), make_tracker("", slots=slots))
    assert asked.texts == [f"Anh/Chị cho em biết: {label}?"]
    assert "Là tôi" not in asked.titles()


@pytest.mark.parametrize(("procedure_id", "field"), [("khai-sinh", "child_full_name"),
                                                     ("khai-tu", "deceased_full_name")])
def test_me_typed_for_a_person_who_cannot_be_the_applicant_is_refused(validator: ValidateSubmissionForm,
                                                                      procedure_id: str, field: str) -> None:
    slots = {"procedure_id": procedure_id, "procedure_fields": {}, "full_name": "Nguyễn Văn An",
             "birth_date": "17/05/1990", "requested_slot": "procedure_field"}
    result = run(validator, make_tracker("là tôi", slots=slots, candidates={"procedure_field": "là tôi"},
                                         active_loop=FORM))
    assert result.texts == [t.NOT_THE_APPLICANT]
    assert result.slots["procedure_field"] is None
    assert field not in (result.slots.get("procedure_fields") or {})   # neither "Là Tôi" nor the applicant's name


def test_me_is_offered_for_the_mother_and_fills_her_details(kb: KnowledgeBase,
                                                           validator: ValidateSubmissionForm) -> None:
    fields = {"child_full_name": "Nguyễn Văn Bình", "child_birth_date": "01/12/2026", "child_gender": "Nam",
              "birth_place": "Bệnh viện Đa khoa tỉnh"}
    slots = {"procedure_id": "khai-sinh", "procedure_fields": fields, "full_name": "Trần Thị Mai",
             "birth_date": "17/05/1990"}
    asked = run(ActionAskProcedureField(kb), make_tracker("", slots=slots))
    assert asked.texts == ["Anh/Chị cho em biết: Họ, chữ đệm và tên của mẹ?"]
    assert asked.titles() == ["Là tôi"]
    result = run(validator, make_tracker("Là tôi", slots={**slots, "requested_slot": "procedure_field"},
                                         candidates={"procedure_field": "Là tôi"}, active_loop=FORM))
    assert result.slots["procedure_fields"]["mother_full_name"] == "Trần Thị Mai"


def test_the_collected_form_is_summarised_with_the_cccd_masked(kb: KnowledgeBase) -> None:
    drafts = draft_store()
    slots = {**CASE_DONE, "full_name": "Nguyễn Văn An", "cccd": "001090123456", "birth_date": "17/05/1990",
             "phone": "0912345678", "email": "", "address": "12 Lê Lợi, phường Bến Nghé, TP Hồ Chí Minh"}
    result = run(ActionSubmissionCollected(kb, drafts, None), make_tracker("12 Lê Lợi", slots=slots))
    [summary] = result.texts
    assert summary.startswith(f"✅ Em đã ghi nhận thông tin cho hồ sơ {CAN_CUOC}:")
    assert "• Số căn cước: ********3456" in summary and "001090123456" not in summary
    assert "• Email: (không cung cấp)" in summary and "• Lý do cấp lại: Bị mất thẻ" in summary
    assert "Hồ sơ CHƯA được nộp." in summary
    assert result.followup == "documents_form"
    assert result.slots["submission_documents"] == {"after": 0, "items": []}
    assert run_async(drafts.load("web:citizen-1")).complete is True

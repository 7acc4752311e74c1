"""A dossier left half-way is never lost (actions/submission.py cancel, actions/resume.py): "hủy" keeps
it as a draft, a greeting, the menu or a new request offers "Tiếp tục", and resuming refills the form;
"quay lại" forgets only the previous answer."""

from __future__ import annotations

from typing import Any

import pytest

from actions.resume import (
    ActionGoBack,
    ActionGreet,
    ActionLeaveForm,
    ActionRestartSubmission,
    ActionResumeDraft,
    ActionShowMenu,
)
from actions.submission import ActionCancelSubmission, ActionStartSubmission
from knowledge_base.service import KnowledgeBase
from tests.support.tracker import draft_store, make_tracker, run
from tests.support.waiting import run_async

FORM = "submission_form"
SENDER = "web:citizen-1"
CAN_CUOC = "Cấp, đổi, cấp lại thẻ căn cước"
APPLICANT = ("full_name", "cccd", "birth_date", "phone", "email", "address")
HALF_WAY = {"procedure_id": "can-cuoc", "procedure_fields": {"request_type": "Cấp lại", "reissue_reason": "Bị mất thẻ"},
            "full_name": "Nguyễn Văn An", "cccd": "001090123456", "requested_slot": "birth_date"}
CANCELLED = ("Dạ, em đã dừng việc khai hồ sơ. Thông tin Anh/Chị đã nhập được giữ lại làm bản nháp (chưa nộp). "
             "Anh/Chị cần hỏi gì khác cứ nhắn cho em nhé.")
RESUME = f"Tiếp tục hồ sơ đang dở: {CAN_CUOC}"


@pytest.fixture
def drafts() -> Any:
    return draft_store()


def cancel_half_way(kb: KnowledgeBase, drafts: Any) -> None:
    run(ActionCancelSubmission(kb, drafts), make_tracker("hủy", intent="cancel", slots=HALF_WAY, active_loop=FORM))


def test_cancelling_keeps_what_was_entered_as_a_draft(kb: KnowledgeBase, drafts: Any) -> None:
    result = run(ActionCancelSubmission(kb, drafts), make_tracker("hủy", intent="cancel", slots=HALF_WAY,
                                                                  active_loop=FORM))
    assert result.texts == [CANCELLED]
    draft = run_async(drafts.load(SENDER))
    assert draft is not None and draft.procedure_id == "can-cuoc" and not draft.complete
    assert draft.applicant == {"full_name": "Nguyễn Văn An", "cccd": "001090123456"}
    assert draft.fields == {"request_type": "Cấp lại", "reissue_reason": "Bị mất thẻ"}
    slots = result.slots
    assert all(slots[key] is None for key in (*APPLICANT, "procedure_fields", "requested_slot"))
    assert slots["submission_draft"]["applicant"]["full_name"] == "Nguyễn Văn An"


def test_cancelling_before_any_answer_keeps_no_draft(kb: KnowledgeBase, drafts: Any) -> None:
    result = run(ActionCancelSubmission(kb, drafts), make_tracker(
        "hủy", intent="cancel", slots={"procedure_id": "can-cuoc", "procedure_fields": {}}, active_loop=FORM))
    assert result.texts == ["Dạ, em đã dừng việc khai hồ sơ. Anh/Chị cần hỏi gì khác cứ nhắn cho em nhé."]
    assert run_async(drafts.load(SENDER)) is None
    assert "submission_draft" not in result.slots


def test_skip_on_the_optional_email_skips_it_instead_of_cancelling(kb: KnowledgeBase, drafts: Any) -> None:
    result = run(ActionCancelSubmission(kb, drafts), make_tracker(
        "bỏ qua", intent="cancel", slots={**HALF_WAY, "requested_slot": "email"}, active_loop=FORM))
    assert result.texts == []
    assert result.slots == {"email": ""} and result.followup == FORM
    assert run_async(drafts.load(SENDER)) is None


def test_a_greeting_offers_to_continue_the_draft_or_start_again(kb: KnowledgeBase, drafts: Any) -> None:
    cancel_half_way(kb, drafts)
    result = run(ActionGreet(kb, drafts), make_tracker("xin chào", intent="greet"))
    greeting, offer = result.texts
    assert greeting.startswith("Xin chào Anh/Chị!")
    assert offer == (f"Anh/Chị đang có hồ sơ khai dở: {CAN_CUOC} (chưa nộp). Anh/Chị muốn tiếp tục hồ sơ "
                     "này hay bắt đầu lại ạ?")
    assert result.buttons() == [{"title": RESUME, "payload": "/resume_draft"},
                                {"title": "Bắt đầu lại", "payload": '/restart_submission{"procedure_id": "can-cuoc"}'}]


def test_a_greeting_without_a_draft_only_greets(kb: KnowledgeBase, drafts: Any) -> None:
    result = run(ActionGreet(kb, drafts), make_tracker("xin chào", intent="greet"))
    assert len(result.texts) == 1 and result.texts[0].startswith("Xin chào Anh/Chị!")


def test_a_new_request_to_file_offers_the_draft_first(kb: KnowledgeBase, drafts: Any) -> None:
    cancel_half_way(kb, drafts)
    result = run(ActionStartSubmission(kb, drafts), make_tracker(
        '/start_submission{"procedure_id": "ket-hon"}', intent="start_submission",
        entities={"procedure_id": "ket-hon"}))
    assert result.titles() == [RESUME, "Bắt đầu lại"]
    # "Bắt đầu lại" starts what was just asked for, not the draft's procedure
    assert result.payload("Bắt đầu lại") == '/restart_submission{"procedure_id": "ket-hon"}'
    assert result.slots == {"submission_allowed": False}


def test_resuming_refills_the_form_and_goes_on_where_the_citizen_stopped(kb: KnowledgeBase, drafts: Any) -> None:
    cancel_half_way(kb, drafts)
    result = run(ActionResumeDraft(kb, drafts), make_tracker("/resume_draft", intent="resume_draft"))
    assert result.texts == [f"Dạ, mình tiếp tục hồ sơ {CAN_CUOC}. Thông tin Anh/Chị đã nhập vẫn được giữ nguyên."]
    slots = result.slots
    assert slots["full_name"] == "Nguyễn Văn An" and slots["cccd"] == "001090123456"
    assert slots["birth_date"] is None                   # the question the citizen stopped at comes back
    assert slots["procedure_id"] == "can-cuoc" and slots["submission_allowed"] is True
    assert slots["procedure_fields"] == {"request_type": "Cấp lại", "reissue_reason": "Bị mất thẻ"}
    assert slots["case_field"] is None                   # "Hình thức nhận thẻ" still to ask
    assert result.followup == FORM


def test_resuming_without_a_draft_says_there_is_none(kb: KnowledgeBase, drafts: Any) -> None:
    result = run(ActionResumeDraft(kb, drafts), make_tracker("/resume_draft", intent="resume_draft"))
    assert result.texts[0] == "Hiện Anh/Chị không có hồ sơ nào đang khai dở ạ."
    assert [m.get("response") for m in result.messages][1] == "utter_ask_submission_procedure"
    assert result.followup is None and result.slots == {}


def test_starting_again_forgets_the_draft_and_opens_the_form(kb: KnowledgeBase, drafts: Any) -> None:
    cancel_half_way(kb, drafts)
    result = run(ActionRestartSubmission(kb, drafts), make_tracker(
        '/restart_submission{"procedure_id": "ket-hon"}', intent="restart_submission",
        entities={"procedure_id": "ket-hon"}))
    assert result.texts[0].startswith("📝 Nộp hồ sơ: Đăng ký kết hôn")
    assert run_async(drafts.load(SENDER)) is None
    assert result.slots["procedure_id"] == "ket-hon" and result.slots["submission_draft"] is None
    assert result.followup == FORM


def test_asking_for_a_person_mid_form_keeps_the_draft_with_a_continue_button(kb: KnowledgeBase, drafts: Any) -> None:
    slots = {**HALF_WAY, "birth_date": "17/05/1990", "requested_slot": "phone"}
    result = run(ActionLeaveForm(kb, drafts), make_tracker("gặp nhân viên", intent="request_human", slots=slots,
                                                           active_loop=FORM))
    assert result.texts == [f"Em đã lưu hồ sơ {CAN_CUOC} đang khai dở (chưa nộp). Khi cần, Anh/Chị bấm "
                            "“Tiếp tục nộp hồ sơ”."]
    assert result.buttons() == [{"title": "Tiếp tục nộp hồ sơ", "payload": "/resume_draft"}]
    assert run_async(drafts.load(SENDER)).applicant["birth_date"] == "17/05/1990"
    assert result.slots["requested_slot"] is None


def test_leaving_the_tracking_form_forgets_its_answers_and_keeps_no_draft(kb: KnowledgeBase, drafts: Any) -> None:
    result = run(ActionLeaveForm(kb, drafts), make_tracker(
        "menu", intent="menu", slots={"dossier_code": "HS-7K3M-Q9TX", "requested_slot": "tracking_proof"},
        active_loop="tracking_form"))
    assert result.texts == []
    assert result.slots == {"requested_slot": None, "form_failures": None, "dossier_code": None,
                            "tracking_proof": None}
    assert run_async(drafts.load(SENDER)) is None


def test_the_menu_puts_continue_first_when_a_draft_waits(kb: KnowledgeBase, drafts: Any) -> None:
    without = run(ActionShowMenu(kb, drafts), make_tracker("menu", intent="menu"))
    assert without.texts == ["Dạ, đây là trang chính. Anh/Chị cần hỗ trợ gì ạ?"]
    assert without.titles() == ["Hỏi thủ tục", "Hồ sơ của tôi", "Gặp nhân viên"]
    cancel_half_way(kb, drafts)
    with_draft = run(ActionShowMenu(kb, drafts), make_tracker("menu", intent="menu"))
    assert with_draft.titles() == ["Tiếp tục nộp hồ sơ", "Hỏi thủ tục", "Hồ sơ của tôi", "Gặp nhân viên"]


def test_going_back_forgets_only_the_previous_answer(kb: KnowledgeBase) -> None:
    slots = {**HALF_WAY, "birth_date": "17/05/1990", "requested_slot": "phone"}
    result = run(ActionGoBack(kb), make_tracker("quay lại", intent="go_back", slots=slots, active_loop=FORM))
    assert result.texts == ["Dạ, mình quay lại câu trước ạ."]
    assert result.slots == {"birth_date": None, "form_failures": None}


def test_going_back_from_the_first_applicant_question_reopens_the_last_case_question(kb: KnowledgeBase) -> None:
    slots = {"procedure_id": "can-cuoc", "case_field": "done", "requested_slot": "full_name",
             "procedure_fields": {"request_type": "Cấp lại", "reissue_reason": "Bị mất thẻ",
                                  "delivery_method": "Nhận tại cơ quan Công an"}}
    result = run(ActionGoBack(kb), make_tracker("quay lại", intent="go_back", slots=slots, active_loop=FORM))
    assert result.slots["procedure_fields"] == {"request_type": "Cấp lại", "reissue_reason": "Bị mất thẻ"}
    assert result.slots["case_field"] is None


def test_going_back_at_the_first_question_changes_nothing(kb: KnowledgeBase) -> None:
    slots = {"procedure_id": "can-cuoc", "procedure_fields": {}, "requested_slot": "case_field"}
    result = run(ActionGoBack(kb), make_tracker("quay lại", intent="go_back", slots=slots, active_loop=FORM))
    assert result.texts == ["Đây là câu hỏi đầu tiên rồi ạ. Gõ “hủy” nếu Anh/Chị muốn dừng."]
    assert result.slots == {"form_failures": None}

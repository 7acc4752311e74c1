"""Tracking a dossier (actions/tracking.py) and the end of filing (actions/documents.py): the document
step, the summary to confirm, filing, then "Hồ sơ của tôi". The dossier registry and the citizen's
files are in a scratch SQLite database made with the project's own schema helper (one per module)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import sessionmaker

from actions.attachments_lookup import AttachmentLookup
from actions.documents import ActionFileDossier, ActionReviewSubmission, ValidateDocumentsForm, checklist
from actions.tracking import ActionCancelTracking, ActionTrackDossier, ValidateTrackingForm
from bot.conversation.senders import split_sender
from bot.dossiers.registry import EmbeddedRegistry
from bot.dossiers.tracking import TrackingService
from knowledge_base.service import KnowledgeBase
from tests.support.records import stored_attachment
from tests.support.tracker import Result, domain, draft_store, make_tracker, run, sqlite_sessions
from tests.support.waiting import run_async

CAN_CUOC = "Cấp, đổi, cấp lại thẻ căn cước"
TRACKING = "tracking_form"
CODE_FORMAT = ("Em chưa nhận ra mã hồ sơ trong tin nhắn. Mã hồ sơ có dạng HS-7M2K-QX9P (có trong tin nhắn xác "
               "nhận khi nộp) ạ.")
NO_MATCH = ("Mã hồ sơ hoặc 4 số cuối chưa khớp với hồ sơ nào. Anh/Chị kiểm tra lại mã hồ sơ và 4 số cuối của số "
            "điện thoại hoặc căn cước đã dùng khi nộp nhé.")
OWNER = "web:owner-1"
PHONE, CCCD = "0912345678", "001090123456"
CASE = {"request_type": "Cấp lại", "reissue_reason": "Bị mất thẻ", "delivery_method": "Nhận tại cơ quan Công an"}
APPLICANT = {"full_name": "Nguyễn Văn An", "cccd": CCCD, "birth_date": "17/05/1990", "phone": PHONE, "email": "",
             "address": "12 Lê Lợi, phường Bến Nghé, TP Hồ Chí Minh"}
FORM_DONE = {"procedure_id": "can-cuoc", "procedure_fields": CASE, "case_field": "done", "procedure_field": "done",
             **APPLICANT}
REQUIRED_DOC = "Phiếu đề nghị giải quyết thủ tục về căn cước (mẫu DC02)"


# ---- the database and its helpers -------------------------------------------------------------------
@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker]:
    made = sqlite_sessions(tmp_path_factory.mktemp("actions-db") / "actions.db")
    yield made
    made.kw["bind"].dispose()


@pytest.fixture(scope="module")
def registry(sessions: sessionmaker, kb: KnowledgeBase) -> EmbeddedRegistry:
    return EmbeddedRegistry(sessions, kb)



def upload(validator: ValidateDocumentsForm, attachment_id: int, slots: dict[str, Any], sender: str) -> Result:
    """The gateway announces a stored file with ``/document_uploaded{"attachment_id": N}``."""
    text = f'/document_uploaded{{"attachment_id": {attachment_id}}}'
    tracker = make_tracker(text, intent="document_uploaded", entities={"attachment_id": str(attachment_id)},
                           slots={**slots, "requested_slot": "document_item"}, candidates={"document_item": text},
                           active_loop="documents_form", sender=sender)
    return run(validator, tracker)


def file_dossier(kb: KnowledgeBase, sessions: sessionmaker, registry: EmbeddedRegistry, sender: str,
                 drafts: Any = None) -> Result:
    """The whole document step and "Xác nhận nộp" for ``sender`` (can-cuoc, lost card)."""
    drafts = drafts if drafts is not None else draft_store()
    validator = ValidateDocumentsForm(kb, AttachmentLookup(sessions), drafts)
    slots: dict[str, Any] = {**FORM_DONE, "submission_documents": {"after": 0, "items": []}}
    photo = stored_attachment(sessions, *split_sender(sender), filename="phieu-dc02.jpg")
    sent = upload(validator, photo, slots, sender)
    slots.update(sent.slots)
    skipped = run(validator, make_tracker("không có", slots={**slots, "requested_slot": "document_item"},
                                          candidates={"document_item": "không có"}, active_loop="documents_form",
                                          sender=sender))
    slots.update(skipped.slots)
    assert slots["document_item"] == "done"
    return run(ActionFileDossier(kb, drafts, registry), make_tracker("/confirm_submission", intent="confirm_submission",
                                                                     slots=slots, sender=sender))


@pytest.fixture(scope="module")
def owned_code(kb: KnowledgeBase, sessions: sessionmaker, registry: EmbeddedRegistry) -> str:
    """A dossier filed from the conversation ``OWNER``."""
    [code] = re.findall(r"Mã hồ sơ: (HS-[0-9A-Z]{4}-[0-9A-Z]{4})", file_dossier(kb, sessions, registry, OWNER).text)
    return code


# ---- the tracking form, without a backend ---------------------------------------------------------
def ask_code(validator: ValidateTrackingForm, text: str, sender: str = "web:stranger") -> Result:
    return run(validator, make_tracker(text, slots={"requested_slot": "dossier_code"},
                                       candidates={"dossier_code": text}, active_loop=TRACKING, sender=sender))


@pytest.mark.parametrize("typed", ["abc", "hồ sơ của tôi đâu", "HS-12"])
def test_a_malformed_code_is_refused_with_what_a_code_looks_like(typed: str) -> None:
    result = ask_code(ValidateTrackingForm(None), typed)
    assert result.texts == [CODE_FORMAT]
    assert result.slots["dossier_code"] is None


@pytest.mark.parametrize(("typed", "code"), [("hs 7k3m q9tx", "HS-7K3M-Q9TX"),
                                             ("mã hồ sơ của tôi là HS-7K3M-Q9TX ạ", "HS-7K3M-Q9TX"),
                                             ("000.00.15.H12-250301-0012", "000.00.15.H12-250301-0012")])
def test_a_code_typed_loosely_or_in_a_sentence_is_read(typed: str, code: str) -> None:
    result = ask_code(ValidateTrackingForm(None), typed)
    assert result.texts == [] and result.slots["dossier_code"] == code


@pytest.mark.parametrize(("typed", "kept"), [("12", None), ("số cuối 5678", "5678"), ("5 6 7 8", "5678")])
def test_the_proof_is_four_digits(typed: str, kept: str | None) -> None:
    tracker = make_tracker(typed, slots={"requested_slot": "tracking_proof", "dossier_code": "HS-7K3M-Q9TX"},
                           candidates={"tracking_proof": typed}, active_loop=TRACKING)
    result = run(ValidateTrackingForm(None), tracker)
    assert result.texts == ([] if kept else ["Anh/Chị gõ đúng 4 chữ số cuối (ví dụ 5678) giúp em ạ."])
    assert result.slots["tracking_proof"] == kept


def test_tracking_without_the_dossier_system_apologises_and_offers_a_person(kb: KnowledgeBase) -> None:
    result = run(ActionTrackDossier(kb, None), make_tracker(
        "5678", slots={"dossier_code": "HS-7K3M-Q9TX", "tracking_proof": "5678"}))
    assert result.texts[0].startswith("Xin lỗi Anh/Chị, hệ thống hồ sơ đang tạm gián đoạn")
    assert result.titles() == ["Gặp nhân viên"]
    assert result.slots == {"dossier_code": None, "tracking_proof": None}


def test_cancelling_tracking_forgets_the_code_and_digits() -> None:
    result = run(ActionCancelTracking(), make_tracker("hủy", intent="cancel", slots={"dossier_code": "HS-7K3M-Q9TX"}))
    assert result.texts == ["Dạ, em đã dừng tra cứu. Anh/Chị cần hỏi gì khác cứ nhắn cho em nhé."]
    assert result.slots == {"dossier_code": None, "tracking_proof": None}


# ---- the document step, the summary, filing ----------------------------------------------------------
def test_a_file_sent_for_the_pending_document_is_received(kb: KnowledgeBase, sessions: sessionmaker) -> None:
    sender = "web:docs-1"
    validator = ValidateDocumentsForm(kb, AttachmentLookup(sessions), draft_store())
    photo = stored_attachment(sessions, *split_sender(sender), filename="phieu-dc02.jpg")
    result = upload(validator, photo, {**FORM_DONE, "submission_documents": {"after": 0, "items": []}}, sender)
    assert result.texts == [f"✅ Đã nhận: {REQUIRED_DOC}."]
    assert result.slots["submission_documents"]["items"] == [{"name": REQUIRED_DOC, "ids": [photo], "skipped": False}]
    assert result.slots["document_item"] is None      # the optional documents are asked next


def test_someone_elses_file_is_not_taken(kb: KnowledgeBase, sessions: sessionmaker) -> None:
    theirs = stored_attachment(sessions, "zalo", "someone-else")
    validator = ValidateDocumentsForm(kb, AttachmentLookup(sessions), draft_store())
    result = upload(validator, theirs, {**FORM_DONE, "submission_documents": {"after": 0, "items": []}}, "web:docs-2")
    assert result.texts == ["Em không tìm thấy tệp này trong cuộc trò chuyện của Anh/Chị. Anh/Chị gửi lại giúp em."]
    assert result.slots["document_item"] is None and "submission_documents" not in result.slots


def test_a_required_document_cannot_be_skipped(kb: KnowledgeBase) -> None:
    tracker = make_tracker("không có", slots={**FORM_DONE, "submission_documents": {"after": 0, "items": []},
                                              "requested_slot": "document_item"},
                           candidates={"document_item": "không có"}, active_loop="documents_form")
    result = run(ValidateDocumentsForm(kb, None, draft_store()), tracker)
    assert result.texts == [f"Giấy tờ “{REQUIRED_DOC}” là bắt buộc nên không bỏ qua được ạ. "
                            "Anh/Chị gửi ảnh hoặc PDF giúp em."]
    assert result.slots["document_item"] is None


def test_the_summary_to_confirm_masks_the_cccd_and_states_the_fee(kb: KnowledgeBase) -> None:
    items = [{"name": REQUIRED_DOC, "ids": [7], "skipped": False}]
    slots = {**FORM_DONE, "submission_documents": {"after": 0, "items": items}}
    result = run(ActionReviewSubmission(kb, draft_store()), make_tracker("không có", slots=slots))
    [text] = result.texts
    assert text.startswith(f"📋 Anh/Chị xem lại hồ sơ {CAN_CUOC} trước khi nộp:")
    assert "• Số căn cước: ********3456" in text and CCCD not in text
    assert f"• {REQUIRED_DOC}: 1 tệp" in text
    assert "💰 Lệ phí cấp lại thẻ căn cước: 70.000 đ" in text
    assert result.buttons() == [{"title": "Xác nhận nộp", "payload": "/confirm_submission"},
                                {"title": "Sửa thông tin", "payload": "/correct_field"}]


def test_confirming_files_the_dossier_and_gives_its_code_due_date_and_fee(
        kb: KnowledgeBase, sessions: sessionmaker, registry: EmbeddedRegistry) -> None:
    drafts = draft_store()
    result = file_dossier(kb, sessions, registry, "web:filer-1", drafts)
    [text] = result.texts
    assert text.startswith("🎉 Hồ sơ đã được nộp thành công!\nMã hồ sơ: HS-")
    assert "Ngày hẹn trả kết quả: " in text and "(tính theo ngày làm việc)" in text
    assert "💰 Lệ phí cấp lại thẻ căn cước: 70.000 đ" in text
    code = text.split("Mã hồ sơ: ")[1].split("\n")[0]
    assert result.buttons() == [{"title": "Thanh toán 70.000 đ", "payload": f'/pay_fee{{"dossier_code": "{code}"}}'},
                                {"title": "Hồ sơ của tôi", "payload": f'/track_dossier{{"dossier_code": "{code}"}}'}]
    assert run_async(drafts.load("web:filer-1")) is None          # filed: no draft left to offer
    assert result.slots["procedure_id"] is None and result.slots["cccd"] is None
    stored = run_async(registry.get(code))
    assert stored is not None and stored.procedure_id == "can-cuoc" and stored.sender_id == "filer-1"


def test_confirming_when_the_dossier_system_is_down_keeps_everything(kb: KnowledgeBase) -> None:
    procedure = kb.procedure("can-cuoc")
    assert procedure is not None
    required, optional = checklist(procedure, CASE)
    items = [{"name": required.name, "ids": [7], "skipped": False}, {"name": optional.name, "ids": [], "skipped": True}]
    slots = {**FORM_DONE, "submission_documents": {"after": 0, "items": items}}
    result = run(ActionFileDossier(kb, draft_store(), None), make_tracker("/confirm_submission", slots=slots))
    assert result.texts[0].startswith("Xin lỗi Anh/Chị, em chưa nộp được hồ sơ lúc này (hệ thống hồ sơ chưa sẵn sàng)")
    assert result.titles() == ["Thử nộp lại", "Gặp nhân viên"]
    assert result.events == []                    # nothing forgotten: "Thử nộp lại" works


def test_confirming_with_nothing_to_file_says_how_to_start(kb: KnowledgeBase) -> None:
    result = run(ActionFileDossier(kb, draft_store(), None), make_tracker("/confirm_submission"))
    assert result.texts == ["Hiện chưa có hồ sơ nào đang chờ xác nhận. Anh/Chị muốn nộp hồ sơ, hãy gõ “nộp hồ sơ” "
                            "kèm tên thủ tục nhé."]


# ---- tracking a filed dossier ------------------------------------------------------------------------
def track(kb: KnowledgeBase, registry: EmbeddedRegistry, code: str, proof: str, sender: str) -> Result:
    return run(ActionTrackDossier(kb, TrackingService(registry)),
               make_tracker(proof, slots={"dossier_code": code, "tracking_proof": proof}, sender=sender))


def test_the_last_digits_of_the_phone_show_the_status_to_anyone(kb: KnowledgeBase, registry: EmbeddedRegistry,
                                                                owned_code: str) -> None:
    result = track(kb, registry, owned_code, PHONE[-4:], "telegram:42")
    [text] = result.texts
    assert text.startswith(f"📌 Hồ sơ {owned_code} — {CAN_CUOC}\nTình trạng: Mới đăng ký")
    assert "Quá trình xử lý:" in text and "Hẹn trả kết quả: " in text
    assert "Phí, lệ phí cần nộp: 70.000 đ" in text
    assert result.titles() == ["Thanh toán 70.000 đ", "Gặp nhân viên"]
    assert result.slots == {"dossier_code": None, "tracking_proof": None}


@pytest.mark.parametrize("known_code", [True, False])
def test_wrong_digits_and_an_unknown_code_get_the_same_reply(kb: KnowledgeBase, registry: EmbeddedRegistry,
                                                             owned_code: str, known_code: bool) -> None:
    result = track(kb, registry, owned_code if known_code else "HS-0000-0000", "0000", "telegram:43")
    assert result.texts == [NO_MATCH]
    assert result.buttons() == [{"title": "Tra cứu lại", "payload": "/track_dossier"},
                                {"title": "Gặp nhân viên", "payload": "/request_human"}]


def test_my_dossiers_needs_no_code_and_no_digits_in_the_conversation_that_filed(
        kb: KnowledgeBase, registry: EmbeddedRegistry, owned_code: str) -> None:
    validator = ValidateTrackingForm(TrackingService(registry))
    mine = run(validator, make_tracker("/track_dossier", intent="track_dossier", active_loop=TRACKING, sender=OWNER))
    assert mine.texts == []
    assert mine.slots == {"dossier_code": owned_code, "requested_slot": None}   # nothing left to ask
    shown = track(kb, registry, owned_code, "", OWNER)
    assert shown.texts[0].startswith(f"📌 Hồ sơ {owned_code}")


def test_my_dossiers_elsewhere_says_none_were_filed_here(registry: EmbeddedRegistry, owned_code: str) -> None:
    validator = ValidateTrackingForm(TrackingService(registry))
    result = run(validator, make_tracker("/track_dossier", intent="track_dossier", active_loop=TRACKING,
                                         sender="zalo:owner-1"))   # same id, another platform
    assert result.texts == ["Cuộc trò chuyện này chưa nộp hồ sơ nào trực tuyến. Hồ sơ nộp ở nơi khác thì "
                            "Anh/Chị tra bằng mã hồ sơ."]
    assert "dossier_code" not in result.slots


def test_only_strangers_are_asked_for_the_last_digits(registry: EmbeddedRegistry, owned_code: str) -> None:
    validator = ValidateTrackingForm(TrackingService(registry))
    form_slots = domain()["forms"][TRACKING]["required_slots"]

    def asked(sender: str) -> list[str]:
        tracker = make_tracker(owned_code, slots={"dossier_code": owned_code}, sender=sender)
        return run_async(validator.required_slots(form_slots, CollectingDispatcher(), tracker, domain()))

    assert asked(OWNER) == ["dossier_code"]
    assert asked("web:stranger") == ["dossier_code", "tracking_proof"]
    owner_typed = ask_code(validator, owned_code.lower().replace("-", " "), sender=OWNER)
    assert owner_typed.slots == {"dossier_code": owned_code, "requested_slot": None}

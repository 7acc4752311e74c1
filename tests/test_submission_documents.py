"""After the form: documents one at a time (uploads through ``POST /api/chat/upload``), the summary
with corrections, filing with the code, due date and fee, and a supplement sent later — over real
HTTP to a real Rasa, for three procedures."""

from __future__ import annotations

import re

import httpx
import pytest

from actions import submission_texts as t
from bot.core.money import vnd
from bot.dossiers.status import DossierStatus as S
from knowledge_base.service import KnowledgeBase
from tests.support.chat import Chat, buttons, fill_applicant, start, texts
from tests.support.dossiers import registry
from tests.support.images import PNG
from tests.support.stack import Stack
from tests.support.waiting import run_async

pytestmark = pytest.mark.rasa
CODE = re.compile(r"Mã hồ sơ: (HS-[0-9A-Z]{4}-[0-9A-Z]{4})")


def upload(chat: Chat, name: str = "giay-to.png") -> str:
    """Send a photo as the web chat does; the reply has the gateway's receipt and the dialogue's."""
    response = httpx.post(f"{chat.stack.gateway_url}/api/chat/upload", data={"sender": chat.sender},
                          files={"file": (name, PNG, "image/png")}, timeout=30)
    assert response.status_code == 200, response.text
    chat.buttons = buttons(response.json())
    return texts(response.json())


def tap(chat: Chat, title: str) -> str:
    return chat.say(next(b["payload"] for b in chat.buttons if b["title"] == title))


def send_documents(chat: Chat, kb: KnowledgeBase, procedure_id: str, skip_optional: bool = True) -> str:
    """Answer the checklist as the bot asks it: a photo for each required document ("Giấy tờ i/n"),
    then the optional ones, asked once together: "Không có" (one tap), or a photo."""
    reply = ""
    for index in range(len(kb.procedure(procedure_id).documents) + 1):  # type: ignore[union-attr]
        titles = [b["title"] for b in chat.buttons]
        if t.CONFIRM_BUTTON in titles:  # the summary to confirm
            return reply
        if t.NONE_BUTTON in titles:  # the optional ones, all at once
            none = next(b for b in chat.buttons if b["title"] == t.NONE_BUTTON)
            reply = chat.say(none["payload"]) if skip_optional else upload(chat, "them.png")
        else:
            reply = upload(chat, f"giay-{index}.png")
            assert "Em đã nhận ảnh" in reply and "✅ Đã nhận: " in reply
    raise AssertionError(f"the checklist never ended: {reply}")


def filed_code(reply: str) -> str:
    found = CODE.search(reply)
    assert found, reply
    return found.group(1)


def test_birth_registration_is_filed_with_its_documents(stack: Stack, new_sender, kb: KnowledgeBase) -> None:
    chat = Chat(stack, new_sender())
    chat.say(start("khai-sinh"))
    fill_applicant(chat, case=("Nữ",))
    chat.say("nguyen gia bao")
    chat.say("01/06/2026")
    chat.say("Bệnh viện Đa khoa tỉnh Thanh Hóa")
    chat.say("le thi mai")
    summary = chat.say("bỏ qua")
    assert "CHƯA được nộp" in summary
    assert "Giấy tờ 1/4" in summary and "Tờ khai đăng ký khai sinh theo mẫu (01 bản chính)" in summary
    assert "ảnh hoặc PDF" in summary
    # A required document cannot be skipped, by button word or by typing.
    refused = chat.say("bỏ qua")
    assert t.DOC_REQUIRED.format(name="Tờ khai đăng ký khai sinh theo mẫu") in refused and "Giấy tờ 1/4" in refused
    assert "Giấy tờ 1/4" in chat.say("không có")
    review = send_documents(chat, kb, "khai-sinh", skip_optional=False)
    assert "xem lại hồ sơ Đăng ký khai sinh" in review and "Nguyen Gia Bao" in review
    assert "Giấy chứng sinh: 1 tệp" in review and "********3456" in review
    assert [b["title"] for b in chat.buttons] == [t.CONFIRM_BUTTON, t.CORRECT_BUTTON]
    filed = tap(chat, t.CONFIRM_BUTTON)
    code = filed_code(filed)
    view = run_async(registry(stack, kb).get(code))
    assert view is not None and view.status is S.NEW and view.sender_id == chat.sender
    assert f"Ngày hẹn trả kết quả: {view.due_date:%d/%m/%Y}" in filed
    # Free on time, a provincial rate when late: the catalog cannot tell, staff will say.
    assert "Lệ phí đăng ký khai sinh đúng hạn: không thu" in filed and view.fee_assessed_vnd is None
    # Filed: confirming again files nothing more.
    assert t.NOTHING_TO_FILE in chat.say("/confirm_submission")


def test_temporary_residence_is_filed_with_its_fee_and_due_date(stack: Stack, new_sender,
                                                                kb: KnowledgeBase) -> None:
    chat = Chat(stack, new_sender())
    chat.say(start("tam-tru"))
    fill_applicant(chat, case=("Nhà thuê",))
    chat.say("số 5 ngõ 20 phố Huế, phường Hai Bà Trưng, Hà Nội")
    chat.say("01/12/2026")
    chat.say("12")
    summary = chat.say("Trần Văn Chủ")
    assert "Giấy tờ 1/2" in summary and "mẫu CT01" in summary
    review = send_documents(chat, kb, "tam-tru")
    assert "Đăng ký tạm trú" in review and "12" in review
    filed = tap(chat, t.CONFIRM_BUTTON)
    view = run_async(registry(stack, kb).get(filed_code(filed)))
    assert view is not None and view.fee_due_vnd == 7_000 and view.due_date is not None  # the online rate
    assert f"{view.due_date:%d/%m/%Y}" in filed and "Lệ phí đăng ký tạm trú – nộp trực tuyến: 7.000 đ" in filed
    assert chat.buttons[0]["title"] == "Thanh toán 7.000 đ"  # one tap to the pay link


def test_a_field_is_corrected_from_the_summary(stack: Stack, new_sender, kb: KnowledgeBase) -> None:
    chat = Chat(stack, new_sender())
    chat.say(start("ly-lich-tu-phap"))
    fill_applicant(chat, case=("Phiếu số 1", "Thông thường", "Bản điện tử trên VNeID"))
    chat.say("bổ sung hồ sơ xin việc")
    chat.say("2")
    review = send_documents(chat, kb, "ly-lich-tu-phap")
    assert "0912345678" in review and "Số lượng phiếu yêu cầu: 2" in review
    choices = tap(chat, t.CORRECT_BUTTON)
    assert t.CORRECT_WHICH in choices
    assert "Số điện thoại" in [b["title"] for b in chat.buttons]
    assert "điện thoại" in tap(chat, "Số điện thoại")
    review = chat.say("0987 654 321")
    assert "0987654321" in review and "0912345678" not in review and t.REVIEW_ASK in review
    tap(chat, t.CORRECT_BUTTON)
    assert "Số lượng phiếu" in tap(chat, "Số lượng phiếu yêu cầu")
    review = chat.say("3")
    assert "Số lượng phiếu yêu cầu: 3" in review and "Bản chụp thẻ căn cước" in review
    assert "💰 Phí cung cấp thông tin lý lịch tư pháp: 200.000 đ" in review  # before "Xác nhận nộp"
    filed = tap(chat, t.CONFIRM_BUTTON)
    view = run_async(registry(stack, kb).get(filed_code(filed)))
    assert view is not None and view.phone_last4 == "4321" and view.fee_due_vnd == 200_000
    assert f"💰 Phí cung cấp thông tin lý lịch tư pháp: {vnd(200_000)}" in filed
    if view.due_date is None:
        assert t.FILED_DUE_UNKNOWN in filed


def test_a_supplement_sent_in_the_chat_reaches_the_dossier(stack: Stack, new_sender, kb: KnowledgeBase) -> None:
    chat = Chat(stack, new_sender())
    chat.say(start("tam-tru"))
    fill_applicant(chat, case=("Nhà thuê",))
    for answer in ("số 5 ngõ 20 phố Huế, Hà Nội", "01/12/2026", "6", "bỏ qua"):
        chat.say(answer)
    send_documents(chat, kb, "tam-tru")
    code = filed_code(tap(chat, t.CONFIRM_BUTTON))
    dossiers = registry(stack, kb)
    run_async(dossiers.change_status(code, S.SUPPLEMENT, "Thiếu hợp đồng thuê nhà", "staff:1"))
    reply = upload(chat, "hop-dong.png")
    assert "Em đã nhận ảnh" in reply and t.SUPPLEMENT_ADDED.format(code=code, status=S.PROCESSING.label) in reply
    view = run_async(dossiers.get(code))
    assert view is not None and view.status is S.PROCESSING and view.history[-1].actor == "citizen"
    # A file with no dossier waiting: only the receipt.
    assert texts_only_receipt(upload(chat))


def texts_only_receipt(reply: str) -> bool:
    return "Em đã nhận ảnh" in reply and "bổ sung" not in reply


def test_a_draft_is_resumed_after_leaving(stack: Stack, new_sender, kb: KnowledgeBase) -> None:
    chat = Chat(stack, new_sender())
    chat.say(start("tam-tru"))
    fill_applicant(chat, case=("Nhà thuê",))
    chat.say("số 5 ngõ 20 phố Huế, Hà Nội")
    assert t.CANCELLED in chat.say("hủy")
    # Coming back with a greeting: the offer, with both choices.
    greeting = chat.say("xin chào")
    assert t.DRAFT_OFFER.format(title="Đăng ký tạm trú") in greeting
    assert [b["title"] for b in chat.buttons][-2:] == [t.RESUME_BUTTON.format(title="Đăng ký tạm trú"),
                                                       t.RESTART_BUTTON]
    resumed = tap(chat, t.RESUME_BUTTON.format(title="Đăng ký tạm trú"))
    assert t.RESUMED.format(title="Đăng ký tạm trú") in resumed and "Ngày bắt đầu tạm trú" in resumed
    chat.say("01/12/2026")
    chat.say("6")
    summary = chat.say("bỏ qua")
    assert "Nguyễn Văn An" in summary and "Giấy tờ 1/2" in summary
    upload(chat)
    assert t.CANCELLED in chat.say("hủy")
    # Starting a new submission also offers the draft; resuming goes on with the second document.
    offer = chat.say(start("khai-sinh"))
    assert t.DRAFT_OFFER.format(title="Đăng ký tạm trú") in offer and "họ và tên" not in offer
    resumed = tap(chat, t.RESUME_BUTTON.format(title="Đăng ký tạm trú"))
    assert "Giấy tờ 2/2" in resumed
    review = send_last_document(chat)
    assert "Mẫu CT01" in review or "mẫu CT01" in review
    filed = tap(chat, t.CONFIRM_BUTTON)
    assert CODE.search(filed)


def send_last_document(chat: Chat) -> str:
    return upload(chat, "hop-dong.png")


def test_starting_again_discards_the_draft(stack: Stack, new_sender) -> None:
    chat = Chat(stack, new_sender())
    chat.say(start("tam-tru"))
    chat.say("Nhà thuê")
    chat.say("Lê Hoàng Nam")
    chat.say("hủy")
    offer = chat.say(start("ly-lich-tu-phap"))
    assert t.DRAFT_OFFER.format(title="Đăng ký tạm trú") in offer
    opening = tap(chat, t.RESTART_BUTTON)
    assert "lý lịch tư pháp" in opening and "Loại phiếu" in opening
    early = upload(chat)  # a file before the document step is kept, and the question comes back
    assert t.FILE_BEFORE_DOCUMENTS in early and "Loại phiếu" in early
    assert "Đối tượng nộp phí" in chat.say("Phiếu số 1")

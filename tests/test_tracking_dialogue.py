"""Tracking a dossier in the chat, over real HTTP to a real Rasa: the code alone shows nothing,
the last 4 digits prove ownership, a wrong code and wrong digits get the same reply, guessing is
throttled, and "hủy" leaves."""

from __future__ import annotations

import datetime as dt

import pytest

from actions import submission_texts as t
from actions.tracking import dossier_text, find_code
from bot.core.money import vnd
from bot.dossiers.backend import DossierView, StatusEvent
from bot.dossiers.codes import new_code
from bot.dossiers.status import DossierStatus as S
from knowledge_base.service import KnowledgeBase
from tests.support.chat import Chat
from tests.support.dossiers import CCCD, PHONE, draft, registry
from tests.support.stack import Stack
from tests.support.waiting import run_async


# ---- unit ----------------------------------------------------------------------------------------
def test_codes_are_found_in_what_citizens_type() -> None:
    assert find_code("tra cuu ho so hs-7m2k-qx9p giup em") == "HS-7M2K-QX9P"
    assert find_code("hs 7k3m q9tx") == "HS-7K3M-Q9TX"
    assert find_code("ma 000.00.15.H12-250301-0012 a") == "000.00.15.H12-250301-0012"
    assert find_code("không nhớ mã") is None


def test_the_dossier_text_has_status_timeline_due_date_fee_and_next_step() -> None:
    at = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    view = DossierView(code="HS-7M2K-QX9P", procedure_id="khai-sinh", status=S.FEE_DUE, submitted_at=at,
                       due_date=dt.date(2026, 3, 9), fee_due_vnd=50_000, channel="web", sender_id="a",
                       phone_last4="5678", cccd_last4="2345",
                       history=[StatusEvent(S.NEW, at, "Nộp trực tuyến"),
                                StatusEvent(S.FEE_DUE, at + dt.timedelta(days=1), "Nộp lệ phí bản sao")])
    text = dossier_text(view, "Đăng ký khai sinh")
    assert "HS-7M2K-QX9P" in text and S.FEE_DUE.label in text
    assert "• 02/03/2026 — Mới đăng ký — Nộp trực tuyến" in text
    assert "• 03/03/2026 — " + S.FEE_DUE.label + " — Nộp lệ phí bản sao" in text
    assert "09/03/2026" in text and "50.000 đ" in text and t.TRACK_NEXT_STEP["FEE_DUE"] in text


# ---- dialogue --------------------------------------------------------------------------------------


@pytest.mark.rasa
def test_the_owner_sees_status_timeline_and_next_step(stack: Stack, new_sender, kb: KnowledgeBase) -> None:
    dossiers = registry(stack, kb)
    filed = run_async(dossiers.file(draft(kb, "khai-sinh")))
    run_async(dossiers.change_status(filed.code, S.SUPPLEMENT, "Thiếu giấy chứng sinh", "staff:1"))
    chat = Chat(stack, new_sender())
    asked = chat.say("tra cứu hồ sơ")
    assert "mã hồ sơ" in asked
    proof = chat.say(filed.code.lower())
    assert "4 số cuối" in proof and S.SUPPLEMENT.label not in proof  # the code alone shows nothing
    reply = chat.say(PHONE.replace(" ", "")[-4:])
    assert filed.code in reply and "Đăng ký khai sinh" in reply and S.SUPPLEMENT.label in reply
    assert "Thiếu giấy chứng sinh" in reply and "Mới đăng ký" in reply
    assert t.TRACK_NEXT_STEP["SUPPLEMENT"] in reply
    assert filed.due_date is not None and f"{filed.due_date:%d/%m/%Y}" in reply
    # A pasted code skips the first question; the căn cước digits work as well.
    assert "4 số cuối" in chat.say(f"hồ sơ {filed.code} đến đâu rồi")
    assert S.SUPPLEMENT.label in chat.say(f"so cuoi {CCCD[-4:]}")


@pytest.mark.rasa
def test_wrong_digits_and_an_unknown_code_get_the_same_reply(stack: Stack, new_sender, kb: KnowledgeBase) -> None:
    filed = run_async(registry(stack, kb).file(draft(kb, "ly-lich-tu-phap")))
    chat = Chat(stack, new_sender())
    chat.say(f"tra cứu hồ sơ {filed.code}")
    wrong_digits = chat.say("0000")
    assert t.TRACK_NO_MATCH in wrong_digits and filed.code not in wrong_digits
    chat.say(f"tra cứu hồ sơ {new_code()}")
    unknown = chat.say(PHONE.replace(" ", "")[-4:])
    assert unknown == wrong_digits
    assert "4 chữ số" in chat.say(f"tra cứu hồ sơ {filed.code}") + chat.say("12")  # not 4 digits: asked again
    assert S.NEW.label in chat.say(PHONE.replace(" ", "")[-4:])


@pytest.mark.rasa
def test_guessing_is_throttled_and_the_citizen_is_told_when_to_retry(stack: Stack, new_sender) -> None:
    chat = Chat(stack, new_sender())
    for _ in range(5):
        chat.say(f"tra cứu hồ sơ {new_code()}")
        assert t.TRACK_NO_MATCH in chat.say("1234")
    chat.say(f"tra cứu hồ sơ {new_code()}")
    reply = chat.say("1234")
    assert "tạm khóa" in reply and "phút" in reply


@pytest.mark.rasa
def test_cancel_leaves_tracking(stack: Stack, new_sender) -> None:
    chat = Chat(stack, new_sender())
    assert "mã hồ sơ" in chat.say("tra cuu ho so")
    assert t.TRACK_CANCELLED in chat.say("hủy")
    reply = chat.say("le phi khai sinh")
    assert "4 số cuối" not in reply and t.TRACK_CODE_FORMAT not in reply


@pytest.mark.rasa
def test_my_dossiers_need_no_code_and_no_digits_in_the_conversation_that_filed_them(
        stack: Stack, new_sender, kb: KnowledgeBase) -> None:
    sender = new_sender()
    dossiers = registry(stack, kb)
    chat = Chat(stack, sender)
    chat.say("xin chào")   # the conversation exists, as after filing in the chat
    first = run_async(dossiers.file(draft(kb, "khai-sinh", sender_id=sender)))
    only = chat.say("/track_dossier")   # the "Hồ sơ của tôi" button
    assert first.code in only and "Đăng ký khai sinh" in only and S.NEW.label in only
    assert "4 số cuối" not in only and "mã hồ sơ (ví dụ" not in only
    second = run_async(dossiers.file(draft(kb, "ly-lich-tu-phap", sender_id=sender)))
    run_async(dossiers.change_status(second.code, S.RECEIVED, "", "can-bo-1"))
    listing = chat.say("/track_dossier")
    assert first.code in listing and second.code in listing and S.RECEIVED.label in listing
    assert "4 số cuối" not in listing
    tap = next(b["payload"] for b in chat.buttons if second.code in b["payload"])
    detail = chat.say(tap)
    assert S.RECEIVED.label in detail and "4 số cuối" not in detail
    owed = run_async(dossiers.get(second.code)).fee_due_vnd   # type: ignore[union-attr]
    assert owed and f"Thanh toán {vnd(owed)}" in [b["title"] for b in chat.buttons]   # paid from here
    typed = chat.say(f"tra cứu hồ sơ {first.code.lower()}")   # a code typed back: no digits either
    assert S.NEW.label in typed and "4 số cuối" not in typed
    # Someone else's conversation still proves ownership; with no dossier of its own it is told so.
    stranger = Chat(stack, new_sender())
    assert "4 số cuối" in stranger.say(f"tra cứu hồ sơ {first.code}")
    nothing = Chat(stack, new_sender()).say("/track_dossier")
    assert "chưa nộp hồ sơ nào" in nothing and "mã hồ sơ" in nothing

"""Paying a fee in the chat, over real HTTP to a real Rasa and the gateway's sandbox provider: the
offer (the amount computed at filing, its explanation, exemptions; with one provider, one "Thanh
toán 10.000 đ" button straight to the pay page), the pay page, and the receipt pushed back into the
conversation."""

from __future__ import annotations

import re

import httpx
import pytest

from actions.payment import NOT_YOURS
from knowledge_base.service import KnowledgeBase
from tests.support.chat import Chat
from tests.support.dossiers import draft, registry
from tests.support.payments import pay_on_sandbox
from tests.support.stack import Stack
from tests.support.waiting import run_async, wait_for

pytestmark = pytest.mark.rasa
LINK = re.compile(r"https?://\S+")


def updates(stack: Stack, sender: str) -> str:
    body = httpx.get(f"{stack.gateway_url}/api/chat/updates", params={"sender": sender}, timeout=30).json()
    return "\n".join(m.get("text", "") for u in body["updates"] for m in u["messages"])


def test_citizen_pays_the_fee_in_the_chat_and_gets_a_receipt(stack: Stack, new_sender, kb: KnowledgeBase) -> None:
    sender = new_sender()
    chat = Chat(stack, sender)
    chat.say("xin chào")
    filed = run_async(registry(stack, kb).file(draft(kb, "thuong-tru", sender_id=sender)))
    assert filed.fee_due_vnd == 10000   # the online rate, not the 20.000 đồng paid at the counter

    offer = chat.say("toi muon thanh toan le phi")
    assert filed.code in offer and "Số tiền cần nộp: 10.000 đ" in offer and "Được miễn" in offer
    assert "Lệ phí đăng ký thường trú – nộp trực tuyến: 10.000 đ" in offer  # how it was computed
    # One provider: no choice to make, the one button opens the pay page.
    assert [b["title"] for b in chat.buttons] == ["Thanh toán 10.000 đ"]
    pay_url = chat.buttons[0]["payload"]
    assert pay_url.startswith(stack.gateway_url + "/sandbox-pay/") and pay_url in offer and "biên lai" in offer

    back = pay_on_sandbox(pay_url)
    assert back.status_code == 303
    assert "Đã thanh toán" in httpx.get(back.headers["location"], timeout=30).text
    receipt = wait_for(lambda: "Biên lai thanh toán" in updates(stack, sender) and updates(stack, sender))
    assert filed.code in receipt and "10.000 đ" in receipt and "Ví thử nghiệm, mã giao dịch SB" in receipt

    after = chat.say(f"thanh toán phí hồ sơ {filed.code}")
    assert "không còn khoản phí" in after


def test_a_dossier_filed_by_someone_else_cannot_be_paid_from_this_chat(
        stack: Stack, new_sender, kb: KnowledgeBase) -> None:
    filed = run_async(registry(stack, kb).file(draft(kb, "doi-gplx", sender_id=new_sender())))
    chat = Chat(stack, new_sender())
    reply = chat.say(f"thanh toan le phi ho so {filed.code}")
    assert NOT_YOURS.format(code=filed.code) in reply and "135.000" not in reply
    # A forged provider button for that dossier is refused the same way.
    forged = chat.say(f'/choose_payment{{"dossier_code": "{filed.code}", "payment_provider": "sandbox"}}')
    assert NOT_YOURS.format(code=filed.code) in forged and "sandbox-pay" not in forged


def test_several_dossiers_owing_a_fee_are_offered_as_buttons(stack: Stack, new_sender, kb: KnowledgeBase) -> None:
    sender = new_sender()
    chat = Chat(stack, sender)
    chat.say("chào")
    first = run_async(registry(stack, kb).file(draft(kb, "doi-gplx", sender_id=sender)))
    second = run_async(registry(stack, kb).file(draft(kb, "ly-lich-tu-phap", sender_id=sender)))
    assert "hồ sơ nào" in chat.say("dong le phi")
    assert {b["title"] for b in chat.buttons} == {f"{first.code} · 135.000 đ", f"{second.code} · 200.000 đ"}
    chosen = next(b for b in chat.buttons if b["title"].startswith(second.code))
    assert "200.000 đ" in chat.say(chosen["payload"])
    assert [b["title"] for b in chat.buttons] == ["Thanh toán 200.000 đ"]

"""The web chat page in a real headless Chromium (Debian's), against the real gateway and Rasa."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.conversation.models import Conversation
from bot.conversation.outbox import Outbox
from bot.core.db import make_engine, make_sessionmaker
from channels.messages import OutboundMessage
from tests.support.stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.rasa]


def test_citizen_asks_and_taps_a_button(page: Page, stack: Stack) -> None:
    page.goto(stack.gateway_url + "/")
    expect(page.locator(".msg--bot").first).to_contain_text("Xin chào Anh/Chị")

    page.fill("#input", "doi bang lai xe het han can gi")
    page.click("#send")
    answer = page.locator(".msg--bot").filter(has_text="Giấy tờ cần có")
    expect(answer).to_contain_text("giấy phép lái xe", ignore_case=True)

    answer.get_by_role("button", name="Lệ phí").click()
    expect(page.locator(".msg--user").last).to_have_text("Lệ phí")
    expect(page.locator(".msg--bot").last).to_contain_text("Lệ phí")


def test_markup_typed_by_a_citizen_is_shown_as_text(page: Page, stack: Stack) -> None:
    page.goto(stack.gateway_url + "/")
    expect(page.locator(".msg--bot").first).to_contain_text("Xin chào Anh/Chị")  # the greeting, not the typing dots
    page.fill("#input", "<img src=x onerror=alert(1)> le phi khai sinh")
    page.click("#send")
    expect(page.locator(".msg--user").last).to_have_text("<img src=x onerror=alert(1)> le phi khai sinh")
    assert page.locator(".msg--user img").count() == 0
    expect(page.locator(".msg--bot").last).not_to_have_text("…")


def test_a_proactive_notice_reaches_the_open_web_chat(page: Page, stack: Stack) -> None:
    page.goto(stack.gateway_url + "/")
    expect(page.locator(".msg--bot").first).to_contain_text("Xin chào Anh/Chị")  # the greeting, not the typing dots
    sender = page.evaluate("localStorage.getItem('tro-ly-ao-sender')")
    sessions = make_sessionmaker(make_engine(stack.database_url))
    with sessions() as session:
        conversation_id = session.scalars(select(Conversation.id).where(
            Conversation.channel == "web", Conversation.sender_id == sender)).one()
    notice = "Hồ sơ HS-7M2K-QX9P của Anh/Chị đã được tiếp nhận."
    Outbox(sessions, {}).enqueue(conversation_id, [OutboundMessage(text=notice)], kind="notice")
    # The gateway's own outbox loop delivers it; the page fetches it within a few seconds.
    expect(page.locator(".msg--bot").last).to_have_text(notice, timeout=15_000)


def test_citizen_sends_a_photo_from_the_web_chat(page: Page, stack: Stack, tmp_path) -> None:
    photo = tmp_path / "giay-chung-sinh.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 30 + b"IEND\xaeB`\x82")
    page.goto(stack.gateway_url + "/")
    expect(page.locator(".msg--bot").first).to_contain_text("Xin chào Anh/Chị")  # the greeting, not the typing dots
    page.set_input_files("#file", str(photo))
    expect(page.locator(".msg--user").last).to_have_text("📎 giay-chung-sinh.png")
    expect(page.locator(".msg--bot").last).to_contain_text("Em đã nhận ảnh")

"""The handoff in real headless Chromium: a citizen in the web chat asks for a person; an agent
logs in to the console, claims the conversation, replies, and returns it to the bot."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.core.config import Settings
from tests.support.stack import Stack
from tests.support.staff import PASSWORD, create_user

pytestmark = [pytest.mark.browser, pytest.mark.rasa]


def test_citizen_asks_for_a_person_and_an_agent_answers(page: Page, browser: Browser, stack: Stack,
                                                        monkeypatch: pytest.MonkeyPatch, new_sender) -> None:
    username = "tnv" + new_sender().rsplit("-", 1)[-1]
    create_user(monkeypatch, Settings(database_url=stack.database_url), username, "volunteer", "Lê Thị Hoa")
    problems: list[str] = []
    agent = browser.new_context().new_page()
    agent.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    agent.goto(stack.gateway_url + "/staff/console")
    agent.fill("#username", username)
    agent.fill("#password", PASSWORD)
    agent.click("#login")
    expect(agent).to_have_url(stack.gateway_url + "/staff/console")
    expect(agent.locator("#presence")).to_be_visible()

    page.goto(stack.gateway_url + "/")
    page.fill("#input", "le phi ho chieu")
    page.click("#send")
    expect(page.locator(".msg--bot").last).to_contain_text("Lệ phí", timeout=15_000)
    page.fill("#input", "cho tôi gặp nhân viên")
    page.click("#send")
    expect(page.locator(".msg--bot").last).to_contain_text("vị trí số", timeout=15_000)

    # The queue names the citizen's problem, not "cho tôi gặp nhân viên".
    item = agent.locator("#queue .queue-item").filter(has_text="le phi ho chieu")
    expect(item).to_have_count(1, timeout=20_000)
    item.locator("button.claim").click()
    expect(agent.locator("#handoff")).to_have_attribute("data-status", "active")
    expect(agent.locator("#transcript .msg--citizen").last).to_contain_text("cho tôi gặp nhân viên")
    expect(agent.locator("#transcript .msg--bot").first).to_be_visible()     # the bot's turns too
    expect(agent.locator("#reveal")).to_be_hidden()          # a volunteer never reads personal data in full

    expect(page.locator(".msg--bot").last).to_contain_text("Lê Thị Hoa", timeout=15_000)
    agent.fill("#reply", "Chào Anh/Chị, em là Hoa, em hỗ trợ Anh/Chị ngay ạ.")
    agent.click("#send-reply")
    expect(page.locator(".msg--bot").last).to_have_text("Chào Anh/Chị, em là Hoa, em hỗ trợ Anh/Chị ngay ạ.",
                                                        timeout=15_000)

    page.fill("#input", "em muốn hỏi lệ phí hộ chiếu")
    page.click("#send")
    expect(agent.locator("#transcript .msg--citizen").last).to_have_text("em muốn hỏi lệ phí hộ chiếu",
                                                                        timeout=15_000)
    assert agent.locator("#transcript .msg--citizen").filter(has_text="em muốn hỏi lệ phí hộ chiếu").count() == 1

    agent.click("#return-bot")
    expect(agent.locator("#handoff")).to_have_attribute("data-status", "closed")
    expect(page.locator(".msg--bot").last).to_contain_text("chấm điểm", timeout=15_000)
    page.locator(".msg--bot").last.get_by_role("button", name="5 ⭐").click()
    expect(page.locator(".msg--bot").last).to_contain_text("Cảm ơn Anh/Chị đã đánh giá")
    page.fill("#input", "le phi ho chieu")
    page.click("#send")
    expect(page.locator(".msg--bot").last).to_contain_text("Lệ phí")          # the bot answers again
    assert problems == []
    with agent.expect_response(lambda r: r.url.endswith("/presence") and r.ok):
        agent.select_option("#presence", "away")   # leave the shared test stack with nobody online

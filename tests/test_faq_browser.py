"""A volunteer writes an FAQ, a reviewer publishes it, and a citizen asking in the web chat gets it
at once — in real headless Chromium, against the running gateway and Rasa (no retraining, no
restart)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.core.config import Settings
from tests.support.stack import Stack
from tests.support.staff import PASSWORD, create_user

pytestmark = [pytest.mark.browser, pytest.mark.rasa]

QUESTION = "Trung tâm có cho mượn kính lúp để đọc tờ khai không?"
ANSWER = ("Có. Người cao tuổi hoặc nhìn kém mượn kính lúp miễn phí tại quầy hướng dẫn, tầng 1. "
          "Anh/Chị chỉ cần báo cán bộ ở quầy.")


def log_in(browser: Browser, stack: Stack, username: str, path: str) -> Page:
    page = browser.new_context().new_page()
    page.goto(stack.gateway_url + path)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login")
    expect(page).to_have_url(stack.gateway_url + path)
    return page


def test_an_faq_written_reviewed_and_published_is_answered_in_the_chat(
        page: Page, browser: Browser, stack: Stack, monkeypatch: pytest.MonkeyPatch, new_sender) -> None:
    suffix = new_sender().rsplit("-", 1)[-1]
    settings = Settings(database_url=stack.database_url)
    create_user(monkeypatch, settings, f"tnv{suffix}", "volunteer", "Phạm Minh Tú")
    create_user(monkeypatch, settings, f"duyet{suffix}", "reviewer", "Đỗ Thu Hà")

    writer = log_in(browser, stack, f"tnv{suffix}", "/staff/faqs/new")
    writer.fill("#f-question", QUESTION)
    writer.fill("#f-alt_questions", "co kinh lup cho nguoi gia muon khong\nmượn kính lúp ở đâu")
    writer.fill("#f-answer", ANSWER)
    writer.fill("#f-tags", "hỗ trợ, người cao tuổi")
    writer.fill("#try_question", "muon kinh lup o dau")
    writer.click("#try")
    expect(writer.locator("#try-result")).to_contain_text("kính lúp")        # the draft would answer it
    writer.click("#submit")
    expect(writer.locator("body")).to_contain_text("Chờ duyệt")

    page.goto(stack.gateway_url + "/")
    page.fill("#input", "muon kinh lup o dau")
    page.click("#send")
    expect(page.locator(".msg--bot").last).not_to_contain_text("miễn phí tại quầy hướng dẫn")   # not yet

    reviewer = log_in(browser, stack, f"duyet{suffix}", "/staff/review")
    card = reviewer.locator("article").filter(has_text=QUESTION)
    expect(card).to_contain_text(ANSWER[:40])
    card.locator("button[id^=approve-]").click()
    expect(reviewer.locator("body")).to_contain_text("xuất bản")

    page.fill("#input", "trung tam co cho muon kinh lup khong")
    page.click("#send")
    expect(page.locator(".msg--bot").last).to_contain_text("miễn phí tại quầy hướng dẫn", timeout=15_000)

"""A citizen pays a fee from the web chat in a real headless Chromium: the offer's button, the pay
link, the sandbox provider's page, the return page, and the receipt arriving in the open chat."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from knowledge_base.service import KnowledgeBase
from tests.support.dossiers import draft, registry
from tests.support.stack import Stack
from tests.support.waiting import run_async

pytestmark = [pytest.mark.browser, pytest.mark.rasa]


def test_citizen_pays_from_the_web_chat(page: Page, stack: Stack, kb: KnowledgeBase) -> None:
    page.goto(stack.gateway_url + "/")
    page.fill("#input", "xin chào")
    page.click("#send")
    # Rasa's replies get the same 15 s as the other browser tests: 5 s failed once on a busy machine.
    expect(page.locator(".msg--bot")).to_have_count(2, timeout=15_000)
    sender = page.evaluate("localStorage.getItem('tro-ly-ao-sender')")
    filed = run_async(registry(stack, kb).file(draft(kb, "doi-gplx", sender_id=sender)))

    page.fill("#input", "thanh toán lệ phí")
    page.click("#send")
    offer = page.locator(".msg--bot").filter(has_text="Số tiền cần nộp")
    expect(offer).to_contain_text(filed.code, timeout=15_000)
    expect(offer).to_contain_text("135.000 đ")
    # One provider: the one button opens the pay page, no provider to choose.
    link = offer.get_by_role("link", name="Thanh toán 135.000 đ")
    expect(link).to_have_attribute("href", re.compile(re.escape(f"{stack.gateway_url}/sandbox-pay/") + r"\S+"))

    with page.expect_popup() as opened:
        link.click()
    pay_page = opened.value
    expect(pay_page.locator("#amount")).to_have_text("135.000 đ")
    pay_page.click("#pay")
    expect(pay_page.locator("#result")).to_have_text("Đã thanh toán")
    pay_page.close()

    receipt = page.locator(".msg--bot").filter(has_text="Biên lai thanh toán")
    expect(receipt).to_contain_text(filed.code, timeout=15_000)
    expect(receipt).to_contain_text("135.000 đ")

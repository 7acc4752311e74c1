"""The web chat on a phone (Chromium at 390×844), against the real gateway and Rasa.

Each point the tester found has its assertions, and a screenshot a person can look at is written
to test-results/screenshots/ (docs/screenshots/ with UPDATE_SCREENSHOTS=1): the newest buttons in
view, the conversation after a reload, a refused message, the pay button. Replies the dialogue
cannot be made to give on demand (an image, a 429, a network cut) are played by intercepting the
page's requests.
"""

from __future__ import annotations

import json
import os
import re
import struct
import zlib
from base64 import b64encode
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from knowledge_base.service import KnowledgeBase
from tests.support.dossiers import draft, registry
from tests.support.paths import ROOT
from tests.support.stack import Stack
from tests.support.waiting import run_async

pytestmark = [pytest.mark.browser, pytest.mark.rasa]

PHONE = {"width": 390, "height": 844}
# The committed set in docs/screenshots/ is regenerated with UPDATE_SCREENSHOTS=1; an ordinary run
# writes to test-results/ so it leaves the working tree clean (the pay page's code changes each run).
SHOTS = ROOT / ("docs/screenshots" if os.environ.get("UPDATE_SCREENSHOTS") else "test-results/screenshots")


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": PHONE, "device_scale_factor": 2, "is_mobile": True,
            "has_touch": True, "locale": "vi-VN"}


def screenshot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    page.screenshot(path=str(path))
    return path


def assert_fully_in_view(page: Page, locator: Locator) -> None:
    """Inside the scrolled log and the 844 px screen, not under the composer."""
    expect(locator).to_be_in_viewport(ratio=1)
    box, log = locator.bounding_box(), page.locator("#log").bounding_box()
    assert box is not None and log is not None
    assert box["y"] >= log["y"] - 1 and box["y"] + box["height"] <= log["y"] + log["height"] + 1
    assert box["y"] + box["height"] <= PHONE["height"]


def open_chat(page: Page, stack: Stack) -> None:
    page.goto(stack.gateway_url + "/")
    expect(page.locator(".msg--bot").first).to_contain_text("Xin chào Anh/Chị")


def ask(page: Page, text: str) -> None:
    page.fill("#input", text)
    page.click("#send")


def tall_png(width: int = 300, height: int = 700) -> bytes:
    """A plain grey PNG, tall enough to push the buttons below the screen if it loaded after the scroll."""
    row = b"\x00" + b"\xa0" * width
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


def test_the_newest_answer_and_its_buttons_are_in_view_and_spent_buttons_are_disabled(
        page: Page, stack: Stack) -> None:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_chat(page, stack)
    ask(page, "doi bang lai xe het han can gi")
    answer = page.locator(".msg--bot").filter(has_text="Giấy tờ cần có").first   # later answers offer it as a button
    expect(answer).to_contain_text("giấy phép lái xe", ignore_case=True)
    first_choices = answer.locator(".msg__choices")
    assert_fully_in_view(page, first_choices)
    # The log is scrolled to its end once the buttons are there.
    assert page.evaluate("(() => { const l = document.getElementById('log');"
                         " return l.scrollHeight - l.scrollTop - l.clientHeight; })()") <= 2
    greeting_choices = page.locator(".msg--bot").first.locator(".msg__choices button")
    if greeting_choices.count():   # overtaken by the newer answer
        expect(greeting_choices.first).to_be_disabled()

    first_choices.get_by_role("button", name="Lệ phí").click()
    expect(page.locator(".msg--user").last).to_have_text("Lệ phí")
    fee = page.locator(".msg--bot").last
    expect(fee).to_contain_text("Lệ phí")
    # The tapped group is spent: every button disabled, the chosen one marked.
    for button in first_choices.locator("button").all():
        expect(button).to_be_disabled()
    expect(first_choices.locator(".choice--chosen")).to_have_text("Lệ phí")
    expect(first_choices).to_have_class("msg__buttons msg__choices is-spent")
    newest = page.locator(".msg--bot").last
    if newest.locator(".msg__choices button").count():
        assert_fully_in_view(page, newest.locator(".msg__choices"))
        expect(newest.locator(".msg__choices button").first).to_be_enabled()
    else:
        assert_fully_in_view(page, newest)
    screenshot(page, "web-chat-buttons-in-view.png")

    # An answer with a tall image: the buttons under it are still in view once the image has loaded.
    image = "data:image/png;base64," + b64encode(tall_png()).decode()
    reply = [{"recipient_id": "x", "text": "Mẫu tờ khai như ảnh dưới đây.", "image": image,
              "buttons": [{"title": "Nộp hồ sơ", "payload": "/start_submission"},
                          {"title": "Gặp nhân viên", "payload": "/request_human"}]}]
    page.route("**/webhooks/rest/webhook", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(reply)))
    ask(page, "mẫu tờ khai")
    with_image = page.locator(".msg--bot").filter(has_text="Mẫu tờ khai như ảnh")
    expect(with_image.locator("img")).to_be_visible()
    page.wait_for_function("document.querySelector('.msg--bot:last-child img').complete")
    assert_fully_in_view(page, with_image.get_by_role("button", name="Gặp nhân viên"))
    page.unroute("**/webhooks/rest/webhook")
    assert errors == []   # no script error, nothing the page's Content-Security-Policy refused


def test_the_conversation_survives_a_reload_for_this_browser_only(page: Page, stack: Stack,
                                                                   browser: Browser) -> None:
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    open_chat(page, stack)
    ask(page, "doi bang lai xe het han can gi")
    answer = page.locator(".msg--bot").filter(has_text="Giấy tờ cần có").first   # later answers offer it as a button
    expect(answer.locator(".msg__choices")).to_be_visible()
    answer.get_by_role("button", name="Lệ phí").click()
    expect(page.locator(".msg--bot").last).to_contain_text("Lệ phí")
    expect(page.locator(".msg--typing")).to_have_count(0)
    sender = page.evaluate("localStorage.getItem('tro-ly-ao-sender')")
    bot_count = page.locator(".msg--bot").count()

    page.reload()
    expect(page.locator(".msg--user")).to_have_text(["doi bang lai xe het han can gi", "Lệ phí"])
    expect(page.locator(".msg--bot")).to_have_count(bot_count)   # no second greeting, nothing lost
    expect(page.locator(".msg--bot").first).to_contain_text("Xin chào Anh/Chị")
    restored = page.locator(".msg--bot").filter(has_text="Giấy tờ cần có").first
    for button in restored.locator(".msg__choices button").all():   # old choices stay spent
        expect(button).to_be_disabled()
    expect(restored.locator(".choice--chosen")).to_have_text("Lệ phí")   # and show which one was tapped
    newest = page.locator(".msg--bot").last
    assert_fully_in_view(page, newest.locator(".msg__choices") if newest.locator(".msg__choices").count()
                         else newest)
    assert page.evaluate("localStorage.getItem('tro-ly-ao-sender')") == sender
    screenshot(page, "web-chat-after-reload.png")
    # The sender never travels in a URL (nginx logs URLs); it goes in a header or the body.
    assert urls and not [u for u in urls if sender in u]

    # Another browser that somehow has the sender id (not the cookie) sees none of it.
    other = browser.new_context(viewport=PHONE)
    other.add_init_script(f"localStorage.setItem('tro-ly-ao-sender', {json.dumps(sender)})")
    stranger = other.new_page()
    stranger.goto(stack.gateway_url + "/")
    expect(stranger.locator(".msg--bot").first).to_contain_text("Xin chào Anh/Chị")
    expect(stranger.locator(".msg--user")).to_have_count(0)
    assert "Giấy tờ cần có" not in stranger.locator("#log").inner_text()
    history = stranger.request.get(stack.gateway_url + "/api/chat/history", headers={"X-Chat-Sender": sender})
    assert history.status == 401
    other.close()


def test_errors_say_what_happened_and_the_message_is_kept(page: Page, stack: Stack, tmp_path: Path) -> None:
    page.clock.install()   # timers run as the test says, to reach the 30 s answer timeout at once
    open_chat(page, stack)
    webhook = "**/webhooks/rest/webhook"

    page.route(webhook, lambda route: route.fulfill(
        status=429, headers={"Retry-After": "7"}, content_type="application/json",
        body=json.dumps({"error": "Anh/Chị gửi quá nhanh, vui lòng thử lại sau ít giây."})))
    ask(page, "le phi khai sinh")
    failed = page.locator(".msg--user.msg--failed")
    expect(failed.locator(".msg__error")).to_contain_text(
        "Anh/Chị gửi nhanh quá, vui lòng chờ 7 giây rồi gửi lại.")
    expect(failed.get_by_role("button", name="Gửi lại")).to_be_disabled()   # until the 7 s are over
    expect(page.locator("#input")).to_have_value("le phi khai sinh")   # nothing to type again
    assert "kiểm tra mạng" not in page.locator("#log").inner_text()
    assert_fully_in_view(page, failed.locator(".msg__error"))
    screenshot(page, "web-chat-rate-limit.png")

    page.unroute(webhook)
    page.route(webhook, lambda route: route.fulfill(status=503, headers={"Retry-After": "5"},
                                                    content_type="application/json", body="{}"))
    page.click("#send")   # the kept text, sent again: one bubble for it, not two
    expect(page.locator(".msg--user")).to_have_count(1)
    expect(failed.locator(".msg__error")).to_contain_text("Hệ thống đang bận, Anh/Chị vui lòng gửi lại sau 5 giây.")

    page.unroute(webhook)
    page.route(webhook, lambda route: route.abort("internetdisconnected"))
    page.fill("#input", "")
    failed.get_by_role("button", name="Gửi lại").click(timeout=10_000)
    expect(failed.locator(".msg__error")).to_contain_text("mất kết nối mạng. Anh/Chị kiểm tra mạng")
    expect(page.locator(".msg--user")).to_have_count(1)

    page.unroute(webhook)   # no answer at all: after 30 s the page says so instead of "…" forever
    page.route(webhook, lambda route: None)
    failed.get_by_role("button", name="Gửi lại").click()
    expect(page.locator(".msg--typing")).to_have_count(1)
    page.clock.run_for(31_000)
    expect(failed.locator(".msg__error")).to_contain_text("Hệ thống chưa trả lời kịp")

    page.unroute(webhook)   # the network is back: "Gửi lại" delivers it, once
    failed.get_by_role("button", name="Gửi lại").click()
    expect(page.locator(".msg--user")).to_have_count(1)
    expect(page.locator(".msg--user.msg--failed")).to_have_count(0)
    expect(page.locator(".msg--user")).to_have_text("le phi khai sinh")
    expect(page.locator(".msg--bot").last).to_contain_text("Lệ phí")
    expect(page.locator("#input")).to_have_value("")

    # A file over the limit is refused before it is sent; a 413 from the server says the same.
    photo = tmp_path / "anh.png"
    photo.write_bytes(tall_png(20, 20))
    page.route("**/api/chat/upload", lambda route: route.fulfill(status=413, content_type="application/json",
                                                                 body="{}"))
    page.set_input_files("#file", str(photo))
    expect(page.locator(".msg--user.msg--failed").last.locator(".msg__error")).to_contain_text("Tệp lớn quá 10 MB")


def test_the_pay_link_is_a_button(page: Page, stack: Stack, kb: KnowledgeBase) -> None:
    open_chat(page, stack)
    ask(page, "xin chào")
    expect(page.locator(".msg--bot")).to_have_count(2, timeout=15_000)
    sender = page.evaluate("localStorage.getItem('tro-ly-ao-sender')")
    filed = run_async(registry(stack, kb).file(draft(kb, "doi-gplx", sender_id=sender)))

    ask(page, "thanh toán lệ phí")
    offer = page.locator(".msg--bot").filter(has_text="Số tiền cần nộp")
    expect(offer).to_contain_text(filed.code, timeout=15_000)
    choose = offer.get_by_role("button", name="Ví thử nghiệm")
    if choose.count():   # several providers: one tap to choose, then the link
        choose.click()
        expect(offer.locator(".msg__choices button").first).to_be_disabled()
    pay = page.get_by_role("link", name=re.compile(r"^Thanh toán 135\.000 đ"))
    expect(pay).to_have_count(1)   # one button, even when the text and a button both carry the link
    expect(pay).to_have_attribute("href", re.compile(re.escape(f"{stack.gateway_url}/sandbox-pay/") + r"\S+"))
    expect(pay).to_have_attribute("target", "_blank")
    message = page.locator(".msg--bot").filter(has=pay)
    assert "http" not in message.locator(".msg__text").inner_text()   # no raw URL to copy
    expect(message.locator(".msg__text")).to_contain_text("hiệu lực đến")
    assert_fully_in_view(page, pay)
    screenshot(page, "web-chat-pay-button.png")

    with page.expect_popup() as opened:
        pay.click()
    expect(opened.value.locator("#amount")).to_contain_text("135.000 đ")
    opened.value.close()

    # Links a reply offers as buttons (payload or `url`) open as links and send nothing to the bot.
    reply = [{"recipient_id": "x", "text": "Anh/Chị xem thêm trên Cổng dịch vụ công: https://dichvucong.gov.vn/p/home/dvc-tthc.html.",
              "buttons": [{"title": "Mở Cổng", "payload": "https://dichvucong.gov.vn/"},
                          {"title": "Hướng dẫn", "url": "https://dichvucong.gov.vn/huong-dan"},
                          {"title": "Không phải link", "payload": "javascript:alert(1)"}]}]
    page.route("**/webhooks/rest/webhook", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(reply)))
    ask(page, "xem them")
    links = page.locator(".msg--bot").last
    expect(links.get_by_role("link", name="Mở Cổng")).to_have_attribute("href", "https://dichvucong.gov.vn/")
    expect(links.get_by_role("link", name="Hướng dẫn")).to_have_attribute("href", "https://dichvucong.gov.vn/huong-dan")
    expect(links.get_by_role("button", name="Không phải link")).to_be_visible()
    inline = links.locator(".msg__text a")
    expect(inline).to_have_text("dichvucong.gov.vn/…")
    expect(inline).to_have_attribute("href", "https://dichvucong.gov.vn/p/home/dvc-tthc.html")
    page.unroute("**/webhooks/rest/webhook")


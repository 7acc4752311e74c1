"""The staff dossier pages in a real headless Chromium (Debian's), against the gateway in a uvicorn
thread. Rasa is not needed: ASSISTANT_RASA_URL points at a closed port."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from bot.app import create_app
from bot.dossiers.backend import DossierView
from knowledge_base.service import KnowledgeBase
from tests.support.network import free_port
from tests.support.servers import serve_in_thread
from tests.support.staff import PASSWORD, create_user, file_dossier, staff_settings

pytestmark = [pytest.mark.browser]


@dataclass
class Gateway:
    url: str
    dossier: DossierView
    other: DossierView


@pytest.fixture
def gateway(kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    settings = staff_settings(tmp_path, free_port())
    dossier, _ = file_dossier(kb, settings, sender_id="citizen-1", procedure_id="doi-gplx")
    other, _ = file_dossier(kb, settings, sender_id="citizen-2", procedure_id="ly-lich-tu-phap")
    create_user(monkeypatch, settings, "tongdai", "hotline", "Trần Thị Bình")
    with serve_in_thread(create_app(settings, kb=kb), free_port(), "the gateway") as url:
        assert httpx.get(f"{url}/health").status_code == 200
        yield Gateway(url, dossier, other)


def test_staff_requests_a_supplement(page: Page, gateway: Gateway) -> None:
    problems: list[str] = []  # a Content-Security-Policy violation shows up here
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(gateway.url + "/staff/dossiers")
    expect(page).to_have_url(f"{gateway.url}/staff/login?next=/staff/dossiers")
    page.fill("#username", "tongdai")
    page.fill("#password", PASSWORD)
    page.click("#login")
    expect(page.locator("h1")).to_have_text("Danh sách hồ sơ")
    expect(page.locator(".top__name")).to_contain_text("Trần Thị Bình")
    expect(page.locator("table.list")).to_contain_text(gateway.other.code)

    page.select_option("#procedure", "doi-gplx")
    page.click("#apply")
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(gateway.dossier.code)
    expect(rows.first).to_contain_text("Nguyễn Văn An")

    rows.first.get_by_role("link", name=gateway.dossier.code).click()
    expect(page.locator("h1")).to_contain_text(gateway.dossier.code)
    expect(page.locator("#cccd")).to_have_text("••••••2345")
    expect(page.locator("#current-status")).to_have_text("Mới đăng ký")

    page.select_option("#new-status", "5")
    page.click("#change")  # no note: refused with the reason
    expect(page.locator("#error")).to_contain_text("cần ghi chú")
    page.fill("#note", "Thiếu giấy khám sức khỏe cho người lái xe")
    page.click("#change")
    expect(page.locator(".alert--ok")).to_have_text("Đã cập nhật trạng thái hồ sơ.")
    expect(page.locator("#current-status")).to_have_text("Yêu cầu bổ sung giấy tờ")
    latest = page.locator("#timeline li").first
    expect(latest).to_contain_text("Yêu cầu bổ sung giấy tờ")
    expect(latest).to_contain_text("Thiếu giấy khám sức khỏe cho người lái xe")
    expect(latest).to_contain_text("bởi tongdai")

    page.click("#logout")
    expect(page.locator(".alert--info")).to_have_text("Anh/Chị đã đăng xuất.")
    page.goto(gateway.url + f"/staff/dossiers/{gateway.dossier.code}")
    expect(page.locator("#username")).to_be_visible()
    assert [p for p in problems if "Content Security Policy" in p or "Refused" in p] == []


def test_staff_pages_fit_a_phone(page: Page, gateway: Gateway) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(gateway.url + "/staff/login")
    page.fill("#username", "tongdai")
    page.fill("#password", PASSWORD)
    page.click("#login")
    expect(page.locator("table.list")).to_be_visible()
    for path in ("/staff/dossiers", f"/staff/dossiers/{gateway.dossier.code}"):
        page.goto(gateway.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} overflows a phone screen ({width}px)"

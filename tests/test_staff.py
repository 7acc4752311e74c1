"""Staff accounts and the staff dossier pages, in process (TestClient, temporary SQLite)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.app import create_app
from bot.auth import cli
from bot.auth.models import AuditEntry, StaffSession, StaffUser
from bot.conversation.attachments import AttachmentService, LocalFileStore
from bot.conversation.models import Conversation
from bot.core.config import Settings
from bot.core.db import make_engine, make_sessionmaker
from bot.core.services import services_of
from bot.dossiers.backend import DossierBackend, DossierView
from bot.dossiers.models import DossierRecord
from bot.dossiers.status import DossierStatus as S
from bot.insights.models import UnansweredQuestion
from knowledge_base.service import KnowledgeBase
from tests.support.network import free_port
from tests.support.staff import (
    CCCD,
    PASSWORD,
    PNG,
    STAFF,
    copy_files,
    create_users,
    file_dossier,
    login,
    login_form_token,
    staff_settings,
)
from tests.support.waiting import run_async


@dataclass
class Env:
    client: TestClient
    settings: Settings
    dossier: DossierView
    photo_id: int

    def audit(self, action: str) -> list[AuditEntry]:
        sessions = make_sessionmaker(make_engine(self.settings.database_url))
        with sessions() as session:
            return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture(scope="module")
def prepared(kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DossierView, int]:
    """Made once: a database with a filed dossier (its photo stored) and the four staff accounts
    (through the CLI); each test gets a copy of these files."""
    folder = tmp_path_factory.mktemp("staff")
    settings = staff_settings(folder, free_port())
    dossier, photo_id = file_dossier(kb, settings)
    create_users(settings, STAFF)
    return folder, dossier, photo_id


@pytest.fixture
def env(kb: KnowledgeBase, prepared: tuple[Path, DossierView, int], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    template, dossier, photo_id = prepared
    copy_files(template, tmp_path)
    settings = staff_settings(tmp_path, free_port())
    monkeypatch.setenv(cli.PASSWORD_ENV, PASSWORD)   # as after making the accounts here
    with TestClient(create_app(settings, kb=kb), follow_redirects=False) as client:
        yield Env(client, settings, dossier, photo_id)


# ---- accounts (CLI) -------------------------------------------------------------------------------
def test_cli_refuses_short_passwords_and_lists_and_disables(env: Env, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(cli.PASSWORD_ENV, "ngan")
    assert cli.main(["create", "moi", "--role", "hotline"], env.settings) == 1
    assert "ít nhất 10 ký tự" in capsys.readouterr().err
    assert cli.main(["create", "tnv", "--role", "hotline"], env.settings) == 1
    assert cli.main(["list"], env.settings) == 0
    listing = capsys.readouterr().out
    assert "giamsat" in listing and "supervisor" in listing
    with make_sessionmaker(make_engine(env.settings.database_url))() as session:
        stored = session.scalars(select(StaffUser.password_hash).where(StaffUser.username == "tnv")).one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_disabled_account_loses_its_session_at_once(env: Env) -> None:
    login(env.client, "tongdai")
    assert cli.main(["disable", "tongdai"], env.settings) == 0
    assert env.client.get("/staff/dossiers").status_code == 303


# ---- login required -------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/staff/dossiers", "/staff/dossiers/HS-0000-0000", "/staff/attachments/1"])
def test_anonymous_is_sent_to_the_login_page(env: Env, path: str) -> None:
    response = env.client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/login?next=")
    assert PNG not in response.content


def test_anonymous_never_gets_an_attachment(env: Env) -> None:
    response = env.client.get(f"/staff/attachments/{env.photo_id}", follow_redirects=True)
    assert PNG not in response.content and "Đăng nhập" in response.text
    assert env.client.post(f"/staff/dossiers/{env.dossier.code}/status", data={"status": "2"}).status_code == 401
    assert env.client.post("/staff/logout").status_code == 401


def test_wrong_password_is_refused_and_audited(env: Env) -> None:
    response = env.client.post("/staff/login", data={"username": "tnv", "password": "sai-mat-khau-roi",
                                                     "csrf_token": login_form_token(env.client)})
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.text
    assert "staff_session" not in response.headers.get("set-cookie", "")
    assert [e.actor for e in env.audit("login.failed")] == ["tnv"]


def test_logins_are_rate_limited_per_username_and_address(env: Env) -> None:
    token = login_form_token(env.client)
    for _ in range(5):
        response = env.client.post("/staff/login", data={"username": "tnv", "password": "sai-mat-khau-roi",
                                                         "csrf_token": token})
        assert response.status_code == 401
    blocked = env.client.post("/staff/login", data={"username": "tnv", "password": PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429 and "thử lại sau 15 phút" in blocked.text
    assert login(env.client, "tongdai")  # another account from the same address is not blocked


def test_login_form_needs_its_csrf_token(env: Env) -> None:
    login_form_token(env.client)
    for token in ("", "sai"):
        response = env.client.post("/staff/login", data={"username": "tnv", "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 403 and "tải lại trang" in response.text


def test_session_cookie_flags(env: Env, kb: KnowledgeBase, tmp_path: Path) -> None:
    response = env.client.post("/staff/login", data={"username": "tnv", "password": PASSWORD,
                                                     "csrf_token": login_form_token(env.client)})
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("staff_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/staff" in cookie
    assert "Secure" not in cookie
    assert len(cookie.split(";")[0].split("=", 1)[1]) >= 43  # 256 bits, url-safe base64
    https = env.settings.model_copy(update={"public_url": "https://dichvucong.example.vn"})
    with TestClient(create_app(https, kb=kb), base_url="https://testserver", follow_redirects=False) as client:
        response = client.post("/staff/login", data={"username": "tnv", "password": PASSWORD,
                                                     "csrf_token": login_form_token(client)})
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("staff_session="))
        assert "Secure" in cookie


def test_staff_pages_send_strict_headers(env: Env) -> None:
    login(env.client, "tnv")
    for path in ("/staff/login", "/staff/dossiers", f"/staff/dossiers/{env.dossier.code}"):
        headers = env.client.get(path).headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


# ---- pages ----------------------------------------------------------------------------------------
def test_list_filters_and_finds_by_code(env: Env, kb: KnowledgeBase) -> None:
    other, _ = file_dossier(kb, env.settings, sender_id="citizen-2", procedure_id="ly-lich-tu-phap")
    login(env.client, "tnv")
    page = env.client.get("/staff/dossiers").text
    assert env.dossier.code in page and other.code in page and "Nguyễn Văn An" in page
    page = env.client.get("/staff/dossiers", params={"procedure": "ly-lich-tu-phap"}).text
    assert other.code in page and env.dossier.code not in page
    page = env.client.get("/staff/dossiers", params={"status": "2"}).text
    assert "Không có hồ sơ nào" in page
    page = env.client.get("/staff/dossiers", params={"q": env.dossier.code.lower().replace("-", " ")}).text
    assert env.dossier.code in page and other.code not in page


def test_volunteer_sees_masked_cccd_and_supervisor_the_full_one(env: Env) -> None:
    login(env.client, "tnv")
    for query in ("", "?reveal=1"):
        page = env.client.get(f"/staff/dossiers/{env.dossier.code}{query}").text
        assert "Nguyễn Văn An" in page and "••••••2345" in page and CCCD not in page and "0912" not in page
    assert "status-form" not in page  # volunteers only read
    env.client.cookies.clear()
    login(env.client, "giamsat")
    page = env.client.get(f"/staff/dossiers/{env.dossier.code}").text
    assert CCCD not in page and "reveal=1" in page
    page = env.client.get(f"/staff/dossiers/{env.dossier.code}?reveal=1").text
    assert CCCD in page and "0912 345 678" in page
    assert [(e.actor, e.target) for e in env.audit("dossier.reveal")] == [("giamsat", env.dossier.code)]
    assert {e.actor for e in env.audit("dossier.view")} == {"tnv", "giamsat"}


def test_status_change_with_note_reaches_the_registry_and_its_history(env: Env) -> None:
    csrf = login(env.client, "tongdai")
    url = f"/staff/dossiers/{env.dossier.code}/status"
    missing_note = env.client.post(url, data={"status": "5", "note": " ", "csrf_token": csrf})
    assert missing_note.status_code == 400 and "cần ghi chú" in missing_note.text
    response = env.client.post(url, data={"status": "5", "note": "Thiếu giấy khám sức khỏe", "csrf_token": csrf})
    assert response.status_code == 303
    page = env.client.get(response.headers["location"]).text
    assert "Đã cập nhật trạng thái" in page and "Thiếu giấy khám sức khỏe" in page and "bởi tongdai" in page
    view = run_async(services_of(env.client.app).get(DossierBackend).get(env.dossier.code))
    assert view.status == S.SUPPLEMENT
    assert (view.history[-1].note, view.history[-1].actor) == ("Thiếu giấy khám sức khỏe", "tongdai")
    assert env.audit("dossier.status")[0].target == env.dossier.code


def test_staff_ask_for_the_fee_with_an_amount(env: Env) -> None:
    csrf = login(env.client, "tongdai")
    url = f"/staff/dossiers/{env.dossier.code}/status"
    assert env.client.post(url, data={"status": "2", "csrf_token": csrf}).status_code == 303
    bad = env.client.post(url, data={"status": "6", "note": "Phí sát hạch", "fee": "abc", "csrf_token": csrf})
    assert bad.status_code == 400 and "Số tiền phải là số đồng" in bad.text
    wrong_status = env.client.post(url, data={"status": "4", "fee": "1000", "csrf_token": csrf})
    assert wrong_status.status_code == 400 and "Số tiền chỉ nhập khi" in wrong_status.text
    response = env.client.post(url, data={"status": "6", "note": "Phí sát hạch lại", "fee": "115.000",
                                          "csrf_token": csrf})
    assert response.status_code == 303
    view = run_async(services_of(env.client.app).get(DossierBackend).get(env.dossier.code))
    assert (view.status, view.fee_due_vnd) == (S.FEE_DUE, 115000)
    assert "fee=115000" in env.audit("dossier.status")[-1].detail


def test_invalid_transition_shows_the_reason(env: Env) -> None:
    csrf = login(env.client, "tongdai")
    url = f"/staff/dossiers/{env.dossier.code}/status"
    assert env.client.post(url, data={"status": "9", "csrf_token": csrf}).status_code == 303
    response = env.client.post(url, data={"status": "5", "note": "Thiếu ảnh", "csrf_token": csrf})
    assert response.status_code == 409
    assert "không thể chuyển sang «Yêu cầu bổ sung giấy tờ»" in response.text
    view = run_async(services_of(env.client.app).get(DossierBackend).get(env.dossier.code))
    assert view.status == S.DONE


def test_one_submit_returns_the_result_with_every_step_and_one_notice(env: Env) -> None:
    """Before: tiếp nhận, xử lý, xong, trả = 4 submits. Now the form offers «Đã trả kết quả» at once."""
    csrf = login(env.client, "tongdai")
    page = env.client.get(f"/staff/dossiers/{env.dossier.code}").text
    assert "10 · Đã trả kết quả (ghi nhận cả: Được tiếp nhận, Đã xử lý xong)" in page
    assert "1 · Mới đăng ký" not in page   # only statuses the national model leads to are offered
    notices: list[S] = []
    app = env.client.app
    registry = services_of(app).get(DossierBackend)
    listener = registry.on_status_change

    async def counting(view: DossierView) -> None:
        notices.append(view.status)
        if listener is not None:
            await listener(view)

    registry.on_status_change = counting
    response = env.client.post(f"/staff/dossiers/{env.dossier.code}/status",
                               data={"status": "10", "note": "Mời Anh nhận bằng lái tại quầy số 3",
                                     "csrf_token": csrf})
    assert response.status_code == 303
    view = run_async(registry.get(env.dossier.code))
    assert [e.status for e in view.history] == [S.NEW, S.RECEIVED, S.DONE, S.RETURNED]
    assert notices == [S.RETURNED]
    page = env.client.get(response.headers["location"]).text
    assert page.count("bởi tongdai") == 3 and "Mời Anh nhận bằng lái tại quầy số 3" in page


def test_staff_see_every_answer_masked_by_role_and_what_the_citizen_reads(env: Env) -> None:
    login(env.client, "tongdai")
    page = env.client.get(f"/staff/dossiers/{env.dossier.code}").text
    # the applicant: every field, personal data masked for the hotline
    assert "Nguyễn Văn An" in page and "••/••/1990" in page and "•••, phường 1" in page
    assert "12 Lê Lợi" not in page and "17/05/1990" not in page and CCCD not in page
    # the procedure's own answers with the catalog's labels
    assert "Hạng giấy phép lái xe" in page and "Lý do đổi" in page and "Hình thức nhận giấy phép" in page
    assert "Giấy khám sức khỏe" in page and f"/staff/attachments/{env.photo_id}" in page
    # which texts go to the citizen
    assert "Gửi cho công dân (công dân sẽ đọc nguyên văn)" in page and "công dân sẽ thấy số tiền này" in page
    assert "chỉ cán bộ thấy" in page
    env.client.cookies.clear()
    login(env.client, "giamsat")
    page = env.client.get(f"/staff/dossiers/{env.dossier.code}?reveal=1").text
    assert "17/05/1990" in page and "12 Lê Lợi, phường 1" in page and CCCD in page


def test_only_admins_may_override(env: Env) -> None:
    csrf = login(env.client, "tongdai")
    url = f"/staff/dossiers/{env.dossier.code}/status"
    assert 'name="override"' not in env.client.get(f"/staff/dossiers/{env.dossier.code}").text
    assert env.client.post(url, data={"status": "10", "override": "1", "csrf_token": csrf}).status_code == 403
    env.client.cookies.clear()
    csrf = login(env.client, "quantri")
    assert 'name="override"' in env.client.get(f"/staff/dossiers/{env.dossier.code}").text
    assert env.client.post(url, data={"status": "10", "override": "1", "note": "sửa nhầm",
                                      "csrf_token": csrf}).status_code == 303


@pytest.mark.parametrize("token", [None, "", "sai-token"])
def test_posts_without_the_right_csrf_token_are_refused(env: Env, token: str | None) -> None:
    login(env.client, "tongdai")
    data = {"status": "2", "note": "đủ"} | ({"csrf_token": token} if token is not None else {})
    response = env.client.post(f"/staff/dossiers/{env.dossier.code}/status", data=data)
    assert response.status_code == 403 and "không hợp lệ" in response.text
    assert env.client.post("/staff/logout", data={} if token is None else {"csrf_token": token}).status_code == 403
    view = run_async(services_of(env.client.app).get(DossierBackend).get(env.dossier.code))
    assert view.status == S.NEW


def test_attachment_download_is_audited_and_never_sniffed(env: Env) -> None:
    login(env.client, "tnv")                  # a volunteer sees what was filed, not the scans themselves
    page = env.client.get(f"/staff/dossiers/{env.dossier.code}").text
    assert "Giấy khám sức khỏe" in page and f"/staff/attachments/{env.photo_id}" not in page
    assert env.client.get(f"/staff/attachments/{env.photo_id}").status_code == 404
    env.client.cookies.clear()
    login(env.client, "tongdai")
    page = env.client.get(f"/staff/dossiers/{env.dossier.code}").text
    assert f"/staff/attachments/{env.photo_id}" in page
    response = env.client.get(f"/staff/attachments/{env.photo_id}")
    assert response.status_code == 200 and response.content == PNG
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''gi%E1%BA%A5y" in response.headers["content-disposition"]
    assert response.headers["x-content-type-options"] == "nosniff"
    [entry] = env.audit("attachment.download")
    assert (entry.actor, entry.target, entry.detail) == ("tongdai", f"attachment:{env.photo_id}", env.dossier.code)
    assert env.client.get("/staff/attachments/99999").status_code == 404


def test_logout_ends_the_session(env: Env) -> None:
    csrf = login(env.client, "tnv")
    cookie = env.client.cookies.get("staff_session")
    response = env.client.post("/staff/logout", data={"csrf_token": csrf})
    assert response.status_code == 303 and response.headers["location"] == "/staff/login?out=1"
    with make_sessionmaker(make_engine(env.settings.database_url))() as session:
        assert session.scalars(select(StaffSession)).all() == []
    env.client.cookies.set("staff_session", cookie or "", path="/staff")  # a copied cookie is dead too
    assert env.client.get("/staff/dossiers").status_code == 303
    assert [e.action for e in env.audit("logout")] == ["logout"]


def test_idle_session_expires(env: Env) -> None:
    login(env.client, "tnv")
    sessions = make_sessionmaker(make_engine(env.settings.database_url))
    with sessions() as session:
        row = session.scalars(select(StaffSession)).one()
        row.last_seen = row.last_seen.replace(year=row.last_seen.year - 1)
        session.commit()
    assert env.client.get("/staff/dossiers").status_code == 303


# ---- guessing passwords (#15 item 7) ----------------------------------------------------------------
def _guess(client: TestClient, username: str) -> int:
    return client.post("/staff/login", data={"username": username, "password": "doan-sai-mat-khau",
                                             "csrf_token": login_form_token(client)}).status_code


def test_strangers_guesses_never_lock_the_owner_out_of_a_browser_they_used(env: Env) -> None:
    csrf = login(env.client, "tnv")                # the owner's browser: remembered for this account
    assert env.client.post("/staff/logout", data={"csrf_token": csrf}).status_code == 303
    stranger = TestClient(env.client.app, follow_redirects=False)
    codes = [_guess(stranger, "tnv") for _ in range(7)]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
    assert login(env.client, "tnv")               # the owner still gets in from their own browser
    # Addresses changing on every try do not escape the account's limit for unknown browsers.
    rotating = [_guess(TestClient(env.client.app, client=(f"198.51.100.{i}", 4000)), "tnv") for i in range(12)]
    assert rotating.count(401) <= 10 and rotating[-1] == 429


def test_one_address_spraying_many_accounts_is_slowed(env: Env) -> None:
    sprayer = TestClient(env.client.app, follow_redirects=False, client=("203.0.113.7", 5000))
    codes = [_guess(sprayer, f"nguoi{i:02d}") for i in range(21)]
    assert codes[:20] == [401] * 20 and codes[20] == 429
    assert login(env.client, "tongdai")           # other addresses are not affected


@pytest.mark.parametrize("weak", ["aaaaaaaaaa", "1234567890", "matkhau@123", "Password2024", "qwertyuiop",
                                  "moi-matkhau-cua-moi"])
def test_guessable_passwords_are_refused(env: Env, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str], weak: str) -> None:
    monkeypatch.setenv(cli.PASSWORD_ENV, weak)
    assert cli.main(["create", "moi", "--role", "hotline"], env.settings) == 1
    assert "Mật khẩu" in capsys.readouterr().err


def test_an_internal_note_stays_with_staff_and_never_reaches_the_citizen(env: Env) -> None:
    csrf = login(env.client, "tongdai")
    url = f"/staff/dossiers/{env.dossier.code}/status"
    response = env.client.post(url, data={"status": "2", "note": "Hồ sơ hợp lệ",
                                          "internal_note": "Đã gọi xác minh với công an phường", "csrf_token": csrf})
    assert response.status_code == 303
    alone = env.client.post(url, data={"status": "", "internal_note": "Chờ bản gốc giấy khám", "csrf_token": csrf})
    assert alone.status_code == 303
    view = run_async(services_of(env.client.app).get(DossierBackend).get(env.dossier.code))
    assert view.status == S.RECEIVED and [e.status for e in view.history] == [S.NEW, S.RECEIVED]
    assert all("xác minh" not in e.note and "bản gốc" not in e.note for e in view.history)   # tracking shows these
    page = env.client.get(f"/staff/dossiers/{env.dossier.code}").text
    assert "Đã gọi xác minh với công an phường" in page and "Chờ bản gốc giấy khám" in page
    assert "Ghi chú nội bộ (chỉ cán bộ thấy, công dân không nhận được)" in page
    assert env.client.post(url, data={"status": "", "csrf_token": csrf}).status_code == 400


def test_the_dossier_page_shows_the_fee_computed_at_filing_and_what_is_left_to_pay(env: Env) -> None:
    """The amount and the explanation the citizen confirmed; staff asking another amount (status 6)
    changes what is left to pay, not how the fee was computed."""
    csrf = login(env.client, "tongdai")
    page = env.client.get(f"/staff/dossiers/{env.dossier.code}").text
    fee = page[page.index('id="fee"'):page.index("</section>", page.index('id="fee"'))]
    assert "công dân đã thấy trước khi nộp" in fee and 'id="fee-assessed">135.000 đ<' in fee
    assert "Lệ phí cấp giấy phép lái xe (đổi): 135.000 đ" in fee and 'id="fee-due">135.000 đ<' in fee
    url = f"/staff/dossiers/{env.dossier.code}/status"
    response = env.client.post(url, data={"status": "6", "note": "Phí sát hạch lại", "fee": "115000",
                                          "csrf_token": csrf})
    assert response.status_code == 303
    page = env.client.get(f"/staff/dossiers/{env.dossier.code}").text
    assert 'id="fee-assessed">135.000 đ<' in page and 'id="fee-due">115.000 đ<' in page


@pytest.mark.parametrize("path", ["/staff/dossiers?page=²", "/staff/dossiers?page=99999999999999999999",
                                  "/staff/attachments/²", "/staff/attachments/99999999999999999999",
                                  "/staff/console/api/handoffs/99999999999999999999", "/staff/inbox?days=²",
                                  "/staff/catalog/faq/khai-sinh?version=²"])
def test_odd_numbers_in_staff_urls_are_not_found_not_a_crash(env: Env, path: str) -> None:
    login(env.client, "quantri")
    assert env.client.get(path).status_code < 500


# ---- personal data and files by role (#15 item 5) ---------------------------------------------------
def _sessions(env: Env) -> sessionmaker:
    return make_sessionmaker(make_engine(env.settings.database_url))


def test_answers_the_citizen_typed_are_masked_like_the_applicant(env: Env) -> None:
    """Before: an answer the catalog no longer lists was shown as typed, phone number and all."""
    with _sessions(env)() as session, session.begin():
        record = session.scalars(select(DossierRecord).where(DossierRecord.code == env.dossier.code)).one()
        record.fields = {**record.fields, "lien_he_khac": "gọi 0987 654 321 hoặc an.nguyen@gmail.com"}
    login(env.client, "tongdai")
    page = env.client.get(f"/staff/dossiers/{env.dossier.code}").text
    assert "Lien he khac" in page and "098*****321" in page and "a***@gmail.com" in page
    assert "0987 654 321" not in page and "an.nguyen@gmail.com" not in page
    env.client.cookies.clear()
    login(env.client, "giamsat")
    page = env.client.get(f"/staff/dossiers/{env.dossier.code}?reveal=1").text
    assert "gọi 0987 654 321 hoặc an.nguyen@gmail.com" in page


def test_an_attachment_of_no_dossier_and_no_handoff_is_not_found_for_anyone(env: Env) -> None:
    """Before: any logged-in staff member downloaded any file by its sequential id, a căn cước
    scan a citizen sent in a chat included."""
    sessions = _sessions(env)
    with sessions() as session, session.begin():
        conversation = Conversation(channel="web", sender_id="stranger")
        session.add(conversation)
        session.flush()
        conversation_id = conversation.id
    scan = AttachmentService(sessions, LocalFileStore(env.settings.attachments_dir),
                             env.settings.max_upload_bytes).save(conversation_id, None, "cccd.png", PNG)
    for username in ("tongdai", "quantri"):
        env.client.cookies.clear()
        login(env.client, username)
        response = env.client.get(f"/staff/attachments/{scan.id}")
        assert response.status_code == 404 and PNG not in response.content
        assert env.client.get(f"/staff/attachments/{env.photo_id}").status_code == 200   # the dossier's file
    assert [(e.actor, e.target) for e in env.audit("attachment.refused")] == [
        ("tongdai", f"attachment:{scan.id}"), ("quantri", f"attachment:{scan.id}")]
    assert len(env.audit("attachment.download")) == 2


def test_the_inbox_masks_questions_stored_before_masking_knew_their_format(env: Env) -> None:
    with _sessions(env)() as session, session.begin():
        session.add(UnansweredQuestion(text="số 0912 345 678 đăng ký sim chính chủ thế nào", reason="fallback",
                                       channel="web", at=dt.datetime.now(dt.UTC)))
    login(env.client, "tnv")
    page = env.client.get("/staff/inbox").text
    data = env.client.get("/staff/inbox/data.json").text
    for shown in (page, data):
        assert "091*****678" in shown and "0912 345 678" not in shown and "0912+345+678" not in shown

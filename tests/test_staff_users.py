"""Admins manage staff accounts on /staff/users, in process (TestClient, temporary SQLite)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.app import create_app
from bot.auth import cli
from bot.auth import routes as staff_users
from bot.auth.models import AuditEntry, StaffSession, StaffUser
from bot.auth.service import AccountConflict, StaffAuth
from bot.core.config import Settings
from bot.core.db import make_engine, make_sessionmaker
from knowledge_base.service import KnowledgeBase
from tests.support.network import free_port
from tests.support.staff import PASSWORD, STAFF, copy_files, create_users, staff_settings

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NEW_PASSWORD = "mat-khau-moi-cua-binh"
RESET_PASSWORD = "dat-lai-mat-khau-2024"
ACCOUNT_ACTIONS = ("user.create", "user.role", "user.disable", "user.enable", "user.password")


@dataclass
class Env:
    client: TestClient
    settings: Settings

    @property
    def app(self) -> FastAPI:
        return self.client.app  # type: ignore[return-value]

    def other_client(self) -> TestClient:
        """A second browser on the same running app (its lifespan is the first client's)."""
        return TestClient(self.app, follow_redirects=False)

    def auth(self) -> StaffAuth:
        return StaffAuth(make_sessionmaker(make_engine(self.settings.database_url)))

    def audit(self, action: str) -> list[AuditEntry]:
        with make_sessionmaker(make_engine(self.settings.database_url))() as session:
            return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))

    def user(self, username: str) -> StaffUser:
        with make_sessionmaker(make_engine(self.settings.database_url))() as session:
            return session.scalars(select(StaffUser).where(StaffUser.username == username)).one()

    def sessions_of(self, username: str) -> int:
        with make_sessionmaker(make_engine(self.settings.database_url))() as session:
            user_id = session.scalars(select(StaffUser.id).where(StaffUser.username == username)).one()
            return len(session.scalars(select(StaffSession).where(StaffSession.user_id == user_id)).all())


def build_app(settings: Settings, kb: KnowledgeBase) -> FastAPI:
    app = create_app(settings, kb=kb)
    if not any(getattr(r, "path", "").startswith("/staff/users") for r in app.routes):  # until app.py wires it in
        app.include_router(staff_users.router)
    return app


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Made once: a database with the four staff accounts (through the CLI); each test gets a copy."""
    folder = tmp_path_factory.mktemp("accounts")
    create_users(staff_settings(folder, free_port()), STAFF)
    return folder


@pytest.fixture
def env(kb: KnowledgeBase, accounts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    copy_files(accounts, tmp_path)
    settings = staff_settings(tmp_path, free_port())
    monkeypatch.delenv(cli.PASSWORD_ENV, raising=False)
    with TestClient(build_app(settings, kb), follow_redirects=False) as client:
        yield Env(client, settings)


def try_login(client: TestClient, username: str, password: str = PASSWORD) -> int:
    page = client.get("/staff/login")
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    response = client.post("/staff/login", data={"username": username, "password": password, "csrf_token": token,
                                                 "next": "/staff/dossiers"})
    return response.status_code


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in; returns the session's CSRF token."""
    assert try_login(client, username, password) == 303
    page = client.get("/staff/dossiers")
    assert page.status_code == 200
    return CSRF.search(page.text).group(1)  # type: ignore[union-attr]


def create(client: TestClient, csrf: str, **fields: str) -> httpx.Response:
    data = {"username": "canbo.moi", "full_name": "Trần Thị Bình", "role": "supervisor",
            "password": NEW_PASSWORD, "password2": NEW_PASSWORD, "csrf_token": csrf} | fields
    return client.post("/staff/users", data=data)


# ---- access ---------------------------------------------------------------------------------------
def test_admin_creates_a_user_who_can_then_log_in(env: Env) -> None:
    csrf = login(env.client, "quantri")
    page = env.client.get("/staff/users")
    assert page.status_code == 200
    assert 'id="nav-users"' in page.text and "Tổng đài viên" in page.text and "Quản trị viên" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    response = create(env.client, csrf)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/users?done=create&user=canbo.moi"
    page = env.client.get(response.headers["location"])
    assert "Đã tạo tài khoản canbo.moi" in page.text and "Trần Thị Bình" in page.text
    stored = env.user("canbo.moi")
    assert (stored.role, stored.active, stored.full_name) == ("supervisor", True, "Trần Thị Bình")
    assert stored.password_hash.startswith("$argon2id$")

    other = env.other_client()
    login(other, "canbo.moi", NEW_PASSWORD)
    assert 'id="nav-users"' not in other.get("/staff/dossiers").text  # supervisors do not manage accounts
    [entry] = env.audit("user.create")
    assert (entry.actor, entry.target, entry.detail) == ("quantri", "canbo.moi", "role=supervisor")
    row = env.client.get("/staff/users").text.split('id="user-canbo.moi"')[1].split("</tr>")[0]
    assert "Chưa ghi nhận" not in row  # the last login is shown


@pytest.mark.parametrize("username", ["tnv", "tongdai", "giamsat"])
def test_non_admins_get_403_on_every_page_and_form(env: Env, username: str) -> None:
    csrf = login(env.client, username)
    page = env.client.get("/staff/users")
    assert page.status_code == 403 and "không có quyền" in page.text
    assert create(env.client, csrf).status_code == 403
    for action, data in [("role", {"role": "admin"}), ("disable", {}), ("enable", {}),
                         ("password", {"password": RESET_PASSWORD, "password2": RESET_PASSWORD})]:
        response = env.client.post(f"/staff/users/{username}/{action}", data={"csrf_token": csrf} | data)
        assert response.status_code == 403, action
    assert env.user(username).role != "admin" and env.user(username).active
    assert try_login(env.other_client(), username) == 303  # the password was not changed
    assert not any(env.audit(a) for a in ACCOUNT_ACTIONS)


def test_anonymous_is_sent_to_login(env: Env) -> None:
    response = env.client.get("/staff/users")
    assert response.status_code == 303 and response.headers["location"].startswith("/staff/login?next=")
    assert env.client.post("/staff/users/tnv/disable").status_code == 401
    assert env.user("tnv").active


@pytest.mark.parametrize("token", [None, "", "sai-token"])
def test_posts_without_the_right_csrf_token_are_refused(env: Env, token: str | None) -> None:
    login(env.client, "quantri")
    extra = {"csrf_token": token} if token is not None else {}
    response = env.client.post("/staff/users", data={"username": "canbo.moi", "role": "admin",
                                                     "password": NEW_PASSWORD, "password2": NEW_PASSWORD} | extra)
    assert response.status_code == 403 and "không hợp lệ" in response.text
    assert env.client.post("/staff/users/tnv/disable", data=extra).status_code == 403
    assert env.client.post("/staff/users/tnv/role", data={"role": "admin"} | extra).status_code == 403
    assert env.user("tnv").active and env.user("tnv").role == "volunteer"
    assert env.auth().get_user("canbo.moi") is None


# ---- changes --------------------------------------------------------------------------------------
def test_role_change_takes_effect_at_once(env: Env) -> None:
    csrf = login(env.client, "quantri")
    other = env.other_client()
    login(other, "tongdai")
    assert other.get("/staff/users").status_code == 403
    response = env.client.post("/staff/users/tongdai/role", data={"role": "admin", "csrf_token": csrf})
    assert response.status_code == 303
    assert "Đã đổi vai trò của tongdai" in env.client.get(response.headers["location"]).text
    assert other.get("/staff/users").status_code == 200  # same session, new role
    response = env.client.post("/staff/users/tongdai/role", data={"role": "volunteer", "csrf_token": csrf})
    assert response.status_code == 303 and env.user("tongdai").role == "volunteer"
    assert other.get("/staff/users").status_code == 403
    assert [(e.actor, e.target, e.detail) for e in env.audit("user.role")] == [
        ("quantri", "tongdai", "hotline → admin"), ("quantri", "tongdai", "admin → volunteer")]
    bad = env.client.post("/staff/users/tongdai/role", data={"role": "root", "csrf_token": csrf})
    assert bad.status_code == 400 and "Vui lòng chọn vai trò" in bad.text
    assert env.client.post("/staff/users/khong-co/role", data={"role": "admin", "csrf_token": csrf}).status_code == 404


def test_disable_ends_the_session_and_blocks_login_and_enable_restores(env: Env) -> None:
    csrf = login(env.client, "quantri")
    other = env.other_client()
    login(other, "tnv")
    response = env.client.post("/staff/users/tnv/disable", data={"csrf_token": csrf})
    assert response.status_code == 303
    page = env.client.get(response.headers["location"]).text
    assert "Đã khoá tài khoản tnv" in page and "Đã khoá" in page.split('id="user-tnv"')[1].split("</tr>")[0]
    assert env.sessions_of("tnv") == 0
    assert other.get("/staff/dossiers").status_code == 303  # logged out at once
    assert try_login(env.other_client(), "tnv") == 401
    response = env.client.post("/staff/users/tnv/enable", data={"csrf_token": csrf})
    assert response.status_code == 303 and env.user("tnv").active
    assert try_login(env.other_client(), "tnv") == 303
    assert [(e.actor, e.target) for e in env.audit("user.disable")] == [("quantri", "tnv")]
    assert [(e.actor, e.target) for e in env.audit("user.enable")] == [("quantri", "tnv")]


def test_password_reset_ends_the_accounts_other_sessions(env: Env) -> None:
    csrf = login(env.client, "quantri")
    other = env.other_client()
    login(other, "tongdai")
    data = {"password": RESET_PASSWORD, "password2": RESET_PASSWORD, "csrf_token": csrf}
    assert env.client.post("/staff/users/tongdai/password", data=data).status_code == 303
    assert other.get("/staff/dossiers").status_code == 303
    assert try_login(env.other_client(), "tongdai") == 401
    assert try_login(env.other_client(), "tongdai", RESET_PASSWORD) == 303
    # Resetting one's own password keeps this session and ends the others.
    second = env.other_client()
    login(second, "quantri")
    assert env.client.post("/staff/users/quantri/password", data=data).status_code == 303
    assert env.client.get("/staff/users").status_code == 200
    assert second.get("/staff/dossiers").status_code == 303
    assert [(e.actor, e.target) for e in env.audit("user.password")] == [("quantri", "tongdai"),
                                                                           ("quantri", "quantri")]


# ---- rules ----------------------------------------------------------------------------------------
def test_admin_cannot_lock_themself_out(env: Env) -> None:
    csrf = login(env.client, "quantri")
    page = env.client.get("/staff/users").text
    own_row = page.split('id="user-quantri"')[1].split("</tr>")[0]
    assert "/staff/users/quantri/disable" not in own_row and "/staff/users/quantri/role" not in own_row
    response = env.client.post("/staff/users/quantri/disable", data={"csrf_token": csrf})
    assert response.status_code == 409 and "không thể tự khoá" in response.text
    response = env.client.post("/staff/users/quantri/role", data={"role": "hotline", "csrf_token": csrf})
    assert response.status_code == 409 and "không thể tự bỏ vai trò quản trị viên" in response.text
    assert env.user("quantri").role == "admin" and env.user("quantri").active
    assert env.client.get("/staff/users").status_code == 200
    assert not env.audit("user.disable") and not env.audit("user.role")


def test_the_last_active_admin_is_never_disabled_or_demoted(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    auth = env.auth()
    with pytest.raises(AccountConflict, match="quản trị viên cuối cùng"):
        auth.set_role("quantri", "hotline")
    with pytest.raises(AccountConflict, match="quản trị viên cuối cùng"):
        auth.disable_user("quantri")
    assert cli.main(["disable", "quantri"], env.settings) == 1
    assert "quản trị viên cuối cùng" in capsys.readouterr().err
    # A disabled admin does not count; an active second admin does.
    auth.set_role("giamsat", "admin")
    auth.disable_user("giamsat")
    with pytest.raises(AccountConflict):
        auth.set_role("quantri", "volunteer")
    auth.enable_user("giamsat")
    csrf = login(env.client, "quantri")
    demote = env.client.post("/staff/users/giamsat/role", data={"role": "supervisor", "csrf_token": csrf})
    assert demote.status_code == 303
    assert env.user("quantri").role == "admin" and env.user("quantri").active


def test_create_errors_name_the_field_and_keep_the_values_but_not_the_password(env: Env) -> None:
    csrf = login(env.client, "quantri")
    cases = [
        ({"username": "TNV "}, 409, "Tên đăng nhập «tnv» đã được dùng"),
        ({"username": "ab"}, 400, "Tên đăng nhập chỉ gồm"),
        ({"username": "Nguyễn An"}, 400, "Tên đăng nhập chỉ gồm"),
        ({"password": "ngan", "password2": "ngan"}, 400, "Mật khẩu phải có ít nhất 10 ký tự"),
        ({"password2": NEW_PASSWORD + "x"}, 400, "Nhập lại mật khẩu"),
        ({"role": "root"}, 400, "Vui lòng chọn vai trò"),
    ]
    for fields, status, message in cases:
        response = create(env.client, csrf, **fields)
        assert response.status_code == status, fields
        text = response.text
        assert message in text, fields
        assert 'value="Trần Thị Bình"' in text and NEW_PASSWORD not in text and "ngan\"" not in text
    assert env.auth().get_user("canbo.moi") is None and not env.audit("user.create")
    response = create(env.client, csrf, username="ab")
    assert 'value="ab"' in response.text


def test_reset_errors_are_shown_and_change_nothing(env: Env) -> None:
    csrf = login(env.client, "quantri")
    short = env.client.post("/staff/users/tnv/password", data={"password": "ngan", "password2": "ngan",
                                                               "csrf_token": csrf})
    assert short.status_code == 400 and "ít nhất 10 ký tự" in short.text
    assert "<details open" in short.text.split('id="user-tnv"')[1].split("</tr>")[0]
    mismatch = env.client.post("/staff/users/tnv/password", data={
        "password": RESET_PASSWORD, "password2": RESET_PASSWORD + "!", "csrf_token": csrf})
    assert mismatch.status_code == 400 and "Nhập lại mật khẩu" in mismatch.text and RESET_PASSWORD not in mismatch.text
    assert try_login(env.other_client(), "tnv") == 303 and not env.audit("user.password")


def test_audit_log_has_every_change_and_never_a_password(env: Env) -> None:
    csrf = login(env.client, "quantri")
    assert create(env.client, csrf, role="hotline").status_code == 303
    for path, data in [("role", {"role": "supervisor"}), ("disable", {}), ("enable", {}),
                       ("password", {"password": RESET_PASSWORD, "password2": RESET_PASSWORD})]:
        assert env.client.post(f"/staff/users/canbo.moi/{path}", data={"csrf_token": csrf} | data).status_code == 303
    create(env.client, csrf, username="canbo2", password="ngan-qua", password2="ngan-qua")
    for action in ACCOUNT_ACTIONS:
        assert [(e.actor, e.target) for e in env.audit(action)] == [("quantri", "canbo.moi")], action
    with make_sessionmaker(make_engine(env.settings.database_url))() as session:
        entries = session.scalars(select(AuditEntry)).all()
    dump = "\n".join(f"{e.actor} {e.action} {e.target} {e.ip} {e.detail}" for e in entries)
    for secret in (PASSWORD, NEW_PASSWORD, RESET_PASSWORD, "ngan-qua"):
        assert secret not in dump


def test_cli_enables_changes_roles_and_resets_passwords(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli.main(["disable", "tnv"], env.settings) == 0
    assert cli.main(["enable", "tnv"], env.settings) == 0
    assert cli.main(["role", "tnv", "hotline"], env.settings) == 0
    monkeypatch.setenv(cli.PASSWORD_ENV, RESET_PASSWORD)
    assert cli.main(["password", "tnv"], env.settings) == 0
    assert cli.main(["password", "khong-co"], env.settings) == 1
    assert env.user("tnv").role == "hotline" and env.user("tnv").active
    assert try_login(env.client, "tnv", RESET_PASSWORD) == 303

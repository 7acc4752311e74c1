"""Staff sign-in (login, logout) and account management for admins: create accounts, change
roles, disable / re-enable and reset passwords. Every change is audited (never the password); the
rules that keep the admins from locking themselves out live in ``StaffAuth`` so the CLI obeys them
too."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from bot.auth.deps import Auth
from bot.auth.models import ROLE_LABELS, ROLES
from bot.auth.pages import Audit, error_page, render
from bot.auth.passwords import WeakPassword, check_strength
from bot.auth.service import USERNAME, AccountConflict, AuthError, LoginRateLimited, Staff, StaffAuth, UnknownUser
from bot.auth.web import (
    CSRF_MESSAGE,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    StaffHTTPError,
    clear_cookie,
    client_ip,
    known_device,
    login_csrf_token,
    make_route_class,
    remember_device,
    require_csrf,
    require_staff,
    safe_next,
    set_cookie,
)
from bot.core.config import Settings
from bot.core.deps import AppSettings
from bot.core.tokens import tokens_match

ADMIN = "admin"
MAX_FULL_NAME = 255  # the column's length
MISMATCH = "Mật khẩu nhập lại không khớp: hai lần nhập «Mật khẩu» và «Nhập lại mật khẩu» phải giống nhau."
NOTICES = {
    "create": "Đã tạo tài khoản {user}.",
    "role": "Đã đổi vai trò của {user}.",
    "disable": "Đã khoá tài khoản {user}; mọi phiên đăng nhập của tài khoản này đã kết thúc.",
    "enable": "Đã mở khoá tài khoản {user}.",
    "password": "Đã đặt mật khẩu mới cho {user}; các phiên đăng nhập khác của tài khoản này đã kết thúc.",
}

router = APIRouter(prefix="/staff", route_class=make_route_class(error_page), include_in_schema=False)


# ---- login / logout ------------------------------------------------------------------------------
@router.get("")
async def home() -> RedirectResponse:
    return RedirectResponse("/staff/dossiers", status_code=303)


def _login_page(request: Request, settings: Settings, next_path: str, message: str = "", status_code: int = 200,
                username: str = "") -> Response:
    token = login_csrf_token(request)
    response = render(request, "staff_login.html", {"csrf": token, "next": next_path, "message": message,
                                                    "username": username}, status_code)
    set_cookie(settings, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


@router.get("/login")
async def login_form(request: Request, auth: Auth, settings: AppSettings, next: str = "", out: str = "") -> Response:
    staff = await asyncio.to_thread(auth.session_staff, request.cookies.get(SESSION_COOKIE))
    if staff is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, settings, safe_next(next), "Anh/Chị đã đăng xuất." if out else "")


@router.post("/login")
async def login(request: Request, auth: Auth, settings: AppSettings) -> Response:
    form = await request.form()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    next_path = safe_next(str(form.get("next", "")))
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE, ""), str(form.get("csrf_token", ""))):
        raise StaffHTTPError(403, CSRF_MESSAGE)
    try:
        token, _staff = await asyncio.to_thread(auth.login, username, password, client_ip(request),
                                                known_device(request, settings, username))
    except LoginRateLimited as error:
        return _login_page(request, settings, next_path, str(error), 429, username)
    except AuthError as error:
        return _login_page(request, settings, next_path, str(error), 401, username)
    response = RedirectResponse(next_path, status_code=303)
    set_cookie(settings, response, SESSION_COOKIE, token, max_age=int(auth.lifetime.total_seconds()))
    remember_device(request, settings, response, username)
    clear_cookie(settings, response, LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request, auth: Auth, settings: AppSettings,
                 staff: Staff = Depends(require_csrf)) -> Response:  # noqa: B008
    await asyncio.to_thread(auth.logout, request.cookies.get(SESSION_COOKIE), staff, client_ip(request))
    response = RedirectResponse("/staff/login?out=1", status_code=303)
    clear_cookie(settings, response, SESSION_COOKIE)
    return response



async def require_admin_form(request: Request,
                             staff: Staff = Depends(require_staff(ADMIN))) -> Staff:  # noqa: B008
    """Admins only (checked first, so others get 403 whatever they post), then the CSRF token."""
    return await require_csrf(request, staff)


def _password_error(password: str, again: str) -> str:
    try:
        check_strength(password)
    except WeakPassword as error:
        return str(error)
    return "" if password == again else MISMATCH


async def _page(request: Request, auth: StaffAuth, staff: Staff, *, notice: str = "", error: str = "",
                form: dict[str, str] | None = None, error_for: dict[str, str] | None = None,
                status_code: int = 200) -> Response:
    """The list with the create form; ``form`` re-fills the create form and ``error_for`` marks the
    account whose form failed ({"user", "kind", "role"}). Passwords are never sent back."""
    users = await asyncio.to_thread(auth.list_users)
    context: dict[str, Any] = {
        "users": users, "roles": ROLES, "role_labels": ROLE_LABELS, "notice": notice, "error": error,
        "form": {"username": "", "full_name": "", "role": "volunteer"} | (form or {}),
        "error_for": error_for or {},
    }
    return render(request, "staff_users.html", context, status_code)


def _done(kind: str, username: str) -> RedirectResponse:
    return RedirectResponse(f"/staff/users?done={kind}&user={username}", status_code=303)


def _known(username: str) -> str:
    """The path's username, or 404 (anything off the pattern cannot name an account)."""
    if not USERNAME.fullmatch(username):
        raise StaffHTTPError(404, f"Không có tài khoản {username}.")
    return username


@router.get("/users")
async def user_list(request: Request, auth: Auth, done: str = "", user: str = "",
                    staff: Staff = Depends(require_staff(ADMIN))) -> Response:  # noqa: B008
    notice = NOTICES[done].format(user=user) if done in NOTICES and USERNAME.fullmatch(user) else ""
    return await _page(request, auth, staff, notice=notice)


@router.post("/users")
async def create_user(request: Request, auth: Auth, audit: Audit,
                      staff: Staff = Depends(require_admin_form)) -> Response:  # noqa: B008
    form = await request.form()
    values = {k: str(form.get(k, "")) for k in ("username", "full_name", "role")}
    values["username"] = values["username"].strip().lower()
    values["full_name"] = values["full_name"].strip()
    password, again = str(form.get("password", "")), str(form.get("password2", ""))
    error = ""
    if not USERNAME.fullmatch(values["username"]):
        error = "Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu . _ - (3–64 ký tự, bắt đầu bằng chữ hoặc số)."
    elif len(values["full_name"]) > MAX_FULL_NAME:
        error = f"Họ và tên dài quá {MAX_FULL_NAME} ký tự."
    elif values["role"] not in ROLES:
        error = "Vui lòng chọn vai trò."
    else:
        error = _password_error(password, again)
    if error:
        return await _page(request, auth, staff, error=error, form=values, status_code=400)
    try:
        created = await asyncio.to_thread(auth.create_user, values["username"], values["role"],
                                          password, values["full_name"])
    except AccountConflict as failure:
        return await _page(request, auth, staff, error=str(failure), form=values, status_code=409)
    except (AuthError, WeakPassword) as failure:
        return await _page(request, auth, staff, error=str(failure), form=values, status_code=400)
    await audit(staff, "user.create", created.username, f"role={created.role}")
    return _done("create", created.username)


async def _refused(request: Request, auth: StaffAuth, staff: Staff, failure: AuthError,
                   error_for: dict[str, str]) -> Response:
    if isinstance(failure, UnknownUser):
        raise StaffHTTPError(404, str(failure))
    return await _page(request, auth, staff, error=str(failure), error_for=error_for,
                       status_code=409 if isinstance(failure, AccountConflict) else 400)


@router.post("/users/{username}/role")
async def change_role(request: Request, username: str, auth: Auth, audit: Audit,
                      staff: Staff = Depends(require_admin_form)) -> Response:  # noqa: B008
    username = _known(username)
    role = str((await request.form()).get("role", ""))
    error_for = {"user": username, "kind": "role", "role": role}
    if role not in ROLES:
        return await _page(request, auth, staff, error="Vui lòng chọn vai trò.", error_for=error_for,
                           status_code=400)
    try:
        previous = await asyncio.to_thread(auth.set_role, username, role, staff.username)
    except AuthError as failure:
        return await _refused(request, auth, staff, failure, error_for)
    if previous != role:
        await audit(staff, "user.role", username, f"{previous} → {role}")
    return _done("role", username)


@router.post("/users/{username}/disable")
async def disable(request: Request, username: str, auth: Auth, audit: Audit,
                  staff: Staff = Depends(require_admin_form)) -> Response:  # noqa: B008
    username = _known(username)
    try:
        changed = await asyncio.to_thread(auth.disable_user, username, staff.username)
    except AuthError as failure:
        return await _refused(request, auth, staff, failure, {"user": username, "kind": "state"})
    if changed:
        await audit(staff, "user.disable", username)
    return _done("disable", username)


@router.post("/users/{username}/enable")
async def enable(request: Request, username: str, auth: Auth, audit: Audit,
                 staff: Staff = Depends(require_admin_form)) -> Response:  # noqa: B008
    username = _known(username)
    try:
        changed = await asyncio.to_thread(auth.enable_user, username)
    except AuthError as failure:
        return await _refused(request, auth, staff, failure, {"user": username, "kind": "state"})
    if changed:
        await audit(staff, "user.enable", username)
    return _done("enable", username)


@router.post("/users/{username}/password")
async def reset_password(request: Request, username: str, auth: Auth, audit: Audit,
                         staff: Staff = Depends(require_admin_form)) -> Response:  # noqa: B008
    username = _known(username)
    form = await request.form()
    error_for = {"user": username, "kind": "password"}
    error = _password_error(str(form.get("password", "")), str(form.get("password2", "")))
    if error:
        return await _page(request, auth, staff, error=error, error_for=error_for, status_code=400)
    # The admin's own session survives resetting their own password; every other one ends.
    keep = request.cookies.get(SESSION_COOKIE) if username == staff.username else None
    try:
        await asyncio.to_thread(auth.set_password, username, str(form.get("password", "")), keep)
    except AuthError as failure:
        return await _refused(request, auth, staff, failure, error_for)
    await audit(staff, "user.password", username, "mật khẩu được đặt lại; các phiên khác đã kết thúc")
    return _done("password", username)

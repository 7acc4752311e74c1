"""FastAPI glue for staff pages: the session cookie, ``require_staff(*roles)``, CSRF checks, and a
route class that adds strict security headers and turns auth errors into pages."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.responses import PlainTextResponse, RedirectResponse
from fastapi.routing import APIRoute

from bot.auth.deps import Auth
from bot.auth.service import Staff
from bot.core.config import Settings
from bot.core.errors import ServiceError
from bot.core.secrets import secret_key
from bot.core.tokens import tokens_match
from bot.ops.security_headers import SECURITY_HEADERS

SESSION_COOKIE = "staff_session"
LOGIN_CSRF_COOKIE = "staff_login_csrf"
DEVICE_COOKIE = "staff_device"    # this browser logged in as an account before (see StaffAuth.login)
DEVICE_DAYS = 180
COOKIE_PATH = "/staff"
LOGIN_PATH = "/staff/login"


class StaffHTTPError(ServiceError):
    """A refused staff request; the message is Vietnamese and shown on an error page."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message, status_code)


class LoginRequired(Exception):
    """No valid session: pages redirect to the login form, other requests get 401."""


CSRF_MESSAGE = "Phiên làm việc của biểu mẫu không hợp lệ hoặc đã hết hạn. Vui lòng tải lại trang và thử lại."
FORBIDDEN_MESSAGE = "Tài khoản của Anh/Chị không có quyền thực hiện thao tác này."


def _device_signature(settings: Settings, username: str, nonce: str) -> str:
    key = secret_key(settings)
    return hmac.new(key, f"staff-device:{username}:{nonce}".encode(), hashlib.sha256).hexdigest()[:32]


def known_device(request: Request, settings: Settings, username: str) -> str:
    """The device id of this browser's cookie when it was issued to ``username``, else ""."""
    nonce, _, signature = request.cookies.get(DEVICE_COOKIE, "").partition(".")
    username = username.strip().lower()[:64]
    if not nonce or not tokens_match(_device_signature(settings, username, nonce), signature):
        return ""
    return nonce


def remember_device(request: Request, settings: Settings, response: Response, username: str) -> None:
    """After a successful login: this browser is known to ``username`` from now on."""
    nonce = known_device(request, settings, username) or secrets.token_urlsafe(12)
    value = f"{nonce}.{_device_signature(settings, username.strip().lower()[:64], nonce)}"
    set_cookie(settings, response, DEVICE_COOKIE, value, max_age=DEVICE_DAYS * 24 * 3600)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def secure_cookies(settings: Settings) -> bool:
    """Cookies are marked Secure when the public URL is https."""
    return str(settings.public_url).lower().startswith("https://")


def set_cookie(settings: Settings, response: Response, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path=COOKIE_PATH, httponly=True, samesite="lax",
                        secure=secure_cookies(settings))


def clear_cookie(settings: Settings, response: Response, name: str) -> None:
    response.delete_cookie(name, path=COOKIE_PATH, httponly=True, samesite="lax", secure=secure_cookies(settings))


def require_staff(*roles: str) -> Callable[..., Awaitable[Staff]]:
    """Dependency: the logged-in staff member, optionally limited to ``roles``."""

    async def dependency(request: Request, auth: Auth) -> Staff:
        token = request.cookies.get(SESSION_COOKIE)
        staff = await asyncio.to_thread(auth.session_staff, token)
        if staff is None:
            raise LoginRequired
        request.state.staff = staff
        if roles and staff.role not in roles:
            raise StaffHTTPError(403, FORBIDDEN_MESSAGE)
        return staff

    return dependency


async def require_csrf(request: Request, staff: Staff = Depends(require_staff())) -> Staff:  # noqa: B008
    """Dependency for every POST of a logged-in form: the hidden ``csrf_token`` must match the session's."""
    form = await request.form()
    given = form.get("csrf_token")
    if not tokens_match(staff.csrf_token, given if isinstance(given, str) else None):
        raise StaffHTTPError(403, CSRF_MESSAGE)
    return staff


def login_csrf_token(request: Request) -> str:
    """The login form's token (double-submit cookie: there is no session yet)."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)


def safe_next(target: str | None) -> str:
    """Only local staff paths: never an open redirect."""
    if target and target.startswith("/staff/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/staff/dossiers"


ErrorPage = Callable[[Request, int, str], Response]


def make_route_class(error_page: ErrorPage) -> type[APIRoute]:
    """A route class adding ``SECURITY_HEADERS`` to every response and rendering auth errors."""

    class StaffRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def guarded(request: Request) -> Response:
                try:
                    response = await handler(request)
                except LoginRequired:
                    if request.method == "GET":
                        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
                        response = RedirectResponse(f"{LOGIN_PATH}?next={target}", status_code=303)
                    else:
                        response = PlainTextResponse("Vui lòng đăng nhập.", status_code=401)
                except ServiceError as error:   # any refusal with a reason: the error page
                    response = error_page(request, error.status_code, error.message)
                response.headers.update(SECURITY_HEADERS)
                return response

            return guarded

    return StaffRoute

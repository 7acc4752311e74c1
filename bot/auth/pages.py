"""The frame of every staff page: the signed-in person and their role on each page, the error page,
and the audit log entry a page writes when it touches personal data."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Request, Response

from bot.auth.models import ROLE_LABELS
from bot.auth.service import Staff
from bot.auth.web import client_ip, get_auth
from bot.core.pages import TEMPLATES


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    staff: Staff | None = getattr(request.state, "staff", None)
    base = {"staff": staff, "role_label": ROLE_LABELS.get(staff.role, staff.role) if staff else ""}
    return TEMPLATES.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def error_page(request: Request, status_code: int, message: str) -> Response:
    return render(request, "staff_error.html", {"message": message}, status_code)


async def audit(request: Request, staff: Staff, action: str, target: str, detail: str = "") -> None:
    await asyncio.to_thread(get_auth(request).audit, staff.username, action, target, client_ip(request), detail)

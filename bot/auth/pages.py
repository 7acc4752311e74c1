"""The frame of every staff page: the signed-in person and their role on each page, the error page,
and the audit log entry a page writes when it touches personal data (``audit: Audit``)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import Depends, Request, Response

from bot.auth.deps import Auth
from bot.auth.models import ROLE_LABELS
from bot.auth.service import Staff, StaffAuth
from bot.auth.web import client_ip
from bot.core.pages import TEMPLATES


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    staff: Staff | None = getattr(request.state, "staff", None)
    base = {"staff": staff, "role_label": ROLE_LABELS.get(staff.role, staff.role) if staff else ""}
    return TEMPLATES.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def error_page(request: Request, status_code: int, message: str) -> Response:
    return render(request, "staff_error.html", {"message": message}, status_code)


class AuditLog:
    """The audit log as one request writes it: every entry carries the request's client address."""

    def __init__(self, auth: StaffAuth, client: str) -> None:
        self._auth = auth
        self._client = client

    async def __call__(self, staff: Staff, action: str, target: str, detail: str = "") -> None:
        await asyncio.to_thread(self._auth.audit, staff.username, action, target, self._client, detail)


def audit_log(request: Request, auth: Auth) -> AuditLog:
    return AuditLog(auth, client_ip(request))


Audit = Annotated[AuditLog, Depends(audit_log)]

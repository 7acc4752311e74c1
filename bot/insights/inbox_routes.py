"""The unanswered-questions inbox for staff: ``/staff/inbox`` (page) and ``/staff/inbox/data.json``.
Every staff role may read it; the questions are stored masked, and masked again when shown (rows
stored before the masking knew a format, such as "0912 345 678"), so no personal data is shown."""

from __future__ import annotations

import asyncio
import dataclasses

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from bot.auth.pages import error_page, render
from bot.auth.service import Staff
from bot.auth.web import make_route_class, require_staff
from bot.core.params import whole_number
from bot.core.privacy import mask
from bot.insights.deps import Unanswered
from bot.insights.inbox import DEFAULT_DAYS, MAX_DAYS, REASON_LABELS, Inbox, InboxPage

PERIODS = (7, 30, 90, 365)
KIND_LABELS = {"faq": "Câu hỏi thường gặp", "procedure": "Thủ tục"}

router = APIRouter(prefix="/staff", route_class=make_route_class(error_page), include_in_schema=False)


def _days(value: str) -> int:
    # A mistyped ?days= falls back to the default rather than an error page.
    days = whole_number(value)
    return min(max(days, 1), MAX_DAYS) if days is not None else DEFAULT_DAYS


def _masked(page: InboxPage) -> InboxPage:
    """The citizens' words with căn cước, phone numbers and e-mails masked (the FAQ draft link too)."""
    groups = [dataclasses.replace(g, representative=mask(g.representative),
                                  examples=[dataclasses.replace(e, text=mask(e.text)) for e in g.examples])
              for g in page.groups]
    return dataclasses.replace(page, groups=groups)


async def _page(inbox: Inbox, days: str) -> InboxPage:
    return _masked(await asyncio.to_thread(inbox.page, _days(days)))


@router.get("/inbox")
async def inbox_page(request: Request, inbox: Unanswered, days: str = str(DEFAULT_DAYS),
                     staff: Staff = Depends(require_staff())) -> Response:  # noqa: B008
    page = await _page(inbox, days)
    return render(request, "staff_inbox.html", {
        "page": page, "periods": sorted({*PERIODS, page.days}), "reason_labels": REASON_LABELS,
        "kind_labels": KIND_LABELS,
    })


@router.get("/inbox/data.json")
async def inbox_data(inbox: Unanswered, days: str = str(DEFAULT_DAYS),
                     staff: Staff = Depends(require_staff())) -> Response:  # noqa: B008
    page = await _page(inbox, days)
    return JSONResponse(page.to_json())

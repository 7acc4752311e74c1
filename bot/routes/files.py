"""A file staff sent to a citizen, opened from the link in the chat (signed, see bot/files.py)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException, Request, Response

from bot.attachments import LocalFileStore
from bot.auth.web import SECURITY_HEADERS
from bot.files import token_ok
from bot.models import Attachment
from bot.routes.staff import _content_disposition

router = APIRouter(include_in_schema=False)


@router.get("/files/{attachment_id}/{token}")
async def citizen_file(request: Request, attachment_id: int, token: str) -> Response:
    settings = request.app.state.settings
    if not token_ok(settings, attachment_id, token):
        raise HTTPException(404, "Không tìm thấy tệp.")
    with request.app.state.sessions() as session:
        found = session.get(Attachment, attachment_id)
    if found is None:
        raise HTTPException(404, "Không tìm thấy tệp.")
    try:
        data = await asyncio.to_thread(LocalFileStore(settings.attachments_dir).get, found.storage_key)
    except (KeyError, OSError):
        raise HTTPException(404, "Tệp không còn trong kho lưu trữ.") from None
    return Response(data, media_type=found.content_type, headers={
        **SECURITY_HEADERS, "Content-Disposition": _content_disposition(found.filename)})

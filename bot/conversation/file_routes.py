"""A file staff sent to a citizen, opened from the link in the chat (signed, see bot/conversation/files.py)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException, Response

from bot.conversation.attachments import LocalFileStore
from bot.conversation.files import token_ok
from bot.conversation.models import Attachment
from bot.core.deps import AppSettings, Sessions
from bot.core.http import content_disposition
from bot.ops.security_headers import SECURITY_HEADERS

router = APIRouter(include_in_schema=False)


@router.get("/files/{attachment_id}/{token}")
async def citizen_file(attachment_id: int, token: str, settings: AppSettings, sessions: Sessions) -> Response:
    if not token_ok(settings, attachment_id, token):
        raise HTTPException(404, "Không tìm thấy tệp.")
    with sessions() as session:
        found = session.get(Attachment, attachment_id)
    if found is None:
        raise HTTPException(404, "Không tìm thấy tệp.")
    try:
        data = await asyncio.to_thread(LocalFileStore(settings.attachments_dir).get, found.storage_key)
    except (KeyError, OSError):
        raise HTTPException(404, "Tệp không còn trong kho lưu trữ.") from None
    return Response(data, media_type=found.content_type, headers={
        **SECURITY_HEADERS, "Content-Disposition": content_disposition(found.filename)})

"""Zalo OA webhook: verify the signature, store the event, answer 200 within Zalo's 2 seconds.

The reply is worked out in the background by the inbound pipeline (see ``bot/conversation/inbound.py``).
"""

from __future__ import annotations

import logging
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from bot.conversation.deps import Conversations, Inbound
from bot.core.deps import AppSettings
from bot.core.services import optional_service
from channels.messages import IncomingFile
from channels.zalo.channel import ZaloChannel
from channels.zalo.events import MalformedEvent, event_timestamp, parse_event, refusal, to_core
from channels.zalo.signature import verify_signature

log = logging.getLogger(__name__)
router = APIRouter(tags=["zalo"])
# The Zalo channel, registered by bot/app.py when the OA has credentials; None when it is off.
Zalo = Annotated[ZaloChannel | None, Depends(optional_service(ZaloChannel))]


@router.post("/webhooks/zalo", summary="Sự kiện từ Zalo Official Account (webhook)")
async def zalo_webhook(request: Request, settings: AppSettings, zalo: Zalo, inbound: Inbound,
                       conversations: Conversations) -> JSONResponse:
    raw = await request.body()
    timestamp = event_timestamp(raw) or request.headers.get("timestamp", "")
    if not verify_signature(request.headers.get("X-ZEvent-Signature"), settings.zalo_app_id, raw,
                            timestamp, settings.zalo_oa_secret_key):
        return JSONResponse({"error": "Chữ ký X-ZEvent-Signature không hợp lệ"}, status_code=401)
    try:
        event = parse_event(raw)
        problem = refusal(event, settings.zalo_app_id, time.time())
        if problem:
            raise MalformedEvent(problem)
        parsed = to_core(event)
    except MalformedEvent as exc:
        log.warning("refused Zalo event: %s", exc)
        return JSONResponse({"error": f"Sự kiện Zalo không đọc được: {exc}"}, status_code=400)
    if parsed is None:
        return JSONResponse({"status": "ignored"})
    if zalo is None:
        # Zalo retries a delivery that did not get 200, so nothing is lost while we are not ready.
        return JSONResponse({"error": "Kênh Zalo chưa được cấu hình"}, status_code=503)
    if parsed.action == "record":
        stored = await conversations.record(parsed.inbound) is not None
    else:
        files = [IncomingFile(f.url, f.filename) for f in parsed.files]
        stored = await inbound.accept(parsed.inbound, files)
    return JSONResponse({"status": "accepted" if stored else "duplicate"})

"""Telegram webhook: ``POST /webhooks/telegram``, registered with setWebhook and a secret token."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse

from bot.conversation.deps import Inbound
from bot.core.deps import AppSettings
from bot.core.services import optional_service
from channels.telegram.channel import TelegramChannel
from channels.telegram.updates import handle_update, parse_update

log = logging.getLogger(__name__)
router = APIRouter(tags=["telegram"])
# The Telegram channel, registered by bot/app.py when it has a bot token; None when it is off.
Telegram = Annotated[TelegramChannel | None, Depends(optional_service(TelegramChannel))]


def _secret_ok(given: str | None, expected: str) -> bool:
    """Constant-time comparison; with no secret configured every request is refused."""
    return bool(expected) and hmac.compare_digest((given or "").encode(), expected.encode())


@router.post("/webhooks/telegram", summary="Nhận cập nhật từ Telegram (webhook)")
async def telegram_webhook(
    request: Request,
    settings: AppSettings,
    channel: Telegram,
    inbound: Inbound,
    secret: str | None = Header(default=None, alias="X-Telegram-Bot-Api-Secret-Token"),
) -> JSONResponse:
    """Check the secret, store the message and answer at once; the reply follows via the outbox."""
    if not _secret_ok(secret, settings.telegram_webhook_secret):
        return JSONResponse({"ok": False, "error": "Sai mã bí mật"}, status_code=401)
    if channel is None:
        return JSONResponse({"ok": False, "error": "Kênh Telegram chưa được cấu hình"}, status_code=503)
    try:
        update = parse_update(json.loads(await request.body()), channel.bot)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError; deep nesting recurses
        log.warning("malformed Telegram update: %s", exc)
        return JSONResponse({"ok": False, "error": "Dữ liệu không hợp lệ"}, status_code=400)
    await handle_update(channel, inbound, update)
    return JSONResponse({"ok": True})

"""Polling mode (``ASSISTANT_TELEGRAM_MODE=polling``): for a gateway without a public HTTPS
address. Asks Telegram for updates with ``getUpdates`` (long polling) and feeds them through the
same path as the webhook. Start it from the app lifespan with ``start(channel, pipeline)``."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from telegram.error import InvalidToken, RetryAfter, TelegramError

from channels.telegram.channel import seconds
from channels.telegram.updates import handle_update

if TYPE_CHECKING:
    from bot.conversation.inbound import InboundPipeline
    from channels.telegram.channel import TelegramChannel

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]
MAX_BACKOFF_SECONDS = 60.0


async def run(channel: TelegramChannel, pipeline: InboundPipeline, poll_timeout: int = 25) -> None:
    """Poll forever (cancel the task to stop). An update is confirmed to Telegram (the next
    ``offset``) only after the pipeline stored it, so nothing is lost if the database hiccups."""
    bot = channel.bot
    offset: int | None = None
    backoff = 1.0
    webhook_removed = False
    while True:
        try:
            if not webhook_removed:  # getUpdates answers 409 Conflict while a webhook is set
                await bot.delete_webhook(drop_pending_updates=False)
                webhook_removed = True
            updates = await bot.get_updates(offset=offset, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES,
                                            read_timeout=poll_timeout + 10)
        except RetryAfter as exc:
            await asyncio.sleep(seconds(exc.retry_after))
            continue
        except (TelegramError, OSError) as exc:
            log.warning("Telegram getUpdates failed: %s; retrying in %.0f s", exc, backoff)
            await asyncio.sleep(backoff if not isinstance(exc, InvalidToken) else MAX_BACKOFF_SECONDS)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
            continue
        backoff = 1.0
        for update in updates:
            try:
                await handle_update(channel, pipeline, update)
            except Exception:
                log.exception("Telegram update %s not stored; asking again", update.update_id)
                await asyncio.sleep(1.0)
                break
            offset = update.update_id + 1


def start(channel: TelegramChannel, pipeline: InboundPipeline, poll_timeout: int = 25) -> asyncio.Task[None]:
    """Run the poller in the background; cancel the returned task on shutdown."""
    return asyncio.create_task(run(channel, pipeline, poll_timeout), name="telegram-polling")

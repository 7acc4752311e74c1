"""Telegram bot channel (python-telegram-bot v22): sending, file download, update parsing,
webhook route (``channels/telegram/webhook.py``) and a polling mode (``polling.py``).
See ``docs/channels-telegram.md``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import Bot

from bot.core.db import make_engine, make_sessionmaker
from channels.telegram.callbacks import CallbackStore
from channels.telegram.channel import FILE_PREFIX, TelegramChannel

if TYPE_CHECKING:
    from bot.core.config import Settings

__all__ = ["FILE_PREFIX", "TelegramChannel", "build"]


def build(settings: Settings) -> TelegramChannel | None:
    """The Telegram channel, or None while no bot token is configured."""
    if not settings.telegram_bot_token:
        return None
    base = settings.telegram_api_base.rstrip("/")
    bot = Bot(settings.telegram_bot_token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot")
    callbacks = CallbackStore(make_sessionmaker(make_engine(settings.database_url)))
    return TelegramChannel(bot, callbacks, settings.max_upload_bytes)

"""Builds the platform channels that have credentials; a channel without them is simply off."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import sessionmaker

from channels.base import Channel

if TYPE_CHECKING:
    from bot.core.config import Settings


def build_channels(settings: Settings, sessions: sessionmaker,
                   zalo_refresh_lock: Callable[[], AbstractAsyncContextManager[Any]] | None = None,
                   ) -> dict[str, Channel]:
    from channels import telegram, zalo
    from channels.web import WebChannel

    channels: dict[str, Channel] = {"web": WebChannel()}
    zalo_channel = zalo.build(settings, sessions, zalo_refresh_lock)
    if zalo_channel is not None:
        channels["zalo"] = zalo_channel
    telegram_channel = telegram.build(settings)
    if telegram_channel is not None:
        channels["telegram"] = telegram_channel
    return channels

"""Zalo Official Account channel: webhook events in (``events``, ``signature``), OA API v3 out."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy.orm import sessionmaker

from channels.base import Channel
from channels.zalo.channel import ZaloChannel
from channels.zalo.client import ZaloClient
from channels.zalo.tokens import TokenStore
from channels.zalo.window import ReplyWindow

if TYPE_CHECKING:
    from bot.core.config import Settings

log = logging.getLogger(__name__)
TIMEOUT = httpx.Timeout(15.0, connect=5.0)

__all__ = ["ZaloChannel", "build"]


def build(settings: Settings, sessions: sessionmaker,
          refresh_lock: Callable[[], AbstractAsyncContextManager[Any]] | None = None) -> Channel | None:
    """The channel, or None while app id, OA secret key or tokens are not configured.
    ``refresh_lock``: serialises token refreshes across replicas (default: within this process)."""
    needed = {"ASSISTANT_ZALO_APP_ID": settings.zalo_app_id,
              "ASSISTANT_ZALO_APP_SECRET": settings.zalo_app_secret,
              "ASSISTANT_ZALO_OA_SECRET_KEY": settings.zalo_oa_secret_key,
              "ASSISTANT_ZALO_ACCESS_TOKEN": settings.zalo_access_token,
              "ASSISTANT_ZALO_REFRESH_TOKEN": settings.zalo_refresh_token}
    missing = [name for name, value in needed.items() if not value]
    if len(missing) == len(needed):
        return None
    if missing:
        log.warning("Zalo channel off: %s not set", ", ".join(missing))
        return None
    client = ZaloClient(httpx.AsyncClient(timeout=TIMEOUT), settings.zalo_api_base,
                        settings.zalo_oauth_base)
    tokens = TokenStore(sessions, client, settings.zalo_app_id, settings.zalo_app_secret,
                        settings.zalo_access_token, settings.zalo_refresh_token, lock=refresh_lock)
    return ZaloChannel(client, tokens, ReplyWindow(sessions), settings.max_upload_bytes)

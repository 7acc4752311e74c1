"""Files staff send to a citizen: a link the citizen can open on any channel, signed so that only
the holder of the link gets the file (HMAC of the attachment id with the gateway's secret)."""

from __future__ import annotations

import hashlib
import hmac
import time

from bot.core.config import Settings
from bot.core.secrets import secret_key
from bot.core.tokens import tokens_match


def file_token(settings: Settings, attachment_id: int, expires: int | None = None) -> str:
    """``<expiry, unix seconds>.<signature>``: a link to a file staff sent works for
    ``file_link_days`` only (a forwarded or leaked chat must not open an ID card for ever)."""
    if expires is None:
        expires = int(time.time()) + settings.file_link_days * 86_400
    signature = hmac.new(secret_key(settings), f"file:{attachment_id}:{expires}".encode(), hashlib.sha256)
    return f"{expires}.{signature.hexdigest()[:32]}"


def citizen_link(settings: Settings, attachment_id: int) -> str:
    return f"{settings.public_url.rstrip('/')}/files/{attachment_id}/{file_token(settings, attachment_id)}"


def token_ok(settings: Settings, attachment_id: int, token: str) -> bool:
    expires, _, _ = token.partition(".")
    if not (expires.isascii() and expires.isdigit()) or int(expires) < time.time():
        return False
    return tokens_match(file_token(settings, attachment_id, int(expires)), token)

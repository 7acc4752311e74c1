"""Files staff send to a citizen: a link the citizen can open on any channel, signed so that only
the holder of the link gets the file (HMAC of the attachment id with the gateway's secret)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

from bot.config import Settings
from bot.tokens import tokens_match


def secret_key(settings: Settings) -> bytes:
    """``ASSISTANT_SECRET_KEY``, or one made once and kept in var/ (embedded mode)."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = Path(settings.attachments_dir).parent / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # O_EXCL: two processes starting together keep the first key
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w") as out:
                out.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


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

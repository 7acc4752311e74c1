"""Links to files staff send citizens (bot/conversation/files.py): signed, and only for ``file_link_days``."""

from __future__ import annotations

import time
from pathlib import Path

from bot.conversation.files import citizen_link, file_token, token_ok
from bot.core.config import Settings


def test_a_file_link_opens_until_it_expires_and_cannot_be_extended(tmp_path: Path) -> None:
    settings = Settings(secret_key="k" * 32, attachments_dir=tmp_path / "files", file_link_days=30)
    token = citizen_link(settings, 7).rsplit("/", 1)[-1]
    assert token_ok(settings, 7, token) and not token_ok(settings, 8, token)
    expires = int(token.split(".")[0])
    assert 29 * 86_400 < expires - time.time() <= 30 * 86_400
    past = file_token(settings, 7, int(time.time()) - 1)
    assert not token_ok(settings, 7, past)                                   # expired
    signature = token.split(".")[1]
    assert not token_ok(settings, 7, f"{expires + 365 * 86_400}.{signature}")   # a later date, same signature
    assert not token_ok(settings, 7, signature) and not token_ok(settings, 7, "²." + signature)

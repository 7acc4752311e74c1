"""The gateway's own secret: signs cookies, file links and the sandbox's callbacks."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from bot.core.config import Settings


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

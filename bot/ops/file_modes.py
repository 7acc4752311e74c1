"""Files the service writes (databases, attachments, keys) are readable by its own user only:
SQLite databases hold căn cước numbers in clear and attachments hold ID-card scans."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

PRIVATE_UMASK = 0o077


def keep_files_private() -> None:
    """From now on every file and folder this process (and its children) creates is 0600/0700."""
    os.umask(PRIVATE_UMASK)


def tighten(database_url: str, attachments_dir: Path) -> None:
    """Fix the modes of what an earlier version created with the default umask (0644/0755)."""
    url = make_url(database_url)
    paths: list[Path] = [Path(attachments_dir)]
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        paths += [database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")]
    for path in paths:
        if path.exists():
            path.chmod(0o700 if path.is_dir() else 0o600)

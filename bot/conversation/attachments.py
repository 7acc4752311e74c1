"""Files citizens send: checked by content (not by name), stored behind a storage interface."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import sessionmaker

from bot.conversation import texts
from bot.conversation.models import Attachment
from bot.core.errors import ServiceError
from channels.messages import OutboundMessage

# Magic bytes of the formats accepted: photos and PDF scans.
SIGNATURES = {
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "application/pdf": b"%PDF-",
}
_SAFE_NAME = re.compile(r"[^\w.\- ]+", re.UNICODE)


class AttachmentRejected(ServiceError, ValueError):
    """The file cannot be accepted; ``reason`` is shown to the citizen."""

    status_code = 415

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_file(data: bytes, max_bytes: int) -> str:
    """Return the content type of ``data`` or raise with a Vietnamese reason."""
    if not data:
        raise AttachmentRejected("Tệp trống, Anh/Chị vui lòng gửi lại.")
    if len(data) > max_bytes:
        raise AttachmentRejected(texts.file_too_large(max_bytes).text or "")
    content_type = next((t for t, magic in SIGNATURES.items() if data.startswith(magic)), None)
    if content_type is None:
        raise AttachmentRejected("Em chỉ nhận ảnh JPG, PNG hoặc tệp PDF.")
    if not _readable(content_type, data):
        raise AttachmentRejected("Tệp bị hỏng hoặc không đọc được, Anh/Chị gửi lại giúp em.")
    return content_type


def _readable(content_type: str, data: bytes) -> bool:
    """A cheap structural check: a truncated upload fails it."""
    if content_type == "image/jpeg":
        return data.rstrip(b"\x00").endswith(b"\xff\xd9")
    if content_type == "image/png":
        return data[12:16] == b"IHDR" and b"IEND" in data[-16:]
    return b"%%EOF" in data[-1024:]


class FileStore(Protocol):
    """Where attachment bytes live (local disk by default; object storage later)."""

    def put(self, data: bytes) -> str: ...

    def get(self, key: str) -> bytes: ...


class LocalFileStore:
    """Content-addressed files under a folder: the same photo sent twice is stored once."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        key = f"{digest[:2]}/{digest}"
        path = self._root / key
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        return key

    def get(self, key: str) -> bytes:
        path = (self._root / key).resolve()
        if self._root.resolve() not in path.parents:
            raise KeyError(key)
        return path.read_bytes()


@dataclass(frozen=True)
class StoredAttachment:
    id: int
    filename: str
    content_type: str
    size: int


class AttachmentService:
    def __init__(self, sessions: sessionmaker, store: FileStore, max_bytes: int) -> None:
        self._sessions = sessions
        self._store = store
        self.max_bytes = max_bytes

    def save(self, conversation_id: int, message_id: int | None, filename: str,
             data: bytes) -> StoredAttachment:
        """Check and store a file; raises ``AttachmentRejected`` with the reason."""
        content_type = check_file(data, self.max_bytes)
        key = self._store.put(data)
        name = _SAFE_NAME.sub("_", filename)[:200] or "tep"
        with self._sessions() as session, session.begin():
            row = Attachment(conversation_id=conversation_id, message_id=message_id, filename=name,
                             content_type=content_type, size=len(data),
                             sha256=key.rsplit("/", 1)[-1], storage_key=key)
            session.add(row)
            session.flush()
            return StoredAttachment(row.id, name, content_type, len(data))

    def accept(self, conversation_id: int, message_id: int | None, filename: str,
               data: bytes) -> tuple[OutboundMessage, int | None]:
        """A file a citizen sent, from any channel: the reply about it, and the stored attachment's
        id (None when refused, the reply then saying why)."""
        try:
            stored = self.save(conversation_id, message_id, filename, data)
        except AttachmentRejected as rejected:
            return OutboundMessage(text=rejected.reason), None
        return texts.file_received(stored.filename, stored.content_type), stored.id

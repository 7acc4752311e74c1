"""What every platform adapter provides to the gateway, and helpers they share."""

from __future__ import annotations

from typing import Protocol

from channels.messages import OutboundMessage


class DeliveryError(RuntimeError):
    """Sending failed. ``retryable`` says whether the outbox should try again later
    (platform down, rate limit, expired token) or give up (user blocked the account)."""

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class FileTooLarge(ValueError):
    """A file the citizen sent is larger than the gateway accepts (checked before and while
    downloading, so a huge file is never read whole)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"file of at least {size} bytes, limit {limit}")
        self.size = size
        self.limit = limit


class Channel(Protocol):
    """A platform the gateway can send to (Zalo OA, Telegram)."""

    name: str

    async def send(self, recipient_id: str, message: OutboundMessage, kind: str = "reply") -> str | None:
        """Deliver one message; returns the platform's message id when it gives one. ``kind`` is
        "reply" (an answer to the citizen) or "notice" (proactive: platforms may treat it apart)."""
        ...

    async def download(self, url: str) -> bytes:
        """Fetch a file the citizen sent (photo, PDF) from the platform."""
        ...


def split_text(text: str, limit: int) -> list[str]:
    """Cut ``text`` into parts of at most ``limit`` characters, at a paragraph, line or word break
    when there is one, so a long answer card arrives as several readable messages."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut < limit // 2:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts

"""Zalo OA webhook events, parsed into typed models at the edge and turned into core messages.

Raw JSON stops here: the route gets a ``ParsedEvent`` (an ``InboundMessage`` and the files to fetch).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from channels.messages import InboundMessage

GREET_PAYLOAD = "/greet"
MESSAGE_EVENTS = frozenset({"user_send_text", "user_send_image", "user_send_file"})
FOLLOW_EVENTS = frozenset({"follow", "unfollow"})


class MalformedEvent(ValueError):
    """The body is not a Zalo event we can read."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ZaloUser(_Model):
    id: str = Field(min_length=1, max_length=128)


class ZaloAttachmentPayload(_Model):
    url: str | None = None
    thumbnail: str | None = None
    name: str | None = None
    size: str | int | None = None


class ZaloAttachment(_Model):
    type: str
    payload: ZaloAttachmentPayload = Field(default_factory=ZaloAttachmentPayload)


class ZaloMessage(_Model):
    msg_id: str = Field(min_length=1, max_length=128)
    text: str = ""
    attachments: list[ZaloAttachment] = Field(default_factory=list)


class ZaloEvent(_Model):
    """One webhook delivery; only the fields the gateway uses."""

    app_id: str = ""
    event_name: str
    timestamp: str = ""
    sender: ZaloUser | None = None
    recipient: ZaloUser | None = None
    follower: ZaloUser | None = None
    message: ZaloMessage | None = None

    @field_validator("timestamp", mode="before")
    @classmethod
    def _timestamp_as_text(cls, value: Any) -> str:
        return "" if value is None else str(value)


@dataclass(frozen=True)
class RemoteFile:
    """A file the citizen sent, still on Zalo's servers."""

    url: str
    filename: str


@dataclass(frozen=True)
class ParsedEvent:
    """What the gateway does with an event: ``accept`` it (reply) or only ``record`` it."""

    action: Literal["accept", "record"]
    inbound: InboundMessage
    files: list[RemoteFile] = field(default_factory=list)


def event_timestamp(raw: bytes) -> str | None:
    """The event's ``timestamp`` field, needed before the signature can be checked."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):   # unsigned input: deep nesting must not become a 500
        return None
    if isinstance(data, dict) and data.get("timestamp") is not None:
        return str(data["timestamp"])
    return None


# A signed event is still refused when older than this or dated ahead of our clock: a captured
# delivery cannot be replayed later (a replay inside the window is caught by its message id).
FRESH_FOR_SECONDS = 60 * 60
CLOCK_SKEW_SECONDS = 5 * 60


def refusal(event: ZaloEvent, app_id: str, now: float) -> str | None:
    """Why a correctly signed event must not be processed (another app, stale, undated); else None."""
    if event.app_id and event.app_id != app_id:
        return "trường 'app_id' không phải ứng dụng của gateway"
    if not event.timestamp.isdigit():
        return "thiếu trường 'timestamp' (mili giây)"
    age = now - int(event.timestamp) / 1000
    if age > FRESH_FOR_SECONDS:
        return "sự kiện quá cũ (timestamp hơn 1 giờ trước)"
    if age < -CLOCK_SKEW_SECONDS:
        return "timestamp ở tương lai"
    return None


def parse_event(raw: bytes) -> ZaloEvent:
    """Raw body → ``ZaloEvent``; raises ``MalformedEvent`` with a readable reason."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:   # UnicodeDecodeError is a ValueError
        raise MalformedEvent(f"nội dung không phải JSON hợp lệ ({exc})") from exc
    if not isinstance(data, dict):
        raise MalformedEvent("nội dung phải là một đối tượng JSON")
    try:
        return ZaloEvent.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MalformedEvent(f"trường '{where}' không hợp lệ: {first['msg']}") from exc


def to_core(event: ZaloEvent) -> ParsedEvent | None:
    """Map an event to what the core understands; None for events the gateway ignores."""
    if event.event_name in MESSAGE_EVENTS:
        return _message(event)
    if event.event_name in FOLLOW_EVENTS:
        return _follow(event)
    return None


def _message(event: ZaloEvent) -> ParsedEvent:
    if event.sender is None or event.message is None:
        raise MalformedEvent(f"sự kiện {event.event_name} thiếu 'sender' hoặc 'message'")
    files = [RemoteFile(a.payload.url, _filename(a)) for a in event.message.attachments
             if a.type in ("image", "file") and a.payload.url]
    # The text goes on untouched: a tapped oa.query.show button sends its payload as the text,
    # e.g. '/choose{"item_id": "khai-sinh"}', and Rasa must receive exactly that.
    inbound = InboundMessage(channel="zalo", sender_id=event.sender.id, text=event.message.text,
                             platform_message_id=event.message.msg_id,
                             metadata={"zalo_event": event.event_name})
    return ParsedEvent("accept", inbound, files)


def _follow(event: ZaloEvent) -> ParsedEvent:
    user = event.follower or event.sender
    if user is None:
        raise MalformedEvent(f"sự kiện {event.event_name} thiếu 'follower'")
    message_id = f"{event.event_name}:{event.timestamp}" if event.timestamp else None
    metadata = {"zalo_event": event.event_name}
    if event.event_name == "follow":
        inbound = InboundMessage(channel="zalo", sender_id=user.id, text=GREET_PAYLOAD,
                                 platform_message_id=message_id, metadata=metadata)
        return ParsedEvent("accept", inbound)
    inbound = InboundMessage(channel="zalo", sender_id=user.id, text="",
                             platform_message_id=message_id, metadata=metadata)
    return ParsedEvent("record", inbound)


def _filename(attachment: ZaloAttachment) -> str:
    if attachment.payload.name:
        return attachment.payload.name
    path = unquote(urlsplit(attachment.payload.url or "").path)
    name = path.rsplit("/", 1)[-1]
    if name:
        return name
    return "anh-zalo.jpg" if attachment.type == "image" else "tep-zalo"

"""The two message shapes every channel speaks with the conversation core."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

ChannelName = Literal["web", "rest", "zalo", "telegram"]


class Button(BaseModel):
    """A choice offered to the citizen: ``title`` is shown, ``payload`` is sent back when tapped."""

    title: str
    payload: str


class InboundMessage(BaseModel):
    """A citizen's message as the core sees it, whatever platform it came from."""

    channel: ChannelName
    sender_id: str = Field(min_length=1, max_length=128)
    text: str = ""
    platform_message_id: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class OutboundMessage(BaseModel):
    """One bot (or staff) message to a citizen; channels render buttons natively."""

    text: str | None = None
    buttons: list[Button] = Field(default_factory=list)
    image: str | None = None
    custom: dict[str, Any] | None = None

    @classmethod
    def from_rasa(cls, raw: dict[str, Any]) -> OutboundMessage:
        """Build from one element of Rasa's REST-channel reply."""
        buttons = [Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
                   for b in raw.get("buttons") or [] if isinstance(b, dict)]
        return cls(text=raw.get("text"), buttons=buttons, image=raw.get("image"),
                   custom=raw.get("custom"))

    def to_rest(self, recipient_id: str) -> dict[str, Any]:
        """Rasa REST-channel shape: only the keys that carry something."""
        out: dict[str, Any] = {"recipient_id": recipient_id}
        if self.text is not None:
            out["text"] = self.text
        if self.buttons:
            out["buttons"] = [b.model_dump() for b in self.buttons]
        if self.image:
            out["image"] = self.image
        if self.custom is not None:
            out["custom"] = self.custom
        return out


@dataclass(frozen=True)
class IncomingFile:
    """A file the citizen sent, to be fetched from the platform."""

    url: str
    filename: str = ""

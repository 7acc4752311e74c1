"""Our ``OutboundMessage`` → the bodies of Zalo v3 message calls ("cs" replies, "transaction" notices)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from channels.base import split_text
from channels.messages import Button, OutboundMessage

log = logging.getLogger(__name__)

TEXT_LIMIT = 2000            # characters in one text message
MAX_BUTTONS = 5              # buttons Zalo shows under one message
BUTTON_TITLE_LIMIT = 100     # characters of a button title
NOTICE_TEXT_LIMIT = 1000     # characters of one text element of a transaction template
NOTICE_HEADER = "Thông báo từ Trung tâm Phục vụ hành chính công"


@dataclass(frozen=True)
class ImagePart:
    """An image to fetch, upload (``/v2.0/oa/upload/image``) and send as a media template."""

    url: str


Part = dict[str, Any] | ImagePart


def render_reply(message: OutboundMessage) -> list[Part]:
    """A consultation ("cs") reply: text split at 2000 characters, the buttons under the last
    part, then the image."""
    parts: list[Part] = []
    chunks = split_text(message.text or "", TEXT_LIMIT)
    buttons = _buttons(message.buttons)
    if buttons and not chunks:
        chunks = ["Anh/Chị chọn một mục dưới đây ạ:"]
    for index, chunk in enumerate(chunks):
        if buttons and index == len(chunks) - 1:
            parts.append({"attachment": {"type": "template", "payload": {
                "template_type": "button", "text": chunk, "buttons": buttons}}})
        else:
            parts.append({"text": chunk})
    if message.image:
        parts.append(ImagePart(message.image))
    return parts


def render_notice(message: OutboundMessage) -> list[Part]:
    """A proactive notice outside the reply window, as a "transaction" template."""
    chunks = split_text(message.text or "", NOTICE_TEXT_LIMIT) or [""]
    buttons = _buttons(message.buttons)
    if message.image:
        log.info("Zalo notice: image %s left out of the transaction template", message.image)
    parts: list[Part] = []
    for index, chunk in enumerate(chunks):
        payload: dict[str, Any] = {
            "template_type": "transaction_event", "language": "VI",
            "elements": [{"type": "header", "content": NOTICE_HEADER, "align": "left"},
                         {"type": "text", "content": chunk, "align": "left"}]}
        if buttons and index == len(chunks) - 1:
            payload["buttons"] = buttons
        parts.append({"attachment": {"type": "template", "payload": payload}})
    return parts


def image_message(attachment_id: str) -> dict[str, Any]:
    return {"attachment": {"type": "template", "payload": {
        "template_type": "media", "elements": [{"media_type": "image", "attachment_id": attachment_id}]}}}


def _buttons(buttons: list[Button]) -> list[dict[str, Any]]:
    if len(buttons) > MAX_BUTTONS:
        log.warning("Zalo shows at most %d buttons; dropped: %s", MAX_BUTTONS,
                    ", ".join(b.title for b in buttons[MAX_BUTTONS:]))
    return [_button(b) for b in buttons[:MAX_BUTTONS]]


def _button(button: Button) -> dict[str, Any]:
    title = button.title if len(button.title) <= BUTTON_TITLE_LIMIT else button.title[:BUTTON_TITLE_LIMIT - 1] + "…"
    if button.payload.startswith(("https://", "http://")):
        return {"type": "oa.open.url", "title": title, "payload": {"url": button.payload}}
    # oa.query.show: Zalo sends the payload back as the citizen's text, unchanged.
    return {"type": "oa.query.show", "title": title, "payload": button.payload}

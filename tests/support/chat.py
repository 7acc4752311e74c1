"""A citizen's conversation with a running stack through the gateway's REST chat, and what the
tests read in the bot's replies (their text, their buttons)."""

from __future__ import annotations

import json

from tests.support.stack import Stack


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def buttons(replies: list[dict]) -> list[dict]:
    return [b for r in replies for b in r.get("buttons", [])]


def start(procedure_id: str) -> str:
    return "/start_submission" + json.dumps({"procedure_id": procedure_id})


class Chat:
    """One citizen's conversation; ``say`` returns the bot's text and keeps the last buttons."""

    def __init__(self, stack: Stack, sender: str) -> None:
        self.stack, self.sender, self.buttons = stack, sender, []
        self.turns = 0   # messages the citizen sent (typed or tapped)
        self.last = ""

    def say(self, message: str) -> str:
        replies = self.stack.chat(self.sender, message)
        self.turns += 1
        self.buttons = buttons(replies)
        self.last = texts(replies)
        return self.last

    def tap(self, title: str) -> str:
        """Tap the button titled ``title`` (or starting with it) under the last reply."""
        found = next((b for b in self.buttons if b["title"] == title), None) or next(
            b for b in self.buttons if b["title"].startswith(title))
        return self.say(found["payload"])


def fill_applicant(chat: Chat, email: str = "bỏ qua", case: tuple[str, ...] = ()) -> str:
    """Answer the case's choices (asked first, ``case``), then the applicant's questions one at a time."""
    for answer in case:
        chat.say(answer)
    assert "họ và tên" in chat.last
    assert "căn cước" in chat.say("nguyễn văn an")
    assert "Ngày sinh" in chat.say("001090123456")
    assert "điện thoại" in chat.say("12/03/1990")
    assert "email" in chat.say("0912 345 678")
    assert "Địa chỉ" in chat.say(email)
    return chat.say("số 12 đường Lê Lợi, phường Trần Phú, TP Thanh Hóa")

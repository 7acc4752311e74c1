"""The gateway in process for the handoff tests: people answer at any hour, Rasa is a closed port
(what reaches it gets the outage reply), and staff as the handoff service sees them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.auth.service import Staff
from bot.conversation.models import Conversation, Message
from bot.core.config import Settings
from bot.core.services import services_of
from bot.handoff.service import HandoffService, Queued
from tests.support.databases import migrated_sqlite_url
from tests.support.network import free_port
from tests.support.staff import login

ALWAYS = "00:00-24:00"


def staff(username: str, role: str) -> Staff:
    return Staff(id=0, username=username, full_name=username.title(), role=role, csrf_token="")


@dataclass
class Gateway:
    client: TestClient
    app: FastAPI
    settings: Settings

    @property
    def handoff(self) -> HandoffService:
        return services_of(self.app).get(HandoffService)

    def run(self, coroutine: Any) -> Any:
        """Run a coroutine on the app's own event loop (where the console hub lives)."""
        async def wrapper() -> Any:
            return await coroutine
        return self.client.portal.call(wrapper)

    def say(self, sender: str, text: str) -> list[dict[str, Any]]:
        response = self.client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
        assert response.status_code == 200, response.text
        return response.json()

    def conversation(self, sender: str) -> Conversation:
        with services_of(self.app).get(sessionmaker)() as session:
            return session.scalars(select(Conversation).where(Conversation.sender_id == sender)).one()

    def transcript(self, sender: str) -> list[Message]:
        with services_of(self.app).get(sessionmaker)() as session:
            return list(session.scalars(select(Message).where(
                Message.conversation_id == self.conversation(sender).id).order_by(Message.id)))

    def queue_citizen(self, sender: str, reason: str = "asked") -> Queued:
        self.say(sender, "xin chào")
        result = self.run(self.handoff.request(self.conversation(sender).id, reason,
                                               {"question": "hỏi về hộ chiếu", "procedure": "Cấp hộ chiếu"}))
        assert isinstance(result, Queued), result
        return result

    def updates(self, sender: str) -> list[str]:
        body = self.client.get("/api/chat/updates", params={"sender": sender}).json()
        return [m.get("text", "") for u in body["updates"] for m in u["messages"]]

    def login(self, username: str) -> str:
        self.client.cookies.clear()
        return login(self.client, username)  # type: ignore[arg-type]


def settings_for(tmp_path: Path, **extra: Any) -> Settings:
    """Rasa is a closed port: any message that reaches it gets the outage reply, which makes
    "did this go to Rasa?" visible."""
    values: dict[str, Any] = dict(
        database_url=extra.pop("database_url", None) or migrated_sqlite_url(tmp_path / "gw.db"),
        attachments_dir=tmp_path / "files",
        rasa_url=f"http://127.0.0.1:{free_port()}", rasa_timeout_seconds=1,
        handoff_weekday_hours=ALWAYS, handoff_saturday_hours=ALWAYS, handoff_sunday_hours=ALWAYS,
        handoff_follow_holidays=False)
    values.update(extra)
    return Settings(**values)

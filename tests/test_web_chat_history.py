"""The web chat's session and history endpoints (Rasa unreachable: the outage replies are enough).

A reload shows the recent conversation again, but only to the browser that started it: the sender
is bound to the browser by a signed HttpOnly cookie, and knowing a sender id reads nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.conversation.attachments import AttachmentService
from bot.conversation.outbox import Outbox
from bot.conversation.routes import SESSION_COOKIE
from bot.core.config import Settings
from bot.core.services import services_of
from channels.messages import OutboundMessage
from channels.web import WebChannel
from knowledge_base.service import KnowledgeBase
from tests.support.databases import migrated_sqlite_url
from tests.support.network import free_port
from tests.support.waiting import run_async


@pytest.fixture
def app_client(kb: KnowledgeBase, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=migrated_sqlite_url(tmp_path / "gw.db"), rasa_url=f"http://127.0.0.1:{free_port()}",
                        rasa_timeout_seconds=2, secret_key="test-secret", attachments_dir=str(tmp_path / "files"))
    with TestClient(create_app(settings, kb=kb)) as client:
        yield client


def say(client: TestClient, sender: str, message: str, message_id: str | None = None) -> list[dict]:
    response = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": message,
                                                           "message_id": message_id})
    assert response.status_code == 200, response.text
    return response.json()


def stranger(client: TestClient) -> TestClient:
    """Another browser on the same gateway: no cookies."""
    return TestClient(client.app)


def test_a_new_browser_gets_a_random_sender_bound_by_an_httponly_cookie(app_client: TestClient) -> None:
    response = app_client.post("/api/chat/session")
    assert response.status_code == 200
    body = response.json()
    assert body["sender"].startswith("web-") and len(body["sender"]) > 30
    max_bytes = services_of(app_client.app).get(AttachmentService).max_bytes
    assert body["history"] is True and body["max_upload_bytes"] == max_bytes
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}={body['sender']}.")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/api/chat" in cookie
    assert response.headers["cache-control"] == "no-store"
    # The same browser keeps its sender on the next visit, whatever the page claims.
    again = app_client.post("/api/chat/session", headers={"X-Chat-Sender": "web-someone-else"}).json()
    assert again["sender"] == body["sender"]


def test_history_shows_the_conversation_as_the_page_showed_it(app_client: TestClient) -> None:
    sender = app_client.post("/api/chat/session").json()["sender"]
    say(app_client, sender, "/greet")
    say(app_client, sender, "làm giấy khai sinh cần gì")
    say(app_client, sender, "/request_human")   # the outage reply's "Gặp nhân viên" button
    history = app_client.get("/api/chat/history")
    assert history.status_code == 200 and history.headers["cache-control"] == "no-store"
    messages = history.json()["messages"]
    citizen = [m["text"] for m in messages if m["author"] == "citizen"]
    assert citizen == ["làm giấy khai sinh cần gì", "Gặp nhân viên"]   # no "/greet", taps by title
    bot = [m for m in messages if m["author"] == "bot"]
    assert bot and "tạm gián đoạn" in bot[0]["text"]
    assert {"title": "Gặp nhân viên", "payload": "/request_human"} in bot[0]["buttons"]
    assert messages[0]["author"] == "bot"   # the greeting's answer comes first


def test_history_needs_the_cookie_not_just_the_sender_id(app_client: TestClient) -> None:
    sender = app_client.post("/api/chat/session").json()["sender"]
    say(app_client, sender, "số căn cước của tôi là 079188077665")
    other = stranger(app_client)
    assert other.get("/api/chat/history").status_code == 401
    # The sender id in a header or a forged cookie is not proof of ownership.
    assert other.get("/api/chat/history", headers={"X-Chat-Sender": sender}).status_code == 401
    other.cookies.set(SESSION_COOKIE, f"{sender}.{'0' * 32}", path="/api/chat")
    forged = other.get("/api/chat/history")
    assert forged.status_code == 401 and "079188077665" not in forged.text
    # Claiming the sender at the session endpoint keeps it for its notices, but gives no history.
    claimed = stranger(app_client).post("/api/chat/session", headers={"X-Chat-Sender": sender})
    assert claimed.json() == {"sender": sender, "history": False,
                              "max_upload_bytes": services_of(app_client.app).get(AttachmentService).max_bytes}
    assert "set-cookie" not in claimed.headers
    # A sender the gateway never saw is not adopted: a new one is made and bound.
    fresh = stranger(app_client).post("/api/chat/session", headers={"X-Chat-Sender": "web-guessed"}).json()
    assert fresh["sender"] != "web-guessed" and fresh["history"] is True


def test_notices_in_the_history_are_not_fetched_again_as_updates(app_client: TestClient) -> None:
    sender = app_client.post("/api/chat/session").json()["sender"]
    say(app_client, sender, "xin chào")
    app = app_client.app
    from sqlalchemy import select
    from sqlalchemy.orm import sessionmaker

    from bot.conversation.models import Conversation
    with services_of(app).get(sessionmaker)() as session:
        conversation_id = session.scalar(select(Conversation.id).where(Conversation.sender_id == sender))
    outbox = Outbox(services_of(app).get(sessionmaker), {"web": WebChannel()})
    outbox.enqueue(conversation_id, [OutboundMessage(text="Hồ sơ HS-1 đã được tiếp nhận.")], kind="notice")
    run_async(outbox.deliver_due())
    history = app_client.get("/api/chat/history").json()
    assert history["messages"][-1] == {"author": "bot", "text": "Hồ sơ HS-1 đã được tiếp nhận.", "buttons": []}
    updates = app_client.get("/api/chat/updates", params={"after": history["updates_after"]},
                             headers={"X-Chat-Sender": sender}).json()
    assert updates == {"updates": []}
    # The header carries the sender (no sender in the URL); the query parameter still works.
    by_header = app_client.get("/api/chat/updates", headers={"X-Chat-Sender": sender}).json()["updates"]
    by_query = app_client.get("/api/chat/updates", params={"sender": sender}).json()["updates"]
    assert by_header == by_query and by_header[0]["messages"][0]["text"] == "Hồ sơ HS-1 đã được tiếp nhận."
    missing = app_client.get("/api/chat/updates")
    assert missing.status_code == 422 and missing.json()["details"][0]["field"] == "X-Chat-Sender"


def test_history_keeps_the_last_messages_only(app_client: TestClient) -> None:
    from bot.conversation.routes import HISTORY_LIMIT
    sender = app_client.post("/api/chat/session").json()["sender"]
    for n in range(HISTORY_LIMIT):
        say(app_client, sender, f"câu hỏi số {n}")
    messages = app_client.get("/api/chat/history").json()["messages"]
    assert len(messages) == HISTORY_LIMIT
    assert messages[-2] == {"author": "citizen", "text": f"câu hỏi số {HISTORY_LIMIT - 1}", "buttons": []}


def test_polling_with_the_sender_in_a_header_keeps_its_own_rate_limit() -> None:
    from tests.support.limits import FakeClock, chat_app
    client = TestClient(chat_app(FakeClock(), poll_burst=2))
    polls = [client.get("/api/chat/updates", params={"sender": "x"}, headers={"X-Chat-Sender": "s1"}).status_code
             for _ in range(3)]
    assert polls == [200, 200, 429]
    # Another browser is not held back by s1's polling.
    assert client.get("/api/chat/updates", params={"sender": "x"}, headers={"X-Chat-Sender": "s2"}).status_code == 200


def test_the_cookie_is_secure_when_the_public_address_is_https(kb: KnowledgeBase, tmp_path: Path) -> None:
    settings = Settings(database_url=migrated_sqlite_url(tmp_path / "gw.db"), rasa_url=f"http://127.0.0.1:{free_port()}",
                        secret_key="test-secret", attachments_dir=str(tmp_path / "files"),
                        public_url="https://dichvucong.example.gov.vn")
    with TestClient(create_app(settings, kb=kb)) as client:   # TLS ends at the proxy: the app sees http
        assert "Secure" in client.post("/api/chat/session").headers["set-cookie"]

"""The gateway on its own (Rasa unreachable): contracts, bad input, outage replies, storage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from bot.app import create_app
from bot.conversation.attachments import AttachmentService
from bot.conversation.service import ConversationService
from bot.core.config import Settings
from bot.core.services import services_of
from knowledge_base.service import KnowledgeBase
from tests.support.databases import migrated_sqlite_url
from tests.support.images import PNG
from tests.support.network import free_port

INTERNAL_TOKEN = "gateway-test-internal-token"


@pytest.fixture
def offline(kb: KnowledgeBase, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    database_url = migrated_sqlite_url(tmp_path / "gw.db")
    settings = Settings(database_url=database_url, rasa_url=f"http://127.0.0.1:{free_port()}",
                        rasa_timeout_seconds=2, internal_token=INTERNAL_TOKEN)
    with TestClient(create_app(settings, kb=kb)) as client:
        yield client, database_url


def post(client: TestClient, message: str, sender: str = "u1", **extra) -> list[dict]:
    response = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": message, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def test_rasa_outage_gets_a_polite_reply_with_a_person_and_keeps_the_message(offline) -> None:
    client, database_url = offline
    [reply] = post(client, "làm giấy khai sinh cần gì")
    assert "tạm gián đoạn" in reply["text"] and "đã được lưu" in reply["text"]
    assert {"title": "Gặp nhân viên", "payload": "/request_human"} in reply["buttons"]
    with create_engine(database_url).connect() as db:
        stored = db.execute(text("select text from messages where direction='in'")).scalars().all()
    assert stored == ["làm giấy khai sinh cần gì"]


@pytest.mark.parametrize(("message", "expected"), [
    ("", "chưa nhập nội dung"),
    ("   \n\t", "chưa nhập nội dung"),
    ("😀🙏🎉", "bằng chữ"),
    ("x" * 10_000, "dài quá"),
])
def test_bad_messages_get_a_sensible_reply(offline, message: str, expected: str) -> None:
    client, _ = offline
    [reply] = post(client, message)
    assert expected in reply["text"]
    assert reply["recipient_id"] == "u1" and reply["buttons"]


def test_a_too_long_message_is_told_the_limit_with_vietnamese_digit_groups() -> None:
    from bot.conversation.texts import too_long

    assert too_long(4000).text == ("Tin nhắn dài quá 4.000 ký tự nên em chưa xử lý được. "
                                   "Anh/Chị vui lòng hỏi ngắn gọn, mỗi lần một việc ạ.")   # the comma stays a comma


def test_reply_follows_the_rasa_rest_channel_shape(offline) -> None:
    client, _ = offline
    [reply] = post(client, "")
    assert set(reply) <= {"recipient_id", "text", "buttons", "image", "custom"}
    assert all(set(b) == {"title", "payload"} for b in reply["buttons"])


def test_duplicate_delivery_is_stored_once_and_gets_the_same_answer(offline) -> None:
    client, database_url = offline
    first = post(client, "xin chào", message_id="m-1")
    assert first
    # A client retrying after a lost answer gets the answer it missed, not silence (nor a second turn).
    assert post(client, "xin chào", message_id="m-1") == first
    with create_engine(database_url).connect() as db:
        assert db.execute(text("select count(*) from messages where direction='in'")).scalar() == 1
        assert db.execute(text("select count(*) from messages where direction='out'")).scalar() == len(first)


@pytest.mark.parametrize("body", [{}, {"message": "hi"}, {"sender": "", "message": "hi"},
                                  {"sender": "a" * 500, "message": "hi"}, {"sender": "a", "message": 5}])
def test_malformed_body_names_the_field(offline, body: dict) -> None:
    client, _ = offline
    response = client.post("/webhooks/rest/webhook", json=body)
    assert response.status_code == 422
    detail = response.json()["details"][0]
    assert detail["field"] in {"sender", "message"}
    assert detail["reason"] and not detail["reason"].startswith(("Field", "String", "Input"))


def test_not_json_is_rejected_not_crashed(offline) -> None:
    client, _ = offline
    response = client.post("/webhooks/rest/webhook", content=b"\xff\x00not json",
                           headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_search_api(offline) -> None:
    client, _ = offline
    body = client.get("/api/search", params={"q": "le phi ly lich tu phap", "top": 2}).json()
    assert body["results"][0]["id"] == "ly-lich-tu-phap" and len(body["results"]) == 2
    assert client.get("/api/search", params={"q": ""}).status_code == 422
    assert client.get("/api/search", params={"q": "x", "kind": "other"}).status_code == 422
    assert client.get("/api/search", params={"q": "x", "top": 0}).status_code == 422


def test_unknown_action_and_bad_action_body(offline) -> None:
    client, _ = offline
    rasa = {"token": INTERNAL_TOKEN}
    assert client.post("/actions/webhook", content=b"nope", params=rasa).status_code == 400
    unknown = client.post("/actions/webhook", json={"next_action": "action_nope", "tracker": {},
                                                    "domain": {}, "version": "3.6.21"}, params=rasa)
    assert unknown.status_code == 404


def test_only_rasa_may_run_actions(offline) -> None:
    """A forged tracker would run any action as any citizen: without Rasa's token, nothing runs."""
    client, _ = offline
    forged = {"next_action": "action_track_dossier", "tracker": {"sender_id": "zalo:victim"},
              "domain": {}, "version": "3.6.21"}
    for params in ({}, {"token": "guess"}, {"token": "ậ"}):
        assert client.post("/actions/webhook", json=forged, params=params).status_code == 403
        assert client.get("/actions", params=params).status_code == 403
    assert client.get("/actions", params={"token": INTERNAL_TOKEN}).status_code == 200


def test_readiness_reports_rasa_down_and_web_chat_is_served(offline) -> None:
    client, _ = offline
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").status_code == 503
    page = client.get("/")
    assert page.status_code == 200 and "Trợ lý ảo" in page.text


def test_web_notice_is_fetched_once_by_its_own_sender_only(offline) -> None:
    from bot.conversation.outbox import Outbox
    from channels.messages import OutboundMessage
    from channels.web import WebChannel
    from tests.support.waiting import run_async

    client, _ = offline
    post(client, "", sender="citizen-a")
    post(client, "", sender="citizen-b")
    app = client.app
    with services_of(app).get(sessionmaker)() as session:
        conversation_id = session.execute(
            text("select id from conversations where sender_id='citizen-a'")).scalar_one()
    outbox = Outbox(services_of(app).get(sessionmaker), {"web": WebChannel()})
    outbox.enqueue(conversation_id, [OutboundMessage(text="Hồ sơ đã được tiếp nhận.")], kind="notice")
    run_async(outbox.deliver_due())
    mine = client.get("/api/chat/updates", params={"sender": "citizen-a"}).json()["updates"]
    assert [u["messages"][0]["text"] for u in mine] == ["Hồ sơ đã được tiếp nhận."]
    assert client.get("/api/chat/updates", params={"sender": "citizen-b"}).json()["updates"] == []
    after = mine[0]["id"]
    assert client.get("/api/chat/updates", params={"sender": "citizen-a", "after": after}).json() == {
        "updates": []}


def test_web_upload_stores_a_photo_and_refuses_a_disguised_file(offline) -> None:
    client, database_url = offline
    ok = client.post("/api/chat/upload", data={"sender": "u-up"},
                     files={"file": ("cccd mat truoc.png", PNG, "image/png")})
    assert ok.status_code == 200 and "Em đã nhận ảnh" in ok.json()[0]["text"]
    fake = client.post("/api/chat/upload", data={"sender": "u-up"},
                       files={"file": ("anh.jpg", b"MZ\x90\x00 not a photo", "image/jpeg")})
    assert "chỉ nhận ảnh JPG, PNG hoặc tệp PDF" in fake.json()[0]["text"]
    with create_engine(database_url).connect() as db:
        rows = db.execute(text("select filename, content_type from attachments")).all()
    assert rows == [("cccd mat truoc.png", "image/png")]


def test_web_upload_over_the_limit_is_refused_without_reading_it_all(offline) -> None:
    client, _ = offline
    limit = services_of(client.app).get(AttachmentService).max_bytes
    big = PNG + b"\x00" * limit
    reply = client.post("/api/chat/upload", data={"sender": "u-big"},
                        files={"file": ("big.png", big, "image/png")}).json()
    assert "lớn quá" in reply[0]["text"]


def test_web_upload_without_a_file_names_the_field(offline) -> None:
    client, _ = offline
    response = client.post("/api/chat/upload", data={"sender": "u"})
    assert response.status_code == 422 and response.json()["details"][0]["field"] == "file"


def test_a_database_outage_is_a_polite_503_the_client_can_retry(offline, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    client, _ = offline
    conversations = services_of(client.app).get(ConversationService)

    def down(*_: object) -> None:
        raise OperationalError("INSERT", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(conversations, "_store_inbound", down)
    response = client.post("/webhooks/rest/webhook", json={"sender": "u1", "message": "xin chào", "message_id": "m-9"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "gửi lại sau ít giây" in response.json()["error"]
    monkeypatch.undo()
    assert post(client, "xin chào", message_id="m-9")   # the retry is answered normally


def test_api_docs_that_load_a_cdn_script_are_served_on_a_local_address_only(kb: KnowledgeBase, tmp_path: Path) -> None:
    base = {"database_url": f"sqlite:///{tmp_path / 'gw.db'}", "rasa_url": f"http://127.0.0.1:{free_port()}"}
    local = TestClient(create_app(Settings(**base), kb=kb))
    public = TestClient(create_app(Settings(**base, public_url="https://chatbot.example.gov.vn"), kb=kb))
    opted_in = TestClient(create_app(Settings(**base, public_url="https://chatbot.example.gov.vn", api_docs=True),
                                     kb=kb))
    assert local.get("/docs").status_code == 200 and opted_in.get("/docs").status_code == 200
    assert public.get("/docs").status_code == 404 and public.get("/redoc").status_code == 404
    assert public.get("/openapi.json").status_code == 200   # the contract itself stays readable

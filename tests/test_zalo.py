"""The Zalo OA channel over real HTTP: the gateway's webhook, and a local stand-in of Zalo's APIs
(tests/standins/zalo_server.py) on 127.0.0.1. Rasa is a closed port in most tests (the bot answers
with its outage text); one test goes through real Rasa."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from bot.auth.service import Staff
from bot.conversation.models import Attachment, Conversation, Message, OutboxItem, PlatformToken
from bot.conversation.outbox import Outbox
from bot.core.config import Settings
from bot.core.db import make_engine, make_sessionmaker
from bot.core.services import services_of
from bot.handoff.service import HandoffService
from bot.schema import create_schema
from channels import zalo
from channels.base import DeliveryError, FileTooLarge
from channels.messages import Button, OutboundMessage
from channels.zalo.channel import ZaloChannel
from channels.zalo.client import ZaloClient
from channels.zalo.signature import compute_signature
from channels.zalo.tokens import TokenStore
from knowledge_base.service import KnowledgeBase
from tests.standins.zalo_server import ZaloStandIn, running
from tests.support.images import png_bytes
from tests.support.network import free_port
from tests.support.stack import Stack
from tests.support.waiting import run_async, wait_for
from tests.support.zalo import OA_SECRET, Gateway, now_ms, open_gateway, sent_to, text_event, zalo_settings

CHOOSE = '/choose{"item_id": "khai-sinh"}'


def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


@pytest.fixture
def standin() -> Iterator[ZaloStandIn]:
    with running(ZaloStandIn(), free_port()) as server:
        yield server


@pytest.fixture
def gateway(kb: KnowledgeBase, tmp_path: Path, standin: ZaloStandIn) -> Iterator[Gateway]:
    with open_gateway(kb, zalo_settings(tmp_path, standin), standin) as opened:
        yield opened


# ---- webhook -----------------------------------------------------------------------------------
def test_forged_zalo_signature_is_rejected(gateway: Gateway) -> None:
    event = text_event("u-forged", "xin chào")
    assert gateway.post(event, signature="0" * 64).status_code == 401
    assert gateway.post(event, signature="").status_code == 401
    tampered = json.dumps({**event, "message": {"msg_id": "x", "text": "khác"}}).encode()
    good_for_original = compute_signature("app-1", json.dumps(event, ensure_ascii=False).encode(),
                                          event["timestamp"], OA_SECRET)
    assert gateway.post(event, signature=good_for_original, raw=tampered).status_code == 401
    with gateway.db() as db:
        assert db.scalar(select(Message.id)) is None


def test_valid_zalo_signature_is_accepted_with_or_without_mac_prefix(gateway: Gateway) -> None:
    event = text_event("u-valid", "xin chào")
    body = json.dumps(event, ensure_ascii=False).encode()
    signature = compute_signature("app-1", body, event["timestamp"], OA_SECRET)
    assert gateway.post(event).status_code == 200
    second = text_event("u-valid", "chào lần nữa")
    body2 = json.dumps(second, ensure_ascii=False).encode()
    assert gateway.post(second, signature="mac=" + compute_signature(
        "app-1", body2, second["timestamp"], OA_SECRET).upper()).status_code == 200
    assert signature != compute_signature("app-1", body, event["timestamp"], "wrong")


def test_malformed_zalo_json_with_valid_signature_is_a_clear_400(gateway: Gateway) -> None:
    raw = b'{"event_name": "user_send_text", "message": '
    stamp = now_ms()
    signature = compute_signature("app-1", raw, stamp, OA_SECRET)
    response = gateway.post({}, signature=signature, raw=raw, headers={"timestamp": stamp})
    assert response.status_code == 400 and "JSON" in response.json()["error"]
    event = {"timestamp": now_ms(), "event_name": "user_send_text", "sender": {"id": "u"}}
    response = gateway.post(event)
    assert response.status_code == 400 and "message" in response.json()["error"]


def test_stale_future_undated_and_foreign_events_are_refused_though_signed(gateway: Gateway) -> None:
    day_ms = 24 * 3600 * 1000
    fresh = text_event("u-replay", "xin chào")
    for change in ({"timestamp": str(int(fresh["timestamp"]) - 30 * day_ms)},
                   {"timestamp": str(int(fresh["timestamp"]) + 365 * day_ms)},
                   {"app_id": "another-app"}):
        response = gateway.post({**fresh, **change})   # signed correctly by the fixture
        assert response.status_code == 400, change
    undated = {"app_id": "app-1", "event_name": "follow", "follower": {"id": "u-replay"}}
    assert gateway.post(undated).status_code == 400
    with gateway.db() as db:
        assert db.scalar(select(Message.id)) is None
    assert gateway.post(fresh).status_code == 200


def test_unknown_zalo_event_is_acknowledged_and_ignored(gateway: Gateway) -> None:
    event = {**text_event("u-sticker", ""), "event_name": "user_send_sticker"}
    response = gateway.post(event)
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    with gateway.db() as db:
        assert db.scalar(select(Message.id)) is None


def test_duplicate_zalo_delivery_is_processed_once(gateway: Gateway) -> None:
    event = text_event("u-dup", "làm giấy khai sinh cần gì", msg_id="dup-1")
    first, second = gateway.post(event), gateway.post(event)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["status"] == "duplicate"
    gateway.drain()
    wait_for(lambda: sent_to(gateway.standin, "u-dup"))
    time.sleep(0.5)
    with gateway.db() as db:
        assert db.scalar(select(Message.id).where(Message.direction == "in").offset(1)) is None
    [reply] = sent_to(gateway.standin, "u-dup")
    assert "tạm gián đoạn" in reply["message"]["attachment"]["payload"]["text"]


def test_follow_greets_and_unfollow_only_stores(gateway: Gateway) -> None:
    follow = {"app_id": "app-1", "event_name": "follow", "timestamp": now_ms(),
              "follower": {"id": "u-follow"}, "oa_id": "oa-1", "source": "testing"}
    assert gateway.post(follow).status_code == 200
    gateway.drain()
    wait_for(lambda: sent_to(gateway.standin, "u-follow"))
    unfollow = {**follow, "event_name": "unfollow", "timestamp": now_ms()}
    assert gateway.post(unfollow).status_code == 200
    gateway.drain()
    time.sleep(0.5)
    with gateway.db() as db:
        stored = db.execute(select(Message.text, Message.payload).where(Message.direction == "in")
                            .order_by(Message.id)).all()
    assert [(t, p["zalo_event"]) for t, p in stored] == [("/greet", "follow"), ("", "unfollow")]
    assert len(sent_to(gateway.standin, "u-follow")) == 1


def test_photo_from_zalo_is_stored_as_attachment(gateway: Gateway) -> None:
    photo = png_bytes()
    gateway.standin.files["anh-cccd.png"] = (photo, "image/png")
    gateway.standin.files["don.pdf"] = (pdf_bytes(), "application/pdf")
    event = {**text_event("u-photo", ""), "event_name": "user_send_image"}
    event["message"]["attachments"] = [{"type": "image", "payload": {
        "url": f"{gateway.standin.url}/redirect/anh-cccd.png", "thumbnail": "x"}}]
    assert gateway.post(event).status_code == 200
    pdf = {**text_event("u-photo", ""), "event_name": "user_send_file"}
    pdf["message"]["attachments"] = [{"type": "file", "payload": {
        "url": f"{gateway.standin.url}/files/don.pdf", "name": "don-de-nghi.pdf", "size": "200"}}]
    assert gateway.post(pdf).status_code == 200
    gateway.drain()
    with gateway.db() as db:
        rows = db.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [(r.content_type, r.filename) for r in rows] == [("image/png", "anh-cccd.png"),
                                                             ("application/pdf", "don-de-nghi.pdf")]
    assert (gateway.settings.attachments_dir / rows[0].storage_key).read_bytes() == photo
    replies = wait_for(lambda: len(sent_to(gateway.standin, "u-photo")) == 2 and sent_to(gateway.standin, "u-photo"))
    assert "Em đã nhận ảnh" in replies[0]["message"]["text"]
    assert "tệp PDF" in replies[1]["message"]["text"]


def test_tapped_zalo_button_payload_round_trips(gateway: Gateway) -> None:
    gateway.post(text_event("u-tap", "xin chào"))
    gateway.drain()
    [reply] = wait_for(lambda: sent_to(gateway.standin, "u-tap"))
    buttons = reply["message"]["attachment"]["payload"]["buttons"]
    assert {"type": "oa.query.show", "title": "Gặp nhân viên", "payload": "/request_human"} in buttons
    # Tapping an oa.query.show button makes Zalo send its payload back as the citizen's text.
    assert gateway.post(text_event("u-tap", CHOOSE)).status_code == 200
    gateway.drain()
    with gateway.db() as db:
        texts = db.scalars(select(Message.text).where(Message.direction == "in").order_by(Message.id)).all()
    assert texts[-1] == CHOOSE


# ---- sending -----------------------------------------------------------------------------------
def test_zalo_token_expiry_mid_send_refreshes_and_delivers(gateway: Gateway) -> None:
    gateway.standin.reject_token_once = True
    gateway.post(text_event("u-expiry", "xin chào"))
    gateway.drain()
    [reply] = wait_for(lambda: sent_to(gateway.standin, "u-expiry"))
    assert reply["token"] == "access-2"
    assert gateway.standin.refreshes == ["refresh-1"] and gateway.standin.rejected_refreshes == []
    with gateway.db() as db:
        row = db.get(PlatformToken, "zalo")
        assert (row.access_token, row.refresh_token, row.version) == ("access-2", "refresh-2", 2)


def _expired_token_db(tmp_path: Path) -> Any:
    engine = make_engine(f"sqlite:///{tmp_path / 'race.db'}")
    create_schema(engine)
    sessions = make_sessionmaker(engine)
    with sessions() as session, session.begin():
        session.add(PlatformToken(name="zalo", access_token="access-1", refresh_token="refresh-1",
                                  expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1), version=1))
        session.add(Conversation(channel="zalo", sender_id="u-race"))
    return engine


def test_concurrent_zalo_refreshes_spend_the_refresh_token_once(tmp_path: Path, standin: ZaloStandIn) -> None:
    engine = _expired_token_db(tmp_path)
    settings = zalo_settings(tmp_path, standin)
    standin.refresh_delay = 0.3
    first = zalo.build(settings, make_sessionmaker(engine))
    second = zalo.build(settings, make_sessionmaker(engine))
    assert first is not None and second is not None

    async def both() -> list[str | None]:
        return await asyncio.gather(first.send("u-race", OutboundMessage(text="một")),
                                    second.send("u-race", OutboundMessage(text="hai")))

    assert all(run_async(both()))
    assert standin.refreshes == ["refresh-1"] and standin.rejected_refreshes == []
    assert {s["token"] for s in standin.sent} == {"access-2"} and len(standin.sent) == 2


def test_zalo_refresh_race_loser_uses_the_winners_token(tmp_path: Path, standin: ZaloStandIn) -> None:
    """Two replicas (no shared lock): the compare-and-swap keeps one pair, the loser adopts it."""
    engine = _expired_token_db(tmp_path)
    standin.refresh_delay = 0.3

    async def race() -> list[str]:
        import httpx
        async with httpx.AsyncClient() as http:
            client = ZaloClient(http, standin.url, standin.url)
            stores = [TokenStore(make_sessionmaker(engine), client, "app-1", "app-secret", "", "",
                                 lock=asyncio.Lock) for _ in range(2)]
            return await asyncio.gather(*(s.access_token() for s in stores))

    assert run_async(race()) == ["access-2", "access-2"]
    assert standin.refreshes == ["refresh-1"]  # spent once; the replica that came second was refused
    with make_sessionmaker(engine)() as session:
        row = session.get(PlatformToken, "zalo")
        assert (row.access_token, row.refresh_token, row.version) == ("access-2", "refresh-2", 2)


def test_proactive_notice_reaches_zalo_user(gateway: Gateway) -> None:
    gateway.post(text_event("u-notice", "xin chào"))
    gateway.drain()
    wait_for(lambda: sent_to(gateway.standin, "u-notice"))
    with gateway.db() as db:
        conversation_id = db.scalar(select(Conversation.id).where(Conversation.sender_id == "u-notice"))
    outbox = services_of(gateway.client.app).get(Outbox)
    notice = OutboundMessage(text="Hồ sơ của Anh/Chị đã có kết quả, mời Anh/Chị đến nhận.")
    gateway.call(outbox.enqueue, conversation_id, [notice], "notice")
    within = wait_for(lambda: [s for s in sent_to(gateway.standin, "u-notice") if s["kind"] == "cs"][1:])
    assert within[0]["message"]["text"] == notice.text
    # Three days later the free window is closed: a notice goes as a "transaction" message,
    # a plain reply is not sent (the outbox marks it failed).
    with gateway.db() as db, db.begin():
        db.execute(update(Conversation).where(Conversation.id == conversation_id).values(
            last_message_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3)))
    gateway.call(outbox.enqueue, conversation_id, [notice], "notice")
    [late] = wait_for(lambda: [s for s in sent_to(gateway.standin, "u-notice") if s["kind"] == "transaction"])
    assert notice.text in [e.get("content") for e in late["message"]["attachment"]["payload"]["elements"]]
    [item_id] = gateway.call(outbox.enqueue, conversation_id, [OutboundMessage(text="trả lời muộn")], "reply")
    with gateway.db() as db:
        status = wait_for(lambda: db.get(OutboxItem, item_id, populate_existing=True).status == "failed")
    assert status and "trả lời muộn" not in gateway.standin.texts()


def test_zalo_outage_then_recovery_delivers_from_the_outbox(gateway: Gateway) -> None:
    gateway.standin.outage = True
    gateway.post(text_event("u-outage", "xin chào"))
    gateway.drain()
    with gateway.db() as db:
        wait_for(lambda: db.scalar(select(OutboxItem.last_error).where(
            OutboxItem.recipient_id == "u-outage").execution_options(populate_existing=True)))
        assert db.scalar(select(OutboxItem.status).where(OutboxItem.recipient_id == "u-outage")) == "pending"
    assert sent_to(gateway.standin, "u-outage") == []
    gateway.standin.outage = False
    wait_for(lambda: sent_to(gateway.standin, "u-outage"), timeout=20)
    # Zalo has the message before the worker records it as sent: wait for the record too.
    wait_for(lambda: outbox_status(gateway, "u-outage") == "sent")


def outbox_status(gateway: Gateway, user: str) -> str | None:
    with gateway.db() as db:
        return db.scalar(select(OutboxItem.status).where(OutboxItem.recipient_id == user))


def test_long_zalo_text_is_split_and_buttons_fit_zalo(gateway: Gateway) -> None:
    gateway.post(text_event("u-long", "xin chào"))
    gateway.drain()
    wait_for(lambda: sent_to(gateway.standin, "u-long"))
    channel = services_of(gateway.client.app).get(ZaloChannel)
    paragraph = "Anh/Chị chuẩn bị giấy tờ theo hướng dẫn tại https://dichvucong.gov.vn nhé. "
    long_text = (paragraph * 70).strip()
    buttons = [Button(title=f"Lựa chọn {i} " + "rất dài " * 20, payload=f"/ask_detail{{\"n\": {i}}}")
               for i in range(7)]
    gateway.call(channel.send, "u-long", OutboundMessage(text=long_text, buttons=buttons))
    parts = sent_to(gateway.standin, "u-long")[1:]
    texts = [p["message"].get("text") or p["message"]["attachment"]["payload"]["text"] for p in parts]
    assert len(parts) == 3 and all(len(t) <= 2000 for t in texts)
    assert " ".join(texts).split() == long_text.split()
    assert "https://dichvucong.gov.vn" in texts[0]
    sent_buttons = parts[-1]["message"]["attachment"]["payload"]["buttons"]
    assert len(sent_buttons) == 5 and all(len(b["title"]) <= 100 for b in sent_buttons)
    assert sent_buttons[0]["payload"] == '/ask_detail{"n": 0}'


def test_zalo_image_is_uploaded_then_sent(gateway: Gateway) -> None:
    gateway.post(text_event("u-image", "xin chào"))
    gateway.drain()
    wait_for(lambda: sent_to(gateway.standin, "u-image"))
    gateway.standin.files["so-do.png"] = (png_bytes(), "image/png")
    channel = services_of(gateway.client.app).get(ZaloChannel)
    gateway.call(channel.send, "u-image", OutboundMessage(image=f"{gateway.standin.url}/files/so-do.png"))
    assert gateway.standin.uploads == [png_bytes()]
    element = sent_to(gateway.standin, "u-image")[-1]["message"]["attachment"]["payload"]["elements"][0]
    assert element == {"media_type": "image", "attachment_id": "att-1"}


def test_blocked_user_is_not_retried_and_network_errors_are(gateway: Gateway, tmp_path: Path) -> None:
    gateway.post(text_event("u-blocked", "xin chào"))
    gateway.drain()
    wait_for(lambda: sent_to(gateway.standin, "u-blocked"))
    gateway.standin.blocked_users.add("u-blocked")
    channel = services_of(gateway.client.app).get(ZaloChannel)
    with pytest.raises(DeliveryError) as blocked:
        gateway.call(channel.send, "u-blocked", OutboundMessage(text="còn đó không ạ"))
    assert blocked.value.retryable is False
    down = zalo.build(gateway.settings.model_copy(update={"zalo_api_base": f"http://127.0.0.1:{free_port()}"}),
                      services_of(gateway.client.app).get(sessionmaker))
    with pytest.raises(DeliveryError) as network:
        gateway.call(down.send, "u-blocked", OutboundMessage(text="còn đó không ạ"))
    assert network.value.retryable is True


def test_zalo_download_is_capped(gateway: Gateway) -> None:
    gateway.standin.files["big.pdf"] = (b"%PDF-" + b"0" * 5000, "application/pdf")
    small = zalo.build(gateway.settings.model_copy(update={"max_upload_bytes": 1000}),
                       services_of(gateway.client.app).get(sessionmaker))
    with pytest.raises(FileTooLarge, match="limit 1000"):
        gateway.call(small.download, f"{gateway.standin.url}/files/big.pdf")


def test_channel_is_off_without_credentials(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'off.db'}")
    assert zalo.build(Settings(), make_sessionmaker(engine)) is None
    assert zalo.build(Settings(zalo_app_id="a", zalo_oa_secret_key="s"), make_sessionmaker(engine)) is None


# ---- through real Rasa -------------------------------------------------------------------------
@pytest.mark.rasa
def test_zalo_button_payload_reaches_real_rasa_unchanged(kb: KnowledgeBase, tmp_path: Path,
                                                         standin: ZaloStandIn, stack: Stack) -> None:
    with open_gateway(kb, zalo_settings(tmp_path, standin, rasa_url=stack.rasa_url), standin) as gateway:
        follow = {"app_id": "app-1", "event_name": "follow", "timestamp": now_ms(),
                  "follower": {"id": "u-rasa"}, "oa_id": "oa-1"}
        assert gateway.post(follow).status_code == 200
        gateway.drain()
        greeting = wait_for(lambda: sent_to(standin, "u-rasa"), timeout=30)
        assert any("Xin chào Anh/Chị" in t for t in standin.texts())
        shown = [b for s in greeting for b in (s["message"].get("attachment") or {}).get("payload", {})
                 .get("buttons", [])]
        assert shown and all(b["type"] in ("oa.query.show", "oa.open.url") for b in shown)
        before = len(standin.sent)
        assert gateway.post(text_event("u-rasa", CHOOSE)).status_code == 200
        gateway.drain()
        wait_for(lambda: len(standin.sent) > before, timeout=30)
        time.sleep(1)
        answer = "\n".join(standin.texts())
        assert kb.procedure("khai-sinh").title in answer


def test_a_person_answers_a_zalo_citizen_through_the_outbox(kb: KnowledgeBase, tmp_path: Path,
                                                            standin: ZaloStandIn) -> None:
    settings = zalo_settings(tmp_path, standin).model_copy(update={
        "handoff_weekday_hours": "00:00-24:00", "handoff_saturday_hours": "00:00-24:00",
        "handoff_sunday_hours": "00:00-24:00", "handoff_follow_holidays": False})
    agent = Staff(id=0, username="tongdai", full_name="Trần Thị Bình", role="hotline", csrf_token="")
    with open_gateway(kb, settings, standin) as gateway:
        assert gateway.post(text_event("zu-77", "xin chào")).status_code == 200
        gateway.drain()
        handoff = services_of(gateway.client.app).get(HandoffService)
        with gateway.db() as session:
            conversation_id = session.scalars(select(Conversation.id).where(Conversation.sender_id == "zu-77")).one()
        gateway.call(handoff.set_presence, agent, "online")
        queued = gateway.call(handoff.request, conversation_id, "complaint", {})
        gateway.call(handoff.claim, queued.handoff_id, agent)
        assert gateway.post(text_event("zu-77", "hồ sơ của tôi quá hạn rồi")).status_code == 200
        gateway.drain()
        gateway.call(handoff.reply, queued.handoff_id, agent, OutboundMessage(text="Em là tổng đài viên Bình ạ."))
        wait_for(lambda: any("tổng đài viên Bình" in t for t in standin.texts()))
    assert any("Trần Thị Bình" in t for t in standin.texts())
    assert sum("tạm gián đoạn" in t for t in standin.texts()) == 1   # only "xin chào" reached (dead) Rasa

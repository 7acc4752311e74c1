"""The Telegram channel against a stand-in of the Bot API on 127.0.0.1: webhook, replies through
the outbox, files, inline buttons, long texts, outages and polling."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.app import create_app
from bot.auth.service import Staff
from bot.conversation.inbound import InboundPipeline
from bot.conversation.models import Attachment, Conversation, Message, OutboxItem
from bot.conversation.outbox import Outbox
from bot.core.config import Settings
from bot.core.services import services_of
from bot.handoff.service import HandoffService
from channels import telegram
from channels.base import DeliveryError
from channels.messages import Button, OutboundMessage
from channels.telegram import polling
from channels.telegram.channel import TelegramChannel
from knowledge_base.service import KnowledgeBase
from tests.standins.telegram_server import (
    TelegramStandin,
    callback_update,
    message_update,
    photo_sizes,
    serve,
)
from tests.support.databases import migrated_sqlite_url
from tests.support.images import JPEG
from tests.support.network import free_port
from tests.support.stack import Stack
from tests.support.telegram import SECRET, TOKEN, keyboard
from tests.support.waiting import run_async, wait_for

CHAT = 5550001
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def tg() -> Iterator[TelegramStandin]:
    with serve(TOKEN, free_port()) as state:
        yield state


@dataclass
class Gateway:
    client: TestClient
    app: FastAPI
    settings: Settings

    def post_update(self, update: Any, secret: str | None = SECRET) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        return self.client.post("/webhooks/telegram", json=update, headers=headers).status_code

    def drain(self) -> None:
        self.client.portal.call(services_of(self.app).get(InboundPipeline).drain)

    def rows(self, model: type, *where: Any) -> list[Any]:
        with services_of(self.app).get(sessionmaker)() as session:
            return list(session.scalars(select(model).where(*where)).all())

    def conversation_id(self, chat_id: int = CHAT) -> int:
        with services_of(self.app).get(sessionmaker)() as session, session.begin():
            found = session.scalar(select(Conversation).where(Conversation.channel == "telegram",
                                                              Conversation.sender_id == str(chat_id)))
            if found is None:
                found = Conversation(channel="telegram", sender_id=str(chat_id))
                session.add(found)
                session.flush()
            return found.id

    def notify(self, *messages: OutboundMessage, chat_id: int = CHAT) -> list[int]:
        return services_of(self.app).get(Outbox).enqueue(self.conversation_id(chat_id), list(messages), kind="notice")


def gateway_settings(tmp_path: Path, tg: TelegramStandin, rasa_url: str | None = None) -> Settings:
    return Settings(database_url=migrated_sqlite_url(tmp_path / "gw.db"), attachments_dir=tmp_path / "files",
                    rasa_url=rasa_url or f"http://127.0.0.1:{free_port()}", rasa_timeout_seconds=2,
                    telegram_bot_token=TOKEN, telegram_webhook_secret=SECRET, telegram_api_base=tg.url)


@pytest.fixture
def gateway(kb: KnowledgeBase, tmp_path: Path, tg: TelegramStandin) -> Iterator[Gateway]:
    """The gateway in process; Rasa is a closed port, so every question gets the outage reply."""
    settings = gateway_settings(tmp_path, tg)
    app = create_app(settings, kb=kb)
    with TestClient(app) as client:
        yield Gateway(client, app, settings)



def sent_texts(tg: TelegramStandin, chat_id: int = CHAT) -> list[str]:
    return [p["text"] for p in tg.called("sendMessage") if int(p["chat_id"]) == chat_id]


# ---- webhook security and shape ------------------------------------------------------------------
@pytest.mark.parametrize("secret", [None, "", "sai-mat-khau", SECRET + "x"])
def test_webhook_refuses_a_wrong_or_missing_secret(gateway: Gateway, tg: TelegramStandin, secret) -> None:
    assert gateway.post_update(message_update(1, CHAT, 10, text="xin chào"), secret=secret) == 401
    gateway.drain()
    assert gateway.rows(Message) == [] and tg.calls == []


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"update_id": "x"}',
                                  b'{"update_id": 5, "message": {"text": "no chat"}}'])
def test_malformed_update_with_the_right_secret_is_a_400(gateway: Gateway, body: bytes) -> None:
    response = gateway.client.post("/webhooks/telegram", content=body,
                                   headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert response.status_code == 400


def test_build_is_off_without_a_bot_token() -> None:
    assert telegram.build(Settings(telegram_bot_token="")) is None


# ---- messages in, replies out -----------------------------------------------------------------
def test_text_message_gets_a_reply_delivered_to_telegram(gateway: Gateway, tg: TelegramStandin) -> None:
    assert gateway.post_update(message_update(100, CHAT, 10, text="làm giấy khai sinh cần gì")) == 200
    [reply] = wait_for(lambda: sent_texts(tg))
    assert "tạm gián đoạn" in reply and "Anh/Chị" in reply
    [stored] = gateway.rows(Message, Message.direction == "in")
    assert (stored.text, stored.platform_message_id) == ("làm giấy khai sinh cần gì", "m10")
    [conversation] = gateway.rows(Conversation)
    assert (conversation.channel, conversation.sender_id) == ("telegram", str(CHAT))


def test_redelivered_update_is_processed_once(gateway: Gateway, tg: TelegramStandin) -> None:
    update = message_update(101, CHAT, 11, text="xin chào")
    assert gateway.post_update(update) == 200
    assert gateway.post_update(update) == 200  # Telegram repeats when it missed our answer
    gateway.drain()
    wait_for(lambda: sent_texts(tg))
    time.sleep(1.5)  # one more outbox pass: nothing else may arrive
    assert len(gateway.rows(Message, Message.direction == "in")) == 1
    assert len(sent_texts(tg)) == 1


def test_photo_is_downloaded_at_its_largest_size_and_stored(gateway: Gateway, tg: TelegramStandin) -> None:
    tg.add_file("photo-big", JPEG, "photos/file_7.jpg")
    sizes = photo_sizes(("photo-small", 90, 900), ("photo-mid", 320, 5000), ("photo-big", 1280, len(JPEG)))
    assert gateway.post_update(message_update(102, CHAT, 12, photo=sizes)) == 200
    [reply] = wait_for(lambda: sent_texts(tg))
    assert "Em đã nhận ảnh" in reply
    assert [p["file_id"] for p in tg.called("getFile")] == ["photo-big"]
    [attachment] = gateway.rows(Attachment)
    assert (attachment.content_type, attachment.size) == ("image/jpeg", len(JPEG))
    assert (gateway.settings.attachments_dir / attachment.storage_key).read_bytes() == JPEG


def test_document_keeps_its_name_and_caption_is_the_question(gateway: Gateway, tg: TelegramStandin) -> None:
    tg.add_file("doc-1", PDF, "documents/file_3.pdf")
    document = {"file_id": "doc-1", "file_unique_id": "u-doc-1", "file_name": "to-khai.pdf",
                "mime_type": "application/pdf", "file_size": len(PDF)}
    update = message_update(103, CHAT, 13, document=document, caption="hồ sơ này đủ chưa")
    assert gateway.post_update(update) == 200
    replies = wait_for(lambda: len(sent_texts(tg)) >= 2 and sent_texts(tg))
    assert "Em đã nhận tệp PDF" in replies[0] and "tạm gián đoạn" in replies[1]
    [attachment] = gateway.rows(Attachment)
    assert (attachment.filename, attachment.content_type) == ("to-khai.pdf", "application/pdf")


def test_file_over_the_upload_cap_is_not_downloaded(gateway: Gateway, tg: TelegramStandin) -> None:
    tg.add_file("huge", PDF, "documents/huge.pdf", reported_size=gateway.settings.max_upload_bytes + 1)
    document = {"file_id": "huge", "file_unique_id": "u-huge", "file_name": "scan.pdf"}
    assert gateway.post_update(message_update(104, CHAT, 14, document=document)) == 200
    [reply] = wait_for(lambda: sent_texts(tg))
    assert "Tệp lớn quá 10 MB" in reply
    assert tg.downloads == [] and gateway.rows(Attachment) == []


# ---- inline buttons -------------------------------------------------------------------------------
def test_buttons_become_an_inline_keyboard_and_a_tap_round_trips(gateway: Gateway, tg: TelegramStandin) -> None:
    assert gateway.post_update(message_update(105, CHAT, 15, text="cho hỏi")) == 200
    [first] = wait_for(lambda: tg.called("sendMessage"))
    assert keyboard(first) == [[{"text": "Gặp nhân viên", "callback_data": "/request_human"}],
                               [{"text": "Thử lại", "callback_data": "/greet"}]]
    assert gateway.post_update(callback_update(106, CHAT, "cbq-1", "/request_human")) == 200
    wait_for(lambda: tg.called("answerCallbackQuery"))
    assert tg.called("answerCallbackQuery")[0]["callback_query_id"] == "cbq-1"
    wait_for(lambda: len(sent_texts(tg)) == 2)
    texts_in = [m.text for m in gateway.rows(Message, Message.direction == "in")]
    assert texts_in == ["cho hỏi", "/request_human"]


def test_long_button_payload_travels_as_a_short_token(gateway: Gateway, tg: TelegramStandin) -> None:
    payload = '/choose{"item_id": "khai-sinh", "title": "Đăng ký khai sinh có yếu tố nước ngoài"}'
    assert len(payload.encode()) > 64
    gateway.notify(OutboundMessage(text="Anh/Chị muốn hỏi thủ tục nào?",
                                   buttons=[Button(title="Khai sinh", payload=payload)]))
    [sent] = wait_for(lambda: tg.called("sendMessage"))
    [[button]] = keyboard(sent)
    assert button["callback_data"] != payload and len(button["callback_data"].encode()) <= 64
    assert gateway.post_update(callback_update(107, CHAT, "cbq-2", button["callback_data"])) == 200
    gateway.drain()
    [tapped] = gateway.rows(Message, Message.direction == "in")
    assert tapped.text == payload and tapped.platform_message_id == "cbcbq-2"


def test_a_pay_link_button_opens_the_page_instead_of_coming_back_as_text(gateway: Gateway,
                                                                         tg: TelegramStandin) -> None:
    link = "https://pay.example.vn/p/ORD-1?t=abc"
    gateway.notify(OutboundMessage(text="Mời Anh/Chị thanh toán.", buttons=[Button(title="Thanh toán 70.000 đ",
                                                                                  payload=link)]))
    [sent] = wait_for(lambda: tg.called("sendMessage"))
    assert keyboard(sent) == [[{"text": "Thanh toán 70.000 đ", "url": link}]]


def test_unknown_button_token_is_answered_politely_and_not_processed(gateway: Gateway, tg: TelegramStandin) -> None:
    assert gateway.post_update(callback_update(108, CHAT, "cbq-3", "tgcb:000000000000000000000000")) == 200
    [answer] = wait_for(lambda: tg.called("answerCallbackQuery"))
    assert "hết hạn" in answer["text"]
    gateway.drain()
    assert gateway.rows(Message, Message.direction == "in") == []


# ---- outbound shapes ------------------------------------------------------------------------------
def test_long_message_is_split_at_4096_with_buttons_on_the_last_part(gateway: Gateway, tg: TelegramStandin) -> None:
    text = "\n\n".join(f"Bước {i}: " + "nộp hồ sơ tại bộ phận một cửa " * 20 for i in range(1, 20))
    assert len(text) > 2 * 4096
    gateway.notify(OutboundMessage(text=text, buttons=[Button(title="Gặp nhân viên", payload="/request_human")]))
    parts = wait_for(lambda: len(tg.called("sendMessage")) >= 3 and tg.called("sendMessage"))
    assert len(parts) == 3 and all(len(p["text"]) <= 4096 for p in parts)
    assert " ".join(" ".join(p["text"].split()) for p in parts) == " ".join(text.split())
    assert [bool(keyboard(p)) for p in parts] == [False, False, True]


def test_proactive_notice_reaches_a_telegram_user(gateway: Gateway, tg: TelegramStandin) -> None:
    notice = "Hồ sơ của Anh/Chị đã có kết quả. Anh/Chị vui lòng đến nhận tại Trung tâm."
    [item_id] = gateway.notify(OutboundMessage(text=notice, image="https://example.org/bien-nhan.png"))
    wait_for(lambda: tg.called("sendMessage"))
    assert [p["photo"] for p in tg.called("sendPhoto")] == ["https://example.org/bien-nhan.png"]
    assert sent_texts(tg) == [notice]
    [item] = wait_for(lambda: gateway.rows(OutboxItem, OutboxItem.id == item_id, OutboxItem.status == "sent"))
    assert item.platform_message_id


def test_outage_then_recovery_is_delivered_from_the_outbox(gateway: Gateway, tg: TelegramStandin) -> None:
    tg.failure = "down"
    [item_id] = gateway.notify(OutboundMessage(text="Lịch hẹn của Anh/Chị đã được xác nhận."))
    [failed] = wait_for(lambda: gateway.rows(OutboxItem, OutboxItem.id == item_id, OutboxItem.last_error != ""))
    assert failed.status == "pending" and failed.attempts >= 1
    tg.failure = None
    wait_for(lambda: gateway.rows(OutboxItem, OutboxItem.id == item_id, OutboxItem.status == "sent"), timeout=15)
    assert sent_texts(tg)[-1] == "Lịch hẹn của Anh/Chị đã được xác nhận."


@pytest.mark.parametrize(("failure", "retryable"), [
    ("down", True), ("flood", True), ("blocked", False), ("no_chat", False)])
def test_platform_errors_say_whether_to_retry(tg: TelegramStandin, tmp_path: Path, failure: str,
                                              retryable: bool) -> None:
    channel = telegram.build(gateway_settings(tmp_path, tg))
    tg.failure = failure

    async def attempt() -> DeliveryError:
        try:
            with pytest.raises(DeliveryError) as caught:
                await channel.send(str(CHAT), OutboundMessage(text="Xin chào Anh/Chị"))
            return caught.value
        finally:
            await channel.close()

    assert run_async(attempt()).retryable is retryable


def test_platform_down_entirely_is_retryable(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", telegram_bot_token=TOKEN,
                        telegram_api_base=f"http://127.0.0.1:{free_port()}")
    channel = telegram.build(settings)

    async def attempt() -> bool:
        try:
            await channel.send(str(CHAT), OutboundMessage(text="Xin chào"))
        except DeliveryError as exc:
            return exc.retryable
        finally:
            await channel.close()
        return False

    assert run_async(attempt()) is True


def test_blocked_user_is_given_up_by_the_outbox(gateway: Gateway, tg: TelegramStandin) -> None:
    tg.failure = "blocked"
    [item_id] = gateway.notify(OutboundMessage(text="Thông báo"))
    [item] = wait_for(lambda: gateway.rows(OutboxItem, OutboxItem.id == item_id, OutboxItem.status == "failed"))
    assert "blocked" in item.last_error and item.attempts == 1


# ---- polling --------------------------------------------------------------------------------------
def test_polling_mode_receives_an_update_and_confirms_it(gateway: Gateway, tg: TelegramStandin) -> None:
    tg.push_update(message_update(200, CHAT, 20, text="giờ làm việc của trung tâm"))
    services = services_of(gateway.app)
    poller = gateway.client.portal.start_task_soon(polling.run, services.get(TelegramChannel),
                                                   services.get(InboundPipeline), 1)
    try:
        [reply] = wait_for(lambda: sent_texts(tg))
        assert "tạm gián đoạn" in reply
        wait_for(lambda: any(int(p.get("offset") or 0) == 201 for p in tg.called("getUpdates")))
    finally:
        poller.cancel()
    assert tg.called("deleteWebhook")
    [stored] = gateway.rows(Message, Message.direction == "in")
    assert stored.text == "giờ làm việc của trung tâm"


# ---- through real Rasa ----------------------------------------------------------------------------
@pytest.mark.rasa
def test_real_rasa_answers_a_telegram_greeting(stack: Stack, kb: KnowledgeBase, tmp_path: Path,
                                               tg: TelegramStandin) -> None:
    app = create_app(gateway_settings(tmp_path, tg, rasa_url=stack.rasa_url), kb=kb)
    with TestClient(app) as client:
        gateway = Gateway(client, app, services_of(app).get(Settings))
        assert gateway.post_update(message_update(300, CHAT, 30, text="xin chao")) == 200
        wait_for(lambda: sent_texts(tg), timeout=30)
        time.sleep(1.0)
        replies = tg.called("sendMessage")
    assert "Xin chào Anh/Chị" in "\n".join(p["text"] for p in replies)
    titles = [b["text"] for p in replies for row in keyboard(p) for b in row]
    assert "Gặp nhân viên" in titles


def test_a_person_answers_a_telegram_citizen_through_the_outbox(kb: KnowledgeBase, tmp_path: Path,
                                                                tg: TelegramStandin) -> None:
    settings = gateway_settings(tmp_path, tg).model_copy(update={
        "handoff_weekday_hours": "00:00-24:00", "handoff_saturday_hours": "00:00-24:00",
        "handoff_sunday_hours": "00:00-24:00", "handoff_follow_holidays": False})
    app = create_app(settings, kb=kb)
    agent = Staff(id=0, username="tnv", full_name="Lê Văn Tình", role="volunteer", csrf_token="")
    with TestClient(app) as client:
        gateway = Gateway(client, app, settings)
        handoff = services_of(app).get(HandoffService)
        client.portal.call(handoff.set_presence, agent, "online")
        queued = client.portal.call(handoff.request, gateway.conversation_id(), "asked", {})
        client.portal.call(handoff.claim, queued.handoff_id, agent)
        assert gateway.post_update(message_update(300, CHAT, 30, text="em cần hỏi về hộ chiếu")) == 200
        gateway.drain()
        client.portal.call(handoff.reply, queued.handoff_id, agent,
                           OutboundMessage(text="Chào Anh/Chị, em là tình nguyện viên Tình."))
        sent = wait_for(lambda: (lambda t: any("tình nguyện viên Tình" in x for x in t) and t)(sent_texts(tg)))
    assert any("Lê Văn Tình" in text for text in sent)            # "… đang hỗ trợ Anh/Chị"
    assert not any("tạm gián đoạn" in text for text in sent)       # the citizen's message never went to Rasa
    [incoming] = gateway.rows(Message, Message.direction == "in")
    assert incoming.text == "em cần hỏi về hộ chiếu"


def test_a_message_acknowledged_by_a_process_that_died_is_answered_after_restart(
        kb: KnowledgeBase, tmp_path: Path, tg: TelegramStandin, monkeypatch: pytest.MonkeyPatch) -> None:
    """Telegram and Zalo do not deliver again after "200 OK": the next process must answer."""
    from bot.conversation import inbound

    settings = gateway_settings(tmp_path, tg)
    dying = create_app(settings, kb=kb)
    with TestClient(dying) as client, monkeypatch.context() as crash:
        crash.setattr(inbound.InboundPipeline, "_schedule", lambda *args: None)   # dies before working
        assert Gateway(client, dying, settings).post_update(message_update(70, CHAT, 700, text="làm hộ chiếu")) == 200
    assert sent_texts(tg) == []
    monkeypatch.setattr(inbound, "RECOVER_AFTER", dt.timedelta(0))   # no need to wait a minute here
    restarted = create_app(settings, kb=kb)
    with TestClient(restarted):
        reply = wait_for(lambda: sent_texts(tg))
        assert "tạm gián đoạn" in reply[0]                  # Rasa is down here: the outage reply, not silence
    with services_of(restarted).get(sessionmaker)() as session:
        [stored] = session.scalars(select(Message).where(Message.direction == "in")).all()
        assert inbound.UNANSWERED not in (stored.payload or {})
    assert len(sent_texts(tg)) == 1                          # answered once, not again by the next sweep

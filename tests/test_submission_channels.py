"""The whole filing flow on Telegram, through real Rasa: questions, a photo sent as the requested
document, confirmation by an inline button, and the dossier filed with that photo attached."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.app import create_app
from bot.conversation.inbound import InboundPipeline
from bot.conversation.models import OutboxItem
from bot.core.config import Settings
from bot.core.db import make_engine, make_sessionmaker
from bot.core.services import services_of
from bot.dossiers.models import DossierDocumentRecord, DossierRecord
from knowledge_base.service import KnowledgeBase
from tests.standins.telegram_server import TelegramStandin, callback_update, message_update, photo_sizes, serve
from tests.support.images import JPEG
from tests.support.network import free_port
from tests.support.stack import Stack
from tests.support.telegram import SECRET, TOKEN, keyboard
from tests.support.waiting import wait_for

pytestmark = pytest.mark.rasa
CHAT = 7770001


@pytest.fixture
def tg() -> TelegramStandin:
    with serve(TOKEN, free_port()) as state:
        yield state


def test_a_dossier_is_filed_from_telegram_with_a_photo(stack: Stack, kb: KnowledgeBase, tmp_path: Path,
                                                        tg: TelegramStandin) -> None:
    # Same database as the gateway that runs Rasa's actions: the two processes act as replicas.
    settings = Settings(database_url=stack.database_url, attachments_dir=tmp_path / "files",
                        rasa_url=stack.rasa_url, telegram_bot_token=TOKEN, telegram_webhook_secret=SECRET,
                        telegram_api_base=tg.url)
    ids = itertools.count(1)
    app = create_app(settings, kb=kb)
    with TestClient(app) as client:
        def post(update: dict) -> str:
            before = len(tg.called("sendMessage"))
            response = client.post("/webhooks/telegram", json=update,
                                   headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert response.status_code == 200
            all_replies_sent(client, "telegram", str(CHAT))   # a reply may come in several messages
            wait_for(lambda: len(tg.called("sendMessage")) > before, timeout=30)
            return "\n".join(p["text"] for p in tg.called("sendMessage")[before:])

        def say(text: str) -> str:
            n = next(ids)
            return post(message_update(n, CHAT, n, text=text))

        say('/start_submission{"procedure_id": "xac-nhan-cu-tru"}')   # the case first
        say("Bản điện tử")
        assert "họ và tên" in say("Không")
        say("nguyễn văn an")
        say("001090123456")
        say("12/03/1990")
        say("0912 345 678")
        say("bỏ qua")
        assert "Mục đích" in say("số 12 đường Lê Lợi, phường Trần Phú, TP Thanh Hóa")
        say("để nộp hồ sơ nhập học cho con")
        checklist = say("Công an phường Trần Phú")
        assert "Giấy tờ 1/1" in checklist
        tg.add_file("to-khai", JPEG, "photos/to-khai.jpg")
        n = next(ids)
        review = post(message_update(n, CHAT, n, photo=photo_sizes(("to-khai", 1280, len(JPEG)))))
        assert "Em đã nhận ảnh" in review
        confirm = next(b for p in tg.called("sendMessage") for row in keyboard(p) for b in row
                       if b["text"] == "Xác nhận nộp")
        filed = post(callback_update(next(ids), CHAT, "cb-confirm", confirm["callback_data"]))
        assert "Mã hồ sơ" in filed

    with services_of(app).get(sessionmaker)() as session:
        dossier = session.scalars(select(DossierRecord).where(DossierRecord.sender_id == str(CHAT))).one()
        documents = session.scalars(select(DossierDocumentRecord).where(
            DossierDocumentRecord.dossier_id == dossier.id)).all()
    assert dossier.channel == "telegram" and dossier.code in filed
    assert len(documents) == 1


def test_a_dossier_is_filed_from_zalo_with_a_photo(stack: Stack, kb: KnowledgeBase, tmp_path: Path) -> None:
    from tests.standins.zalo_server import ZaloStandIn, running
    from tests.support.images import png_bytes
    from tests.support.zalo import open_gateway, sent_to, text_event, zalo_settings

    user = "u-file-zalo"
    with running(ZaloStandIn(), free_port()) as standin:
        settings = zalo_settings(tmp_path, standin, rasa_url=stack.rasa_url).model_copy(
            update={"database_url": stack.database_url})
        with open_gateway(kb, settings, standin) as gateway:
            def post(event: dict) -> str:
                before = len(sent_to(standin, user))
                assert gateway.post(event).status_code == 200
                all_replies_sent(gateway.client, "zalo", user)
                wait_for(lambda: len(sent_to(standin, user)) > before, timeout=30)
                return "\n".join(_zalo_text(s["message"]) for s in sent_to(standin, user)[before:])

            def say(text: str) -> str:
                return post(text_event(user, text))

            say('/start_submission{"procedure_id": "xac-nhan-cu-tru"}')   # the case first
            say("Bản điện tử")
            assert "họ và tên" in say("Không")
            for answer in ["nguyễn văn an", "001090123456", "12/03/1990", "0912 345 678", "bỏ qua",
                           "số 12 đường Lê Lợi, phường Trần Phú, TP Thanh Hóa", "để nộp hồ sơ nhập học cho con"]:
                say(answer)
            assert "Giấy tờ 1/1" in say("Công an phường Trần Phú")
            standin.files["to-khai.png"] = (png_bytes(), "image/png")
            photo = {**text_event(user, ""), "event_name": "user_send_image"}
            photo["message"]["attachments"] = [{"type": "image", "payload": {
                "url": f"{standin.url}/files/to-khai.png", "thumbnail": "x"}}]
            assert "Em đã nhận ảnh" in post(photo)
            filed = say('/confirm_submission')
            assert "Mã hồ sơ" in filed

    with make_sessionmaker(make_engine(stack.database_url))() as session:
        dossier = session.scalars(select(DossierRecord).where(DossierRecord.sender_id == user)).one()
        assert dossier.channel == "zalo" and dossier.code in filed
        assert len(session.scalars(select(DossierDocumentRecord).where(
            DossierDocumentRecord.dossier_id == dossier.id)).all()) == 1


def all_replies_sent(client: TestClient, channel: str, recipient: str) -> None:
    """Wait until the gateway has answered every message it acknowledged (its background work) and
    its outbox has sent every reply to ``recipient``: a reply may come in several messages."""
    services = services_of(client.app)
    client.portal.call(services.get(InboundPipeline).drain)

    def nothing_left() -> bool:
        with services.get(sessionmaker)() as session:
            return session.scalars(select(OutboxItem.id).where(
                OutboxItem.channel == channel, OutboxItem.recipient_id == recipient,
                OutboxItem.status.in_(["pending", "sending"]))).first() is None
    wait_for(nothing_left, timeout=30)


def _zalo_text(message: dict) -> str:
    """A Zalo message's text: plain, or inside the button template that carries buttons."""
    return message.get("text") or (message.get("attachment") or {}).get("payload", {}).get("text", "")

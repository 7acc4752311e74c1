"""The handoff with the real Rasa engine: asking for a person pauses Rasa and queues the
conversation; the agent's console (over HTTP) claims, replies and returns it; Rasa resumes and the
citizen rates the help. With nobody online the citizen leaves a callback request instead."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot import launcher
from bot.conversation.models import Conversation
from bot.core.config import Settings
from bot.core.db import make_engine, make_sessionmaker
from bot.handoff.models import CallbackRequest, Rating
from tests.support.chat import Chat
from tests.support.stack import Stack
from tests.support.staff import create_user, login
from tests.support.waiting import wait_for

pytestmark = pytest.mark.rasa


class Console:
    """An agent at the console, over real HTTP to the stack's gateway."""

    def __init__(self, stack: Stack, username: str) -> None:
        self.client = httpx.Client(base_url=stack.gateway_url, follow_redirects=False, timeout=30)
        self.csrf = login(self.client, username)  # type: ignore[arg-type]

    def post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return self.client.post(f"/staff/console/api{path}", json=body or {}, headers={"X-CSRF-Token": self.csrf})

    def queue(self) -> dict[str, Any]:
        return self.client.get("/staff/console/api/queue").json()

    def presence(self, status: str) -> None:
        assert self.post("/presence", {"status": status}).status_code == 200


@pytest.fixture
def agents(stack: Stack, monkeypatch: pytest.MonkeyPatch, new_sender) -> Iterator[dict[str, Console]]:
    """A volunteer and a hotline agent with fresh accounts, online; away again afterwards."""
    settings = Settings(database_url=stack.database_url)
    suffix = new_sender().rsplit("-", 1)[-1]
    consoles = {}
    for role in ("volunteer", "hotline"):
        username = f"{role[:3]}{suffix}"
        create_user(monkeypatch, settings, username, role)
        consoles[role] = Console(stack, username)
        consoles[role].presence("online")
    yield consoles
    for console in consoles.values():
        console.presence("away")


def rasa_paused(stack: Stack, sender: str) -> bool:
    tracker = httpx.get(f"{stack.rasa_url}/conversations/web:{sender}/tracker",
                        params={"token": launcher.internal_token()}, timeout=30).json()
    return bool(tracker.get("paused"))


def test_a_person_takes_over_and_gives_the_conversation_back(stack: Stack, new_sender,
                                                             agents: dict[str, Console]) -> None:
    sender = new_sender()
    chat = Chat(stack, sender)
    chat.say("lệ phí cấp hộ chiếu")
    queued = chat.say("cho tôi nói chuyện với người thật")
    assert "tình nguyện viên" in queued and "vị trí số" in queued and "phút" in queued
    assert rasa_paused(stack, sender)
    volunteer = agents["volunteer"]
    [item] = [h for h in volunteer.queue()["waiting"] if h["citizen"].endswith(sender[-4:])]
    assert item["reason"] == "asked" and "hộ chiếu" in item["summary"]["procedure"].lower()

    assert volunteer.post(f"/handoffs/{item['id']}/claim").status_code == 200
    assert agents["hotline"].post(f"/handoffs/{item['id']}/claim").status_code in (404, 409)   # another team: unseen
    volunteer.post(f"/handoffs/{item['id']}/reply", {"text": "Chào Anh/Chị, em xem giúp ngay ạ."})
    assert chat.say("cảm ơn em") == ""                       # to the agent, not to Rasa
    detail = volunteer.client.get(f"/staff/console/api/handoffs/{item['id']}").json()
    authors = [m["author"] for m in detail["messages"]]
    assert "bot" in authors and "staff" in authors and detail["messages"][-1]["text"] == "cảm ơn em"

    assert volunteer.post(f"/handoffs/{item['id']}/return").status_code == 200
    assert not rasa_paused(stack, sender)
    updates = wait_for(lambda: (lambda t: "chấm điểm" in t and t)("\n".join(
        m.get("text", "") for u in httpx.get(f"{stack.gateway_url}/api/chat/updates", params={"sender": sender})
        .json()["updates"] for m in u["messages"])))
    assert "Chào Anh/Chị, em xem giúp ngay ạ." in updates
    assert "Lệ phí" in chat.say("le phi ho chieu")          # Rasa answers again
    assert "Cảm ơn" in chat.say(f'/rate{{"score": 5, "rating_subject": "handoff:{item["id"]}"}}')
    sessions = make_sessionmaker(make_engine(stack.database_url))
    with sessions() as session:
        rating = session.scalars(select(Rating).where(Rating.handoff_id == item["id"])).one()
    assert (rating.score, rating.team, rating.channel, rating.subject) == (5, "volunteer", "web", "handoff")


def test_nobody_online_the_citizen_leaves_a_number_for_the_hotline(stack: Stack, new_sender,
                                                                   agents: dict[str, Console]) -> None:
    for console in agents.values():
        console.presence("away")
    chat = Chat(stack, new_sender())
    offer = chat.say("tong dai")
    assert "chưa có nhân viên trực tuyến" in offer
    assert "số điện thoại" in chat.say("/leave_callback")
    assert "số điện thoại" in chat.say("123").lower()          # re-asked with the reason
    assert "nội dung" in chat.say("0912 345 678")
    stored = chat.say("Hỏi về cấp đổi sổ đỏ bị mất")
    assert "gọi lại" in stored
    sessions = make_sessionmaker(make_engine(stack.database_url))
    with sessions() as session:
        request = session.scalars(select(CallbackRequest).where(
            CallbackRequest.topic == "Hỏi về cấp đổi sổ đỏ bị mất")).one()
    assert request.phone == "0912345678"


def test_a_complaint_goes_to_the_hotline(stack: Stack, new_sender, agents: dict[str, Console]) -> None:
    chat = Chat(stack, new_sender())
    reply = chat.say("tôi rất không hài lòng, hỏi mãi không hiểu")
    assert "tổng đài" in reply and "vị trí số" in reply
    assert chat.say("/cancel_handoff").startswith("Dạ, em tiếp tục hỗ trợ")


def test_a_finished_conversation_is_rated_with_an_optional_comment(stack: Stack, new_sender) -> None:
    sender = new_sender()
    chat = Chat(stack, sender)
    chat.say("lệ phí đổi giấy phép lái xe")
    farewell = chat.say("tạm biệt")
    assert "đánh giá" in farewell and [b["title"] for b in chat.buttons] == ["1 ⭐", "2 ⭐", "3 ⭐", "4 ⭐", "5 ⭐"]
    thanks = chat.say(chat.buttons[1]["payload"])
    assert "xin lỗi" in thanks.lower() and chat.buttons == [{"title": "Góp ý thêm", "payload": "/give_feedback"}]
    assert "góp ý" in chat.say("/give_feedback")
    assert "ghi nhận góp ý" in chat.say("Trang web khó tìm mục lệ phí, số của tôi 0912345678")
    assert "đánh giá" not in chat.say("tạm biệt")              # not asked twice the same day
    sessions = make_sessionmaker(make_engine(stack.database_url))
    with sessions() as session:
        [rating] = session.scalars(select(Rating).join(Conversation, Rating.conversation_id == Conversation.id)
                                   .where(Conversation.sender_id == sender)).all()
    assert (rating.score, rating.subject, rating.procedure_id) == (2, "conversation", "doi-gplx")
    assert "0912345678" not in rating.comment and "Trang web khó tìm" in rating.comment


def test_a_returned_dossier_is_rated_for_its_procedure(stack: Stack, new_sender, kb) -> None:
    from bot.dossiers.status import DossierStatus as S
    from tests.support.dossiers import draft, registry
    from tests.support.waiting import run_async

    sender = new_sender()
    chat = Chat(stack, sender)
    chat.say("xin chào")
    dossiers = registry(stack, kb)
    filed = run_async(dossiers.file(draft(kb, "ly-lich-tu-phap", sender_id=sender)))
    for status in (S.RECEIVED, S.DONE, S.RETURNED):
        run_async(dossiers.change_status(filed.code, status, "", "can-bo"))
    chat.say(f'/rate{{"score": 4, "rating_subject": "dossier:{filed.code}"}}')
    sessions = make_sessionmaker(make_engine(stack.database_url))
    with sessions() as session:
        rating = session.scalars(select(Rating).join(Conversation, Rating.conversation_id == Conversation.id)
                                 .where(Conversation.sender_id == sender)).one()
    assert (rating.score, rating.subject, rating.procedure_id) == (4, "dossier", "ly-lich-tu-phap")


def test_the_gateway_is_ready_only_once_rasa_and_search_are_warm(stack: Stack) -> None:
    """A replica put under load the moment it said ready must not answer cold (issue #15, item 16)."""
    body = httpx.get(f"{stack.gateway_url}/ready", timeout=10).json()
    assert body["rasa"] is True and body["warm"] is True
    log = stack.logs.read_text()
    assert "warm: 24 messages through Rasa" in log

"""Routing and queue rules of the handoff, through the gateway: while a person owns a conversation
the citizen's messages go to the console and never to Rasa; two agents cannot claim one
conversation; a citizen writing during a transfer loses nothing and duplicates nothing; an agent who
disappears gives the conversation back to the queue; out of hours a callback is offered."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import WebSocketDisconnect
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.app import create_app
from bot.auth.models import AuditEntry
from bot.conversation import texts
from bot.conversation.attachments import AttachmentService
from bot.core.calendar import TIMEZONE, WorkingCalendar
from bot.core.services import services_of
from bot.handoff.hours import ServiceHours
from bot.handoff.models import CallbackRequest, Handoff
from bot.handoff.service import HandoffError, Unstaffed
from knowledge_base.service import KnowledgeBase
from tests.support.handoff import Gateway, settings_for, staff
from tests.support.staff import PNG, create_user
from tests.support.waiting import wait_for


@pytest.fixture
def gateway(kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Iterator[Gateway]:
    settings = settings_for(tmp_path, database_url=db_url)
    for username, role in [("tnv", "volunteer"), ("tnv2", "volunteer"), ("tongdai", "hotline")]:
        create_user(monkeypatch, settings, username, role)
    app = create_app(settings, kb=kb)
    with TestClient(app, follow_redirects=False) as client:
        gateway = Gateway(client, app, settings)
        for username, role in [("tnv", "volunteer"), ("tnv2", "volunteer"), ("tongdai", "hotline")]:
            gateway.run(gateway.handoff.set_presence(staff(username, role), "online"))
        yield gateway


# ---- routing ---------------------------------------------------------------------------------------
def test_a_queued_conversation_goes_to_the_console_not_to_rasa(gateway: Gateway) -> None:
    queued = gateway.queue_citizen("c1")
    assert (queued.team, queued.position) == ("volunteer", 1)
    assert gateway.conversation("c1").owner == "queue"
    first = gateway.say("c1", "cho em hỏi với")
    assert "vị trí số 1" in first[0]["text"] and texts.RASA_DOWN.text not in str(first)
    assert gateway.say("c1", "có ai không") == []          # no reminder flood
    assert [m.text for m in gateway.transcript("c1") if m.direction == "in"][-2:] == ["cho em hỏi với", "có ai không"]


def test_queue_position_and_wait_are_told(gateway: Gateway) -> None:
    gateway.queue_citizen("c1")
    second = gateway.queue_citizen("c2")
    assert second.position == 2 and second.wait_minutes >= 1
    again = gateway.run(gateway.handoff.request(gateway.conversation("c2").id, "asked", {}))
    assert again.handoff_id == second.handoff_id        # asking twice does not queue twice
    complaint = gateway.queue_citizen("c3", reason="complaint")
    assert complaint.team == "hotline"                   # complaints go to the hotline


def test_two_agents_racing_for_one_conversation_one_wins(gateway: Gateway) -> None:
    queued = gateway.queue_citizen("c1")

    async def race() -> list[Any]:
        return await asyncio.gather(*(gateway.handoff.claim(queued.handoff_id, staff(name, "volunteer"))
                                      for name in ("tnv", "tnv2") * 3), return_exceptions=True)

    results = gateway.run(race())
    winners = [r for r in results if isinstance(r, Handoff)]
    assert len(winners) == 1 and sum(isinstance(r, HandoffError) for r in results) == 5
    owner = winners[0].agent
    assert gateway.conversation("c1").owner == f"agent:{owner}"
    wait_for(lambda: any("đang hỗ trợ Anh/Chị" in t for t in gateway.updates("c1")))
    assert sum("đang hỗ trợ Anh/Chị" in t for t in gateway.updates("c1")) == 1


def test_agent_replies_reach_the_citizen_and_messages_reach_the_agent(gateway: Gateway) -> None:
    queued = gateway.queue_citizen("c1")
    csrf = gateway.login("tnv")
    headers = {"X-CSRF-Token": csrf}
    assert gateway.client.post(f"/staff/console/api/handoffs/{queued.handoff_id}/claim",
                               headers=headers).status_code == 200
    sent = gateway.client.post(f"/staff/console/api/handoffs/{queued.handoff_id}/reply", headers=headers,
                               json={"text": "Chào Anh/Chị, em là tình nguyện viên."})
    assert sent.status_code == 200 and sent.json()["author"] == "staff"
    wait_for(lambda: "Chào Anh/Chị, em là tình nguyện viên." in gateway.updates("c1"))
    assert gateway.say("c1", "em cần làm hộ chiếu") == []   # to the agent, silently
    detail = gateway.client.get(f"/staff/console/api/handoffs/{queued.handoff_id}").json()
    assert [m["text"] for m in detail["messages"] if m["author"] == "citizen"][-1] == "em cần làm hộ chiếu"
    assert detail["handoff"]["summary"]["procedure"] == "Cấp hộ chiếu"


def test_a_citizen_writing_during_a_transfer_loses_and_duplicates_nothing(gateway: Gateway) -> None:
    queued = gateway.queue_citizen("c1")
    volunteer, hotline = staff("tnv", "volunteer"), staff("tongdai", "hotline")
    gateway.run(gateway.handoff.claim(queued.handoff_id, volunteer))
    sent = [f"tin nhắn số {i}" for i in range(30)]
    replies: list[list[dict[str, Any]]] = []

    def citizen() -> None:
        for text in sent:
            replies.append(gateway.say("c1", text))

    writer = threading.Thread(target=citizen)
    writer.start()
    gateway.run(gateway.handoff.transfer(queued.handoff_id, volunteer, "hotline", "Cần tra cứu hồ sơ"))
    gateway.run(gateway.handoff.claim(queued.handoff_id, hotline))
    writer.join()
    received = [m.text for m in gateway.transcript("c1") if m.direction == "in" and m.text.startswith("tin nhắn")]
    assert received == sent                                  # each once, in order
    assert not any(texts.RASA_DOWN.text in str(r) for r in replies)   # none went to Rasa
    handoff = gateway.run(gateway.handoff.load_for(queued.handoff_id, hotline))
    assert (handoff.status, handoff.agent, handoff.team) == ("active", "tongdai", "hotline")


def test_closing_gives_the_conversation_back_to_the_bot_and_asks_for_a_rating(gateway: Gateway) -> None:
    queued = gateway.queue_citizen("c1")
    agent = staff("tnv", "volunteer")
    gateway.run(gateway.handoff.claim(queued.handoff_id, agent))
    gateway.run(gateway.handoff.close(queued.handoff_id, agent, "resolved"))
    assert gateway.conversation("c1").owner == "bot"
    wait_for(lambda: any("chấm điểm" in t for t in gateway.updates("c1")))
    assert gateway.say("c1", "cảm ơn")[0]["text"] == texts.RASA_DOWN.text   # Rasa answers again
    with pytest.raises(HandoffError):
        gateway.run(gateway.handoff.reply(queued.handoff_id, agent, texts.BOT_IS_HERE))


def test_an_agent_who_disappears_gives_the_conversation_back(gateway: Gateway) -> None:
    queued = gateway.queue_citizen("c1")
    gateway.run(gateway.handoff.claim(queued.handoff_id, staff("tnv", "volunteer")))
    assert gateway.run(gateway.handoff.sweep()) == 0
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=gateway.settings.handoff_agent_timeout_seconds + 5)
    assert gateway.run(gateway.handoff.sweep(later)) == 1
    handoff = gateway.run(gateway.handoff.load_for(queued.handoff_id, staff("tnv2", "volunteer")))
    assert (handoff.status, handoff.agent) == ("waiting", None) and "mất kết nối" in handoff.transfer_note
    assert gateway.conversation("c1").owner == "queue"


def test_the_citizen_can_stop_waiting(gateway: Gateway) -> None:
    gateway.queue_citizen("c1")
    assert gateway.say("c1", "/cancel_handoff")[0]["text"] == texts.HANDOFF_CANCELLED.text
    assert gateway.conversation("c1").owner == "bot"
    assert gateway.say("c1", "/cancel_handoff")[0]["text"] == texts.BOT_IS_HERE.text


def test_with_rasa_down_the_person_button_still_reaches_a_person(gateway: Gateway) -> None:
    assert gateway.say("c1", "xin chào")[0]["text"] == texts.RASA_DOWN.text
    reply = gateway.say("c1", "/request_human")
    assert "vị trí số 1" in reply[0]["text"] and gateway.conversation("c1").owner == "queue"


# ---- nobody to answer -------------------------------------------------------------------------------
def test_nobody_online_offers_a_callback_that_lands_in_the_hotline_list(gateway: Gateway) -> None:
    for username, role in [("tnv", "volunteer"), ("tnv2", "volunteer"), ("tongdai", "hotline")]:
        gateway.run(gateway.handoff.set_presence(staff(username, role), "away"))
    gateway.say("c1", "xin chào")
    conversation_id = gateway.conversation("c1").id
    messages, queued = gateway.run(gateway.handoff.ask_for_person(conversation_id, "asked", {}))
    assert not queued and "chưa có nhân viên trực tuyến" in messages[0].text
    assert [b.payload for b in messages[0].buttons] == ["/leave_callback", "/deny"]
    gateway.run(gateway.handoff.request_callback(conversation_id, "0912345678", "Hỏi về sổ đỏ"))
    csrf = gateway.login("tongdai")
    callbacks = gateway.client.get("/staff/console/api/queue").json()["callbacks"]
    assert [(c["phone"], c["topic"]) for c in callbacks] == [("0912345678", "Hỏi về sổ đỏ")]
    done = gateway.client.post(f"/staff/console/api/callbacks/{callbacks[0]['id']}/done",
                               headers={"X-CSRF-Token": csrf}, json={"note": "Đã gọi, đã hướng dẫn"})
    assert done.json()["status"] == "done"
    gateway.login("tnv")
    assert gateway.client.get("/staff/console/api/queue").json()["callbacks"] == []   # not the volunteers' job


def test_out_of_hours_the_citizen_is_told_when_people_answer(kb: KnowledgeBase, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, handoff_weekday_hours="", handoff_saturday_hours="",
                            handoff_sunday_hours="08:00-09:00")
    with TestClient(create_app(settings, kb=kb)) as client:
        gateway = Gateway(client, client.app, settings)  # type: ignore[arg-type]
        gateway.say("c1", "xin chào")
        result = gateway.run(gateway.handoff.request(gateway.conversation("c1").id, "asked", {}))
    assert isinstance(result, Unstaffed) and not result.open_now
    local = result.next_opening.astimezone(TIMEZONE)
    assert local.weekday() == 6 and dt.time(8) <= local.time() < dt.time(9)


def test_service_hours_follow_the_holiday_calendar() -> None:
    calendar = WorkingCalendar(days_off=frozenset({dt.date(2026, 4, 30)}),
                               working_days=frozenset({dt.date(2026, 5, 9)}))
    hours = ServiceHours.from_settings("07:30-11:30,13:30-17:00", "07:30-11:30", "", calendar=calendar)
    at = lambda *args: dt.datetime(*args, tzinfo=TIMEZONE)  # noqa: E731
    assert hours.is_open(at(2026, 4, 29, 8, 0)) and not hours.is_open(at(2026, 4, 29, 12, 0))
    assert not hours.is_open(at(2026, 4, 30, 8, 0))                 # a holiday
    assert hours.is_open(at(2026, 5, 2, 9, 0)) and not hours.is_open(at(2026, 5, 2, 14, 0))   # Saturday morning
    assert hours.is_open(at(2026, 5, 9, 14, 0))                      # a working Saturday keeps weekday hours
    assert not hours.is_open(at(2026, 5, 3, 9, 0))                   # Sunday
    assert hours.next_opening(at(2026, 4, 29, 17, 30)) == at(2026, 5, 1, 7, 30)
    assert ServiceHours.describe(at(2026, 11, 30, 7, 30)) == "07:30 thứ Hai, 30/11"


def test_a_line_open_around_the_clock_has_no_gap_before_midnight() -> None:
    hours = ServiceHours.from_settings("00:00-24:00", "00:00-24:00", "00:00-24:00", follow_holidays=False)
    at = lambda *args: dt.datetime(*args, tzinfo=TIMEZONE)  # noqa: E731
    assert all(hours.is_open(at(2026, 11, day, 23, 59, 30)) for day in range(23, 30))
    assert hours.next_opening(at(2026, 11, 29, 23, 59, 59)) == at(2026, 11, 29, 23, 59, 59)
    with pytest.raises(ValueError):
        ServiceHours.from_settings("17:00-07:30", "", "")


# ---- security ---------------------------------------------------------------------------------------
def test_console_api_needs_a_session_a_csrf_header_and_the_right_team(gateway: Gateway) -> None:
    queued = gateway.queue_citizen("c1", reason="complaint")         # a hotline conversation
    gateway.client.cookies.clear()
    assert gateway.client.get("/staff/console/api/queue").status_code == 303   # to the login page
    csrf = gateway.login("tnv")
    claim = f"/staff/console/api/handoffs/{queued.handoff_id}/claim"
    assert gateway.client.post(claim).status_code == 403                          # no CSRF header
    assert gateway.client.post(claim, headers={"X-CSRF-Token": csrf}).status_code == 404   # other team: unseen
    assert gateway.client.get("/staff/console/api/queue").json()["waiting"] == []
    with services_of(gateway.app).get(sessionmaker)() as session:
        assert session.scalars(select(CallbackRequest)).all() == []


def test_the_console_socket_refuses_strangers(gateway: Gateway) -> None:
    gateway.client.cookies.clear()
    with pytest.raises(WebSocketDisconnect), gateway.client.websocket_connect(
            "/staff/console/ws", headers={"origin": "http://testserver"}):
        pass
    gateway.login("tnv")
    with pytest.raises(WebSocketDisconnect), gateway.client.websocket_connect(
            "/staff/console/ws", headers={"origin": "https://evil.example"}):
        pass
    with gateway.client.websocket_connect("/staff/console/ws", headers={"origin": "http://testserver"}) as socket:
        socket.send_json({"type": "ping"})
        assert socket.receive_json() == {"type": "pong"}
        gateway.queue_citizen("c9")
        assert socket.receive_json()["type"] in ("queue", "handoff")


def test_an_agent_sends_a_file_the_citizen_can_open(gateway: Gateway) -> None:
    queued = gateway.queue_citizen("c1")
    csrf = gateway.login("tnv")
    headers = {"X-CSRF-Token": csrf}
    gateway.client.post(f"/staff/console/api/handoffs/{queued.handoff_id}/claim", headers=headers)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    bad = gateway.client.post(f"/staff/console/api/handoffs/{queued.handoff_id}/files", headers=headers,
                              files={"file": ("mau.exe", b"MZ\x90\x00 not a document", "application/pdf")})
    assert bad.status_code == 400 and bad.json()["error"]
    sent = gateway.client.post(f"/staff/console/api/handoffs/{queued.handoff_id}/files", headers=headers,
                               files={"file": ("mẫu tờ khai.pdf", pdf, "application/pdf")})
    assert sent.status_code == 200 and sent.json()["attachments"][0]["filename"] == "mẫu tờ khai.pdf"
    [text] = wait_for(lambda: [t for t in gateway.updates("c1") if "mẫu tờ khai.pdf" in t])
    link = text.split("\n")[-1]
    path = link.removeprefix(gateway.settings.public_url)
    gateway.client.cookies.clear()                                 # the citizen has no staff session
    opened = gateway.client.get(path)
    assert opened.status_code == 200 and opened.content == pdf
    assert gateway.client.get(path[:-4] + "0000").status_code == 404    # a forged token


def test_a_callback_set_for_the_next_opening_shows_that_vietnam_time_in_the_console(
        kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: stored as a Vietnam wall time without its zone, read back as UTC: 7 hours late."""
    settings = settings_for(tmp_path, handoff_weekday_hours="", handoff_saturday_hours="",
                            handoff_sunday_hours="08:00-09:00")
    create_user(monkeypatch, settings, "tongdai", "hotline")
    with TestClient(create_app(settings, kb=kb), follow_redirects=False) as client:
        gateway = Gateway(client, client.app, settings)  # type: ignore[arg-type]
        gateway.say("c1", "xin chào")
        call_after = gateway.run(gateway.handoff.request_callback(gateway.conversation("c1").id, "0912345678",
                                                                  "Hỏi về sổ đỏ"))
        gateway.login("tongdai")
        [shown] = gateway.client.get("/staff/console/api/queue").json()["callbacks"]
        with services_of(gateway.app).get(sessionmaker)() as session:
            stored = session.scalars(select(CallbackRequest)).one().call_after
    assert shown["call_after"].endswith("T08:00:00+07:00")
    assert dt.datetime.fromisoformat(shown["call_after"]) == call_after
    assert stored.replace(tzinfo=None) == call_after.astimezone(dt.UTC).replace(tzinfo=None)   # stored in UTC


def test_requests_for_a_person_are_counted_on_the_dashboard_even_when_nobody_could_answer(
        gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: requests nobody could take left no row: "0 requests for a person", "100 % without a
    person" while citizens asked. Everything here goes through the REST chat and the handoff."""
    for username, role in [("tnv", "volunteer"), ("tnv2", "volunteer"), ("tongdai", "hotline")]:
        gateway.run(gateway.handoff.set_presence(staff(username, role), "away"))
    for sender, question in [("c1", "làm lại căn cước bị mất phí bao nhiêu"), ("c2", "xin xác nhận hộ nghèo")]:
        gateway.say(sender, "/greet")
        gateway.say(sender, question)
        gateway.say(sender, "cho tôi gặp nhân viên")
        assert "chưa có nhân viên trực tuyến" in gateway.say(sender, "/request_human")[0]["text"]
        gateway.say(sender, "/request_human")          # asking twice is one request
    gateway.say("c3", "xin chào")                     # answered by the bot alone
    gateway.run(gateway.handoff.set_presence(staff("tongdai", "hotline"), "online"))
    gateway.say("c4", "đổi bằng lái xe hết hạn cần giấy tờ gì")
    gateway.say("c4", "gặp người thật")
    gateway.say("c4", "/request_human")
    create_user(monkeypatch, gateway.settings, "giamsat", "supervisor")
    gateway.login("giamsat")
    data = gateway.client.get("/staff/dashboard/data.json").json()
    assert data["handoffs"]["total"] == 3
    assert data["handoffs"]["outcomes"] == {"unstaffed": 2, "waiting": 1}
    assert (data["automation"]["total"], data["automation"]["without_person"]) == (4, 1)
    assert data["automation"]["share"] == 25.0


def test_the_queue_names_the_problem_and_the_transcript_shows_words_not_payloads(gateway: Gateway) -> None:
    gateway.say("c1", "/greet")
    gateway.say("c1", "đổi bằng lái xe hết hạn cần giấy tờ gì")
    gateway.say("c1", "ok")
    gateway.say("c1", "cho toi gap nhan vien")
    gateway.say("c1", "/request_human")               # the outage reply's "Gặp nhân viên" button
    gateway.login("tnv")
    [waiting] = gateway.client.get("/staff/console/api/queue").json()["waiting"]
    assert waiting["summary"]["question"] == "đổi bằng lái xe hết hạn cần giấy tờ gì"
    detail = gateway.client.get(f"/staff/console/api/handoffs/{waiting['id']}").json()
    citizen = [m["text"] for m in detail["messages"] if m["author"] == "citizen"]
    assert not any(text.startswith("/") for text in citizen)
    assert citizen[0] == "đổi bằng lái xe hết hạn cần giấy tờ gì"     # the opening /greet is hidden
    assert citizen[-1] == "[Bấm nút] Gặp nhân viên"


# ---- who reads what (#15 item 5) ----------------------------------------------------------------------
PERSONAL = "căn cước của em là 001099012345, số điện thoại 0912 345 678, email an.nguyen@gmail.com"


def audited(gateway: Gateway, action: str) -> list[tuple[str, str]]:
    with services_of(gateway.app).get(sessionmaker)() as session:
        return [(e.actor, e.target) for e in session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                                             .order_by(AuditEntry.id))]


def test_transcripts_mask_personal_data_and_only_supervisors_reveal_it_audited(
        gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: the console showed a volunteer the citizen's căn cước, phone and e-mail in full,
    while the dossier page masks them."""
    queued = gateway.queue_citizen("c1")
    gateway.say("c1", PERSONAL)
    csrf = gateway.login("tnv")
    url = f"/staff/console/api/handoffs/{queued.handoff_id}"
    assert gateway.client.post(f"{url}/claim", headers={"X-CSRF-Token": csrf}).status_code == 200
    sent = gateway.client.post(f"{url}/reply", headers={"X-CSRF-Token": csrf},
                               json={"text": "Em ghi nhận số 0912345678 của Anh/Chị."})
    assert "0912345678" not in sent.text and "091*****678" in sent.json()["text"]
    for query in ("", "?reveal=1"):                                   # a volunteer cannot reveal
        detail = gateway.client.get(url + query)
        assert detail.status_code == 200 and detail.json()["revealed"] is False
        assert detail.json()["can_reveal"] is False
        body = detail.text
        assert "001099012345" not in body and "0912 345 678" not in body and "0912345678" not in body
        assert "an.nguyen@gmail.com" not in body
        citizen = [m["text"] for m in detail.json()["messages"] if m["author"] == "citizen"]
        assert "căn cước của em là 001******345, số điện thoại 091*****678, email a***@gmail.com" in citizen
    create_user(monkeypatch, gateway.settings, "giamsat", "supervisor")
    gateway.login("giamsat")
    masked = gateway.client.get(url).json()
    assert masked["can_reveal"] is True and masked["revealed"] is False and "001099012345" not in str(masked)
    revealed = gateway.client.get(url + "?reveal=1").json()
    assert revealed["revealed"] is True and PERSONAL in [m["text"] for m in revealed["messages"]]
    assert audited(gateway, "handoff.reveal") == [("giamsat", f"handoff:{queued.handoff_id}")]
    assert [actor for actor, _ in audited(gateway, "handoff.view")] == ["tnv", "tnv", "giamsat"]


def test_the_queue_summary_and_callback_topics_are_masked(gateway: Gateway) -> None:
    gateway.say("c1", "xin chào")
    conversation_id = gateway.conversation("c1").id
    queued = gateway.run(gateway.handoff.request(conversation_id, "complaint", {}))
    with services_of(gateway.app).get(sessionmaker)() as session, session.begin():   # a row stored before masking
        session.get(Handoff, queued.handoff_id).summary = {"question": PERSONAL}
    gateway.run(gateway.handoff.request_callback(conversation_id, "0912345678", "gọi lại số 0912 345 678"))
    gateway.login("tongdai")
    queue = gateway.client.get("/staff/console/api/queue").json()
    assert "001099012345" not in str(queue["waiting"]) and "001******345" in str(queue["waiting"])
    [callback] = queue["callbacks"]
    assert callback["phone"] == "0912345678"            # the hotline calls this number back
    assert callback["topic"] == "gọi lại số 091*****678"


def test_a_handoff_is_read_by_its_agent_or_its_queue_and_a_closed_one_by_its_agent_for_a_day(
        gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: any volunteer opened any volunteer handoff by id, taken by a colleague or closed
    long ago; another team's got a 403 that told it exists."""
    queued = gateway.queue_citizen("c1")
    url = f"/staff/console/api/handoffs/{queued.handoff_id}"
    create_user(monkeypatch, gateway.settings, "giamsat", "supervisor")

    def status_for(username: str) -> int:
        gateway.login(username)
        return gateway.client.get(url).status_code

    assert [status_for(u) for u in ("tnv", "tnv2", "tongdai", "giamsat")] == [200, 200, 404, 200]   # waiting
    agent = staff("tnv", "volunteer")
    gateway.run(gateway.handoff.claim(queued.handoff_id, agent))
    assert [status_for(u) for u in ("tnv", "tnv2", "tongdai", "giamsat")] == [200, 404, 404, 200]   # taken
    gateway.run(gateway.handoff.close(queued.handoff_id, agent, "resolved"))
    assert [status_for(u) for u in ("tnv", "tnv2", "tongdai", "giamsat")] == [200, 404, 404, 200]   # closed
    with services_of(gateway.app).get(sessionmaker)() as session, session.begin():
        session.get(Handoff, queued.handoff_id).closed_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)
    assert [status_for(u) for u in ("tnv", "tnv2", "tongdai", "giamsat")] == [404, 404, 404, 200]   # a day later
    gateway.login("tnv2")
    missing = gateway.client.get("/staff/console/api/handoffs/999999")
    refused = gateway.client.get(url)
    assert (refused.status_code, refused.json()) == (missing.status_code, missing.json())   # no oracle
    assert {actor for actor, _ in audited(gateway, "handoff.view")} == {"tnv", "tnv2", "giamsat"}


def test_staff_download_only_attachments_of_handoffs_they_may_read_and_every_try_is_audited(
        gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: any logged-in volunteer downloaded any attachment by its sequential id."""
    queued = gateway.queue_citizen("c1")
    attachments = services_of(gateway.app).get(AttachmentService)
    scan = attachments.save(gateway.conversation("c1").id, None, "cccd mặt trước.png", PNG)
    gateway.say("c2", "xin chào")                                    # never asked for a person
    stray = attachments.save(gateway.conversation("c2").id, None, "cccd.png", PNG)
    create_user(monkeypatch, gateway.settings, "giamsat", "supervisor")
    gateway.run(gateway.handoff.claim(queued.handoff_id, staff("tnv", "volunteer")))

    def download(username: str, attachment_id: int) -> int:
        gateway.login(username)
        response = gateway.client.get(f"/staff/attachments/{attachment_id}")
        assert response.status_code != 200 or response.content == PNG
        return response.status_code

    assert [download(u, scan.id) for u in ("tnv", "tnv2", "tongdai", "giamsat")] == [200, 404, 404, 200]
    assert [download(u, stray.id) for u in ("tnv", "giamsat")] == [404, 404]
    assert download("tnv", 999999) == 404
    assert audited(gateway, "attachment.download") == [("tnv", f"attachment:{scan.id}"),
                                                       ("giamsat", f"attachment:{scan.id}")]
    assert audited(gateway, "attachment.refused") == [
        ("tnv2", f"attachment:{scan.id}"), ("tongdai", f"attachment:{scan.id}"), ("tnv", f"attachment:{stray.id}"),
        ("giamsat", f"attachment:{stray.id}"), ("tnv", "attachment:999999")]

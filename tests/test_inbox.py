"""The unanswered-questions inbox: grouping by meaning with the real encoder, the hide rules and
the staff page (in process: TestClient, temporary SQLite)."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from actions.answers import ActionAnswerQuestion
from actions.handoff import ActionStoreRating
from bot.app import create_app
from bot.auth import cli
from bot.conversation.models import Conversation
from bot.core.config import Settings
from bot.core.db import make_engine, make_sessionmaker
from bot.core.services import services_of
from bot.handoff.models import Rating
from bot.insights import inbox_routes as inbox_routes
from bot.insights.inbox import (
    MAX_EXAMPLES,
    Group,
    Inbox,
    InboxPage,
    install_resolution_hook,
    mark_group_resolved,
    normalise,
    phrasing_key,
    plain_form,
)
from bot.insights.models import UnansweredQuestion
from bot.insights.recorder import Insights
from bot.schema import create_schema
from knowledge_base.schema import Faq
from knowledge_base.service import KnowledgeBase
from tests.support.network import free_port
from tests.support.staff import PASSWORD, copy_files, create_users, staff_settings

NOW = dt.datetime.now(dt.UTC)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LOST_CARD = ["làm lại thẻ bảo hiểm y tế bị mất", "mat the bhyt lam lai the nao", "cấp lại thẻ BHYT"]
HOURS = "giờ mở cửa thứ bảy"
ROLES = {"tnv": "volunteer", "tongdai": "hotline", "duyet": "reviewer", "giamsat": "supervisor",
         "quantri": "admin"}


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker]:
    engine = make_engine(f"sqlite:///{tmp_path / 'inbox.db'}")
    create_schema(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def add(sessions: sessionmaker, text: str, *, reason: str = "fallback", channel: str = "web",
        ago: dt.timedelta = dt.timedelta(hours=1), best_id: str = "", at: dt.datetime | None = None) -> None:
    with sessions() as session, session.begin():
        session.add(UnansweredQuestion(text=text, reason=reason, channel=channel, at=at or NOW - ago,
                                       best_id=best_id))


def group_of(page: InboxPage, text: str) -> Group:
    [group] = [g for g in page.groups if any(e.text == text for e in g.examples)]
    return group


# ---- grouping -------------------------------------------------------------------------------------
def test_one_need_in_different_words_is_one_group_and_opening_hours_another(
        sessions: sessionmaker, kb: KnowledgeBase) -> None:
    for text in LOST_CARD:
        add(sessions, text)
    add(sessions, HOURS, best_id="gio-lam-viec")   # the hours FAQ was already found then: still shown
    page = Inbox(sessions, kb).page()
    card = group_of(page, LOST_CARD[0])
    assert card.count == 3 and {e.text for e in card.examples} == set(LOST_CARD)
    hours = group_of(page, HOURS)
    assert hours.key != card.key and hours.count == 1
    assert len(page.groups) == 2 and page.total == 3 + 1


def test_neighbouring_needs_stay_apart(sessions: sessionmaker, kb: KnowledgeBase) -> None:
    for text in [*LOST_CARD, "thẻ bhyt cho bé", "làm lại căn cước bị mất", "đổi bằng lái xe hết hạn",
                 "mất bằng lái xe"]:
        add(sessions, text)
    page = Inbox(sessions, kb).page()
    assert group_of(page, LOST_CARD[0]).count == 3
    assert len(page.groups) == 5


def test_accented_and_unaccented_typings_are_one_phrasing(sessions: sessionmaker, kb: KnowledgeBase) -> None:
    expander = kb.index.expander
    assert plain_form("Cấp lại thẻ BHYT?", expander) == plain_form("cap lai  the bhyt", expander)
    assert plain_form("làm lại thẻ bảo hiểm y tế bị mất", expander) == plain_form(
        "lam lai the bao hiem y te bi mat", expander)   # the dictionary expands only unaccented words
    assert normalise("  Mất   thẻ BHYT!! ", expander) == "mất thẻ bảo hiểm y tế"
    variants = ["Đăng ký khai sinh cho con", "dang ky khai sinh cho con", "đăng ký khai sinh cho con?",
                "DANG KY KHAI SINH CHO CON"]
    for text in variants:
        add(sessions, text)
    add(sessions, "lam lai the bao hiem y te bi mat")
    add(sessions, "làm lại thẻ bảo hiểm y tế bị mất")
    page = Inbox(sessions, kb).page()
    birth = group_of(page, variants[0])
    assert birth.count == 4 and birth.representative == "Đăng ký khai sinh cho con"   # accented wording shown
    card = group_of(page, "lam lai the bao hiem y te bi mat")
    assert card.count == 2 and card.representative == "làm lại thẻ bảo hiểm y tế bị mất"
    assert card.key == phrasing_key(plain_form("làm lại thẻ bảo hiểm y tế bị mất", expander))
    assert len(page.groups) == 2


def test_counts_examples_reasons_and_order(sessions: sessionmaker, kb: KnowledgeBase) -> None:
    card = [*LOST_CARD, "mất thẻ bhyt thì làm sao", "bị mất thẻ bảo hiểm y tế phải làm gì", "the bhyt bi mat",
            "cấp lại thẻ bhyt"]
    for hours, text in enumerate(card, start=1):
        add(sessions, text, ago=dt.timedelta(hours=hours), channel="zalo" if hours % 2 else "web",
            reason="handoff" if hours == 1 else "fallback")
    for text in ["làm lại căn cước bị mất", "mat cccd lam lai", "làm lại căn cước bị mất"]:
        add(sessions, text, reason="low_confidence", channel="telegram", ago=dt.timedelta(days=2))
    add(sessions, "nộp lệ phí ở đâu", ago=dt.timedelta(minutes=5))
    add(sessions, "hỏi từ lâu rồi", ago=dt.timedelta(days=40))   # outside the default 30 days
    page = Inbox(sessions, kb).page()
    assert [g.count for g in page.groups] == [7, 3, 1]
    assert page.total == 11 and page.days == 30
    first = page.groups[0]
    assert len(first.examples) == MAX_EXAMPLES
    assert [e.text for e in first.examples] == card[:MAX_EXAMPLES]   # newest first
    assert (first.examples[0].channel, first.examples[0].reason) == ("zalo", "handoff")
    assert abs(first.examples[0].at - (NOW - dt.timedelta(hours=1))) < dt.timedelta(seconds=1)
    assert first.reasons == {"fallback": 6, "handoff": 1} and first.channels == {"zalo": 4, "web": 3}
    identity = page.groups[1]
    assert [e.text for e in identity.examples] == ["làm lại căn cước bị mất", "mat cccd lam lai"]  # one per wording
    assert identity.reasons == {"low_confidence": 3}
    assert identity.found and identity.found[0].id == "can-cuoc"   # what search finds today
    assert Inbox(sessions, kb).page(days=90).total == 12


def test_groups_are_cached_per_period_and_count(sessions: sessionmaker, kb: KnowledgeBase) -> None:
    calls: list[int] = []

    class Counting(Inbox):
        def _group(self, rows):  # type: ignore[no-untyped-def]
            calls.append(len(rows))
            return super()._group(rows)

    for text in LOST_CARD:
        add(sessions, text)
    inbox = Counting(sessions, kb)
    assert inbox.page().groups == inbox.page().groups
    assert calls == [3]
    add(sessions, "cấp lại thẻ bhyt bị hỏng")
    assert inbox.page().groups[0].count == 4 and calls == [3, 4]
    inbox.page(days=7)
    assert calls == [3, 4, 4]


def test_at_most_max_questions_are_grouped(sessions: sessionmaker, kb: KnowledgeBase) -> None:
    for minutes, text in enumerate([*LOST_CARD, HOURS]):
        add(sessions, text, ago=dt.timedelta(minutes=minutes), best_id="gio-lam-viec")
    page = Inbox(sessions, kb, max_questions=3).page()
    assert (page.total, page.considered, page.capped) == (4, 3, True)
    assert sum(g.count for g in page.groups) == 3


# ---- hiding resolved groups -----------------------------------------------------------------------
def test_a_group_marked_resolved_is_hidden_until_asked_again(sessions: sessionmaker, kb: KnowledgeBase) -> None:
    for text in LOST_CARD:
        add(sessions, text)
    add(sessions, HOURS, best_id="gio-lam-viec")
    inbox = Inbox(sessions, kb)
    card = group_of(inbox.page(), LOST_CARD[0])
    mark_group_resolved(sessions, card.key, "mat-the-bhyt")
    page = inbox.page()
    assert [g.representative for g in page.groups] == [HOURS] and page.hidden == 1
    add(sessions, "mất thẻ bhyt thì làm sao", at=dt.datetime.now(dt.UTC))   # the FAQ did not help this one
    assert group_of(inbox.page(), LOST_CARD[0]).count == 4


def test_publishing_an_faq_from_a_group_marks_it_through_the_catalog_hook(
        sessions: sessionmaker, kb: KnowledgeBase) -> None:
    from bot.catalog.hooks import FAQ_PUBLISHED, on_faq_published

    for text in LOST_CARD:
        add(sessions, text)
    inbox = Inbox(sessions, kb)
    [card] = inbox.page().groups
    before = list(FAQ_PUBLISHED)
    remove = install_resolution_hook(sessions)
    try:
        on_faq_published("mat-the-bhyt", card.key)
    finally:
        remove()
    assert inbox.page().groups == [] and list(FAQ_PUBLISHED) == before


def test_a_group_the_kb_now_answers_with_a_new_faq_is_hidden(sessions: sessionmaker, kb: KnowledgeBase) -> None:
    # A knowledge base of our own (vectors from the shared cache): the session's kb stays untouched.
    own = KnowledgeBase.open(encoder=kb.index.encoder)
    for text in LOST_CARD:
        add(sessions, text, best_id="bhyt-tre-em")
    add(sessions, HOURS, best_id="gio-lam-viec")
    inbox = Inbox(sessions, own)
    assert len(inbox.page().groups) == 2
    own.upsert_faq(Faq(id="mat-the-bhyt", question="Bị mất thẻ bảo hiểm y tế thì làm lại thế nào?",
                       alt_questions=["làm lại thẻ bảo hiểm y tế bị mất", "cấp lại thẻ bhyt bị mất"],
                       answer="Anh/Chị đề nghị cấp lại thẻ tại cơ quan bảo hiểm xã hội nơi cư trú hoặc trên VssID."))
    answer = own.ask(LOST_CARD[0])
    assert answer.confident and answer.best is not None and answer.best.id == "mat-the-bhyt"
    page = inbox.page()
    assert [g.representative for g in page.groups] == [HOURS] and page.hidden == 1
    # The hours FAQ answers confidently too, but search found it when the question was asked: still shown.
    assert page.groups[0].confident and page.groups[0].found[0].id == "gio-lam-viec"


def test_a_confident_procedure_answer_does_not_hide(sessions: sessionmaker, kb: KnowledgeBase) -> None:
    add(sessions, "cấp lại thẻ BHYT")   # the kb answers with a procedure: no FAQ yet
    [group] = Inbox(sessions, kb).page().groups
    assert group.found[0].kind == "procedure"


# ---- honest when unsure: what reaches the inbox from the actions (in process, no Rasa) -------------
def run_action(action: Any, text: str, entities: dict[str, str] | None = None,
               events: list[dict[str, Any]] | None = None, sender: str = "web:citizen-1") -> list[dict[str, Any]]:
    tracker = Tracker(sender, {}, {"text": text, "intent": {},
                                   "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()]},
                      events or [{"event": "user", "text": text}], False, None, None, None)
    dispatcher = CollectingDispatcher()
    with ThreadPoolExecutor(max_workers=1) as pool:   # a loop of its own, whatever ran before
        pool.submit(asyncio.run, action.run(dispatcher, tracker, {})).result()
    return dispatcher.messages


@pytest.mark.parametrize("question", [
    "thu tuc ly hon thuan tinh", "xin xac nhan ho ngheo", "lam giay phep kinh doanh xang dau",
])
def test_a_question_outside_the_catalog_says_so_offers_the_portal_and_a_person_and_reaches_the_inbox(
        sessions: sessionmaker, kb: KnowledgeBase, question: str) -> None:
    action = ActionAnswerQuestion(kb)
    action.insights = Insights(sessions)
    [reply] = run_action(action, question)
    text = reply["text"]
    assert "Giấy tờ cần có" not in text and "Nguồn:" not in text   # no card of a look-alike procedure
    assert "chưa có thông tin về thủ tục này" in text or "chưa tìm thấy đúng thủ tục" in text
    [portal] = [b["payload"] for b in reply["buttons"] if b["title"] == "Tra cứu Cổng DVC quốc gia"]
    assert portal.startswith("https://dichvucong.gov.vn/") and parse_qs(urlsplit(portal).query)["keyword"] == [question]
    assert "Gặp nhân viên" in [b["title"] for b in reply["buttons"]]
    [group] = Inbox(sessions, kb).page().groups
    assert group.representative == question and set(group.reasons) <= {"out_of_catalog", "low_confidence"}


def test_every_answer_offers_thumbs_and_a_thumbs_down_reaches_the_inbox_with_the_answer_given(
        sessions: sessionmaker, kb: KnowledgeBase) -> None:
    question = "lam giay khai sinh cho con can giay to gi"
    with sessions() as session, session.begin():
        session.add(Conversation(channel="web", sender_id="citizen-1"))
    answer = ActionAnswerQuestion(kb)
    answer.insights = Insights(sessions)
    [card] = run_action(answer, question)
    titles = [b["title"] for b in card["buttons"]]
    assert "Đăng ký khai sinh" in card["text"] and titles[-2:] == ["👍 Hữu ích", "👎 Chưa đúng"]
    assert "Gặp nhân viên" in titles and len(titles) <= 5   # Zalo shows five buttons at most
    assert Inbox(sessions, kb).page().groups == []           # answered: nothing for staff yet

    rate = ActionStoreRating(kb, None, sessions)
    rate.insights = Insights(sessions)
    history = [{"event": "user", "text": question}, {"event": "bot", "text": card["text"]}]
    up, down = (b["payload"] for b in card["buttons"][-2:])
    [thanks] = run_action(rate, up, json.loads(up.removeprefix("/rate")), [*history, {"event": "user", "text": up}])
    assert "Cảm ơn" in thanks["text"] and Inbox(sessions, kb).page().groups == []
    [sorry] = run_action(rate, down, json.loads(down.removeprefix("/rate")),
                         [*history, {"event": "user", "text": down}])
    assert "xin lỗi" in sorry["text"] and any("dichvucong.gov.vn" in b["payload"] for b in sorry["buttons"])
    assert "Gặp nhân viên" in [b["title"] for b in sorry["buttons"]]
    [group] = Inbox(sessions, kb).page().groups
    assert group.representative == question and group.reasons == {"disliked": 1}
    assert group.examples[0].answered == "Đăng ký khai sinh"
    with sessions() as session:
        ratings = session.execute(select(Rating.subject, Rating.score, Rating.procedure_id)).all()
    assert sorted(ratings) == [("answer", 1, "khai-sinh"), ("answer", 5, "khai-sinh")]


# ---- the staff page -------------------------------------------------------------------------------
def build_app(settings: Settings, kb: KnowledgeBase) -> FastAPI:
    app = create_app(settings, kb=kb)
    if not any(getattr(r, "path", "").startswith("/staff/inbox") for r in app.routes):  # until app.py wires it in
        app.include_router(inbox_routes.router)
    return app


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Made once: a database with an account for each role (through the CLI); each test gets a copy."""
    folder = tmp_path_factory.mktemp("accounts")
    create_users(staff_settings(folder, free_port()), ROLES.items())
    return folder


@pytest.fixture
def client(kb: KnowledgeBase, accounts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    copy_files(accounts, tmp_path)
    settings = staff_settings(tmp_path, free_port())
    monkeypatch.delenv(cli.PASSWORD_ENV, raising=False)
    with TestClient(build_app(settings, kb), follow_redirects=False) as test_client:
        yield test_client


def login(client: TestClient, username: str) -> None:
    token = CSRF.search(client.get("/staff/login").text).group(1)  # type: ignore[union-attr]
    response = client.post("/staff/login", data={"username": username, "password": PASSWORD, "csrf_token": token,
                                                 "next": "/staff/inbox"})
    assert response.status_code == 303


def app_sessions(client: TestClient) -> sessionmaker:
    return services_of(client.app).get(sessionmaker)


def test_login_is_required(client: TestClient) -> None:
    for path in ["/staff/inbox", "/staff/inbox/data.json?days=7"]:
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/staff/login?next=/staff/inbox")


@pytest.mark.parametrize("username", list(ROLES))
def test_every_staff_role_sees_the_inbox(client: TestClient, username: str) -> None:
    add(app_sessions(client), LOST_CARD[0])
    login(client, username)
    page = client.get("/staff/inbox")
    assert page.status_code == 200 and LOST_CARD[0] in page.text
    assert client.get("/staff/inbox/data.json").status_code == 200


def test_page_and_data_show_groups_with_a_link_to_the_faq_form(client: TestClient) -> None:
    sessions = app_sessions(client)
    for text in LOST_CARD:
        add(sessions, text, reason="low_confidence", channel="zalo")
    add(sessions, HOURS, best_id="gio-lam-viec")
    login(client, "tnv")
    page = client.get("/staff/inbox")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script" not in page.text and "style=" not in page.text and "<style" not in page.text
    assert "Soạn câu hỏi thường gặp" in page.text and "3 lần" in page.text
    assert "Chưa chắc chắn, gợi ý 3 kết quả" in page.text and "zalo" in page.text

    data = client.get("/staff/inbox/data.json").json()
    assert data["days"] == 30 and data["total"] == 4 and [g["count"] for g in data["groups"]] == [3, 1]
    card = data["groups"][0]
    assert card["representative"] in LOST_CARD and card["reasons"] == {"low_confidence": 3}
    assert {e["text"] for e in card["examples"]} == set(LOST_CARD) and card["examples"][0]["channel"] == "zalo"
    assert card["found"] and card["found"][0]["id"] == "bhyt-tre-em"
    link = urlsplit(card["draft_url"])
    assert link.path == "/staff/faqs/new"
    assert parse_qs(link.query) == {"question": [card["representative"]], "group": [card["key"]]}
    assert f'href="{html.escape(card["draft_url"])}"' in page.text
    # The same questions give the same key on the next load.
    assert client.get("/staff/inbox/data.json").json()["groups"][0]["key"] == card["key"]

    mark_group_resolved(sessions, card["key"], "mat-the-bhyt")
    assert [g["count"] for g in client.get("/staff/inbox/data.json").json()["groups"]] == [1]


def test_the_page_shows_a_thumbs_down_with_the_answer_given(client: TestClient) -> None:
    add(app_sessions(client), "lam giay khai sinh cho con", reason="disliked", best_id="khai-sinh")
    login(client, "tnv")
    page = client.get("/staff/inbox").text
    assert "Người dân chê câu trả lời (👎)" in page and "Trợ lý đã trả lời bằng: Đăng ký khai sinh" in page


def test_the_period_is_limited_to_one_to_365_days(client: TestClient) -> None:
    add(app_sessions(client), HOURS, best_id="gio-lam-viec", ago=dt.timedelta(days=40))
    login(client, "giamsat")
    days = {value: client.get(f"/staff/inbox/data.json?days={value}").json() for value in ["0", "90", "9999", "abc"]}
    assert [days[v]["days"] for v in ["0", "90", "9999", "abc"]] == [1, 90, 365, 30]
    assert (days["0"]["total"], days["90"]["total"], days["abc"]["total"]) == (0, 1, 0)
    page = client.get("/staff/inbox?days=90")
    assert page.status_code == 200 and HOURS in page.text and '<option value="90" selected' in page.text
    assert "Không có câu hỏi nào" in client.get("/staff/inbox").text

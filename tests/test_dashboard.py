"""The supervisors' dashboard: exact figures from a seeded database, CSV export, date filter, roles
and a CSP-safe page (TestClient, temporary SQLite)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app import create_app
from bot.auth import cli
from bot.auth.models import AuditEntry
from bot.conversation.models import Conversation, Message
from bot.core.calendar import TIMEZONE
from bot.core.db import make_engine, make_sessionmaker, migrate
from bot.dossiers.models import DossierRecord, DossierStatusRecord
from bot.handoff.models import Handoff, Rating
from bot.insights import dashboard_routes as dashboard
from bot.insights.dashboard import p90, parse_period
from bot.insights.models import AnalyticsEvent
from bot.payments.models import PaymentOrder
from knowledge_base.service import KnowledgeBase
from tests.support.network import free_port
from tests.support.staff import PASSWORD, STAFF, copy_files, create_users, staff_settings

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
WEEK = {"from": "2025-03-01", "to": "2025-03-07"}


def vn(month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    """A moment given in Vietnam time, stored as UTC like the application does."""
    return dt.datetime(2025, month, day, hour, minute, tzinfo=TIMEZONE).astimezone(dt.UTC)


def _dossier(session: Session, code: str, procedure_id: str, channel: str, sender_id: str,
             submitted: dt.datetime, due: dt.date | None, statuses: list[tuple[int, dt.datetime]]) -> None:
    record = DossierRecord(code=code, procedure_id=procedure_id, applicant_name="Nguyễn Văn An",
                           applicant_cccd="001099012345", applicant_birth_date=dt.date(1990, 5, 17),
                           applicant_phone="0912345678", applicant_address="12 Lê Lợi", channel=channel,
                           sender_id=sender_id, status=statuses[-1][0], submitted_at=submitted, due_date=due)
    record.history = [DossierStatusRecord(status=1, at=submitted)] + [
        DossierStatusRecord(status=s, at=at) for s, at in statuses]
    session.add(record)


def seed(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(database_url)   # as the app does: a create_all schema is not adopted once revisions follow 0001
    with make_sessionmaker(engine)() as session, session.begin():
        c1, c2, c3, c4, c5 = (Conversation(channel=ch, sender_id=s, created_at=vn(2, 1)) for ch, s in
                              [("web", "w1"), ("web", "w2"), ("zalo", "z1"), ("zalo", "z2"), ("web", "w-old")])
        session.add_all([c1, c2, c3, c4, c5])
        session.flush()

        def said(conversation: Conversation, at: dt.datetime, direction: str = "in") -> Message:
            return Message(conversation_id=conversation.id, direction=direction,
                           author="citizen" if direction == "in" else "bot", text="…", created_at=at)

        session.add_all([
            said(c1, vn(3, 1, 9)), said(c1, vn(3, 1, 10)), said(c1, vn(3, 2, 8)), said(c1, vn(3, 4), "out"),
            said(c2, vn(3, 1, 23, 30)),              # late evening in Vietnam, still 1 March there
            said(c3, vn(3, 2, 10)),
            said(c4, vn(3, 3, 11)), said(c4, vn(3, 8, 0, 30)),   # 8 March in Vietnam: outside the week
            said(c5, vn(2, 28, 23, 30)),             # before the week
        ])

        def handoff(conversation: Conversation, at: dt.datetime, team: str, reason: str, status: str,
                    outcome: str, wait: int | None) -> Handoff:
            return Handoff(conversation_id=conversation.id, created_at=at, queued_at=at, team=team, reason=reason,
                           status=status, outcome=outcome, first_wait_seconds=wait)

        session.add_all([
            handoff(c2, vn(3, 1, 23, 40), "volunteer", "asked", "closed", "resolved", 30),
            handoff(c3, vn(3, 2, 10, 5), "hotline", "complaint", "closed", "unresolved", 90),
            handoff(c4, vn(3, 3, 11, 5), "volunteer", "fallback", "waiting", "", None),
            handoff(c4, vn(3, 3, 12), "volunteer", "asked", "closed", "resolved", 60),
            handoff(c5, vn(2, 28, 23, 40), "volunteer", "asked", "closed", "resolved", 999),
        ])

        def event(conversation: Conversation, kind: str, item_id: str, at: dt.datetime) -> AnalyticsEvent:
            return AnalyticsEvent(conversation_id=conversation.id, channel=conversation.channel, kind=kind,
                                  item_id=item_id, at=at)

        session.add_all([
            *(event(c1, "answer", "khai-sinh", vn(3, d)) for d in (1, 2, 3)),
            event(c3, "answer", "ket-hon", vn(3, 2)), event(c3, "answer", "bo-cu", vn(3, 2)),
            event(c2, "answer", "gio-lam-viec", vn(3, 1)), event(c4, "answer", "gio-lam-viec", vn(3, 3)),
            event(c5, "answer", "khai-sinh", vn(2, 28)),
            event(c1, "submission_started", "khai-sinh", vn(3, 1, 9, 5)),     # filed at 9:20
            event(c3, "submission_started", "ket-hon", vn(3, 2, 10, 10)),
            event(c3, "submission_cancelled", "ket-hon", vn(3, 2, 10, 15)),
            event(c4, "submission_started", "khai-sinh", vn(3, 3, 11, 10)),   # never finished
            event(c2, "submission_started", "ket-hon", vn(2, 28, 9)),         # before the week
        ])
        _dossier(session, "HS-1", "khai-sinh", "web", "w1", vn(3, 1, 9, 20), dt.date(2025, 3, 5),
                 [(9, vn(3, 4, 15)), (10, vn(3, 6))])                                # on time
        _dossier(session, "HS-2", "ket-hon", "zalo", "z9", vn(2, 20), dt.date(2025, 3, 3), [(10, vn(3, 4))])  # late
        _dossier(session, "HS-3", "khai-sinh", "web", "w7", vn(2, 10), dt.date(2025, 2, 25),
                 [(9, vn(2, 24)), (10, vn(3, 2))])                   # first finished before the week: not counted
        _dossier(session, "HS-4", "khai-tu", "web", "w6", vn(2, 15), None, [(9, vn(3, 5))])    # no due date
        # Finished on 7 March in Vietnam (still 6 March in UTC): one day late.
        _dossier(session, "HS-5", "khai-sinh", "web", "w8", vn(3, 6, 8), dt.date(2025, 3, 6), [(9, vn(3, 7, 0, 30))])

        def order(number: int, provider: str, status: str, amount: int, at: dt.datetime,
                  refund: bool = False) -> PaymentOrder:
            return PaymentOrder(id=f"O{number}", dossier_code="HS-1", provider=provider, amount_vnd=amount,
                                description="Lệ phí", status=status, created_at=at,
                                expires_at=at + dt.timedelta(minutes=15), refund_due=refund,
                                dossier_updated=True, closed_at=at)  # settled: reconciliation leaves them

        session.add_all([
            order(1, "vnpay", "paid", 100_000, vn(3, 1)), order(2, "vnpay", "paid", 50_000, vn(3, 2)),
            order(3, "momo", "failed", 100_000, vn(3, 3)), order(4, "momo", "paid", 30_000, vn(2, 27)),
            order(5, "zalopay", "expired", 20_000, vn(3, 4)), order(6, "vnpay", "paid", 10_000, vn(3, 5), refund=True),
        ])

        def rating(conversation: Conversation, subject: str, team: str, score: int, at: dt.datetime) -> Rating:
            return Rating(conversation_id=conversation.id, channel=conversation.channel, subject=subject, team=team,
                          score=score, created_at=at)

        session.add_all([
            rating(c1, "conversation", "", 5, vn(3, 1)), rating(c3, "handoff", "volunteer", 4, vn(3, 2)),
            rating(c3, "handoff", "hotline", 2, vn(3, 2)), rating(c1, "dossier", "", 4, vn(3, 5)),
            rating(c5, "conversation", "", 1, vn(2, 28)),
            # 👍/👎 under answer cards: counted apart, never in the 1–5 average
            rating(c1, "answer", "", 5, vn(3, 1)), rating(c3, "answer", "", 1, vn(3, 2)),
            rating(c3, "answer", "", 1, vn(3, 3)),
        ])
    engine.dispose()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Made once: the seeded database with the four staff accounts (through the CLI); each test gets a copy."""
    folder = tmp_path_factory.mktemp("dashboard")
    settings = staff_settings(folder, free_port())
    seed(settings.database_url)
    create_users(settings, STAFF)
    return folder


@pytest.fixture
def client(kb: KnowledgeBase, seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    copy_files(seeded, tmp_path)
    settings = staff_settings(tmp_path, free_port())
    monkeypatch.setenv(cli.PASSWORD_ENV, PASSWORD)   # as after making the accounts here
    app = create_app(settings, kb=kb)
    if not any(getattr(route, "path", "") == "/staff/dashboard" for route in app.routes):
        app.include_router(dashboard.router)   # until bot/app.py includes it
    with TestClient(app, follow_redirects=False) as test_client:
        test_client.app_state_db = settings.database_url  # type: ignore[attr-defined]
        yield test_client


def login(client: TestClient, username: str) -> None:
    client.cookies.clear()   # a fresh session: the login form redirects someone logged in
    page = client.get("/staff/login")
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    response = client.post("/staff/login", data={"username": username, "password": PASSWORD, "csrf_token": token,
                                                 "next": "/staff/dossiers"})
    assert response.status_code == 303, response.text


def figures(client: TestClient, **params: str) -> dict[str, Any]:
    response = client.get("/staff/dashboard/data.json", params=params)
    assert response.status_code == 200, response.text
    return response.json()


# ---- exact figures --------------------------------------------------------------------------------
def test_conversations_and_share_answered_without_a_person(client: TestClient) -> None:
    login(client, "giamsat")
    data = figures(client, **WEEK)
    assert data["period"] == {"from": "2025-03-01", "to": "2025-03-07", "days": 7, "timezone": "Asia/Ho_Chi_Minh"}
    talk = data["conversations"]
    assert (talk["total"], talk["channels"], talk["by_channel"]) == (5, ["web", "zalo"], {"web": 3, "zalo": 2})
    assert [(d["day"], d["by_channel"]) for d in talk["days"][:4]] == [
        ("2025-03-01", {"web": 2, "zalo": 0}), ("2025-03-02", {"web": 1, "zalo": 1}),
        ("2025-03-03", {"web": 0, "zalo": 1}), ("2025-03-04", {"web": 0, "zalo": 0})]
    assert len(talk["days"]) == 7
    robot = data["automation"]
    assert (robot["total"], robot["without_person"], robot["share"]) == (5, 2, 40.0)
    assert [d["share"] for d in robot["days"]] == [50.0, 50.0, 0.0, None, None, None, None]


def test_handoffs_by_team_reason_waits_and_outcomes(client: TestClient) -> None:
    login(client, "giamsat")
    hand = figures(client, **WEEK)["handoffs"]
    assert hand["total"] == 4
    assert hand["by_team"] == {"volunteer": 3, "hotline": 1}
    assert hand["by_reason"] == {"asked": 2, "complaint": 1, "fallback": 1}
    assert hand["outcomes"] == {"resolved": 2, "unresolved": 1, "waiting": 1}
    assert hand["wait"] == {"count": 3, "median_seconds": 60.0, "p90_seconds": 90, "by_team": {
        "volunteer": {"count": 2, "median_seconds": 45.0, "p90_seconds": 60},
        "hotline": {"count": 1, "median_seconds": 90.0, "p90_seconds": 90}}}
    assert [d["by_team"] for d in hand["days"][:3]] == [
        {"volunteer": 1, "hotline": 0}, {"volunteer": 0, "hotline": 1}, {"volunteer": 2, "hotline": 0}]


def test_top_items_submissions_payments_on_time_and_satisfaction(client: TestClient) -> None:
    login(client, "quantri")
    data = figures(client, **WEEK)
    assert data["top"] == {"total": 7, "faqs": [{"id": "gio-lam-viec", "count": 2}], "procedures": [
        {"id": "khai-sinh", "count": 3}, {"id": "bo-cu", "count": 1}, {"id": "ket-hon", "count": 1}]}
    assert data["submissions"] == {
        "total": {"started": 3, "filed": 2, "cancelled": 1, "unfinished": 1, "abandoned": 2},
        "procedures": [
            {"procedure_id": "khai-sinh", "started": 2, "filed": 2, "cancelled": 0, "unfinished": 1, "abandoned": 1},
            {"procedure_id": "ket-hon", "started": 1, "filed": 0, "cancelled": 1, "unfinished": 0, "abandoned": 1}]}
    pay = data["payments"]
    assert (pay["count"], pay["paid_share"], pay["refund_due"]) == (5, 60.0, 1)
    assert pay["rows"] == [
        {"provider": "momo", "status": "failed", "count": 1, "amount_vnd": 100_000},
        {"provider": "vnpay", "status": "paid", "count": 3, "amount_vnd": 160_000},
        {"provider": "zalopay", "status": "expired", "count": 1, "amount_vnd": 20_000}]
    assert pay["by_status"]["paid"] == {"count": 3, "amount_vnd": 160_000}
    on_time = data["on_time"]
    assert {k: on_time[k] for k in ("finished", "on_time", "late", "no_due_date", "share")} == {
        "finished": 4, "on_time": 1, "late": 2, "no_due_date": 1, "share": 33.3}
    assert on_time["procedures"][0] == {"procedure_id": "khai-sinh", "finished": 2, "on_time": 1, "late": 1,
                                        "no_due_date": 0, "share": 50.0}
    sat = data["satisfaction"]
    assert (sat["count"], sat["average"]) == (4, 3.75)
    assert sat["answers"] == {"helpful": 1, "not_helpful": 2}
    assert sat["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 2, "5": 1}
    assert [(d["day"], d["count"], d["average"]) for d in sat["days"] if d["count"]] == [
        ("2025-03-01", 1, 5.0), ("2025-03-02", 2, 3.0), ("2025-03-05", 1, 4.0)]
    assert sat["weeks"] == [{"week": "2025-02-24", "count": 3, "average": 3.67},
                            {"week": "2025-03-03", "count": 1, "average": 4.0}]
    assert sat["by_channel"] == {"web": {"count": 2, "average": 4.5}, "zalo": {"count": 2, "average": 3.0}}
    assert sat["by_team"] == {"": {"count": 2, "average": 4.5}, "volunteer": {"count": 1, "average": 4.0},
                              "hotline": {"count": 1, "average": 2.0}}


def test_date_filter_excludes_rows_outside_the_range(client: TestClient) -> None:
    login(client, "giamsat")
    day = figures(client, **{"from": "2025-03-02", "to": "2025-03-02"})
    assert day["conversations"]["by_channel"] == {"web": 1, "zalo": 1}
    assert day["handoffs"]["by_team"] == {"hotline": 1}
    assert day["top"]["procedures"] == [{"id": "bo-cu", "count": 1}, {"id": "ket-hon", "count": 1},
                                        {"id": "khai-sinh", "count": 1}]
    assert day["payments"]["count"] == 1 and day["satisfaction"]["count"] == 2
    assert day["on_time"]["finished"] == 0          # HS-3 reached «Đã trả kết quả» that day, but finished before
    # The message at 00:30 on 8 March (Vietnam) joins when the range reaches that day.
    assert figures(client, **{"from": "2025-03-01", "to": "2025-03-08"})["conversations"]["total"] == 6
    # Nothing at all: every figure is zero or missing, the page says so.
    empty = figures(client, **{"from": "2024-01-01", "to": "2024-01-07"})
    assert empty["conversations"]["total"] == 0 and empty["automation"]["share"] is None
    assert empty["handoffs"]["wait"]["median_seconds"] is None and empty["on_time"]["share"] is None
    page = client.get("/staff/dashboard", params={"from": "2024-01-01", "to": "2024-01-07"})
    assert page.status_code == 200 and page.text.count("Chưa có dữ liệu") >= 8 and "<rect class=\"s-" not in page.text


def test_invalid_ranges_are_refused_in_vietnamese(client: TestClient) -> None:
    login(client, "giamsat")
    bad = client.get("/staff/dashboard/data.json", params={"from": "01/03/2025", "to": "2025-03-07"})
    assert bad.status_code == 400 and "Ngày bắt đầu «01/03/2025» không hợp lệ" in bad.json()["error"]
    page = client.get("/staff/dashboard", params={"from": "2025-03-07", "to": "2025-03-01"})
    assert page.status_code == 400 and "Ngày bắt đầu phải trước hoặc trùng ngày kết thúc." in page.text
    long = client.get("/staff/dashboard/export.csv", params={"from": "2023-01-01", "to": "2025-03-01"})
    assert long.status_code == 400 and "tối đa là 366 ngày" in long.text
    assert client.get("/staff/dashboard/export.csv", params={"section": "khac"}).status_code == 400


def test_default_range_is_the_last_30_days() -> None:
    period = parse_period(None, None, now=dt.date(2025, 3, 30))
    assert (period.first, period.last) == (dt.date(2025, 3, 1), dt.date(2025, 3, 30))
    assert period.start == dt.datetime(2025, 2, 28, 17, tzinfo=dt.UTC)
    assert p90([5, 1, 3, 2, 4, 6, 7, 8, 9, 10]) == 9 and p90([]) is None


# ---- CSV -----------------------------------------------------------------------------------------
def test_csv_export_has_a_bom_one_header_and_known_rows(client: TestClient) -> None:
    login(client, "giamsat")
    response = client.get("/staff/dashboard/export.csv", params={"section": "conversations", **WEEK})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "thong-ke-conversations-2025-03-01-2025-03-07.csv" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Mục", "Chỉ số", "Phân loại", "Thời gian", "Giá trị"]
    assert ["Cuộc trò chuyện", "Số cuộc trò chuyện", "Zalo", "2025-03-02", "1"] in rows
    assert ["Cuộc trò chuyện", "Số cuộc trò chuyện", "Tất cả kênh", "Cả kỳ", "5"] in rows
    assert {row[0] for row in rows[1:]} == {"Cuộc trò chuyện"}
    assert not any("2025-02-28" in row or "2025-03-08" in row for row in rows)

    everything = client.get("/staff/dashboard/export.csv", params={"section": "all", **WEEK})
    rows = list(csv.reader(io.StringIO(everything.content.decode("utf-8-sig"))))
    assert rows.count(["Mục", "Chỉ số", "Phân loại", "Thời gian", "Giá trị"]) == 1
    assert {row[0] for row in rows[1:]} == set(dashboard.SECTIONS.values())
    assert ["Hỏi nhiều nhất", "Số lần trả lời", "Thủ tục: Đăng ký khai sinh (khai-sinh)", "Cả kỳ", "3"] in rows
    assert ["Thanh toán", "Số tiền (đồng)", "VNPay · Đã thanh toán", "Cả kỳ", "160000"] in rows
    assert ["Hồ sơ đúng hạn", "Tỷ lệ đúng hạn (%)", "Tất cả", "Cả kỳ", "33.3"] in rows
    assert ["Chuyển cho cán bộ", "Thời gian chờ phân vị 90 (giây)", "Tất cả nhóm", "Cả kỳ", "90"] in rows
    assert ["Nộp hồ sơ trong trò chuyện", "Không hoàn thành (hủy + bỏ dở)", "Tất cả", "Cả kỳ", "2"] in rows
    assert ["Mức độ hài lòng", "Điểm trung bình", "Nhóm: Trợ lý ảo", "Cả kỳ", "4.5"] in rows


# ---- access and page -----------------------------------------------------------------------------
def test_only_supervisors_and_admins_see_the_dashboard(client: TestClient) -> None:
    anonymous = client.get("/staff/dashboard")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/staff/login?next=")
    for username in ("tnv", "tongdai"):
        login(client, username)
        for path in ("/staff/dashboard", "/staff/dashboard/data.json", "/staff/dashboard/export.csv"):
            refused = client.get(path)
            assert refused.status_code == 403, (username, path)
            assert "không có quyền" in refused.text
    login(client, "giamsat")
    assert client.get("/staff/dashboard", params=WEEK).status_code == 200


def test_page_renders_charts_without_inline_script_or_style(client: TestClient) -> None:
    login(client, "giamsat")
    page = client.get("/staff/dashboard", params=WEEK)
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    assert "<script" not in html.lower() and not re.search(r"\sstyle\s*=", html, re.I)
    assert not re.search(r"\son[a-z]+\s*=", html, re.I) and "javascript:" not in html
    assert "<style" not in html.lower()
    assert '<link rel="stylesheet" href="/static/dashboard.css">' in html
    assert html.count("<svg class=\"chart__svg\"") == 4            # conversations, share, handoffs, satisfaction
    assert "<title>02/03: Zalo 1</title>" in html and "<polyline" in html
    assert "Đăng ký khai sinh" in html and "40,0 %" in html and "1 phút 30 giây" in html and "phút 0 giây" not in html
    assert 'href="/staff/dashboard/export.csv?section=all&amp;from=2025-03-01&amp;to=2025-03-07"' in html
    assert client.get("/static/dashboard.css").status_code == 200
    with make_sessionmaker(make_engine(client.app_state_db))() as session:  # type: ignore[attr-defined]
        views = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "dashboard.view")))
    assert [(v.actor, v.target) for v in views] == [("giamsat", "2025-03-01..2025-03-07")]

"""The supervisors' dashboard: one page of figures for a range of days, a CSV export per section,
and the same figures as JSON. Charts are inline SVG computed here, so the page needs no script
and no style attribute under the staff pages' strict CSP."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import sessionmaker

from bot.auth.pages import Audit, error_page, render
from bot.auth.service import Staff
from bot.auth.web import StaffHTTPError, make_route_class, require_staff
from bot.catalog.deps import Knowledge
from bot.core.deps import Sessions
from bot.core.money import thousands
from bot.core.pages import TEMPLATES
from bot.handoff.service import OUTCOMES, REASONS, TEAMS
from bot.insights import dashboard as figures_of
from bot.insights.dashboard import Period, RangeError, parse_period
from bot.payments.models import ORDER_STATUS_LABELS
from knowledge_base.service import KnowledgeBase
from knowledge_base.spreadsheet import protect

ROLES = ("supervisor", "admin")
router = APIRouter(prefix="/staff/dashboard", route_class=make_route_class(error_page), include_in_schema=False)

CHANNEL_LABELS = {"web": "Web", "rest": "REST API", "zalo": "Zalo", "telegram": "Telegram"}
PROVIDER_LABELS = {"vnpay": "VNPay", "momo": "MoMo", "zalopay": "ZaloPay"}
TEAM_LABELS = {**TEAMS, "": "Trợ lý ảo"}           # a rating with no team rated the bot
OUTCOME_LABELS = {**OUTCOMES, "waiting": "Đang chờ", "active": "Đang trao đổi",
                  "unstaffed": "Không có người trực (mời để lại số gọi lại)"}
SUBJECT_LABELS = {"handoff": "Sau khi gặp cán bộ", "conversation": "Cuộc trò chuyện", "dossier": "Hồ sơ"}
SECTIONS = {
    "conversations": "Cuộc trò chuyện",
    "automation": "Trả lời không cần người",
    "handoffs": "Chuyển cho cán bộ",
    "top": "Hỏi nhiều nhất",
    "submissions": "Nộp hồ sơ trong trò chuyện",
    "payments": "Thanh toán",
    "on_time": "Hồ sơ đúng hạn",
    "satisfaction": "Mức độ hài lòng",
}
CSV_HEADER = ["Mục", "Chỉ số", "Phân loại", "Thời gian", "Giá trị"]
WHOLE_PERIOD = "Cả kỳ"
WEEKLY_AFTER_DAYS = 45       # longer ranges plot satisfaction per week: daily points get too sparse


# ---- formatting ----------------------------------------------------------------------------------
def _number(value: float | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}".rstrip("0").replace(",", " ").replace(".", ",").replace(" ", ".")
    return thousands(value)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",") + " %"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes, rest = divmod(round(seconds), 60)
    if not minutes:
        return f"{rest} giây"
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} giờ {minutes} phút" if minutes else f"{hours} giờ"
    return f"{minutes} phút {rest} giây" if rest else f"{minutes} phút"


def _day(iso: str) -> str:
    return dt.date.fromisoformat(iso).strftime("%d/%m")


TEMPLATES.env.filters.update(dash_number=_number, dash_percent=_percent, dash_duration=_duration)


def _label(labels: dict[str, str], key: str) -> str:
    return labels.get(key, key or "—")


def _titles(kb: KnowledgeBase) -> tuple[Any, Any, Any]:
    def is_procedure(item_id: str) -> bool:
        return kb.procedure(item_id) is not None

    def is_faq(item_id: str) -> bool:
        return kb.faq(item_id) is not None

    def title(item_id: str) -> str:
        procedure, faq = kb.procedure(item_id), kb.faq(item_id)
        return procedure.title if procedure else faq.question if faq else item_id

    return is_procedure, is_faq, title


async def _figures(sessions: sessionmaker, kb: KnowledgeBase, period: Period) -> dict[str, Any]:
    is_procedure, is_faq, _ = _titles(kb)
    return await asyncio.to_thread(figures_of.figures, sessions, period, is_procedure, is_faq)


def _period(request: Request) -> Period:
    return parse_period(request.query_params.get("from"), request.query_params.get("to"))


# ---- charts (inline SVG geometry) ----------------------------------------------------------------
WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 26


def _nice(top: float) -> float:
    """The smallest 1, 2 or 5 × 10ⁿ at least ``top``: round numbers on the axis."""
    step = 1.0
    while True:
        for factor in (1, 2, 5):
            if factor * step >= top:
                return factor * step
        step *= 10


def _x_labels(labels: list[str], slot: float) -> list[dict[str, Any]]:
    every = max(1, -(-len(labels) // 12))   # at most about 12 labels, whatever the range
    return [{"x": round(LEFT + slot * (i + 0.5), 1), "text": text}
            for i, text in enumerate(labels) if i % every == 0]


def _ticks(low: float, high: float, unit: str) -> list[dict[str, Any]]:
    plot = HEIGHT - TOP - BOTTOM
    values = [low, (low + high) / 2, high]
    return [{"y": round(TOP + plot * (1 - (v - low) / (high - low)), 1), "text": _number(v) + unit} for v in values]


def bar_chart(label: str, labels: list[str], series: list[tuple[str, str, str]],
              values: list[dict[str, float]], top: float | None = None, unit: str = "") -> dict[str, Any] | None:
    """Stacked bars: one slot per label, one segment per ``(key, name, css class)`` series.
    None when every value is 0 (the page then says there is no data)."""
    totals = [sum(v.get(key, 0) for key, _, _ in series) for v in values]
    if not any(totals):
        return None
    high = top or _nice(max(totals))
    plot, slot = HEIGHT - TOP - BOTTOM, (WIDTH - LEFT - RIGHT) / len(labels)
    bars = []
    for i, (text, value) in enumerate(zip(labels, values, strict=True)):
        base = 0.0
        for key, name, css in series:
            amount = value.get(key, 0)
            if not amount:
                continue
            height = plot * amount / high
            bars.append({"x": round(LEFT + slot * i + slot * 0.15, 1), "width": round(slot * 0.7, 1),
                         "y": round(TOP + plot - base - height, 1), "height": round(height, 1), "css": css,
                         "title": f"{text}: {name} {_number(amount)}{unit}"})
            base += height
    return {"label": label, "width": WIDTH, "height": HEIGHT, "bars": bars, "axis_y": TOP + plot,
            "left": LEFT, "right": WIDTH - RIGHT, "ticks": _ticks(0, high, unit),
            "x_labels": _x_labels(labels, slot),
            "legend": [{"css": css, "name": name} for _, name, css in series] if len(series) > 1 else []}


def line_chart(label: str, labels: list[str], values: list[float | None], low: float, high: float,
               notes: list[str]) -> dict[str, Any] | None:
    """A line through the known points (gaps are skipped), each point titled with ``notes``."""
    if all(v is None for v in values):
        return None
    plot, slot = HEIGHT - TOP - BOTTOM, (WIDTH - LEFT - RIGHT) / len(labels)
    dots = [{"x": round(LEFT + slot * (i + 0.5), 1), "y": round(TOP + plot * (1 - (v - low) / (high - low)), 1),
             "title": f"{text}: {note}"}
            for i, (text, v, note) in enumerate(zip(labels, values, notes, strict=True)) if v is not None]
    return {"label": label, "width": WIDTH, "height": HEIGHT, "dots": dots, "axis_y": TOP + plot,
            "left": LEFT, "right": WIDTH - RIGHT, "ticks": _ticks(low, high, ""),
            "x_labels": _x_labels(labels, slot), "points": " ".join(f"{d['x']},{d['y']}" for d in dots)}


def _channel_series(keys: list[str]) -> list[tuple[str, str, str]]:
    known = {"web", "zalo", "telegram"}
    return [(k, _label(CHANNEL_LABELS, k), f"s-{k}" if k in known else "s-other") for k in keys]


def charts(data: dict[str, Any]) -> dict[str, Any]:
    days = [_day(d["day"]) for d in data["conversations"]["days"]]
    talk, robot, hand, sat = data["conversations"], data["automation"], data["handoffs"], data["satisfaction"]
    weekly = len(days) > WEEKLY_AFTER_DAYS
    sat_points = sat["weeks"] if weekly else sat["days"]
    sat_labels = [("Tuần " + _day(p["week"])) if weekly else _day(p["day"]) for p in sat_points]
    return {
        "conversations": bar_chart("Số cuộc trò chuyện mỗi ngày, theo kênh", days, _channel_series(talk["channels"]),
                                   [d["by_channel"] for d in talk["days"]]),
        "automation": bar_chart("Tỷ lệ cuộc trò chuyện không cần chuyển người, mỗi ngày", days,
                                [("share", "Không cần người", "s-share")],
                                [{"share": d["share"] or 0} for d in robot["days"]], top=100, unit=" %"),
        "handoffs": bar_chart("Số yêu cầu gặp cán bộ mỗi ngày, theo nhóm", days,
                              [(t, _label(TEAM_LABELS, t), f"s-{t}" if t in TEAMS else "s-other")
                               for t in hand["teams"]], [d["by_team"] for d in hand["days"]]),
        "satisfaction": line_chart(
            f"Điểm hài lòng trung bình mỗi {'tuần' if weekly else 'ngày'} (thang 1–5)", sat_labels,
            [p["average"] for p in sat_points], 1, 5,
            [f"{_number(p['average'])} điểm, {p['count']} lượt" for p in sat_points]),
        "satisfaction_weekly": weekly,
    }


# ---- CSV -----------------------------------------------------------------------------------------
Row = tuple[str, str, str, str, Any]


def _csv_rows(data: dict[str, Any], title: Any) -> dict[str, list[Row]]:
    """Every figure as one row (Mục, Chỉ số, Phân loại, Thời gian, Giá trị): a single header for
    one section or all of them, easy to filter or pivot in Excel."""
    rows: dict[str, list[Row]] = {key: [] for key in SECTIONS}

    def add(section: str, metric: str, kind: str, when: str, value: Any) -> None:
        rows[section].append((SECTIONS[section], metric, kind, when, value))

    talk = data["conversations"]
    for day in talk["days"]:
        for channel in talk["channels"]:
            add("conversations", "Số cuộc trò chuyện", _label(CHANNEL_LABELS, channel), day["day"],
                day["by_channel"][channel])
    for channel in talk["channels"]:
        add("conversations", "Số cuộc trò chuyện", _label(CHANNEL_LABELS, channel), WHOLE_PERIOD,
            talk["by_channel"][channel])
    add("conversations", "Số cuộc trò chuyện", "Tất cả kênh", WHOLE_PERIOD, talk["total"])

    robot = data["automation"]
    for entry in [*robot["days"], {**robot, "day": WHOLE_PERIOD}]:
        add("automation", "Số cuộc trò chuyện", "", entry["day"], entry["total"])
        add("automation", "Không cần chuyển người", "", entry["day"], entry["without_person"])
        add("automation", "Tỷ lệ không cần chuyển người (%)", "", entry["day"], entry["share"])

    hand = data["handoffs"]
    for day in hand["days"]:
        for team in hand["teams"]:
            add("handoffs", "Số yêu cầu", "Nhóm: " + _label(TEAM_LABELS, team), day["day"], day["by_team"][team])
    add("handoffs", "Số yêu cầu", "Tất cả", WHOLE_PERIOD, hand["total"])
    for team, n in hand["by_team"].items():
        add("handoffs", "Số yêu cầu", "Nhóm: " + _label(TEAM_LABELS, team), WHOLE_PERIOD, n)
    for reason, n in hand["by_reason"].items():
        add("handoffs", "Số yêu cầu", "Lý do: " + _label(REASONS, reason), WHOLE_PERIOD, n)
    for outcome, n in hand["outcomes"].items():
        add("handoffs", "Số yêu cầu", "Kết quả: " + _label(OUTCOME_LABELS, outcome), WHOLE_PERIOD, n)
    for kind, waits in [("Tất cả nhóm", hand["wait"]),
                        *(("Nhóm: " + _label(TEAM_LABELS, t), w) for t, w in hand["wait"]["by_team"].items())]:
        add("handoffs", "Thời gian chờ trung vị (giây)", kind, WHOLE_PERIOD, waits["median_seconds"])
        add("handoffs", "Thời gian chờ phân vị 90 (giây)", kind, WHOLE_PERIOD, waits["p90_seconds"])

    for key, prefix in (("procedures", "Thủ tục"), ("faqs", "Câu hỏi thường gặp")):
        for item in data["top"][key]:
            add("top", "Số lần trả lời", f"{prefix}: {title(item['id'])} ({item['id']})", WHOLE_PERIOD,
                item["count"])

    names = {"started": "Bắt đầu nộp", "filed": "Đã nộp", "cancelled": "Đã hủy", "unfinished": "Bỏ dở",
             "abandoned": "Không hoàn thành (hủy + bỏ dở)"}
    for entry, kind in [*((p, f"{title(p['procedure_id'])} ({p['procedure_id']})")
                          for p in data["submissions"]["procedures"]), (data["submissions"]["total"], "Tất cả")]:
        for key, name in names.items():
            add("submissions", name, kind, WHOLE_PERIOD, entry[key])

    pay = data["payments"]
    for row in pay["rows"]:
        kind = f"{_label(PROVIDER_LABELS, row['provider'])} · {_label(ORDER_STATUS_LABELS, row['status'])}"
        add("payments", "Số giao dịch", kind, WHOLE_PERIOD, row["count"])
        add("payments", "Số tiền (đồng)", kind, WHOLE_PERIOD, row["amount_vnd"])
    for status, total in pay["by_status"].items():
        kind = "Tất cả · " + _label(ORDER_STATUS_LABELS, status)
        add("payments", "Số giao dịch", kind, WHOLE_PERIOD, total["count"])
        add("payments", "Số tiền (đồng)", kind, WHOLE_PERIOD, total["amount_vnd"])
    add("payments", "Cần hoàn tiền", "Tất cả", WHOLE_PERIOD, pay["refund_due"])

    names = {"finished": "Đã xử lý xong", "on_time": "Đúng hạn", "late": "Trễ hạn", "no_due_date": "Không có hạn",
             "share": "Tỷ lệ đúng hạn (%)"}
    for entry, kind in [(data["on_time"], "Tất cả"),
                        *((p, f"{title(p['procedure_id'])} ({p['procedure_id']})")
                          for p in data["on_time"]["procedures"])]:
        for key, name in names.items():
            add("on_time", name, kind, WHOLE_PERIOD, entry[key])

    sat = data["satisfaction"]
    periods = [*((d["day"], d) for d in sat["days"]), *(("Tuần từ " + w["week"], w) for w in sat["weeks"]),
               (WHOLE_PERIOD, sat)]
    for when, entry in periods:
        add("satisfaction", "Số lượt đánh giá", "Tất cả", when, entry["count"])
        add("satisfaction", "Điểm trung bình", "Tất cả", when, entry["average"])
    for prefix, labels, groups in (("Kênh", CHANNEL_LABELS, sat["by_channel"]), ("Nhóm", TEAM_LABELS, sat["by_team"]),
                                   ("Đối tượng", SUBJECT_LABELS, sat["by_subject"])):
        for key, entry in groups.items():
            add("satisfaction", "Số lượt đánh giá", f"{prefix}: {_label(labels, key)}", WHOLE_PERIOD, entry["count"])
            add("satisfaction", "Điểm trung bình", f"{prefix}: {_label(labels, key)}", WHOLE_PERIOD, entry["average"])
    add("satisfaction", "Câu trả lời hữu ích (👍)", "Tất cả", WHOLE_PERIOD, sat["answers"]["helpful"])
    add("satisfaction", "Câu trả lời chưa đúng (👎)", "Tất cả", WHOLE_PERIOD, sat["answers"]["not_helpful"])
    return rows


def csv_text(data: dict[str, Any], title: Any, section: str) -> str:
    """UTF-8 with a byte order mark, so Excel shows the Vietnamese letters."""
    rows = _csv_rows(data, title)
    chosen: Iterator[Row] = (row for key in SECTIONS for row in rows[key]) if section == "all" else iter(rows[section])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(("" if v is None else protect(v) if isinstance(v, str) else v for v in row) for row in chosen)
    return "\ufeff" + out.getvalue()


# ---- pages ---------------------------------------------------------------------------------------
def _query(period: Period, **extra: str) -> str:
    return urlencode({**extra, "from": period.first.isoformat(), "to": period.last.isoformat()})


def _presets() -> list[dict[str, str]]:
    today = figures_of.today()
    return [{"label": f"{n} ngày", "query": urlencode({"from": (today - dt.timedelta(days=n - 1)).isoformat(),
                                                        "to": today.isoformat()})} for n in (7, 30, 90)]


@router.get("")
async def dashboard(request: Request, sessions: Sessions, kb: Knowledge, audit: Audit,
                    staff: Staff = Depends(require_staff(*ROLES))) -> Response:  # noqa: B008
    form = {"from": request.query_params.get("from", ""), "to": request.query_params.get("to", "")}
    try:
        period = _period(request)
    except RangeError as error:
        return render(request, "staff_dashboard.html", {"error": str(error), "form": form, "data": None,
                                                         "presets": _presets()}, 400)
    data = await _figures(sessions, kb, period)
    _, _, title = _titles(kb)
    await audit(staff, "dashboard.view", f"{period.first.isoformat()}..{period.last.isoformat()}")
    return render(request, "staff_dashboard.html", {
        "error": "", "form": {"from": period.first.isoformat(), "to": period.last.isoformat()}, "data": data,
        "charts": charts(data), "title": title, "presets": _presets(), "sections": SECTIONS,
        "export": {key: "/staff/dashboard/export.csv?" + _query(period, section=key) for key in [*SECTIONS, "all"]},
        "labels": {"channel": CHANNEL_LABELS, "team": TEAM_LABELS, "reason": REASONS, "outcome": OUTCOME_LABELS,
                   "provider": PROVIDER_LABELS, "status": ORDER_STATUS_LABELS, "subject": SUBJECT_LABELS},
        "first": period.first, "last": period.last,
    })


@router.get("/data.json")
async def data_json(request: Request, sessions: Sessions, kb: Knowledge,
                    staff: Staff = Depends(require_staff(*ROLES))) -> Response:  # noqa: B008
    try:
        period = _period(request)
    except RangeError as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    return JSONResponse(await _figures(sessions, kb, period))


@router.get("/export.csv")
async def export_csv(request: Request, sessions: Sessions, kb: Knowledge, audit: Audit, section: str = "all",
                     staff: Staff = Depends(require_staff(*ROLES))) -> Response:  # noqa: B008
    if section not in SECTIONS and section != "all":
        raise StaffHTTPError(400, "Mục cần xuất không hợp lệ.")
    try:
        period = _period(request)
    except RangeError as error:
        raise StaffHTTPError(400, str(error)) from None
    data = await _figures(sessions, kb, period)
    _, _, title = _titles(kb)
    await audit(staff, "dashboard.export", f"{period.first.isoformat()}..{period.last.isoformat()}", section)
    name = f"thong-ke-{section.replace('_', '-')}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(csv_text(data, title, section), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

"""Figures of the supervisors' dashboard, for one range of Vietnam days.

Queries are plain SELECTs with portable aggregates (COUNT, SUM, MIN, GROUP BY): every date is
bucketed in Python, in Asia/Ho_Chi_Minh time, so the same code runs on SQLite and PostgreSQL.
Stored datetimes are UTC (``bot.conversation.models.utcnow``); SQLite hands them back naive, so a naive value
is read as UTC.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.models import Conversation, Message
from bot.core.calendar import TIMEZONE
from bot.core.errors import ServiceError
from bot.core.vntime import as_utc, in_vietnam
from bot.dossiers.models import DossierRecord, DossierStatusRecord
from bot.dossiers.status import DossierStatus
from bot.handoff.models import Handoff, Rating
from bot.insights.models import AnalyticsEvent
from bot.payments.models import PaymentOrder

DEFAULT_DAYS = 30
MAX_DAYS = 366                      # one year at most: every figure is bucketed in Python
TOP = 10
FINISHED = (int(DossierStatus.DONE), int(DossierStatus.RETURNED))
CHANNEL_ORDER = ("web", "zalo", "telegram")
TEAM_ORDER = ("volunteer", "hotline")


class RangeError(ServiceError, ValueError):
    """A refused date range; ``str()`` is Vietnamese for the supervisor."""

    status_code = 422


@dataclass(frozen=True)
class Period:
    """Vietnam days ``first`` … ``last``, both included."""

    first: dt.date
    last: dt.date

    @property
    def start(self) -> dt.datetime:
        """The first instant, in UTC (what the database stores)."""
        return dt.datetime.combine(self.first, dt.time(), TIMEZONE).astimezone(dt.UTC)

    @property
    def end(self) -> dt.datetime:
        """The instant after the last day (exclusive bound), in UTC."""
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), TIMEZONE).astimezone(dt.UTC)

    @property
    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def weeks(self) -> list[dt.date]:
        """Mondays of the weeks the period touches."""
        return sorted({week_of(day) for day in self.days})


def today() -> dt.date:
    return dt.datetime.now(TIMEZONE).date()


def parse_period(first: str | None, last: str | None, now: dt.date | None = None) -> Period:
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD``; missing ends default to the last 30 days up to today."""
    now = now or today()

    def parse(value: str | None, name: str) -> dt.date | None:
        if not value or not value.strip():
            return None
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise RangeError(f"{name} «{value.strip()[:20]}» không hợp lệ: hãy nhập theo dạng NNNN-TT-NN "
                             "(ví dụ 2025-03-01).") from None

    end = parse(last, "Ngày kết thúc") or now
    begin = parse(first, "Ngày bắt đầu") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if begin > end:
        raise RangeError("Ngày bắt đầu phải trước hoặc trùng ngày kết thúc.")
    if (end - begin).days + 1 > MAX_DAYS:
        raise RangeError(f"Khoảng thời gian tối đa là {MAX_DAYS} ngày; vui lòng chọn khoảng ngắn hơn.")
    return Period(begin, end)


def vn_day(moment: dt.datetime) -> dt.date:
    return in_vietnam(moment).date()


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def p90(values: list[int]) -> int | None:
    """Nearest rank: 90% of the values are at most this (no value is invented by interpolation)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def _ordered(keys: Iterable[str], preferred: tuple[str, ...]) -> list[str]:
    keys = set(keys)
    return [k for k in preferred if k in keys] + sorted(keys - set(preferred))


def _in(column: Any, period: Period) -> Any:
    return column >= period.start, column < period.end


# ---- 1 and 2: conversations, and those a person never had to answer -------------------------------
def conversations(session: Session, period: Period) -> dict[str, Any]:
    """A conversation counts once on each Vietnam day its citizen wrote (a ``Conversation`` row
    lives as long as the citizen's account, so ``created_at`` alone would miss returning people).
    It was answered without a person that day when no handoff was requested that day."""
    written = session.execute(
        select(Message.conversation_id, Message.created_at, Conversation.channel)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.direction == "in", *_in(Message.created_at, period)))
    active: dict[tuple[int, dt.date], str] = {}
    for conversation_id, at, channel in written:
        active[(conversation_id, vn_day(at))] = channel
    handed = {(conversation_id, vn_day(at)) for conversation_id, at in session.execute(
        select(Handoff.conversation_id, Handoff.created_at).where(*_in(Handoff.created_at, period)))}
    per_day: dict[dt.date, Counter[str]] = defaultdict(Counter)
    by_channel: Counter[str] = Counter()
    bot_only: Counter[dt.date] = Counter()
    for (conversation_id, day), channel in active.items():
        per_day[day][channel] += 1
        by_channel[channel] += 1
        if (conversation_id, day) not in handed:
            bot_only[day] += 1
    channels = _ordered(by_channel, CHANNEL_ORDER)
    total, without = len(active), sum(bot_only.values())
    return {
        "conversations": {
            "total": total, "channels": channels, "by_channel": {c: by_channel[c] for c in channels},
            "days": [{"day": d.isoformat(), "total": sum(per_day[d].values()),
                      "by_channel": {c: per_day[d][c] for c in channels}} for d in period.days],
        },
        "automation": {
            "total": total, "without_person": without, "with_person": total - without,
            "share": percent(without, total),
            "days": [{"day": d.isoformat(), "total": sum(per_day[d].values()), "without_person": bot_only[d],
                      "share": percent(bot_only[d], sum(per_day[d].values()))} for d in period.days],
        },
    }


# ---- 3: handoffs ---------------------------------------------------------------------------------
def _waits(values: list[int]) -> dict[str, Any]:
    return {"count": len(values), "median_seconds": median(values), "p90_seconds": p90(values)}


def handoffs(session: Session, period: Period) -> dict[str, Any]:
    """Requests for a person made in the period (``created_at``: ``queued_at`` moves on transfers)."""
    rows = session.execute(select(Handoff.created_at, Handoff.team, Handoff.reason, Handoff.status,
                                  Handoff.outcome, Handoff.first_wait_seconds)
                           .where(*_in(Handoff.created_at, period))).all()
    per_day: dict[dt.date, Counter[str]] = defaultdict(Counter)
    teams: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    waits: dict[str, list[int]] = defaultdict(list)
    for created_at, team, reason, status, outcome, wait in rows:
        per_day[vn_day(created_at)][team] += 1
        teams[team] += 1
        reasons[reason] += 1
        # Not closed yet: report where it stands (waiting / active) instead of an empty outcome.
        outcomes[outcome if status == "closed" and outcome else status] += 1
        if wait is not None:
            waits[team].append(wait)
    team_keys = _ordered(teams, TEAM_ORDER)
    every_wait = [w for values in waits.values() for w in values]
    return {
        "total": len(rows), "teams": team_keys,
        "by_team": {t: teams[t] for t in team_keys},
        "by_reason": dict(reasons.most_common()),
        "outcomes": dict(outcomes.most_common()),
        "wait": {**_waits(every_wait), "by_team": {t: _waits(waits[t]) for t in team_keys}},
        "days": [{"day": d.isoformat(), "total": sum(per_day[d].values()),
                  "by_team": {t: per_day[d][t] for t in team_keys}} for d in period.days],
    }


# ---- 4: what citizens asked about ----------------------------------------------------------------
def top_items(session: Session, period: Period, is_procedure: Callable[[str], bool],
              is_faq: Callable[[str], bool]) -> dict[str, Any]:
    counted = session.execute(
        select(AnalyticsEvent.item_id, func.count())
        .where(AnalyticsEvent.kind == "answer", AnalyticsEvent.item_id != "", *_in(AnalyticsEvent.at, period))
        .group_by(AnalyticsEvent.item_id)).all()
    ranked = sorted(((item, int(n)) for item, n in counted), key=lambda pair: (-pair[1], pair[0]))
    # An id that left the catalog still counts, with the procedures (answers mostly show those).
    procedures = [{"id": i, "count": n} for i, n in ranked if is_procedure(i) or not is_faq(i)]
    faqs = [{"id": i, "count": n} for i, n in ranked if is_faq(i) and not is_procedure(i)]
    return {"total": sum(n for _, n in ranked), "procedures": procedures[:TOP], "faqs": faqs[:TOP]}


# ---- 5: submissions in the chat ------------------------------------------------------------------
def submissions(session: Session, period: Period) -> dict[str, Any]:
    """Started and cancelled count the chat's events; filed counts dossiers submitted. A start
    with neither a cancellation nor a filing (same conversation and procedure) later in the
    period counts as not finished; abandoned = cancelled + not finished."""
    events = session.execute(
        select(AnalyticsEvent.conversation_id, AnalyticsEvent.item_id, AnalyticsEvent.kind, AnalyticsEvent.at)
        .where(AnalyticsEvent.kind.in_(("submission_started", "submission_cancelled")),
               *_in(AnalyticsEvent.at, period))).all()
    filings = session.execute(
        select(DossierRecord.channel, DossierRecord.sender_id, DossierRecord.procedure_id,
               DossierRecord.submitted_at).where(*_in(DossierRecord.submitted_at, period))).all()
    ids = {conversation_id for conversation_id, *_ in events if conversation_id is not None}
    senders = {conversation_id: f"{channel}:{sender_id}" for conversation_id, channel, sender_id in session.execute(
        select(Conversation.id, Conversation.channel, Conversation.sender_id).where(Conversation.id.in_(ids)))}
    started: Counter[str] = Counter()
    cancelled: Counter[str] = Counter()
    filed: Counter[str] = Counter()
    # One timeline per (citizen, procedure): (moment, kind).
    timelines: dict[tuple[str, str], list[tuple[dt.datetime, str]]] = defaultdict(list)
    for conversation_id, procedure_id, kind, at in events:
        if kind == "submission_started":
            started[procedure_id] += 1
        else:
            cancelled[procedure_id] += 1
        who = senders.get(conversation_id, f"?{conversation_id}")
        timelines[(who, procedure_id)].append((as_utc(at), kind))
    for channel, sender_id, procedure_id, submitted_at in filings:
        filed[procedure_id] += 1
        timelines[(f"{channel}:{sender_id}", procedure_id)].append((as_utc(submitted_at), "filed"))
    unfinished: Counter[str] = Counter()
    for (_, procedure_id), timeline in timelines.items():
        attempt_open = False
        for _, kind in sorted(timeline, key=lambda item: (item[0], item[1] != "submission_started")):
            # Starting again replaces the draft: one attempt at a time per citizen and procedure.
            attempt_open = kind == "submission_started"
        unfinished[procedure_id] += attempt_open
    procedure_ids = sorted(set(started) | set(cancelled) | set(filed),
                           key=lambda p: (-(started[p] + filed[p]), p))
    rows = [{"procedure_id": p, "started": started[p], "filed": filed[p], "cancelled": cancelled[p],
             "unfinished": unfinished[p], "abandoned": cancelled[p] + unfinished[p]} for p in procedure_ids]
    totals = {key: sum(row[key] for row in rows) for key in ("started", "filed", "cancelled", "unfinished",
                                                                "abandoned")}
    return {"total": totals, "procedures": rows}


# ---- 6: payments ---------------------------------------------------------------------------------
def payments(session: Session, period: Period) -> dict[str, Any]:
    """Orders created in the period, by provider and status (amounts in đồng)."""
    counted = session.execute(
        select(PaymentOrder.provider, PaymentOrder.status, func.count(), func.sum(PaymentOrder.amount_vnd))
        .where(*_in(PaymentOrder.created_at, period))
        .group_by(PaymentOrder.provider, PaymentOrder.status)).all()
    refunds = session.scalar(select(func.count()).select_from(PaymentOrder).where(
        PaymentOrder.refund_due.is_(True), *_in(PaymentOrder.created_at, period))) or 0
    rows = sorted(({"provider": provider, "status": status, "count": int(n), "amount_vnd": int(amount or 0)}
                   for provider, status, n, amount in counted), key=lambda r: (r["provider"], r["status"]))
    by_status: dict[str, dict[str, int]] = {}
    for row in rows:
        total = by_status.setdefault(row["status"], {"count": 0, "amount_vnd": 0})
        total["count"] += row["count"]
        total["amount_vnd"] += row["amount_vnd"]
    count = sum(r["count"] for r in rows)
    paid = by_status.get("paid", {"count": 0})["count"]
    return {"count": count, "paid_share": percent(paid, count), "refund_due": int(refunds),
            "by_status": by_status, "rows": rows}


# ---- 7: dossiers finished on time ----------------------------------------------------------------
def on_time(session: Session, period: Period) -> dict[str, Any]:
    """Dossiers whose first «Đã xử lý xong» or «Đã trả kết quả» falls in the period; on time when
    that Vietnam day is on or before ``due_date``. Dossiers without a due date are only counted."""
    first_done = (select(DossierStatusRecord.dossier_id, func.min(DossierStatusRecord.at).label("done_at"))
                  .where(DossierStatusRecord.status.in_(FINISHED))
                  .group_by(DossierStatusRecord.dossier_id)
                  .having(func.min(DossierStatusRecord.at) >= period.start,
                          func.min(DossierStatusRecord.at) < period.end)).subquery()
    rows = session.execute(select(DossierRecord.procedure_id, DossierRecord.due_date, first_done.c.done_at)
                           .join(first_done, first_done.c.dossier_id == DossierRecord.id)).all()
    per_procedure: dict[str, Counter[str]] = defaultdict(Counter)
    for procedure_id, due_date, done_at in rows:
        counts = per_procedure[procedure_id]
        counts["finished"] += 1
        if due_date is None:
            counts["no_due_date"] += 1
        elif vn_day(done_at) <= due_date:
            counts["on_time"] += 1
        else:
            counts["late"] += 1

    def figures(counts: Counter[str]) -> dict[str, Any]:
        return {"finished": counts["finished"], "on_time": counts["on_time"], "late": counts["late"],
                "no_due_date": counts["no_due_date"],
                "share": percent(counts["on_time"], counts["on_time"] + counts["late"])}

    total: Counter[str] = sum(per_procedure.values(), Counter())
    return {**figures(total),
            "procedures": [{"procedure_id": p, **figures(per_procedure[p])}
                           for p in sorted(per_procedure, key=lambda p: (-per_procedure[p]["finished"], p))]}


# ---- 8: satisfaction -----------------------------------------------------------------------------
def _average(scores: list[int]) -> dict[str, Any]:
    return {"count": len(scores), "average": round(sum(scores) / len(scores), 2) if scores else None}


ANSWER_FEEDBACK = "answer"   # 👍/👎 under an answer card: counted apart, never averaged with 1–5 stars


def satisfaction(session: Session, period: Period) -> dict[str, Any]:
    scored = session.execute(select(Rating.created_at, Rating.score, Rating.channel, Rating.team, Rating.subject)
                             .where(*_in(Rating.created_at, period), Rating.score.is_not(None))).all()  # comments alone
    rows = [row for row in scored if row.subject != ANSWER_FEEDBACK]
    thumbs = [row.score for row in scored if row.subject == ANSWER_FEEDBACK]
    days: dict[dt.date, list[int]] = defaultdict(list)
    weeks: dict[dt.date, list[int]] = defaultdict(list)
    channels: dict[str, list[int]] = defaultdict(list)
    teams: dict[str, list[int]] = defaultdict(list)   # "" = rated the bot (no person involved)
    subjects: dict[str, list[int]] = defaultdict(list)
    for created_at, score, channel, team, subject in rows:
        day = vn_day(created_at)
        days[day].append(score)
        weeks[week_of(day)].append(score)
        channels[channel].append(score)
        teams[team or ""].append(score)
        subjects[subject].append(score)
    return {
        **_average([score for _, score, *_ in rows]),
        "distribution": {str(n): sum(1 for _, score, *_ in rows if score == n) for n in range(1, 6)},
        "days": [{"day": d.isoformat(), **_average(days[d])} for d in period.days],
        "weeks": [{"week": w.isoformat(), **_average(weeks[w])} for w in period.weeks],
        "by_channel": {c: _average(channels[c]) for c in _ordered(channels, CHANNEL_ORDER)},
        "by_team": {t: _average(teams[t]) for t in _ordered(teams, ("", *TEAM_ORDER))},
        "by_subject": {s: _average(subjects[s]) for s in sorted(subjects)},
        "answers": {"helpful": sum(1 for s in thumbs if s >= 3), "not_helpful": sum(1 for s in thumbs if s < 3)},
    }


# ---- everything ----------------------------------------------------------------------------------
def figures(sessions: sessionmaker, period: Period, is_procedure: Callable[[str], bool],
            is_faq: Callable[[str], bool]) -> dict[str, Any]:
    """Every figure of the dashboard (JSON-ready: dates are ISO strings, missing ratios None)."""
    with sessions() as session:
        talk = conversations(session, period)
        return {
            "period": {"from": period.first.isoformat(), "to": period.last.isoformat(),
                       "days": len(period.days), "timezone": str(TIMEZONE)},
            **talk,
            "handoffs": handoffs(session, period),
            "top": top_items(session, period, is_procedure, is_faq),
            "submissions": submissions(session, period),
            "payments": payments(session, period),
            "on_time": on_time(session, period),
            "satisfaction": satisfaction(session, period),
        }

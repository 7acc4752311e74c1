"""Times for people: stored in UTC, shown in Vietnam time (Asia/Ho_Chi_Minh, UTC+7).

Every stored ``DateTime(timezone=True)`` is UTC (``bot.conversation.models`` converts an aware time from any
zone before it is written: SQLite keeps the wall-clock digits and drops the zone, which is how a
callback set for 08:00 in Hà Nội came back as 08:00 UTC = 15:00, seven hours late). SQLite hands
times back naive; they are read as UTC. Staff pages, the console, exports and the chat all format
through this module."""

from __future__ import annotations

import datetime as dt
from typing import overload
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
TIME_FORMAT = "%H:%M %d/%m/%Y"
DATE_FORMAT = "%d/%m/%Y"


def as_utc(moment: dt.datetime) -> dt.datetime:
    """An aware UTC time; a naive one is taken as UTC (how SQLite returns stored times)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def in_vietnam(moment: dt.datetime) -> dt.datetime:
    return as_utc(moment).astimezone(VIETNAM)


def vn_time(moment: dt.datetime | None, fmt: str = TIME_FORMAT) -> str:
    """``14:05 06/12/2026`` (Vietnam time); empty for no time."""
    return in_vietnam(moment).strftime(fmt) if moment is not None else ""


def vn_date(day: dt.date | dt.datetime | None, empty: str = "—") -> str:
    if day is None:
        return empty
    if isinstance(day, dt.datetime):
        day = in_vietnam(day).date()
    return day.strftime(DATE_FORMAT)


def vn_iso(moment: dt.datetime | None) -> str | None:
    """ISO 8601 with the +07:00 offset (what the console and the JSON exports carry)."""
    return in_vietnam(moment).isoformat() if moment is not None else None


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@overload
def aware(moment: dt.datetime) -> dt.datetime: ...
@overload
def aware(moment: None) -> None: ...
def aware(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite drops the time zone on the way back; every stored time is UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment

"""Working days of the one-stop centre: weekends, Vietnamese public holidays and làm bù Saturdays.

Due dates follow the one-stop rule: a dossier received after the cut-off hour (15:00 by default)
or on a day off counts as received on the next working day; ``n`` working days are then counted
from the day after that, and 0 days means the same (receiving) day. A fraction of a day is
rounded up, so the promised date is never earlier than the law's time limit.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.core.vntime import VIETNAM

TIMEZONE = VIETNAM   # the centre works on Vietnam time (bot/core/vntime.py)
DEFAULT_HOLIDAYS = Path(__file__).resolve().parent / "holidays.yml"
DEFAULT_CUTOFF = dt.time(15, 0)

log = logging.getLogger(__name__)


def parse_time(text: str) -> dt.time:
    """``"15:00"`` → ``time(15, 0)``."""
    hours, _, minutes = text.strip().partition(":")
    return dt.time(int(hours), int(minutes or 0))


def local(moment: dt.datetime) -> dt.datetime:
    """``moment`` in Vietnam time; a naive datetime is taken as already local."""
    return moment.replace(tzinfo=TIMEZONE) if moment.tzinfo is None else moment.astimezone(TIMEZONE)


@dataclass(frozen=True)
class WorkingCalendar:
    """Days off and làm bù days, plus the daily cut-off for receiving dossiers."""

    annual: frozenset[tuple[int, int]] = frozenset()
    days_off: frozenset[dt.date] = frozenset()
    working_days: frozenset[dt.date] = frozenset()
    cutoff: dt.time = DEFAULT_CUTOFF
    labels: dict[dt.date, str] = field(default_factory=dict, compare=False)

    @classmethod
    def from_yaml(cls, path: Path = DEFAULT_HOLIDAYS, cutoff: dt.time | str = DEFAULT_CUTOFF) -> WorkingCalendar:
        data: dict[str, Any] = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        annual = frozenset(_month_day(key) for key in (data.get("annual") or {}))
        days_off = {_date(key): str(label) for key, label in (data.get("days_off") or {}).items()}
        working = {_date(key): str(label) for key, label in (data.get("working_days") or {}).items()}
        return cls(annual, frozenset(days_off), frozenset(working),
                   parse_time(cutoff) if isinstance(cutoff, str) else cutoff, {**days_off, **working})

    @property
    def last_known_year(self) -> int | None:
        """The last year whose lunar holidays are listed (later due dates may miss Tết)."""
        return max((d.year for d in self.days_off), default=None)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.working_days:
            return True
        if day.weekday() >= 5 or day in self.days_off:
            return False
        return (day.month, day.day) not in self.annual

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        day += dt.timedelta(days=1)
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def receiving_day(self, moment: dt.datetime) -> dt.date:
        """The working day a dossier received at ``moment`` counts from."""
        when = local(moment)
        day = when.date()
        if self.is_working_day(day) and when.time() < self.cutoff:
            return day
        return self.next_working_day(day)

    def add_working_days(self, start: dt.datetime, days: float) -> dt.date:
        """The due date of a dossier received at ``start`` with a time limit of ``days`` working days."""
        if days < 0:
            raise ValueError("days must be >= 0")
        day = self.receiving_day(start)
        for _ in range(math.ceil(days)):
            day = self.next_working_day(day)
        known = self.last_known_year
        if known is not None and day.year > known:
            log.warning("due date %s is past the last year with listed holidays (%s): update holidays.yml",
                        day, known)
        return day


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _month_day(value: Any) -> tuple[int, int]:
    month, _, day = str(value).partition("-")
    return int(month), int(day)


@lru_cache(maxsize=1)
def default_calendar() -> WorkingCalendar:
    """The calendar named by the settings (holidays file and cut-off), read once."""
    from bot.core.config import Settings

    settings = Settings()
    return WorkingCalendar.from_yaml(settings.dossier_holidays_file, settings.dossier_cutoff)


def add_working_days(start: dt.datetime, days: float) -> dt.date:
    """Due date with the default calendar (see ``WorkingCalendar.add_working_days``)."""
    return default_calendar().add_working_days(start, days)


def is_working_day(day: dt.date) -> bool:
    return default_calendar().is_working_day(day)

"""When people answer: opening hours for weekdays, Saturdays and Sundays; on public holidays and
Tết (the holiday calendar) nobody answers, and a working Saturday (làm bù) keeps weekday hours."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.core.calendar import TIMEZONE, WorkingCalendar, default_calendar, parse_time

Span = tuple[dt.time, dt.time]
END_OF_DAY = dt.time.max   # "24:00": open until midnight, so a 24/7 line is "00:00-24:00"
WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


def parse_spans(text: str) -> list[Span]:
    """``07:30-11:30,13:30-17:00`` → spans; ``00:00-24:00`` → the whole day; empty text → closed."""
    spans: list[Span] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        start, _, end = part.partition("-")
        opening = parse_time(start.strip())
        closing = END_OF_DAY if end.strip() == "24:00" else parse_time(end.strip())
        if closing <= opening:
            raise ValueError(f"giờ làm việc không hợp lệ: {part!r}")
        spans.append((opening, closing))
    return spans


@dataclass(frozen=True)
class ServiceHours:
    weekdays: list[Span]
    saturday: list[Span]
    sunday: list[Span]
    calendar: WorkingCalendar | None   # None: holidays are ignored (a 24/7 hotline)

    @classmethod
    def from_settings(cls, weekdays: str, saturday: str, sunday: str = "", follow_holidays: bool = True,
                      calendar: WorkingCalendar | None = None) -> ServiceHours:
        return cls(parse_spans(weekdays), parse_spans(saturday), parse_spans(sunday),
                   (calendar or default_calendar()) if follow_holidays else None)

    def _spans(self, day: dt.date) -> list[Span]:
        regular = (self.weekdays, self.weekdays, self.weekdays, self.weekdays, self.weekdays,
                   self.saturday, self.sunday)[day.weekday()]
        if self.calendar is None:
            return regular
        if day in self.calendar.working_days:
            return self.weekdays   # a working Saturday (làm bù) keeps weekday hours
        if day in self.calendar.days_off or (day.month, day.day) in self.calendar.annual:
            return []              # public holidays and Tết, whatever the weekday
        return regular

    def is_open(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(TIMEZONE)
        return any(start <= local.time() < end for start, end in self._spans(local.date()))

    def next_opening(self, moment: dt.datetime) -> dt.datetime:
        """The next moment people answer (``moment`` itself when open now)."""
        local = moment.astimezone(TIMEZONE)
        for offset in range(0, 60):
            day = local.date() + dt.timedelta(days=offset)
            for start, end in self._spans(day):
                opening = dt.datetime.combine(day, start, TIMEZONE)
                closing = dt.datetime.combine(day, end, TIMEZONE)
                if closing > local:
                    return max(opening, local)
        return local + dt.timedelta(days=1)   # no hours configured at all

    @staticmethod
    def describe(moment: dt.datetime) -> str:
        """``07:30 thứ Hai, 30/11`` for citizens."""
        local = moment.astimezone(TIMEZONE)
        return f"{local:%H:%M} {WEEKDAYS[local.weekday()]}, {local:%d/%m}"

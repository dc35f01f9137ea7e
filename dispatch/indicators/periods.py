"""Periods of the evaluation: whole days in Asia/Shanghai, and the period each one is compared with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.dates import DateError, parse_day

MAX_PERIOD_DAYS = 731


class PeriodError(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time(0)), timezone.get_current_timezone())

    @property
    def end(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.last + timedelta(days=1), time(0)), timezone.get_current_timezone())

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> "Period":
        """The period to compare with ("last period"): whole months → the same number of whole
        months just before (March → February, a quarter → the quarter before); anything else —
        the default month to date included — → the same number of days just before (1–3 December
        → 28–30 November), so that the comparison always has as many days behind it."""
        if self.first.day == 1 and (self.last + timedelta(days=1)).day == 1:
            months = (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1
            year, month = self.first.year, self.first.month - months
            while month < 1:
                month += 12
                year -= 1
            return Period(date(year, month, 1), self.first - timedelta(days=1))
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def as_dict(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def parse_period(raw_from: str | None, raw_to: str | None, *, today: date | None = None) -> Period:
    """From/to as YYYY-MM-DD; by default this month up to today. Errors name the parameter."""
    today = today or timezone.localdate()
    values: dict[str, date | None] = {}
    for name, raw in (("from", raw_from), ("to", raw_to)):
        if raw in (None, ""):
            values[name] = None
            continue
        try:
            # Within the product's years: the period before year 1, or its start in Asia/Shanghai, overflows.
            values[name] = parse_day(raw, name)
        except DateError as exc:
            raise PeriodError(exc.message, name)
    last = values["to"] or today
    first = values["from"] or last.replace(day=1)
    if first > last:
        raise PeriodError(_("The period starts after it ends."), "from")
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise PeriodError(_("A period may be at most %(days)d days long.") % {"days": MAX_PERIOD_DAYS}, "to")
    return Period(first, last)

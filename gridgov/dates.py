"""Dates typed into addresses and forms: parsed once, within the years the product can mean.

``9999-99-99`` is well formed but no date (Django's parsers raise ValueError, a 500 where it was not
caught); ``0001-01-01`` is a date, but a day before it, or its start in Asia/Shanghai, is not
(OverflowError). Every date a caller gives goes through ``parse_day`` / ``check_day``, and every
date-time through ``parse_moment`` / ``check_moment``, which refuse both with a message naming the
parameter. (A date-time of year 1 in Asia/Shanghai is a Python value whose UTC form PostgreSQL
cannot hold: it failed as a 500 when the database was asked to store or compare it.)
"""
from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


class DateError(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


def check_day(day: date, field: str) -> date:
    if not EARLIEST <= day <= LATEST:
        raise DateError(
            _("%(field)s must lie between %(earliest)s and %(latest)s.")
            % {"field": field, "earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
            field,
        )
    return day


def parse_day(raw: str, field: str) -> date:
    """A YYYY-MM-DD date within the product's years, or DateError naming ``field``."""
    try:
        day = date.fromisoformat(str(raw).strip())
    except ValueError:
        raise DateError(_("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": raw}, field)
    return check_day(day, field)


def check_moment(moment: datetime, field: str) -> datetime:
    """An aware date-time (a naive one is in the current time zone) within the product's years."""
    check_day(moment.date(), field)  # on its own clock first: converting year 1 or 9999 may overflow
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def parse_moment(raw: str, field: str, *, day_ends_at: time = time(23, 59, 59)) -> datetime:
    """An ISO date-time, or a date (meaning ``day_ends_at`` on that day), within the product's
    years, aware; DateError naming ``field`` otherwise."""
    text = str(raw).strip()
    try:
        moment = parse_datetime(text.replace(" ", "T")) if ("T" in text or " " in text) else None
        day = None if moment is not None else parse_date(text)
    except ValueError:  # well formed, but no such date or time (2026-13-45, 25:99)
        moment = day = None
    if moment is None and day is None:
        raise DateError(_("“%(value)s” is not a date and time; write it as 2025-03-01T17:30.") % {"value": text}, field)
    if moment is None:
        moment = datetime.combine(check_day(day, field), day_ends_at)
    return check_moment(moment, field)

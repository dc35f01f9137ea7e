"""Deadlines on three clocks and the working calendar (DESIGN.md §3), and the traffic light.

- urgent hours run continuously;
- working hours count office time only (``GRIDGOV_OFFICE_HOURS``, default 9:00–12:00 and
  13:30–17:30) on working days;
- working days: the deadline is the close of office on the N-th working day *after* the day
  the clock starts (the day of receipt does not count, as in most city rules).

A working day is Monday–Friday unless the ``WorkingCalendar`` table says otherwise (public
holidays, make-up working days 调休). The table is seeded from ``chinese-calendar`` for the years
that package knows; for later years administrators fill it in, and until they do the weekday
rule applies — a date outside the package's range never raises.
"""
from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Iterable

from django.conf import settings
from django.db.models import Case, CharField, DateTimeField, ExpressionWrapper, F, QuerySet, Value, When
from django.utils import timezone

from .models import Clock, OPEN_STATUSES, Urgency

_CACHE_SECONDS = 60
_year_cache: dict[int, tuple[float, dict[date, bool]]] = {}
_limit_cache: tuple[float, dict] | None = None
_category_cache: tuple[float, dict] | None = None


def office_hours() -> list[tuple[time, time]]:
    raw = getattr(settings, "GRIDGOV_OFFICE_HOURS", (("09:00", "12:00"), ("13:30", "17:30")))
    return [(time.fromisoformat(start), time.fromisoformat(end)) for start, end in raw]


def yellow_share() -> float:
    """Share of the allowed time after which a case shows yellow (default 75 %)."""
    return float(getattr(settings, "GRIDGOV_LIGHT_YELLOW_SHARE", 0.75))


def clear_cache() -> None:
    """Forget cached reference data — calendar rows, time limits, categories — (called when an
    administrator changes them; other processes notice within a minute)."""
    global _limit_cache, _category_cache
    _year_cache.clear()
    _limit_cache = None
    _category_cache = None


def categories() -> dict[str, object]:
    """Every category by code and by id (str(id)), with its major class loaded; cached for a minute,
    because filing a report looks its class up on every request."""
    global _category_cache
    if _category_cache and _time.monotonic() - _category_cache[0] < _CACHE_SECONDS:
        return _category_cache[1]
    from .models import Category

    table: dict[str, object] = {}
    for category in Category.objects.select_related("parent"):
        table[category.code] = category
        table[str(category.pk)] = category
    _category_cache = (_time.monotonic(), table)
    return table


def _exceptions(year: int) -> dict[date, bool]:
    cached = _year_cache.get(year)
    if cached and _time.monotonic() - cached[0] < _CACHE_SECONDS:
        return cached[1]
    from .models import WorkingCalendar

    rows = dict(WorkingCalendar.objects.filter(date__year=year).values_list("date", "is_workday"))
    _year_cache[year] = (_time.monotonic(), rows)
    return rows


def is_workday(day: date) -> bool:
    exception = _exceptions(day.year).get(day)
    if exception is not None:
        return exception
    return day.weekday() < 5


# A calendar that marks every day a holiday must not hang the server: give up after ten years.
_MAX_DAYS = 3660


def add_working_hours(start: datetime, hours: float) -> datetime:
    zone = timezone.get_current_timezone()
    cursor = timezone.localtime(start, zone)
    remaining = timedelta(hours=hours)
    day = cursor.date()
    for _ in range(_MAX_DAYS):
        if is_workday(day):
            for opens, closes in office_hours():
                open_at = timezone.make_aware(datetime.combine(day, opens), zone)
                close_at = timezone.make_aware(datetime.combine(day, closes), zone)
                begin = max(open_at, cursor)
                if begin >= close_at:
                    continue
                available = close_at - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += timedelta(days=1)
        cursor = timezone.make_aware(datetime.combine(day, time(0)), zone)
    raise ValueError("The working calendar has no working time in the next ten years.")


def add_working_days(start: datetime, days: float) -> datetime:
    zone = timezone.get_current_timezone()
    day = timezone.localtime(start, zone).date()
    wanted = max(1, math.ceil(days))
    counted = 0
    for _ in range(_MAX_DAYS):
        day += timedelta(days=1)
        if is_workday(day):
            counted += 1
            if counted == wanted:
                return timezone.make_aware(datetime.combine(day, office_hours()[-1][1]), zone)
    raise ValueError("The working calendar has no working day in the next ten years.")


def add_time(start: datetime, clock: str, amount: float | Decimal) -> datetime:
    amount = float(amount)
    if clock == Clock.URGENT_HOURS:
        return start + timedelta(hours=amount)
    if clock == Clock.WORKING_HOURS:
        return add_working_hours(start, amount)
    if clock == Clock.WORKING_DAYS:
        return add_working_days(start, amount)
    raise ValueError(f"Unknown clock {clock!r}")


# --- time limits -------------------------------------------------------------------------

@dataclass(frozen=True)
class Limit:
    clock: str
    amount: Decimal


# When no row applies at all (an administrator deleted the defaults), a case still gets a deadline.
FALLBACK_LIMIT = Limit(Clock.WORKING_DAYS, Decimal("1"))


def _limits() -> tuple[dict, dict]:
    """({(category id|None, level, condition): Limit}, {category id: parent id})."""
    global _limit_cache
    if _limit_cache and _time.monotonic() - _limit_cache[0] < _CACHE_SECONDS:
        return _limit_cache[1]
    from .models import Category, TimeLimit

    table = {
        (row.category_id, row.level, row.condition): Limit(row.clock, row.amount) for row in TimeLimit.objects.all()
    }
    parents = dict(Category.objects.values_list("id", "parent_id"))
    _limit_cache = (_time.monotonic(), (table, parents))
    return table, parents


def limit_for(category_id: int, level: str, urgency: str) -> Limit:
    """The most specific limit: minor class, then major class, then the level's default; an urgent
    case with no urgent row falls back to the normal rows."""
    table, parents = _limits()
    conditions = [urgency] if urgency == Urgency.NORMAL else [urgency, Urgency.NORMAL]
    for condition in conditions:
        for key in (category_id, parents.get(category_id), None):
            found = table.get((key, level, condition))
            if found is not None:
                return found
    return FALLBACK_LIMIT


def deadline_for(category_id: int, level: str, urgency: str, start: datetime) -> datetime:
    limit = limit_for(category_id, level, urgency)
    return add_time(start, limit.clock, limit.amount)


def deadline_table(category_ids: Iterable[int], levels: Iterable[str], start: datetime) -> list[tuple[int, str, str, datetime]]:
    """Every (category, level, urgency) → deadline from ``start``: what a set-based sweep joins on."""
    rows = []
    for category_id in category_ids:
        for level in levels:
            for urgency in Urgency.values:
                rows.append((category_id, level, urgency, deadline_for(category_id, level, urgency, start)))
    return rows


# --- the traffic light ---------------------------------------------------------------------

GREEN, YELLOW, RED = "green", "yellow", "red"


def light(*, status: str, deadline: datetime | None, started: datetime | None, now: datetime | None = None) -> str | None:
    """green / yellow (most of the time used) / red (overdue); None for a case nobody must act on.

    The share used is measured on the wall clock, so that lists can compute it in SQL."""
    if status not in OPEN_STATUSES or deadline is None:
        return None
    now = now or timezone.now()
    if now > deadline:
        return RED
    if started is not None and deadline > started and (now - started) >= (deadline - started) * yellow_share():
        return YELLOW
    return GREEN


def annotate_light(queryset: QuerySet, now: datetime | None = None) -> QuerySet:
    """Adds ``light`` to every row, computed in the database so that lists can filter and sort on it."""
    now = now or timezone.now()
    yellow_at = ExpressionWrapper(
        F("deadline_started_at") + (F("deadline") - F("deadline_started_at")) * Value(yellow_share()),
        output_field=DateTimeField(),
    )
    return queryset.annotate(
        light=Case(
            When(~_open_q(), then=Value("")),
            When(deadline__lt=now, then=Value(RED)),
            When(_yellow_q(yellow_at, now), then=Value(YELLOW)),
            default=Value(GREEN),
            output_field=CharField(),
        )
    )


def _open_q():
    from django.db.models import Q

    return Q(status__in=OPEN_STATUSES)


def _yellow_q(yellow_at, now):
    from django.db.models import Q
    from django.db.models.lookups import LessThanOrEqual

    return Q(LessThanOrEqual(yellow_at, Value(now, output_field=DateTimeField())))

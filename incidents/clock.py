"""Deadlines on three clocks and the working calendar, and the traffic light
(docs/domain/cases.md#the-three-clocks).

- urgent hours run continuously;
- working hours count office time only (``GRIDGOV_OFFICE_HOURS``, default 9:00–12:00 and
  13:30–17:30) on working days;
- working days: the deadline is the close of office on the N-th working day *after* the day
  the clock starts (the day of receipt does not count, as in most city rules).

A working day is Monday–Friday unless the ``WorkingCalendar`` table says otherwise (public
holidays, make-up working days 调休). The table is seeded from ``chinese-calendar`` for the years
that package knows; for later years administrators fill it in, and until they do the weekday
rule applies — a date outside the package's range never raises.

Every deadline is stored with ``warn_at``, the moment its light turns yellow, measured on the same
clock (``due_for`` / ``due_by`` return both); see ``light``.
"""
from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Iterable, NamedTuple

from django.conf import settings
from django.db.models import Case, CharField, DateTimeField, ExpressionWrapper, F, QuerySet, Value, When
from django.db.models.functions import Coalesce
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


def working_hours_between(start: datetime, end: datetime) -> float:
    """Office time (hours) on working days between two moments; 0 when ``end`` is not later."""
    zone = timezone.get_current_timezone()
    begin = timezone.localtime(start, zone)
    end = timezone.localtime(end, zone)
    total = timedelta()
    day = begin.date()
    while day <= end.date():
        if is_workday(day):
            for opens, closes in office_hours():
                open_at = max(timezone.make_aware(datetime.combine(day, opens), zone), begin)
                close_at = min(timezone.make_aware(datetime.combine(day, closes), zone), end)
                if close_at > open_at:
                    total += close_at - open_at
        day += timedelta(days=1)
    return total.total_seconds() / 3600


def _office_day_hours() -> float:
    return sum(
        (datetime.combine(date.min, closes) - datetime.combine(date.min, opens)).total_seconds() / 3600
        for opens, closes in office_hours()
    )


def _next_midnight(start: datetime) -> datetime:
    zone = timezone.get_current_timezone()
    day = timezone.localtime(start, zone).date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(0)), zone)


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


class Due(NamedTuple):
    """A deadline and the moment its light turns yellow, always computed together."""

    deadline: datetime
    warn_at: datetime


def warn_after(start: datetime, clock: str, amount: float | Decimal) -> datetime:
    """When ``yellow_share()`` of a limit of ``amount`` on ``clock`` started at ``start`` is used,
    measured on the limit's own clock:

    - urgent hours: that share of the hours, continuously;
    - working hours: that share of the hours, in office time (``add_working_hours``);
    - working days: that share of the working days, in office time, counted from the day after
      receipt (which does not count): 0.75 × 3 days of 7 office hours = 15.75 office hours from
      the next opening.
    """
    share = yellow_share()
    amount = float(amount)
    if clock == Clock.URGENT_HOURS:
        return start + timedelta(hours=amount * share)
    if clock == Clock.WORKING_HOURS:
        return add_working_hours(start, amount * share)
    if clock == Clock.WORKING_DAYS:
        days = max(1, math.ceil(amount))
        return add_working_hours(_next_midnight(start), days * _office_day_hours() * share)
    raise ValueError(f"Unknown clock {clock!r}")


def due_after(start: datetime, clock: str, amount: float | Decimal) -> Due:
    """The deadline of a limit of ``amount`` on ``clock`` from ``start``, and when it turns yellow."""
    return Due(add_time(start, clock, amount), warn_after(start, clock, amount))


def due_by(start: datetime, deadline: datetime, clock: str) -> Due:
    """A deadline somebody chose (a dispatch, an approved extension), with the moment it turns
    yellow: ``yellow_share()`` of the time from ``start`` to ``deadline`` on ``clock`` — office time
    for the working clocks (for working days from the day after receipt, when the deadline lies
    beyond it). Without any office time in between, the wall clock's share."""
    # Beyond ten years (a typed-in far date) the calendar is not walked: the wall clock's share.
    if clock in (Clock.WORKING_HOURS, Clock.WORKING_DAYS) and deadline - start < timedelta(days=_MAX_DAYS):
        begin = start
        if clock == Clock.WORKING_DAYS and _next_midnight(start) < deadline:
            begin = _next_midnight(start)
        hours = working_hours_between(begin, deadline)
        if hours > 0:
            return Due(deadline, min(add_working_hours(begin, hours * yellow_share()), deadline))
    if deadline <= start:
        return Due(deadline, deadline)
    return Due(deadline, start + (deadline - start) * yellow_share())


def due_for(category_id: int, level: str, urgency: str, start: datetime) -> Due:
    """The (deadline, warn_at) of a case at ``level`` whose clock starts at ``start``. Every write
    of a deadline uses this (or ``due_by`` for a chosen deadline), so ``warn_at`` always fits it."""
    limit = limit_for(category_id, level, urgency)
    return due_after(start, limit.clock, limit.amount)


def deadline_for(category_id: int, level: str, urgency: str, start: datetime) -> datetime:
    """The deadline alone, for showing (a form's default); writes use ``due_for``."""
    return due_for(category_id, level, urgency, start).deadline


def deadline_table(category_ids: Iterable[int], levels: Iterable[str], start: datetime) -> list[tuple[int, str, str, Due]]:
    """Every (category, level, urgency) → (deadline, warn_at) from ``start``: what a set-based
    sweep looks up."""
    rows = []
    for category_id in category_ids:
        for level in levels:
            for urgency in Urgency.values:
                rows.append((category_id, level, urgency, due_for(category_id, level, urgency, start)))
    return rows


# --- the traffic light ---------------------------------------------------------------------

GREEN, YELLOW, RED = "green", "yellow", "red"


def light(
    *,
    status: str,
    deadline: datetime | None,
    started: datetime | None,
    warn_at: datetime | None = None,
    now: datetime | None = None,
    running: bool | None = None,
) -> str | None:
    """green / yellow / red for an open case (or a department's share); None for a case nobody
    must act on.

    - red: ``now`` is past the deadline;
    - yellow: ``now`` has reached ``warn_at``, the moment ``yellow_share()`` (75 % by default) of
      the limit is used *on the limit's own clock* — for a working-hours limit filed on Friday
      afternoon the weekend does not count, so it stays green until most of the office time is
      gone (``warn_after``, ``due_by``);
    - green otherwise.

    Rows written before ``warn_at`` existed (it is NULL) fall back to the wall-clock share between
    ``started`` and ``deadline``. ``annotate_light`` and the console's filters compute the same in SQL.

    ``running`` says whether the clock runs for a record that is not a case (a need): then
    ``status`` is not looked up among the cases' open statuses.
    """
    if running is None:
        running = status in OPEN_STATUSES
    if not running or deadline is None:
        return None
    now = now or timezone.now()
    if now > deadline:
        return RED
    if warn_at is not None:
        return YELLOW if now >= warn_at else GREEN
    if started is not None and deadline > started and (now - started) >= (deadline - started) * yellow_share():
        return YELLOW
    return GREEN


def yellow_at_expression(deadline: str = "deadline", started: str = "deadline_started_at", warn_at: str = "warn_at"):
    """SQL: the stored ``warn_at``, or for rows without one the wall-clock share of the limit."""
    return Coalesce(
        F(warn_at),
        ExpressionWrapper(F(started) + (F(deadline) - F(started)) * Value(yellow_share()), output_field=DateTimeField()),
        output_field=DateTimeField(),
    )


def annotate_light(queryset: QuerySet, now: datetime | None = None) -> QuerySet:
    """Adds ``light`` to every row, computed in the database so that lists can filter and sort on it."""
    now = now or timezone.now()
    return queryset.annotate(
        light=Case(
            When(~_open_q(), then=Value("")),
            When(deadline__lt=now, then=Value(RED)),
            When(_yellow_q(yellow_at_expression(), now), then=Value(YELLOW)),
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

"""Evaluation (考核): the indicators of DESIGN.md §4 for areas, grid workers, categories and departments.

All counts are computed in the database, set-based: one scan of the period's cases aggregated
with ``FILTER`` per filed area, rolled up by code into the area, its street offices, communities
and cells; one more scan per grouping by grid worker, category or day when a dashboard asks.
Pages and the API read them through ``cached_*``: an answer is kept for the rest of the minute
(pages and the API say when it was computed).

Definitions (a *period* is whole days in Asia/Shanghai; "cut" is the end of the period, or now if
the period has not ended yet):

==================  ==========================================================================
accepted (受理)      cases reported in the period (every source)
registered (立案)    of those, cases taken on: not still awaiting registration, not rejected, not
                    a duplicate (a case a grid worker settled at once counts as registered)
due (应结案)         registered cases whose deadline passed by the cut, or closed by the cut;
                    cases on hold (缓办) leave it when the setting says so
closed (结案)        registered cases closed by the cut
closed on time      closed at or before their deadline (the deadline of the level that held the
                    case last, with approved extensions)
handled             cases reported handled at least once so far (handled, verified, closed, in
                    rework, or ever reworked), whenever that happened
reworked (返工)      cases sent back for rework at least once so far
dispatched          department shares of these cases (a case sent to two departments is two)
returned (退回)      shares the department returned
grid-level          closed cases settled inside the grid (by the grid worker or at grid level)
avg handling time   mean hours from report to closing, over closed cases
==================  ==========================================================================

Rates: filing = registered ÷ accepted; closure = closed ÷ due; on-time closure = closed on time ÷
due; rework = reworked ÷ handled; return = returned ÷ dispatched; grid-level resolution =
grid-level ÷ closed. A rate with a zero denominator is None (shown as "—"), never 0 or 100 %.

Departments are evaluated on their shares dispatched in the period: accepted = shares received,
due/closed as above on the share's case, closed on time = the department's (last) report of the
work came by its own deadline (extensions included), handled = shares reported handled, reworked =
shares whose case was sent back for rework after the department reported, average handling time =
hours from dispatch to the department's report. Departments do not register cases (filing rate
None).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Iterable

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from accounts.models import Department, Role, User
from grids.models import Area, Level
from incidents.models import Category

from .models import IndicatorSettings

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
        """The period to compare with ("against last month"): whole months → the same number of
        whole months before; a month to date (1st to the 15th) → the same days of the month
        before; anything else → the same number of days just before."""
        import calendar

        if self.first.day == 1 and (self.last + timedelta(days=1)).day == 1:
            months = (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1
            year, month = self.first.year, self.first.month - months
            while month < 1:
                month += 12
                year -= 1
            return Period(date(year, month, 1), self.first - timedelta(days=1))
        if self.first.day == 1 and self.first.year == self.last.year and self.first.month == self.last.month:
            year, month = (self.first.year, self.first.month - 1) if self.first.month > 1 else (self.first.year - 1, 12)
            last_day = min(self.last.day, calendar.monthrange(year, month)[1])
            return Period(date(year, month, 1), date(year, month, last_day))
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
            values[name] = date.fromisoformat(str(raw).strip())
        except ValueError:
            raise PeriodError(_("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": raw}, name)
    last = values["to"] or today
    first = values["from"] or last.replace(day=1)
    if first > last:
        raise PeriodError(_("The period starts after it ends."), "from")
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise PeriodError(_("A period may be at most %(days)d days long.") % {"days": MAX_PERIOD_DAYS}, "to")
    return Period(first, last)


# --- results ----------------------------------------------------------------------------------------


def rate(numerator: int | None, denominator: int | None) -> float | None:
    if not denominator or numerator is None:
        return None
    return round(float(numerator) / float(denominator), 4)


COUNTS = (
    "accepted",
    "registered",
    "due",
    "closed",
    "closed_on_time",
    "handled",
    "reworked",
    "dispatched",
    "returned",
    "deferred",
    "grid_resolved",
)
RATES = ("filing_rate", "closure_rate", "on_time_rate", "rework_rate", "return_rate", "grid_resolution_rate")

LABELS = {
    "accepted": pgettext_lazy("indicator", "Accepted"),
    "registered": pgettext_lazy("indicator", "Registered"),
    "due": pgettext_lazy("indicator", "Due to close"),
    "closed": pgettext_lazy("indicator", "Closed"),
    "closed_on_time": pgettext_lazy("indicator", "Closed on time"),
    "handled": pgettext_lazy("indicator", "Handled"),
    "reworked": pgettext_lazy("indicator", "Reworked"),
    "dispatched": pgettext_lazy("indicator", "Dispatched"),
    "returned": pgettext_lazy("indicator", "Returned"),
    "deferred": pgettext_lazy("indicator", "On hold"),
    "grid_resolved": pgettext_lazy("indicator", "Settled in the grid"),
    "avg_handling_hours": pgettext_lazy("indicator", "Average handling time (h)"),
    "filing_rate": pgettext_lazy("indicator", "Filing rate"),
    "closure_rate": pgettext_lazy("indicator", "Closure rate"),
    "on_time_rate": pgettext_lazy("indicator", "On-time closure rate"),
    "rework_rate": pgettext_lazy("indicator", "Rework rate"),
    "return_rate": pgettext_lazy("indicator", "Return rate"),
    "grid_resolution_rate": pgettext_lazy("indicator", "Grid-level resolution"),
}


@dataclass
class Row:
    key: str
    name: str
    accepted: int = 0
    registered: int | None = 0
    due: int = 0
    closed: int = 0
    closed_on_time: int = 0
    handled: int = 0
    reworked: int = 0
    dispatched: int = 0
    returned: int = 0
    deferred: int = 0
    grid_resolved: int | None = 0
    avg_handling_hours: float | None = None
    filing_rate: float | None = field(default=None)
    closure_rate: float | None = field(default=None)
    on_time_rate: float | None = field(default=None)
    rework_rate: float | None = field(default=None)
    return_rate: float | None = field(default=None)
    grid_resolution_rate: float | None = field(default=None)

    def finish(self) -> "Row":
        self.filing_rate = rate(self.registered, self.accepted) if self.registered is not None else None
        self.closure_rate = rate(self.closed, self.due)
        self.on_time_rate = rate(self.closed_on_time, self.due)
        self.rework_rate = rate(self.reworked, self.handled)
        self.return_rate = rate(self.returned, self.dispatched)
        self.grid_resolution_rate = rate(self.grid_resolved, self.closed) if self.grid_resolved is not None else None
        if self.avg_handling_hours is not None:
            self.avg_handling_hours = round(float(self.avg_handling_hours), 2)
        return self

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- the statements ---------------------------------------------------------------------------------
#
# Two statements instead of one big join, because at a million cases the joins cost more than the
# counting:
#
# 1. the cases: one scan of the period (a parallel scan, or an index-only scan of the narrow
#    covering index dispatch_incident_period_idx), with the few reworked cases (a partial index of
#    the timeline) hashed beside it, counted per filed area — a plain GROUP BY, which PostgreSQL
#    runs in parallel — or per grid worker / category / day;
# 2. the department shares, which carry a copy of their case's filed area and reporting time
#    (both fixed for the life of a case), so they need no join at all for an area.
#
# The per-area rows (a few thousand) are rolled up into the area, its street offices,
# communities and cells in Python, by code prefix (DESIGN.md §2).

# Inner step: count per (subject, status, reworked) with a few cheap comparisons of timestamps per
# case and no string comparison; outer step: turn those few thousand rows into the indicators by
# status. The per-case work is what costs at a million cases, so it is kept to the minimum.
_MAIN_SQL = """
SELECT {outer_select},
    sum(n)::int AS accepted,
    COALESCE(sum(n) FILTER (WHERE status <> ALL(%(unregistered)s)), 0)::int AS registered,
    COALESCE(sum(n_due) FILTER (WHERE status = ANY(%(due_statuses)s)), 0)::int AS due,
    COALESCE(sum(n_closed) FILTER (WHERE status = 'closed'), 0)::int AS closed,
    COALESCE(sum(n_on_time) FILTER (WHERE status = 'closed'), 0)::int AS closed_on_time,
    COALESCE(sum(n) FILTER (WHERE status <> ALL(%(unregistered)s)
        AND (status IN ('handled', 'verified', 'rework', 'closed') OR reworked)), 0)::int AS handled,
    COALESCE(sum(n) FILTER (WHERE status <> ALL(%(unregistered)s) AND reworked), 0)::int AS reworked,
    COALESCE(sum(n) FILTER (WHERE status = 'deferred'), 0)::int AS deferred,
    COALESCE(sum(n_grid) FILTER (WHERE status = 'closed'), 0)::int AS grid_resolved,
    sum(seconds) FILTER (WHERE status = 'closed') / 3600.0 AS hours
FROM (
    SELECT {select}, i.status, r.incident_id IS NOT NULL AS reworked,
        count(*) AS n,
        count(*) FILTER (WHERE i.deadline <= %(cut)s OR i.closed_at <= %(cut)s) AS n_due,
        count(*) FILTER (WHERE i.closed_at <= %(cut)s) AS n_closed,
        count(*) FILTER (WHERE i.closed_at <= %(cut)s AND i.closed_at <= i.deadline) AS n_on_time,
        count(*) FILTER (WHERE i.closed_at <= %(cut)s AND (i.resolved_at_grid OR i.level = 'grid')) AS n_grid,
        sum(date_part('epoch', i.closed_at - i.created_at)) FILTER (WHERE i.closed_at <= %(cut)s) AS seconds
    FROM incidents_incident i
    LEFT JOIN (
        SELECT DISTINCT incident_id FROM incidents_timelineentry WHERE action = 'rework' AND at >= %(start)s
    ) r ON r.incident_id = i.id
    WHERE i.created_at >= %(start)s AND i.created_at < %(end)s {area_filter}
    GROUP BY {group}
) s
GROUP BY {outer_group}
"""

_AREA_SHARES_SQL = """
SELECT 0 AS g, a.filed_area_id AS k0, count(*) AS dispatched, count(*) FILTER (WHERE a.status = 'returned') AS returned
FROM dispatch_assignment a
WHERE a.incident_created_at >= %(start)s AND a.incident_created_at < %(end)s AND a.status <> 'cancelled' {share_filter}
GROUP BY a.filed_area_id
"""


_DEPARTMENT_SQL = """
WITH shares AS MATERIALIZED (
    SELECT a.id, a.incident_id, a.department_id, a.status, a.deadline, a.dispatched_at, a.first_handled_at, a.handled_at,
        a.incident_created_at
    FROM dispatch_assignment a JOIN grids_area ar ON ar.id = a.filed_area_id
    WHERE a.dispatched_at >= %(start)s AND a.dispatched_at < %(end)s AND a.status <> 'cancelled'
        AND ar.code LIKE %(prefix)s {department_filter}
)
SELECT department_id,
    count(*) AS accepted,
    count(*) FILTER (WHERE due) AS due,
    count(*) FILTER (WHERE closed) AS closed,
    count(*) FILTER (WHERE closed AND handled_at <= deadline) AS closed_on_time,
    count(*) FILTER (WHERE first_handled_at IS NOT NULL AND first_handled_at <= %(cut)s) AS handled,
    count(*) FILTER (WHERE reworked) AS reworked,
    count(*) AS dispatched,
    count(*) FILTER (WHERE status = 'returned') AS returned,
    count(*) FILTER (WHERE case_status = 'deferred') AS deferred,
    avg(extract(epoch FROM handled_at - dispatched_at) / 3600.0) FILTER (WHERE handled_at IS NOT NULL AND handled_at <= %(cut)s)
        AS avg_handling_hours
FROM (
    SELECT s.*,
        s.status <> 'returned' AND NOT (%(exclude_deferred)s AND s.case_status = 'deferred')
            AND (s.deadline <= %(cut)s OR (s.case_status = 'closed' AND s.case_closed_at <= %(cut)s)) AS due,
        s.status <> 'returned' AND s.case_status = 'closed' AND s.case_closed_at <= %(cut)s AS closed
    FROM (
        SELECT sh.*, i.status AS case_status, i.closed_at AS case_closed_at,
            COALESCE(rw.last_at > sh.first_handled_at, false) AS reworked
        FROM shares sh
        JOIN incidents_incident i ON i.id = sh.incident_id
            AND i.created_at >= (SELECT min(incident_created_at) FROM shares)
        LEFT JOIN (
            SELECT incident_id, max(at) AS last_at FROM incidents_timelineentry
            WHERE action = 'rework' AND at >= %(start)s GROUP BY incident_id
        ) rw ON rw.incident_id = sh.incident_id
    ) s
) x
GROUP BY department_id
"""

_DEPARTMENT_COLUMNS = [
    "accepted",
    "due",
    "closed",
    "closed_on_time",
    "handled",
    "reworked",
    "dispatched",
    "returned",
    "deferred",
    "avg_handling_hours",
]

# Groupings of the cases other than by area: name → SQL key.
_OTHER_KEYS = {"worker": "i.reporter_id", "category": "i.category_id", "day": "(i.created_at AT TIME ZONE %(zone)s)::date"}
AREA_GROUPS = ("street", "community", "cell")
OTHER_GROUPS = tuple(_OTHER_KEYS)
UNREGISTERED = ["reported", "rejected", "duplicate"]


def _prefix(code: str) -> str:
    # Codes are digits only (a check constraint says so), so no LIKE wildcard can sneak in.
    return f"{code}%"


def _params(area_code: str, period: Period, exclude_deferred: bool, now: datetime | None) -> dict[str, Any]:
    from incidents.models import Status

    now = now or timezone.now()
    excluded = set(UNREGISTERED) | ({Status.DEFERRED.value} if exclude_deferred else set())
    return {
        "start": period.start,
        "end": period.end,
        "cut": min(period.end, now),
        "prefix": _prefix(area_code),
        "exclude_deferred": exclude_deferred,
        "zone": str(timezone.get_current_timezone()),
        "unregistered": UNREGISTERED,
        "due_statuses": sorted(set(Status.values) - excluded),
    }


def _tune(cursor) -> None:
    # The statements are short scans: compiling them (JIT) costs more than it saves, and the
    # per-case hash tables should stay in memory.
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SET LOCAL work_mem = '32MB'")


def _main_sql(key: str, area_filter: str) -> str:
    """The counting statement grouped by one key: a plain GROUP BY, which PostgreSQL runs in parallel."""
    return _MAIN_SQL.format(
        select=f"0 AS g, {key} AS k0",
        group=f"{key}, i.status, (r.incident_id IS NOT NULL)",
        outer_select="g, k0",
        outer_group="g, k0",
        area_filter=area_filter,
    )


def _fetch(cursor, sql: str, params: dict) -> tuple[list[str], list[tuple]]:
    cursor.execute(sql, params)
    return [column.name for column in cursor.description], cursor.fetchall()


def _by_key(names: list[str], rows: list[tuple], width: int) -> dict[tuple[int, Any], dict[str, Any]]:
    """Rows of a grouped statement as {(index of the grouping, key): {column: value}}."""
    found = {}
    for row in rows:
        bits = row[0]
        for index in range(width):
            if width == 1 or not bits & (1 << (width - 1 - index)):
                found[(index, row[1 + index])] = dict(zip(names[1 + width :], row[1 + width :]))
                break
    return found


class _Sum:
    """Counts being added up for one subject (the hours are summed, and averaged at the end)."""

    FIELDS = (
        "accepted",
        "registered",
        "due",
        "closed",
        "closed_on_time",
        "handled",
        "reworked",
        "dispatched",
        "returned",
        "deferred",
        "grid_resolved",
    )
    MAIN = ("accepted", "registered", "due", "closed", "closed_on_time", "handled", "reworked", "deferred", "grid_resolved")

    def __init__(self) -> None:
        self.values = dict.fromkeys(self.FIELDS, 0)
        self.hours = 0.0

    def add(self, main: dict | None, shares: dict | None) -> None:
        if main:
            for name in self.MAIN:
                self.values[name] += int(main[name] or 0)
            self.hours += float(main["hours"] or 0)
        if shares:
            self.values["dispatched"] += int(shares["dispatched"] or 0)
            self.values["returned"] += int(shares["returned"] or 0)

    def row(self, key: str, name: str = "") -> Row:
        closed = self.values["closed"]
        return Row(key=key, name=name, **self.values, avg_handling_hours=(self.hours / closed) if closed else None)


@dataclass
class AreaResult:
    total: Row
    groups: dict[str, list[Row]]
    computed_at: datetime = field(default_factory=timezone.now)


def area_indicators(
    area_code: str,
    period: Period,
    *,
    groups: Iterable[str] = (),
    exclude_deferred: bool | None = None,
    now: datetime | None = None,
) -> AreaResult:
    """Indicators of the area (every case filed under its code) in the period, and of the groups
    asked for inside it: street, community, cell, worker (grid workers, by who reported),
    category, day.

    1. Count the cases (with their reworks) and the department shares per filed area.
    2. Roll the per-area rows up into the total and the street offices, communities and cells.
    3. Only if grid workers, categories or days are asked for, count the area's cases again,
       grouped by each of those.
    """
    if exclude_deferred is None:
        exclude_deferred = IndicatorSettings.current().exclude_deferred
    wanted = set(groups)
    params = _params(area_code, period, exclude_deferred, now)
    codes = dict(Area.objects.filter(code__startswith=area_code).values_list("pk", "code"))
    params["area_ids"] = list(codes)
    # A whole district needs no filter on the scan (in most installations it is every case, and
    # rows of other areas are dropped below); a smaller area restricts the scan to its areas.
    narrow = len(area_code) > 6
    area_filter = "AND i.filed_area_id = ANY(%(area_ids)s)" if narrow else ""
    share_filter = "AND a.filed_area_id = ANY(%(area_ids)s)" if narrow else ""
    found: dict[str, list[tuple[Any, Row]]] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        _tune(cursor)
        main = _by_key(*_fetch(cursor, _main_sql("i.filed_area_id", area_filter), params), 1)
        shares = _by_key(*_fetch(cursor, _AREA_SHARES_SQL.format(share_filter=share_filter), params), 1)
        total = _Sum()
        sums: dict[str, dict[str, _Sum]] = {name: {} for name in AREA_GROUPS}
        for _index, area_id in set(main) | set(shares):
            code = codes.get(area_id)
            if code is None:
                continue
            parts = (main.get((0, area_id)), shares.get((0, area_id)))
            total.add(*parts)
            for name, length in (("street", 9), ("community", 12), ("cell", 15)):
                if name in wanted and len(code) >= length and (name != "cell" or len(code) == 15):
                    sums[name].setdefault(code[:length], _Sum()).add(*parts)
        for name in AREA_GROUPS:
            if name in wanted:
                found[name] = [(key, item.row(key)) for key, item in sums[name].items()]
        # Grid workers, categories and days: one plain (parallel) GROUP BY each. Their return rate
        # is not computed (it is a department's and an area's measure): it would cost a join of
        # every share with its case.
        for name in (name for name in OTHER_GROUPS if name in wanted):
            key = _OTHER_KEYS[name]
            main = _by_key(*_fetch(cursor, _main_sql(key, area_filter), params), 1)
            rows = []
            for _index, value in main:
                if value is None:
                    continue
                item = _Sum()
                item.add(main[(0, value)], None)
                rows.append((value, item.row(str(value))))
            found[name] = rows
    return AreaResult(
        total=total.row(area_code).finish(),
        groups={name: _named(name, found[name]) for name in (*AREA_GROUPS, *OTHER_GROUPS) if name in wanted},
    )


def _named(kind: str, items: list[tuple[Any, Row]]) -> list[Row]:
    keys = [key for key, _row in items]
    names: dict[Any, str] = {}
    if kind in ("street", "community", "cell"):
        for code, name in Area.objects.filter(code__in=keys).order_by("code", "-valid_from").values_list("code", "name"):
            names.setdefault(code, name)
    elif kind == "worker":
        workers = User.objects.filter(pk__in=keys, role=Role.GRID_WORKER)
        names = {user.pk: user.display_name for user in workers}
        items = [(key, row) for key, row in items if key in names]
    elif kind == "category":
        names = {c.pk: str(c) for c in Category.objects.filter(pk__in=keys).select_related("parent")}
    elif kind == "day":
        names = {key: key.isoformat() for key in keys}
    result = []
    for key, row in items:
        row.name = names.get(key, str(key))
        if kind == "day":
            row.key = key.isoformat()
        result.append(row.finish())
    if kind == "day":
        result.sort(key=lambda r: r.key)
    else:
        result.sort(key=lambda r: (-r.accepted, r.key))
    return result


def department_indicators(
    period: Period,
    *,
    area_code: str,
    department_ids: Iterable[int] | None = None,
    exclude_deferred: bool | None = None,
    now: datetime | None = None,
) -> list[Row]:
    """One row per department with shares dispatched in the period (cases under ``area_code``); all
    active departments appear, with zeros when nothing was sent to them."""
    if exclude_deferred is None:
        exclude_deferred = IndicatorSettings.current().exclude_deferred
    params = _params(area_code, period, exclude_deferred, now)
    department_filter = ""
    ids = list(department_ids) if department_ids is not None else None
    if ids is not None:
        department_filter = "AND a.department_id = ANY(%(departments)s)"
        params["departments"] = ids
    with transaction.atomic(), connection.cursor() as cursor:
        _tune(cursor)
        cursor.execute(_DEPARTMENT_SQL.format(department_filter=department_filter), params)
        found = {row[0]: dict(zip(_DEPARTMENT_COLUMNS, row[1:])) for row in cursor.fetchall()}
    departments = Department.objects.filter(pk__in=ids) if ids is not None else Department.objects.filter(active=True)
    rows = []
    for department in departments.order_by("code"):
        values = found.get(department.pk, {})
        rows.append(Row(key=str(department.pk), name=department.name, registered=None, grid_resolved=None, **values).finish())
    for department_id in set(found) - {d.pk for d in departments}:  # inactive now, but worked in the period
        department = Department.objects.filter(pk=department_id).first()
        rows.append(
            Row(
                key=str(department_id),
                name=department.name if department else str(department_id),
                registered=None,
                grid_resolved=None,
                **found[department_id],
            ).finish()
        )
    return rows


# --- cached reads -------------------------------------------------------------------------------------

CACHE_SECONDS = 60


def _cached(kind: str, compute, *parts: Any, now: datetime | None = None):
    """The value computed at most a minute ago for the same question, else computed now.

    The evaluation is read by leaders and dispatchers many times a minute while cases change
    every few seconds: recomputing a year of a district on every read would cost far more than
    a minute of staleness is worth. Pages show when the figures were computed."""
    from django.core.cache import cache

    minute = (now or timezone.now()).strftime("%Y%m%d%H%M")
    # The database's name keeps checkouts and test databases that share one Redis apart.
    raw = ":".join(str(part) for part in (connection.settings_dict["NAME"], kind, *parts, minute))
    key = "dispatch:indicators:" + hashlib.sha256(raw.encode()).hexdigest()
    try:
        found = cache.get(key)
    except Exception:  # the cache is a speed-up only: without Redis, compute
        found = None
    if found is not None:
        return found
    value = compute()
    try:
        cache.set(key, value, CACHE_SECONDS)
    except Exception:
        pass
    return value


def cached_area_indicators(
    area_code: str, period: Period, *, groups: Iterable[str] = (), exclude_deferred: bool, now: datetime | None = None
) -> AreaResult:
    groups = tuple(sorted(set(groups)))
    return _cached(
        "area",
        lambda: area_indicators(area_code, period, groups=groups, exclude_deferred=exclude_deferred, now=now),
        area_code,
        period.first,
        period.last,
        ",".join(groups),
        exclude_deferred,
        now=now,
    )


@dataclass
class DepartmentResult:
    rows: list[Row]
    computed_at: datetime = field(default_factory=timezone.now)


def cached_department_indicators(
    period: Period,
    *,
    area_code: str,
    department_ids: Iterable[int] | None = None,
    exclude_deferred: bool,
    now: datetime | None = None,
) -> DepartmentResult:
    ids = tuple(sorted(department_ids)) if department_ids is not None else None
    return _cached(
        "departments",
        lambda: DepartmentResult(
            department_indicators(period, area_code=area_code, department_ids=ids, exclude_deferred=exclude_deferred, now=now)
        ),
        area_code,
        period.first,
        period.last,
        ids,
        exclude_deferred,
        now=now,
    )


# --- what pages and the API show -----------------------------------------------------------------------

CHILD_GROUP = {Level.DISTRICT: "street", Level.STREET: "community", Level.COMMUNITY: "cell", Level.GRID: None}


def ranked(rows: list[Row], key: str, *, reverse: bool = True) -> list[Row]:
    """Best first by ``key``; rows without a value (nothing due) last."""
    with_value = [row for row in rows if getattr(row, key) is not None]
    without = [row for row in rows if getattr(row, key) is None]
    return sorted(with_value, key=lambda row: getattr(row, key), reverse=reverse) + without


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"

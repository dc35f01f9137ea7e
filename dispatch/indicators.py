"""Evaluation (考核): the indicators of docs/domain/indicators.md for areas, grid workers,
categories and departments.

All counts are computed in the database, set-based, by one statement per question (``_AREA_SQL``,
explained where it is defined): it reads each of the area's cases of the period once — fetched by
the areas they were filed under, not by scanning the city's cases — counts them per filed area,
status and "ever reworked" (and per grid worker, category or day in the same pass, only when a
dashboard asks), and rolls those counts up by code into the area, its street offices, communities
and cells. Pages and the API read them through ``cached_*``: an answer is kept for the rest of the
minute (pages and the API say when it was computed); the figures in dispatch/README.md are for
uncached answers.

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
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from accounts.capabilities import Capability, roles_with
from accounts.models import Department, User
from gridgov.dates import DateError, parse_day
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
# An area's indicators come from one statement (``_AREA_SQL``) that reads each of its cases of the
# period once:
#
# - ``counted``: the cases reported in the period and filed under one of the area's own areas
#   (every version: a case keeps the cell it was filed under after the boundaries are redrawn).
#   The ids come as a constant array, so PostgreSQL estimates from its statistics how many cases
#   that is and picks the plan: a district of a city of twenty (a twentieth of the cases) is
#   fetched through the index on filed_area_id (or on filed_area_id, created_at, which keeps that
#   to the period's cases however many years are kept); a district that holds most of the cases
#   is a parallel scan checking each case against a hash of the ids. The few reworked cases (a partial
#   index of the timeline) are hashed beside them. Counted per (filed area, status, reworked) — a
#   plain GROUP BY, which PostgreSQL runs in parallel — and, only when asked for, per grid worker,
#   category and day in the same pass (GROUPING SETS);
# - ``cases``: those few thousand rows rolled up by the filed area's code
#   (docs/domain/areas.md#codes) into the total and — only when asked for — the street offices,
#   communities and cells, and turned into the indicators;
# - ``shares``: the department shares the same way; they carry a copy of their case's filed area
#   and reporting time (both fixed for the life of a case), so they need no join with the cases.
#
# Two steps, because the per-case work is what costs at a million cases: the inner step counts with
# a few comparisons of timestamps per case and no string comparison; the outer step works on the
# counts.
_INDICATOR_SUMS = """
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
        sum(seconds) FILTER (WHERE status = 'closed') / 3600.0 AS hours"""

_AREA_SQL = """
WITH counted AS (
    SELECT {inner_label} AS grouping, i.filed_area_id AS area_id, {inner_key} AS key,
        i.status, r.incident_id IS NOT NULL AS reworked,
        count(*) AS n,
        count(*) FILTER (WHERE i.deadline <= %(cut)s OR i.closed_at <= %(cut)s) AS n_due,
        count(*) FILTER (WHERE i.closed_at <= %(cut)s) AS n_closed,
        count(*) FILTER (WHERE i.closed_at <= %(cut)s AND i.closed_at <= i.deadline) AS n_on_time,
        count(*) FILTER (WHERE i.closed_at <= %(cut)s AND (i.resolved_at_grid OR i.level = 'grid')) AS n_grid,
        sum(date_part('epoch', i.closed_at - i.created_at)) FILTER (WHERE i.closed_at <= %(cut)s) AS seconds
    FROM incidents_incident i
    LEFT JOIN (
        SELECT DISTINCT incident_id FROM incidents_timelineentry WHERE action = 'rework' AND at >= %(start)s
    ) r ON r.incident_id = i.id{joins}
    WHERE i.created_at >= %(start)s AND i.created_at < %(end)s AND i.filed_area_id = ANY(%(area_ids)s::bigint[])
    GROUP BY {inner_group}
),
area AS (
    SELECT id,
        CASE WHEN length(code) >= 9 THEN left(code, 9) END AS street,
        CASE WHEN length(code) >= 12 THEN left(code, 12) END AS community,
        CASE WHEN length(code) = 15 THEN code END AS cell
    FROM unnest(%(area_ids)s::bigint[], %(area_codes)s::text[]) AS area (id, code)
),
cases AS (
    SELECT {area_label} AS grouping, COALESCE({area_key}, '') AS key,{sums}
    FROM counted c JOIN area a ON a.id = c.area_id
    WHERE c.grouping = 'area'
    GROUP BY GROUPING SETS ({area_sets})
    UNION ALL
    SELECT c.grouping, COALESCE(c.key, '') AS key,{sums}
    FROM counted c
    WHERE c.grouping <> 'area'
    GROUP BY c.grouping, c.key
),
shares AS (
    SELECT {area_label} AS grouping, COALESCE({area_key}, '') AS key,
        sum(x.dispatched)::int AS dispatched, sum(x.returned)::int AS returned
    FROM (
        SELECT s.filed_area_id, count(*) AS dispatched, count(*) FILTER (WHERE s.status = 'returned') AS returned
        FROM dispatch_assignment s
        WHERE s.incident_created_at >= %(start)s AND s.incident_created_at < %(end)s AND s.status <> 'cancelled'
            AND s.filed_area_id = ANY(%(area_ids)s::bigint[])
        GROUP BY s.filed_area_id
    ) x
    JOIN area a ON a.id = x.filed_area_id
    GROUP BY GROUPING SETS ({area_sets})
)
SELECT grouping, key, c.accepted, c.registered, c.due, c.closed, c.closed_on_time, c.handled, c.reworked, c.deferred,
    c.grid_resolved, c.hours, s.dispatched, s.returned
FROM cases c
FULL JOIN shares s USING (grouping, key)
"""

# The groupings inside an area: name → the expression grouped by. Street offices, communities and
# cells are cut from the filed area's code; a case filed above them (at a street office, outside
# every cell) has no community or cell and is left out of those groupings, not out of the total.
_AREA_KEYS = {"street": "a.street", "community": "a.community", "cell": "a.cell"}
_COVERING_WORKER = "cw.user_id"
# Joined only when the worker grouping is asked for.
_COVERING_JOIN = """
    LEFT JOIN LATERAL (
        SELECT g.user_id FROM accounts_gridassignment g WHERE g.cell_id = i.filed_area_id AND g.started_at <= i.created_at
            AND (g.ended_at IS NULL OR g.ended_at > i.created_at) ORDER BY g.started_at, g.id LIMIT 1
    ) cw ON true"""
_CASE_KEYS = {
    # The grid worker who covered the case's cell when it was filed, by the assignment history
    # (accounts.GridAssignment: a worker keeps the cases of a cell they have since handed over, and
    # the one who takes it over starts from nothing); the earliest of them if two covered it.
    "worker": (_COVERING_WORKER, f"{_COVERING_WORKER}::text"),
    "category": ("i.category_id", "i.category_id::text"),
    "day": ("(i.created_at AT TIME ZONE %(zone)s)::date", "to_char((i.created_at AT TIME ZONE %(zone)s)::date, 'YYYY-MM-DD')"),
}


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

AREA_GROUPS = ("street", "community", "cell")
OTHER_GROUPS = ("worker", "category", "day")
UNREGISTERED = ["reported", "rejected", "duplicate"]


def _prefix(code: str) -> str:
    # Codes are digits only (a check constraint says so), so no LIKE wildcard can sneak in.
    return f"{code}%"


def _params(area_code: str, period: Period, exclude_deferred: bool, now: datetime | None) -> dict[str, Any]:
    from incidents.kinds import status_choices

    from .kinds import CaseStatus

    now = now or timezone.now()
    excluded = set(UNREGISTERED) | ({CaseStatus.DEFERRED.value} if exclude_deferred else set())
    return {
        "start": period.start,
        "end": period.end,
        "cut": min(period.end, now),
        "prefix": _prefix(area_code),
        "exclude_deferred": exclude_deferred,
        "zone": str(timezone.get_current_timezone()),
        "unregistered": UNREGISTERED,
        "due_statuses": sorted({value for value, _label in status_choices()} - excluded),
    }


def _tune(cursor) -> None:
    # The statements are short scans: compiling them (JIT) costs more than it saves, and the
    # per-case hash tables should stay in memory. An area's cases are a small part of the table
    # and sit in memory: priced as reads from a spinning disk (the default random_page_cost of 4),
    # fetching them by index looks dearer than a parallel scan of every case in the city, which
    # measured 2-3 times slower (a district of twenty, one year: ~440 ms against ~180 ms).
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SET LOCAL work_mem = '32MB'")
    cursor.execute("SET LOCAL random_page_cost = 1.1")


def _labelled(names: list[str], expressions: list[str], empty: str) -> str:
    """SQL naming the grouping set a row of GROUPING SETS ((empty), (e1), (e2), …) belongs to."""
    width = len(names)
    everything = (1 << width) - 1
    whens = [f"WHEN {everything} THEN '{empty}'"]
    whens += [f"WHEN {everything & ~(1 << (width - 1 - index))} THEN '{name}'" for index, name in enumerate(names)]
    return f"CASE GROUPING({', '.join(expressions)}) {' '.join(whens)} END"


def _area_sql(groups: Iterable[str]) -> str:
    """The area's statement, computing only the groupings asked for (the total always)."""
    per_case = "i.status, (r.incident_id IS NOT NULL)"
    others = [name for name in _CASE_KEYS if name in groups]
    if others:
        expressions = ["i.filed_area_id"] + [_CASE_KEYS[name][0] for name in others]
        # The area set has filed_area_id grouped (its bit 0) and every other key not (bits 1).
        inner_label = _labelled(["area", *others], expressions, "none")
        inner_key = f"COALESCE({', '.join(_CASE_KEYS[name][1] for name in others)})"
        inner_group = "GROUPING SETS (" + ", ".join(f"({expression}, {per_case})" for expression in expressions) + ")"
    else:
        inner_label, inner_key, inner_group = "'area'", "NULL::text", f"i.filed_area_id, {per_case}"
    areas = [name for name in _AREA_KEYS if name in groups]
    if areas:
        area_label = _labelled(areas, [_AREA_KEYS[name] for name in areas], "total")
        area_key = f"COALESCE({', '.join(_AREA_KEYS[name] for name in areas)})"
    else:
        area_label, area_key = "'total'", "NULL::text"
    return _AREA_SQL.format(
        inner_label=inner_label,
        inner_key=inner_key,
        inner_group=inner_group,
        area_label=area_label,
        area_key=area_key,
        area_sets=", ".join(["()"] + [f"({_AREA_KEYS[name]})" for name in areas]),
        sums=_INDICATOR_SUMS,
        joins=_COVERING_JOIN if "worker" in others else "",
    )


_AREA_COLUMNS = [
    "accepted",
    "registered",
    "due",
    "closed",
    "closed_on_time",
    "handled",
    "reworked",
    "deferred",
    "grid_resolved",
    "hours",
    "dispatched",
    "returned",
]


def _area_row(key: str, values: dict[str, Any]) -> Row:
    counts = {name: int(values.get(name) or 0) for name in _AREA_COLUMNS if name != "hours"}
    hours = float(values.get("hours") or 0)
    return Row(key=key, name="", **counts, avg_handling_hours=hours / counts["closed"] if counts["closed"] else None)


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
    asked for inside it: street, community, cell, worker (the grid worker who covered the cell when the case was filed),
    category, day — all from one statement that reads each of the area's cases of the period
    once (see ``_AREA_SQL``); only the groupings asked for are computed."""
    if exclude_deferred is None:
        exclude_deferred = IndicatorSettings.current().exclude_deferred
    wanted = set(groups)
    unknown = wanted - set(AREA_GROUPS) - set(OTHER_GROUPS)
    if unknown:
        raise ValueError(f"Unknown groupings: {', '.join(sorted(unknown))}")
    params = _params(area_code, period, exclude_deferred, now)
    with transaction.atomic(), connection.cursor() as cursor:
        _tune(cursor)
        # Every version of every area under the code, as constants for the planner (see _AREA_SQL).
        # Written out once as array literals (ids and codes are digits only): passed as lists, the
        # driver would quote thousands of elements again at each of their places in the statement.
        cursor.execute("SELECT id, code FROM grids_area WHERE code LIKE %(prefix)s", params)
        areas = cursor.fetchall()
        params["area_ids"] = "{" + ",".join(str(area_id) for area_id, _code in areas) + "}"
        params["area_codes"] = "{" + ",".join(code for _area_id, code in areas) + "}"
        cursor.execute(_area_sql(wanted), params)
        found = cursor.fetchall()
    total = _area_row(area_code, {})
    items: dict[str, list[tuple[Any, Row]]] = {name: [] for name in wanted}
    for grouping, key, *values in found:
        row = _area_row(key, dict(zip(_AREA_COLUMNS, values)))
        if grouping == "total":
            total = row
            total.key = area_code
        elif key:  # no key: cases filed above the grouping (no community or cell)
            value = int(key) if grouping in ("worker", "category") else date.fromisoformat(key) if grouping == "day" else key
            items[grouping].append((value, row))
    return AreaResult(
        total=total.finish(),
        groups={name: _named(name, items[name]) for name in (*AREA_GROUPS, *OTHER_GROUPS) if name in wanted},
    )


def _named(kind: str, items: list[tuple[Any, Row]]) -> list[Row]:
    keys = [key for key, _row in items]
    names: dict[Any, str] = {}
    if kind in ("street", "community", "cell"):
        for code, name in Area.objects.filter(code__in=keys).order_by("code", "-valid_from").values_list("code", "name"):
            names.setdefault(code, name)
    elif kind == "worker":
        workers = User.objects.filter(pk__in=keys, role__in=roles_with(Capability.WORK_CELLS))
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
        rows.append(Row(key=str(department.pk), name=department.label, registered=None, grid_resolved=None, **values).finish())
    for department_id in set(found) - {d.pk for d in departments}:  # inactive now, but worked in the period
        department = Department.objects.filter(pk=department_id).first()
        rows.append(
            Row(
                key=str(department_id),
                name=department.label if department else str(department_id),
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
    # Names of categories and departments follow the viewer's language, so the language is a part.
    raw = ":".join(str(part) for part in (connection.settings_dict["NAME"], kind, get_language(), *parts, minute))
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

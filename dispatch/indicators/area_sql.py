"""The one statement behind an area's indicators, and how it is compiled for the groupings asked for.

An area's indicators come from one statement (``AREA_SQL``) that reads the area's cases once:

- ``base``: the cases filed under one of the area's own areas (every version: a case keeps the
  cell it was filed under after the boundaries are redrawn) that matter to the period: those
  reported in it, and the older ones still open at its start (carried over); never a report the
  intake marked as spam (``NOT_SPAM``). Two index scans:
  by (filed_area_id, created_at) for the period's cases, and by (filed_area_id, closed_at) for
  the older ones not closed before the period began. The area ids come as a constant array, so
  PostgreSQL estimates from its statistics how many cases that is and picks the plan.
- ``judged``: each case with its *evaluation deadline* — the first deadline it missed, kept on the
  case when a later deadline replaced it (``missed_deadline``), else its deadline now — and the
  moment it is judged: its closing, if it closed by that deadline, else the deadline;
- ``per_case``: two kinds of rows. ``r`` (reported): the period's cases, counted as accepted,
  registered, on hold, and handled or reworked by the cut: the rework entries of the period (few:
  a small partial index, hashed), and for "handled" a look per case into its own handled entries
  (a partial index by case): the period's handled entries of the whole city were hashed before,
  710,000 of them for a year at city scale, 1.3 s of a district's 2.2 s. ``d`` (due): the registered cases judged in the period
  (their judging moment falls in it, by the cut) or carried over into it (judged before it began
  and still open at its start), counted as due, closed (by the cut), closed on time, settled in
  the grid, hours to close;
- ``counted``: those rows counted per (filed area, kind, status, reworked) and, only when asked
  for, per grid worker, category, channel (source) or day in the same pass (GROUPING SETS); a ``d``
  row's day is the day it was judged;
- ``cases``: those few thousand rows rolled up by the filed area's code
  (docs/domain/areas.md#codes) into the total and — only when asked for — the street offices,
  communities and cells;
- ``shares``: the department shares the same way; they carry a copy of their case's filed area
  and reporting time (both fixed for the life of a case), so they need no join with the cases.

The rule and its sources are in docs/domain/indicators.md ("Which period a case is due in").
"""

from __future__ import annotations

from typing import Iterable

INDICATOR_SUMS = """
        COALESCE(sum(n) FILTER (WHERE kind = 'r'), 0)::int AS accepted,
        COALESCE(sum(n) FILTER (WHERE kind = 'r' AND status <> ALL(%(unregistered)s)), 0)::int AS registered,
        COALESCE(sum(n) FILTER (WHERE kind = 'd'), 0)::int AS due,
        COALESCE(sum(n_closed) FILTER (WHERE kind = 'd'), 0)::int AS closed,
        COALESCE(sum(n_on_time) FILTER (WHERE kind = 'd'), 0)::int AS closed_on_time,
        COALESCE(sum(n) FILTER (WHERE kind = 'r' AND status <> ALL(%(unregistered)s) AND handled), 0)::int AS handled,
        COALESCE(sum(n) FILTER (WHERE kind = 'r' AND status <> ALL(%(unregistered)s) AND reworked), 0)::int AS reworked,
        COALESCE(sum(n) FILTER (WHERE kind = 'r' AND status = 'deferred'), 0)::int AS deferred,
        COALESCE(sum(n_grid) FILTER (WHERE kind = 'd'), 0)::int AS grid_resolved,
        sum(seconds) FILTER (WHERE kind = 'd') / 3600.0 AS hours"""

# A report the intake marked as spam is no case: it counts nowhere, not even as accepted (its
# public side says so, dispatch.actions.mark_spam; one row per case, found by its unique index).
NOT_SPAM = "NOT EXISTS (SELECT 1 FROM dispatch_publiccase sp WHERE sp.incident_id = i.id AND sp.moderation = %(spam)s)"

_CASE_COLUMNS = """i.id, i.filed_area_id, i.status, i.level, i.reporter_id, i.category_id, i.source, i.created_at,
        i.closed_at, i.resolved_at_grid, COALESCE(i.missed_deadline, i.deadline) AS due_at,
        i.missed_deadline IS NOT NULL AS missed"""

AREA_SQL = """
WITH base AS (
    SELECT {columns}, true AS reported
    FROM incidents_incident i
    WHERE i.filed_area_id = ANY(%(area_ids)s::bigint[]) AND i.created_at >= %(start)s AND i.created_at < %(end)s
        AND {not_spam}
    UNION ALL
    SELECT {columns}, false AS reported
    FROM incidents_incident i
    WHERE i.filed_area_id = ANY(%(area_ids)s::bigint[]) AND i.created_at < %(start)s
        AND (i.closed_at IS NULL OR i.closed_at >= %(start)s) AND {not_spam}
),
judged AS (
    SELECT b.*, CASE WHEN b.status = 'closed' AND b.closed_at <= b.due_at THEN b.closed_at ELSE b.due_at END AS judged_at
    FROM base b
),
per_case AS (
    SELECT 'r' AS kind, j.*, j.created_at AS day_at, r.incident_id IS NOT NULL AS reworked,
        r.incident_id IS NOT NULL OR (j.status = 'closed' AND j.closed_at < %(cut)s) OR EXISTS (
            SELECT 1 FROM incidents_timelineentry h
            WHERE h.incident_id = j.id AND h.to_status = 'handled' AND h.at >= %(start)s AND h.at < %(cut)s
        ) AS handled,
        false AS closed
    FROM judged j
    LEFT JOIN (
        SELECT DISTINCT incident_id FROM incidents_timelineentry WHERE action = 'rework' AND at >= %(start)s AND at < %(cut)s
    ) r ON r.incident_id = j.id
    WHERE j.reported
    UNION ALL
    SELECT 'd' AS kind, j.*, j.judged_at AS day_at, false AS reworked, false AS handled,
        j.status = 'closed' AND j.closed_at < %(cut)s AS closed
    FROM judged j
    WHERE j.status <> ALL(%(unregistered)s) AND NOT (%(exclude_deferred)s AND j.status = 'deferred' AND NOT j.missed)
        AND j.judged_at < %(cut)s AND (j.judged_at >= %(start)s OR j.status <> 'closed' OR j.closed_at >= %(start)s)
),
counted AS (
    SELECT {inner_label} AS grouping, i.filed_area_id AS area_id, {inner_key} AS key, i.kind, i.status, i.reworked, i.handled,
        count(*) AS n,
        count(*) FILTER (WHERE i.closed) AS n_closed,
        count(*) FILTER (WHERE i.closed AND i.closed_at <= i.due_at) AS n_on_time,
        count(*) FILTER (WHERE i.closed AND (i.resolved_at_grid OR i.level = 'grid')) AS n_grid,
        sum(date_part('epoch', i.closed_at - i.created_at)) FILTER (WHERE i.closed) AS seconds
    FROM per_case i{joins}
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

# The columns of AREA_SQL's answer after (grouping, key).
AREA_COLUMNS = [
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

# The groupings inside an area: name → the expression grouped by. Street offices, communities and
# cells are cut from the filed area's code; a case filed above them (at a street office, outside
# every cell) has no community or cell and is left out of those groupings, not out of the total.
AREA_KEYS = {"street": "a.street", "community": "a.community", "cell": "a.cell"}
COVERING_WORKER = "cw.user_id"
# Joined only when the worker grouping is asked for.
COVERING_JOIN = """
    LEFT JOIN LATERAL (
        SELECT g.user_id FROM accounts_gridassignment g WHERE g.cell_id = i.filed_area_id AND g.started_at <= i.created_at
            AND (g.ended_at IS NULL OR g.ended_at > i.created_at) ORDER BY g.started_at, g.id LIMIT 1
    ) cw ON true"""
CASE_KEYS = {
    # The grid worker who covered the case's cell when it was filed, by the assignment history
    # (accounts.GridAssignment: a worker keeps the cases of a cell they have since handed over, and
    # the one who takes it over starts from nothing); the earliest of them if two covered it.
    "worker": (COVERING_WORKER, f"{COVERING_WORKER}::text"),
    "category": ("i.category_id", "i.category_id::text"),
    "source": ("i.source", "i.source::text"),
    "day": ("(i.day_at AT TIME ZONE %(zone)s)::date", "to_char((i.day_at AT TIME ZONE %(zone)s)::date, 'YYYY-MM-DD')"),
}
AREA_GROUPS = ("street", "community", "cell")
OTHER_GROUPS = ("worker", "category", "source", "day")


def labelled(names: list[str], expressions: list[str], empty: str) -> str:
    """SQL naming the grouping set a row of GROUPING SETS ((empty), (e1), (e2), …) belongs to."""
    width = len(names)
    everything = (1 << width) - 1
    whens = [f"WHEN {everything} THEN '{empty}'"]
    whens += [f"WHEN {everything & ~(1 << (width - 1 - index))} THEN '{name}'" for index, name in enumerate(names)]
    return f"CASE GROUPING({', '.join(expressions)}) {' '.join(whens)} END"


def area_sql(groups: Iterable[str]) -> str:
    """The area's statement, computing only the groupings asked for (the total always)."""
    per_case = "i.kind, i.status, i.reworked, i.handled"
    others = [name for name in CASE_KEYS if name in groups]
    if others:
        expressions = ["i.filed_area_id"] + [CASE_KEYS[name][0] for name in others]
        # The area set has filed_area_id grouped (its bit 0) and every other key not (bits 1).
        inner_label = labelled(["area", *others], expressions, "none")
        inner_key = f"COALESCE({', '.join(CASE_KEYS[name][1] for name in others)})"
        inner_group = "GROUPING SETS (" + ", ".join(f"({expression}, {per_case})" for expression in expressions) + ")"
    else:
        inner_label, inner_key, inner_group = "'area'", "NULL::text", f"i.filed_area_id, {per_case}"
    areas = [name for name in AREA_KEYS if name in groups]
    if areas:
        area_label = labelled(areas, [AREA_KEYS[name] for name in areas], "total")
        area_key = f"COALESCE({', '.join(AREA_KEYS[name] for name in areas)})"
    else:
        area_label, area_key = "'total'", "NULL::text"
    return AREA_SQL.format(
        columns=_CASE_COLUMNS,
        inner_label=inner_label,
        inner_key=inner_key,
        inner_group=inner_group,
        area_label=area_label,
        area_key=area_key,
        area_sets=", ".join(["()"] + [f"({AREA_KEYS[name]})" for name in areas]),
        sums=INDICATOR_SUMS,
        joins=COVERING_JOIN if "worker" in others else "",
        not_spam=NOT_SPAM,
    )

"""Departments are evaluated on the shares dispatched to them (docs/domain/indicators.md#departments)."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from django.db import connections, transaction

from accounts.models import Department
from gridgov.replica import read_alias

from .. import satisfaction
from ..models import IndicatorSettings
from .counting import statement_params, tune
from .periods import Period
from .rows import Row

DEPARTMENT_SQL = """
WITH shares AS MATERIALIZED (
    SELECT a.id, a.incident_id, a.department_id, a.status, COALESCE(a.missed_deadline, a.deadline) AS deadline,
        a.dispatched_at, a.first_handled_at, a.handled_at,
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

DEPARTMENT_COLUMNS = [
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
    params = statement_params(area_code, period, exclude_deferred, now)
    department_filter = ""
    ids = list(department_ids) if department_ids is not None else None
    if ids is not None:
        department_filter = "AND a.department_id = ANY(%(departments)s)"
        params["departments"] = ids
    alias = read_alias()  # the standby when the request reads from it (gridgov/replica/routes.py)
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        tune(cursor)
        cursor.execute(DEPARTMENT_SQL.format(department_filter=department_filter), params)
        found = {row[0]: dict(zip(DEPARTMENT_COLUMNS, row[1:])) for row in cursor.fetchall()}
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
    satisfaction.attach({"department": rows}, period, area_code)
    return rows

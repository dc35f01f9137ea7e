"""Escalation by time: the set-based sweep that carries every overdue case one level up.

The statement is compiled from the same definitions the single-case acts use (``levels``: the
next level, the code length of each level, the role that holds it, the status a taken case gets
after a change of level; ``kinds``: which statuses are open), so the two paths cannot drift
apart. Beat runs the sweep every minute (``incidents.tasks``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .. import clock, deadlines
from ..changes import note_case_change
from ..kinds import OPEN_STATUSES, SETTLED_OWN_STATUSES, TAKEN_STATUSES, NotificationKind
from ..levels import LEVEL_CHAIN, LEVEL_CODE_LENGTH, LEVEL_ROLE, NEXT_LEVEL, STATUS_AFTER_TAKEN
from ..models import Category
from ..sweeping import side_by_side, sql_case, sql_list, sql_literal
from .notifications import request_email_delivery_if_pending

ESCALATE = "escalate"


@dataclass
class SweepResult:
    escalated: int = 0
    timeline_entries: int = 0
    notifications: int = 0
    overdue_flagged: int = 0
    batches: int = 0
    by_level: dict[str, int] = field(default_factory=dict)

    def absorb(self, other: "SweepResult") -> None:
        self.escalated += other.escalated
        self.timeline_entries += other.timeline_entries
        self.notifications += other.notifications
        self.overdue_flagged += other.overdue_flagged
        self.batches += other.batches
        for level, count in other.by_level.items():
            self.by_level[level] = self.by_level.get(level, 0) + count


_ESCALATE_TEMPLATE = """
WITH due AS (
    SELECT i.id, i.level AS old_level, i.status AS old_status, i.version AS old_version, i.category_id, i.urgency, i.area_id,
           {next_level} AS new_level
    FROM incidents_incident i
    WHERE NOT (i.status IN ({settled})) AND i.status = ANY(%(open)s) AND i.level <> {top} AND i.deadline < %(now)s
    ORDER BY i.id
    LIMIT %(batch)s
    FOR UPDATE SKIP LOCKED
),
target AS (
    -- The area one level up: the current area of that level whose code the case's area code
    -- starts with (codes nest: docs/domain.md), else the area's parent. The new deadline and the
    -- moment its light turns yellow are looked up by key in two JSON objects
    -- ("category:level:urgency"): a join on the few hundred limits would be planned as a nested
    -- loop over every due case.
    SELECT d.id, d.old_level, d.old_status, d.old_version, d.new_level,
           COALESCE(p.id, a.parent_id) AS new_area_id,
           COALESCE((%(limits)s::jsonb ->> (d.category_id::text || ':' || d.new_level || ':' || d.urgency))::timestamptz,
                    %(fallback)s) AS new_deadline,
           COALESCE((%(warnings)s::jsonb ->> (d.category_id::text || ':' || d.new_level || ':' || d.urgency))::timestamptz,
                    %(fallback_warn)s) AS new_warn_at
    FROM due d
    JOIN grids_area a ON a.id = d.area_id
    -- Found by its code; the level is only checked, through an expression no index matches, so
    -- the planner cannot walk the level's index (every area of that level) once per due case, as
    -- it did in the needs sweep (needs/sweep.py, 16 s of 22 s). Here it already took a code index
    -- at small scale (EXPLAIN: 1,000 probes of 3 buffers, either way): this keeps it there.
    LEFT JOIN grids_area p ON p.valid_to IS NULL AND p.code = left(a.code, {code_length})
        AND (p.level || '') = d.new_level
    WHERE a.parent_id IS NOT NULL
),
moved AS (
    UPDATE incidents_incident i SET
        level = t.new_level,
        area_id = t.new_area_id,
        deadline = t.new_deadline,
        warn_at = t.new_warn_at,
        deadline_started_at = %(now)s,
        overdue_notified_at = NULL,
        missed_deadline = {missed},
        status = CASE WHEN i.status IN ({taken}) THEN {after_taken} ELSE i.status END,
        assignee_id = NULL,
        escalations = i.escalations + 1,
        version = i.version + 1,
        updated_at = %(now)s
    FROM target t
    WHERE i.id = t.id AND i.level = t.old_level AND i.version = t.old_version
    RETURNING i.id, i.version, i.level, i.area_id, i.status, i.deadline, t.old_level, t.old_status
),
history AS (
    {history}
    RETURNING 1
),
timeline AS (
    INSERT INTO incidents_timelineentry (incident_id, version, at, actor_id, action, from_status, to_status, from_level, to_level, to_area_id, params, note)
    SELECT m.id, m.version, %(now)s, NULL, {escalate}, m.old_status, m.status, m.old_level, m.level, m.area_id, '{{}}'::jsonb, ''
    FROM moved m
    RETURNING 1
),
notified AS (
    INSERT INTO incidents_notification (user_id, incident_id, kind, text, action, params, created_at, email_state)
    SELECT u.id, m.id, {escalated}, '', {escalate}, '{{}}'::jsonb, %(now)s, CASE WHEN u.email <> '' THEN 'pending' ELSE 'none' END
    FROM moved m JOIN accounts_user u ON u.area_id = m.area_id AND u.is_active
        AND u.role = {level_role}
    RETURNING 1
)
SELECT m.old_level, count(*),
       (SELECT count(*) FROM timeline), (SELECT count(*) FROM notified), (SELECT count(*) FROM due)
FROM moved m GROUP BY m.old_level
"""

_OVERDUE_TEMPLATE = """
WITH due AS (
    SELECT i.id FROM incidents_incident i
    WHERE NOT (i.status IN ({settled})) AND i.status = ANY(%(open)s) AND i.level = {top}
      AND i.overdue_notified_at IS NULL AND i.deadline < %(now)s
    ORDER BY i.id
    LIMIT %(batch)s
    FOR UPDATE OF i SKIP LOCKED
),
marked AS (
    UPDATE incidents_incident i SET overdue_notified_at = %(now)s
    FROM due WHERE i.id = due.id AND i.overdue_notified_at IS NULL
    RETURNING i.id, i.area_id
),
notified AS (
    INSERT INTO incidents_notification (user_id, incident_id, kind, text, action, params, created_at, email_state)
    SELECT u.id, m.id, {overdue}, '', '', '{{}}'::jsonb, %(now)s, CASE WHEN u.email <> '' THEN 'pending' ELSE 'none' END
    FROM marked m JOIN accounts_user u ON u.area_id = m.area_id AND u.is_active AND u.role = {top_role}
    RETURNING 1
)
SELECT (SELECT count(*) FROM marked), (SELECT count(*) FROM notified), (SELECT count(*) FROM due)
"""




def escalation_statement() -> str:
    """The sweep's claim-and-move statement, compiled from the level chain and the statuses."""
    top = LEVEL_CHAIN[-1]
    return _ESCALATE_TEMPLATE.format(
        next_level=sql_case("i.level", NEXT_LEVEL),
        settled=sql_list(SETTLED_OWN_STATUSES),
        top=sql_literal(top),
        code_length=sql_case("d.new_level", LEVEL_CODE_LENGTH),
        taken=sql_list(TAKEN_STATUSES),
        after_taken=sql_literal(STATUS_AFTER_TAKEN),
        escalate=sql_literal(ESCALATE),
        escalated=sql_literal(NotificationKind.ESCALATED),
        missed=deadlines.SWEEP_MISSED_SQL,
        history=deadlines.history_insert_sql(
            "moved m", incident="m.id", level="m.level", deadline="m.deadline", started_at="%(now)s", set_at="%(now)s",
            action=sql_literal(ESCALATE),
        ),
        level_role=sql_case("m.level", {level: LEVEL_ROLE[level] for level in LEVEL_CHAIN[1:]}),
    )


def overdue_statement() -> str:
    """Flag the cases overdue at the top of the chain, once, and tell its staff."""
    top = LEVEL_CHAIN[-1]
    return _OVERDUE_TEMPLATE.format(
        settled=sql_list(SETTLED_OWN_STATUSES), top=sql_literal(top), overdue=sql_literal(NotificationKind.OVERDUE),
        top_role=sql_literal(LEVEL_ROLE[top]),
    )


def escalate_overdue(*, now: datetime | None = None, batch_size: int = 50_000, workers: int | None = None) -> SweepResult:
    """Carry every open case whose deadline has passed one level up — set-based, exactly once.

    1. Compute, in Python, the new deadline and the moment its light turns yellow (``warn_at``) of
       every (category, level, urgency) from ``now``: a few hundred pairs, since every case
       escalated by this sweep starts its clock at ``now``.
    2. One statement per batch claims the due cases (``FOR UPDATE SKIP LOCKED``, so a concurrent
       sweep takes other rows or none), moves each one level up with the area of that level found
       by code prefix, its new deadline and version, and inserts the timeline entries and the
       notifications of the receiving level's staff. The UPDATE re-checks level and version, so
       a case is moved at most once per level even against a racing sweep.
    3. Each batch is its own transaction: a sweep killed half-way has committed whole batches
       only, and the next sweep takes the rest.
    4. ``workers`` runners (settings.GRIDGOV_SWEEP_WORKERS, one database connection each) claim
       batches side by side — the same SKIP LOCKED claim that keeps concurrent sweeps apart —
       so a backlog after an outage is written on every core PostgreSQL has. Inside a caller's
       transaction the sweep runs on the caller's connection alone (other connections could not
       see its uncommitted rows).
    5. Cases overdue at the district (nowhere higher to go) are flagged once, and the
       dispatchers notified.
    6. Emails are enqueued after commit; the task claims pending rows, so it is idempotent.
    """
    now = now or timezone.now()
    category_ids = list(Category.objects.values_list("pk", flat=True))
    table = clock.deadline_table(category_ids, LEVEL_CHAIN[1:], now)
    fallback = clock.due_after(now, clock.FALLBACK_LIMIT.clock, clock.FALLBACK_LIMIT.amount)
    params = {
        "limits": json.dumps({f"{category}:{level}:{urgency}": due.deadline.isoformat() for category, level, urgency, due in table}),
        "warnings": json.dumps({f"{category}:{level}:{urgency}": due.warn_at.isoformat() for category, level, urgency, due in table}),
        "open": [str(s) for s in OPEN_STATUSES],
        "now": now,
        "batch": batch_size,
        # A class created after the table above was computed still gets a deadline.
        "fallback": fallback.deadline,
        "fallback_warn": fallback.warn_at,
    }
    if workers is None:
        workers = settings.GRIDGOV_SWEEP_WORKERS
    result = SweepResult()
    statement, overdue = escalation_statement(), overdue_statement()
    for part in side_by_side(lambda: _escalate_batches(statement, params, batch_size), workers):
        result.absorb(part)
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(overdue, params)
            marked, notified, due = cursor.fetchone()
        result.overdue_flagged += marked
        result.notifications += notified
        if due < batch_size:
            break
    if result.notifications:
        transaction.on_commit(request_email_delivery_if_pending)
    if result.escalated or result.overdue_flagged:
        note_case_change()  # cases moved up or turned red: the console's kept answers are stale
    return result


def _escalate_batches(statement: str, params: dict[str, Any], batch_size: int) -> SweepResult:
    """Claim and escalate batches on this thread's connection until none is full."""
    result = SweepResult()
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            # A batch sorts tens of thousands of rows: in memory. And each claimed case is found
            # by its key: the planner, misjudging the claimed set's size, would otherwise hash
            # the whole table (a million rows) to update a batch.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL enable_hashjoin = off")
            cursor.execute("SET LOCAL enable_mergejoin = off")
            cursor.execute(statement, params)
            rows = cursor.fetchall()
        result.batches += 1
        claimed = 0
        for old_level, count, timeline_count, notified, due in rows:
            result.escalated += count
            result.by_level[old_level] = result.by_level.get(old_level, 0) + count
            claimed = due
        if rows:
            result.timeline_entries += rows[0][2]
            result.notifications += rows[0][3]
        if not rows or claimed < batch_size:
            return result

"""Escalation of needs by time: every running need whose deadline passed climbs one level, as a
case does (docs/domain/cases.md#escalation), built from the same parts.

The chain, the area one level up (by code prefix) and the code lengths come from
``incidents.levels``; the new deadlines from the case machine's time limits through
``needs.deadlines`` (one table computed in Python per sweep, looked up by key in SQL); the SQL
helpers and the side-by-side runners from ``incidents.sweeping``. A need that climbs keeps
whoever took it: the volunteer may be on his way; the level above sees it and may give it back.
The staff of the level reached are told in the project's inbox (needs.notices), in the same statement.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from incidents import clock
from incidents.actions.notifications import request_email_delivery_if_pending
from incidents.levels import LEVEL_CHAIN, LEVEL_CODE_LENGTH, LEVEL_ROLE, NEXT_LEVEL
from incidents.sweeping import side_by_side, sql_case, sql_list, sql_literal

from . import deadlines
from .models import NeedKind, RUNNING_STATUSES
from .notices import NEED_ESCALATED, need_link_parts

ESCALATE = "escalate"


@dataclass
class NeedSweepResult:
    escalated: int = 0
    history_entries: int = 0
    overdue_flagged: int = 0
    notifications: int = 0
    batches: int = 0


_ESCALATE_TEMPLATE = """
WITH due AS (
    SELECT n.id, n.level AS old_level, n.version AS old_version, n.kind_id, n.urgency, n.area_id, {next_level} AS new_level
    FROM needs_need n
    WHERE n.status IN ({running}) AND n.level <> {top} AND n.deadline < %(now)s
    ORDER BY n.id
    LIMIT %(batch)s
    FOR UPDATE SKIP LOCKED
),
target AS (
    SELECT d.id, d.old_level, d.old_version, d.new_level,
           COALESCE(p.id, a.parent_id) AS new_area_id,
           COALESCE((%(limits)s::jsonb ->> (d.kind_id::text || ':' || d.new_level || ':' || d.urgency))::timestamptz,
                    %(fallback)s) AS new_deadline,
           COALESCE((%(warnings)s::jsonb ->> (d.kind_id::text || ':' || d.new_level || ':' || d.urgency))::timestamptz,
                    %(fallback_warn)s) AS new_warn_at
    FROM due d
    JOIN grids_area a ON a.id = d.area_id
    -- Found by its code (the unique index of current areas); the level is only checked: with the
    -- level's index the planner walked every area of that level once per need (16 s of 22 s for
    -- 50,000 needs in bench/emergency_sweeps.py).
    LEFT JOIN grids_area p ON p.valid_to IS NULL AND p.code = left(a.code, {code_length}) AND (p.level || '') = d.new_level
    WHERE a.parent_id IS NOT NULL
),
moved AS (
    UPDATE needs_need n SET
        level = t.new_level, area_id = t.new_area_id, deadline = t.new_deadline, warn_at = t.new_warn_at,
        deadline_started_at = %(now)s, overdue_notified_at = NULL, escalations = n.escalations + 1, version = n.version + 1
    FROM target t
    WHERE n.id = t.id AND n.level = t.old_level AND n.version = t.old_version
    RETURNING n.id, n.version, n.level, n.area_id, n.kind_id, n.deadline, t.old_level
),
history AS (
    INSERT INTO needs_needevent (need_id, version, at, actor_id, action, params, note)
    SELECT m.id, m.version, %(now)s, NULL, {escalate}, jsonb_build_object('from_level', m.old_level, 'to_level', m.level), ''
    FROM moved m
    RETURNING 1
),
-- The staff of the level it reached (its new area, the role holding that level) are told.
notified AS (
    INSERT INTO incidents_notification (user_id, incident_id, link, kind, text, action, params, created_at, email_state)
    SELECT u.id, NULL, %(link_before)s || m.id || %(link_after)s, {notice}, '', {notice},
           jsonb_build_object('kind', jsonb_build_object('bilingual', jsonb_build_object('zh', k.name, 'en', k.name_en)),
                              'deadline', jsonb_build_object('when', m.deadline)),
           %(now)s, CASE WHEN u.email <> '' THEN 'pending' ELSE 'none' END
    FROM moved m
    JOIN needs_needkind k ON k.id = m.kind_id
    JOIN accounts_user u ON u.area_id = m.area_id AND u.is_active AND u.role = {level_role}
    RETURNING 1
)
SELECT (SELECT count(*) FROM moved), (SELECT count(*) FROM history), (SELECT count(*) FROM due), (SELECT count(*) FROM notified)
"""

# Overdue at the top of the chain (nowhere higher to go): flagged once, for the command centre's list.
_OVERDUE_TEMPLATE = """
UPDATE needs_need SET overdue_notified_at = %(now)s
WHERE id IN (
    SELECT id FROM needs_need
    WHERE status IN ({running}) AND level = {top} AND overdue_notified_at IS NULL AND deadline < %(now)s
    ORDER BY id LIMIT %(batch)s FOR UPDATE SKIP LOCKED
)
"""


def escalation_statement() -> str:
    return _ESCALATE_TEMPLATE.format(
        next_level=sql_case("n.level", NEXT_LEVEL), running=sql_list(RUNNING_STATUSES), top=sql_literal(LEVEL_CHAIN[-1]),
        code_length=sql_case("d.new_level", LEVEL_CODE_LENGTH), escalate=sql_literal(ESCALATE),
        notice=sql_literal(NEED_ESCALATED), level_role=sql_case("m.level", {level: LEVEL_ROLE[level] for level in LEVEL_CHAIN[1:]}),
    )


def overdue_statement() -> str:
    return _OVERDUE_TEMPLATE.format(running=sql_list(RUNNING_STATUSES), top=sql_literal(LEVEL_CHAIN[-1]))


def escalate_overdue_needs(*, now: datetime | None = None, batch_size: int = 50_000, workers: int | None = None) -> NeedSweepResult:
    """Carry every running need whose deadline passed one level up — set-based, exactly once.

    1. Compute the new (deadline, warn_at) of every (kind, level above the grid, urgency) from ``now``.
    2. One statement per batch claims due needs (``FOR UPDATE SKIP LOCKED``), moves each to the
       area one level up with its new deadline and version (re-checking level and version, so a
       need moves at most once per level against a racing sweep) and writes its history line.
    3. Each batch commits on its own; ``workers`` runners claim batches side by side.
    4. Needs overdue at the district are flagged once.
    """
    now = now or timezone.now()
    link_before, link_after = need_link_parts()
    table = deadlines.due_table(list(NeedKind.objects.all()), LEVEL_CHAIN[1:], now)
    fallback = clock.due_after(now, clock.FALLBACK_LIMIT.clock, clock.FALLBACK_LIMIT.amount)
    params = {
        "limits": json.dumps({key: due.deadline.isoformat() for key, due in table.items()}),
        "warnings": json.dumps({key: due.warn_at.isoformat() for key, due in table.items()}),
        "now": now, "batch": batch_size, "fallback": fallback.deadline, "fallback_warn": fallback.warn_at,
        "link_before": link_before, "link_after": link_after,
    }
    if workers is None:
        workers = settings.GRIDGOV_SWEEP_WORKERS
    statement = escalation_statement()
    result = NeedSweepResult()
    for part in side_by_side(lambda: _batches(statement, params, batch_size), workers):
        result.escalated += part.escalated
        result.history_entries += part.history_entries
        result.notifications += part.notifications
        result.batches += part.batches
    overdue = overdue_statement()
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(overdue, params)
            flagged = cursor.rowcount
        result.overdue_flagged += flagged
        if flagged < batch_size:
            break
    if result.notifications:
        # The emails go after commit, by the inbox's own task (it claims pending rows: idempotent).
        transaction.on_commit(request_email_delivery_if_pending)
    return result


def _batches(statement: str, params: dict[str, Any], batch_size: int) -> NeedSweepResult:
    result = NeedSweepResult()
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_hashjoin = off")
            cursor.execute("SET LOCAL enable_mergejoin = off")
            cursor.execute(statement, params)
            moved, history, due, notified = cursor.fetchone()
        result.batches += 1
        result.notifications += notified
        result.escalated += moved
        result.history_entries += history
        if due < batch_size:
            return result

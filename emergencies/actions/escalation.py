"""Tasks not done by their deadline climb the case machine's level chain (grid → community →
street → district), by the case sweep's own parts: its level tables (incidents.levels) compiled by
its SQL helpers (incidents.sweeping), its claim (FOR UPDATE SKIP LOCKED) and its clock
(incidents.clock.add_time: the next level's time is ``GRIDGOV_EMERGENCY_ESCALATION_HOURS`` on the
urgent clock). The staff of the level reached are told in the inbox (emergencies.notices), in the
same statement. A task is escalated once per passed deadline: its new deadline lies ahead, so a
second run at the same moment finds nothing (the beat task is idempotent).
"""
from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from incidents import clock
from incidents.actions.notifications import request_email_delivery_if_pending
from incidents.levels import LEVEL_CHAIN, LEVEL_CODE_LENGTH, LEVEL_ROLE, NEXT_LEVEL
from incidents.models import Clock
from incidents.sweeping import side_by_side, sql_case, sql_list, sql_literal

from ..models import Outcome
from ..notices import TASKS_ESCALATED, campaign_link_parts

# Outcomes still waiting for somebody at the door.
OPEN_OUTCOMES = (Outcome.PENDING, Outcome.NOBODY_HOME)

_SWEEP = """
WITH due AS (
    SELECT t.id, t.escalations AS old_escalations FROM emergencies_task t
    JOIN emergencies_campaign c ON c.id = t.campaign_id
    JOIN emergencies_emergency e ON e.id = c.emergency_id AND e.status = 'active'
    WHERE t.outcome IN ({open}) AND t.level <> {top} AND t.deadline < %(now)s
    ORDER BY t.id LIMIT %(batch)s
    FOR UPDATE OF t SKIP LOCKED
),
moved AS (
    UPDATE emergencies_task t SET level = {next_level}, escalations = t.escalations + 1, deadline = %(next_deadline)s
    FROM due WHERE t.id = due.id AND t.deadline < %(now)s
    RETURNING t.campaign_id, t.cell_id, t.level, due.old_escalations
),
counted AS (
    UPDATE emergencies_cellprogress p SET overdue = p.overdue + m.first_time
    FROM (SELECT campaign_id, cell_id, count(*) FILTER (WHERE old_escalations = 0) AS first_time FROM moved GROUP BY 1, 2) m
    WHERE p.campaign_id = m.campaign_id AND p.cell_id = m.cell_id AND m.first_time > 0
    RETURNING 1
),
-- The staff of the level the tasks reached (the area of that level whose code the cell's starts
-- with, the role holding that level): one notification per campaign and area, with the count.
reached AS (
    SELECT m.campaign_id, m.level, left(a.code, {code_length}) AS code, count(*) AS moved_here
    FROM moved m JOIN grids_area a ON a.id = m.cell_id GROUP BY 1, 2, 3
),
notified AS (
    INSERT INTO incidents_notification (user_id, incident_id, link, kind, text, action, params, created_at, email_state)
    SELECT u.id, NULL, %(link_before)s || r.campaign_id || %(link_after)s, {kind}, '', {kind},
           jsonb_build_object('count', r.moved_here, 'campaign', c.title, 'deadline', jsonb_build_object('when', %(next_deadline_text)s)),
           %(now)s, CASE WHEN u.email <> '' THEN 'pending' ELSE 'none' END
    FROM reached r
    JOIN emergencies_campaign c ON c.id = r.campaign_id
    JOIN grids_area la ON la.valid_to IS NULL AND la.level = r.level AND la.code = r.code
    JOIN accounts_user u ON u.area_id = la.id AND u.is_active AND u.role = {level_role}
    RETURNING 1
)
SELECT (SELECT count(*) FROM moved), (SELECT count(*) FROM due), (SELECT count(*) FROM notified)
"""


def sweep_statement() -> str:
    return _SWEEP.format(
        open=sql_list(OPEN_OUTCOMES), top=sql_literal(LEVEL_CHAIN[-1]), next_level=sql_case("t.level", NEXT_LEVEL),
        code_length=sql_case("m.level", LEVEL_CODE_LENGTH), kind=sql_literal(TASKS_ESCALATED),
        level_role=sql_case("r.level", {level: LEVEL_ROLE[level] for level in LEVEL_CHAIN[1:]}),
    )


def escalation_hours() -> float:
    return float(getattr(settings, "GRIDGOV_EMERGENCY_ESCALATION_HOURS", 2))


def escalate_overdue_tasks(*, now: datetime | None = None, batch_size: int = 20_000, workers: int = 1) -> int:
    """Move every overdue open task of a running emergency one level up; answers how many moved."""
    now = now or timezone.now()
    next_deadline = clock.add_time(now, Clock.URGENT_HOURS, escalation_hours())
    statement = sweep_statement()
    link_before, link_after = campaign_link_parts()
    params = {"now": now, "batch": batch_size, "next_deadline": next_deadline, "next_deadline_text": next_deadline.isoformat(),
              "link_before": link_before, "link_after": link_after}

    def batches() -> tuple[int, int]:
        moved_total = notified_total = 0
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, params)
                moved, claimed, notified = cursor.fetchone()
            moved_total += moved
            notified_total += notified
            if claimed < batch_size:
                return moved_total, notified_total

    parts = side_by_side(batches, workers)
    if any(notified for _, notified in parts):
        # The emails go after commit, by the inbox's own task (it claims pending rows: idempotent).
        transaction.on_commit(request_email_delivery_if_pending)
    return sum(moved for moved, _ in parts)

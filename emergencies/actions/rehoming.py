"""After a redraw: the open tasks of a running emergency follow their households to the new cell
and to the grid worker now covering it; the cells' counters follow them.

grids announces a publish by calling the move hook of every registered cell occupant inside the
publishing transaction (grids.registry; emergencies' ready() registers the open tasks with the
building's point, the same point the households follow). This module is that hook: one statement
moves every task of the publish, re-assigns it and moves its counts between the cells' counters.
Done, refused and needs-help tasks stay in the cell they were done in (their record).

accounts is installed before emergencies, so its own hook (the grid workers' assignments) has run
when this one reads who covers the new cells.
"""
from __future__ import annotations

from django.db import connection

from incidents.sweeping import sql_list

from ..health import COUNTER_COLUMNS
from .campaigns import COVERING_WORKER
from .escalation import OPEN_OUTCOMES

# The covering worker is the campaigns' own rule (earliest active assignment of the cell).
_REHOME = """
WITH moves AS (
    SELECT * FROM unnest(%(tasks)s::bigint[], %(cells)s::bigint[]) AS m (task_id, new_cell_id)
),
covering AS ({covering}),
old AS (
    SELECT t.id, t.campaign_id, t.cell_id AS old_cell_id, m.new_cell_id, t.care,
           (t.outcome = 'nobody_home')::int AS nobody_home, (t.escalations > 0)::int AS overdue, t.answers
    FROM emergencies_task t JOIN moves m ON m.task_id = t.id
    WHERE t.cell_id <> m.new_cell_id AND t.outcome IN ({open})
    FOR UPDATE OF t
),
moved AS (
    UPDATE emergencies_task t SET cell_id = o.new_cell_id, worker_id = c.user_id
    FROM old o LEFT JOIN covering c ON c.cell_id = o.new_cell_id
    WHERE t.id = o.id
    RETURNING o.campaign_id, o.old_cell_id, o.new_cell_id, o.care, o.nobody_home, o.overdue, o.answers, c.user_id AS worker_id
),
left_behind AS (
    UPDATE emergencies_cellprogress p SET total = p.total - g.total, care_total = p.care_total - g.care_total,
           nobody_home = p.nobody_home - g.nobody_home, overdue = p.overdue - g.overdue{health_left}
    FROM (SELECT campaign_id, old_cell_id, count(*) AS total, count(*) FILTER (WHERE care) AS care_total,
                 sum(nobody_home) AS nobody_home, sum(overdue) AS overdue{health_sums}
          FROM moved GROUP BY 1, 2) g
    WHERE p.campaign_id = g.campaign_id AND p.cell_id = g.old_cell_id
    RETURNING 1
),
arrived AS (
    INSERT INTO emergencies_cellprogress AS p (campaign_id, cell_id, worker_id, total, care_total, reached, care_reached,
                                               nobody_home, needs_help, overdue{health_columns})
    SELECT campaign_id, new_cell_id, min(worker_id), count(*), count(*) FILTER (WHERE care), 0, 0, sum(nobody_home), 0,
           sum(overdue){health_sums}
    FROM moved GROUP BY 1, 2
    ON CONFLICT (campaign_id, cell_id) DO UPDATE SET
        total = p.total + EXCLUDED.total, care_total = p.care_total + EXCLUDED.care_total,
        nobody_home = p.nobody_home + EXCLUDED.nobody_home, overdue = p.overdue + EXCLUDED.overdue{health_arrived},
        worker_id = COALESCE(p.worker_id, EXCLUDED.worker_id)
    RETURNING 1
)
SELECT count(*) FROM moved
"""


def rehome_statement() -> str:
    """The statement, with one counter per health question (a task moved keeps its answers)."""
    return _REHOME.format(
        covering=COVERING_WORKER, open=sql_list(OPEN_OUTCOMES),
        health_columns="".join(f", {c}" for c in COUNTER_COLUMNS),
        health_sums="".join(f", count(*) FILTER (WHERE (answers ->> '{c}')::boolean) AS {c}" for c in COUNTER_COLUMNS),
        health_left="".join(f", {c} = p.{c} - g.{c}" for c in COUNTER_COLUMNS),
        health_arrived="".join(f", {c} = p.{c} + EXCLUDED.{c}" for c in COUNTER_COLUMNS),
    )


def rehome_tasks(occupant, moves) -> int:
    """grids registry hook: move the open tasks of a publish to their new cells; answers how many moved."""
    if not moves:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            rehome_statement(),
            {"tasks": [m.pk for m in moves], "cells": [m.new_cell_id for m in moves]},
        )
        return cursor.fetchone()[0]

"""Indexes on incidents' tables for the evaluation (dispatch.indicators) and the command centre's queue.

They used to be created by dispatch's migrations 0002 and 0005 under ``dispatch_*`` names; a
table's indexes belong to the app that owns the table, so they are created here now and those two
migrations do nothing. Same definitions, incidents' names. A database migrated before has them
under the old names: each is renamed (``ALTER INDEX IF EXISTS``) before ``CREATE INDEX IF NOT
EXISTS`` looks for it, so fresh and existing databases end with the same four indexes.

- cases by reporting time, carrying every column the indicators read, so that a period's scan is
  an index-only scan of a narrow index rather than of the wide case rows;
- the few rework entries of the timeline, so "was it ever reworked" is a small hash join;
- the command centre's queue (cases held at district level that are still active), carrying what
  the queue counts and sorts by, so the console's refresh is an index-only scan of a few thousand
  entries however many closed cases lie in the table;
- cases by filed area and reporting time: an area's indicators fetch only the period's cases of
  its areas (through the plain ``filed_area_id`` index every case the area ever had was fetched,
  so the cost grew with each year kept). Its columns never change after a case is filed, and it
  serves every lookup by ``filed_area_id`` (0006 dropped the single-column one). Built
  CONCURRENTLY: a million-row table keeps taking writes meanwhile; an interrupted build leaves an
  invalid index of this name: drop it and migrate again.
"""
from django.db import migrations

INDEXES = [
    (
        "dispatch_incident_period_idx",
        "incidents_incident_period_idx",
        """CREATE INDEX IF NOT EXISTS incidents_incident_period_idx ON incidents_incident (created_at)
           INCLUDE (id, filed_area_id, status, level, deadline, closed_at, resolved_at_grid, reporter_id, category_id)""",
    ),
    (
        "dispatch_timeline_rework_idx",
        "incidents_timeline_rework_idx",
        """CREATE INDEX IF NOT EXISTS incidents_timeline_rework_idx ON incidents_timelineentry (at, incident_id)
           WHERE action = 'rework'""",
    ),
    (
        "dispatch_incident_centre_idx",
        "incidents_incident_centre_idx",
        """CREATE INDEX IF NOT EXISTS incidents_incident_centre_idx ON incidents_incident (deadline)
           INCLUDE (id, status, urgency, deadline_started_at, filed_area_id, category_id, source, created_at)
           WHERE level = 'district' AND status IN
           ('reported', 'registered', 'assigned', 'dispatched', 'in_progress', 'rework', 'handled', 'verified', 'deferred')""",
    ),
    (
        "dispatch_incident_area_period_idx",
        "incidents_incident_area_period_idx",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS incidents_incident_area_period_idx ON incidents_incident (filed_area_id, created_at)",
    ),
]


def rename(old: str, new: str) -> str:
    return f"ALTER INDEX IF EXISTS {old} RENAME TO {new}"


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("incidents", "0007_timeline_params_and_extensible_vocabularies"),
    ]

    operations = [
        operation
        for old, new, create in INDEXES
        for operation in (
            migrations.RunSQL(rename(old, new), reverse_sql=migrations.RunSQL.noop),
            migrations.RunSQL(create, reverse_sql=f"DROP INDEX {'CONCURRENTLY ' if 'CONCURRENTLY' in create else ''}IF EXISTS {new}"),
        )
    ]

"""Indexes on incidents' tables that the evaluation (dispatch.indicators) needs at a million cases.

They live here, not in incidents, because only the evaluation reads this way; ``IF NOT EXISTS``
keeps the migration safe if incidents ever adds the same index under the same name.

- cases by reporting time, carrying every column the indicators read, so that a period's scan is
  an index-only scan of a narrow index rather than of the wide case rows;
- the few rework entries of the timeline, so "was it ever reworked" is a small hash join;
- the command centre's queue (cases held at district level that are still active), carrying what
  the queue counts and sorts by, so the console's refresh is an index-only scan of a few
  thousand entries however many closed cases lie in the table.
"""
from django.db import migrations

CREATE = [
    """CREATE INDEX IF NOT EXISTS dispatch_incident_period_idx ON incidents_incident (created_at)
       INCLUDE (id, filed_area_id, status, level, deadline, closed_at, resolved_at_grid, reporter_id, category_id)""",
    """CREATE INDEX IF NOT EXISTS dispatch_timeline_rework_idx ON incidents_timelineentry (at, incident_id)
       WHERE action = 'rework'""",
    """CREATE INDEX IF NOT EXISTS dispatch_incident_centre_idx ON incidents_incident (deadline)
       INCLUDE (id, status, urgency, deadline_started_at, filed_area_id, category_id, source, created_at)
       WHERE level = 'district' AND status IN
       ('reported', 'registered', 'assigned', 'dispatched', 'in_progress', 'rework', 'handled', 'verified', 'deferred')""",
]
DROP = [
    "DROP INDEX IF EXISTS dispatch_incident_period_idx",
    "DROP INDEX IF EXISTS dispatch_timeline_rework_idx",
    "DROP INDEX IF EXISTS dispatch_incident_centre_idx",
]


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0001_initial"),
        ("incidents", "0001_initial"),
    ]

    operations = [migrations.RunSQL(sql, reverse_sql=drop) for sql, drop in zip(CREATE, DROP)]

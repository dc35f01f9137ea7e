"""Cases by filed area and closing time, for the evaluation's carry-over: an area's indicators
fetch the cases reported before the period that were still open at its start (``closed_at`` NULL
or after the start) through this index, instead of every case the area ever had. Built
CONCURRENTLY (a million-row table keeps taking writes meanwhile); an interrupted build leaves an
invalid index of this name: drop it and migrate again.

And the timeline's entries that report a case handled, so "handled by the end of the period" is a
small hash join like the rework entries' (incidents_timeline_rework_idx, migration 0008)."""
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("incidents", "0012_case_deadline_history")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS incidents_incident_area_closed_idx ON incidents_incident (filed_area_id, closed_at)",
            "DROP INDEX CONCURRENTLY IF EXISTS incidents_incident_area_closed_idx",
        ),
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS incidents_timeline_handled_idx ON incidents_timelineentry (at, incident_id)"
            " WHERE to_status = 'handled'",
            "DROP INDEX CONCURRENTLY IF EXISTS incidents_timeline_handled_idx",
        ),
    ]

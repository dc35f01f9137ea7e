"""The timeline's "handled" entries by case, for the indicators' look per case into its own entries
(dispatch/indicators/area_sql.py) instead of hashing every handled entry of the period in the city.
Built CONCURRENTLY (the timeline keeps taking writes); an interrupted build leaves an invalid
index of this name: drop it and migrate again. The (at, incident_id) index it replaces served
only that hash."""
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("incidents", "0023_pending_photo_uploads_on_disk")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS incidents_timeline_handled_by_case_idx ON incidents_timelineentry (incident_id, at)"
            " WHERE to_status = 'handled'",
            "DROP INDEX CONCURRENTLY IF EXISTS incidents_timeline_handled_by_case_idx",
        ),
        migrations.RunSQL(
            "DROP INDEX CONCURRENTLY IF EXISTS incidents_timeline_handled_idx",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS incidents_timeline_handled_idx ON incidents_timelineentry (at, incident_id)"
            " WHERE to_status = 'handled'",
        ),
    ]

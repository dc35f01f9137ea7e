"""Cases by filed area and reporting time, for the indicators (dispatch.indicators, ``_AREA_SQL``).

An area's indicators fetch the cases filed under its areas and reported in the period. Through the
plain index on ``filed_area_id`` every case the area ever had is fetched and those outside the
period are thrown away, so the cost grows with each year kept: on a copy of the city data set laid
out as cases arrive (by reporting time), a district's statement took ~300 ms over one year of
cases and ~450 ms once a second year was added; with this index, ~300 ms again.

Only columns that never change after a case is filed (the escalation sweep rewrites level, area,
deadline, status, version, updated_at — not these). It serves every lookup by ``filed_area_id``
too, so incidents' single-column index on that foreign key could give way to it.

Built CONCURRENTLY: a million-row table keeps taking writes meanwhile. If the build is interrupted
it leaves an invalid index of this name: drop it and migrate again.
"""

from django.db import migrations


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("dispatch", "0004_indicator_share_area_index"),
        ("incidents", "0004_incident_warn_at"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS dispatch_incident_area_period_idx"
            " ON incidents_incident (filed_area_id, created_at)",
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS dispatch_incident_area_period_idx",
        ),
    ]

"""Once created the (filed_area_id, created_at) index on incidents_incident; it belongs to incidents now.

incidents' migration 0008_indicator_indexes creates it as ``incidents_incident_area_period_idx``
(and renames ``dispatch_incident_area_period_idx`` on a database this migration already ran on).
Kept, doing nothing, so that the migration graph and every database's history stay valid.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0004_indicator_share_area_index"),
        ("incidents", "0004_incident_warn_at"),
    ]

    operations = []

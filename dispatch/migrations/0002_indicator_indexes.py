"""Once created indexes on incidents' tables; they belong to incidents now (incidents 0008_indicator_indexes).

A table's indexes belong to the app that owns the table, so incidents' migration 0007 creates
them under incidents' names (and renames them on a database this migration already ran on).
Kept, doing nothing, so that the migration graph and every database's history stay valid.
"""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0001_initial"),
        ("incidents", "0001_initial"),
    ]

    operations = []

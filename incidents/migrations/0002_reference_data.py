"""Seed the case taxonomy, default time limits and the working calendar (from chinese-calendar)."""
from django.db import migrations


def forwards(apps, schema_editor):
    from incidents.seeds import ensure_reference_data

    ensure_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

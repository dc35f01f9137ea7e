"""The kinds of need a district starts with (needs.seeds)."""
from django.db import migrations


def seed(apps, schema_editor):
    from needs.seeds import ensure_kinds

    ensure_kinds(apps.get_model("needs", "NeedKind"))


class Migration(migrations.Migration):
    dependencies = [("needs", "0001_needs_volunteers_codes")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

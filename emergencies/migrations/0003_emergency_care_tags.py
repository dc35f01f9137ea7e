"""The care tags an emergency asks about beyond residents' defaults (docs/emergency.md#care-tags):
a door-to-door campaign goes first to these residents. Administrators rename or retire them in
the care-tag list like any other; health conditions are sensitive."""
from django.db import migrations

EMERGENCY_TAGS = [
    # code, name, sensitive, order, description
    ("pregnant", "孕产妇", True, 70, "怀孕或产后一年内的妇女"),
    ("dialysis", "透析患者", True, 80, "需要定期血液透析或腹膜透析的人员"),
    ("bedridden", "失能卧床", True, 90, "长期卧床、生活不能自理的人员"),
    ("oxygen", "居家吸氧", True, 100, "依赖居家制氧或呼吸机的人员"),
]


def add_tags(apps, schema_editor):
    CareTag = apps.get_model("residents", "CareTag")
    for code, name, sensitive, order, description in EMERGENCY_TAGS:
        CareTag.objects.get_or_create(code=code, defaults={"name": name, "sensitive": sensitive, "order": order, "description": description})


class Migration(migrations.Migration):
    dependencies = [("emergencies", "0002_campaigns_and_tasks"), ("residents", "0002_default_care_tags")]
    operations = [migrations.RunPython(add_tags, migrations.RunPython.noop)]

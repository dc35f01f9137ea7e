"""The care tags every street uses (docs/domain/residents.md#care-tags); administrators add,
rename or retire them later.

Tag names are data (what the street calls them), stored in Chinese as streets write them.
Disability and serious illness are sensitive (PIPL art. 28): only roles that care for the
people see them.
"""
from django.db import migrations

DEFAULT_TAGS = [
    # code, name, sensitive, order, description
    ("elderly_alone", "独居老人", False, 10, "独自居住的老年人"),
    ("disabled", "残疾人", True, 20, "持残疾人证或经认定的残疾人"),
    ("low_income", "低保", False, 30, "最低生活保障对象"),
    ("left_behind_child", "留守儿童", False, 40, "父母双方外出务工的未成年人"),
    ("key_care", "重点关注", False, 50, "社区确定需要重点关注的人员"),
    ("serious_illness", "重病慢病", True, 60, "患重大疾病或慢性病、需要照护的人员"),
]


def add_tags(apps, schema_editor):
    CareTag = apps.get_model("residents", "CareTag")
    for code, name, sensitive, order, description in DEFAULT_TAGS:
        CareTag.objects.get_or_create(code=code, defaults={"name": name, "sensitive": sensitive, "order": order, "description": description})


class Migration(migrations.Migration):
    dependencies = [("residents", "0001_initial")]
    operations = [migrations.RunPython(add_tags, migrations.RunPython.noop)]

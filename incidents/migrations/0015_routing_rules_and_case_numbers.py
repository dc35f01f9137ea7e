"""Routing rules (where a new case starts, and whether it is dispatched automatically), seeded
with the defaults of incidents.seeds.ROUTING; and the case number (YYYYMMDD-NNNN, per district
and local day) with its counter, backfilled for the cases filed before it in the order they were
reported (docs/domain/cases.md#case-numbers)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BACKFILL = """
WITH numbered AS (
    SELECT i.id, substr(a.code, 1, 6) AS district_code, (i.created_at AT TIME ZONE %(zone)s)::date AS day,
           row_number() OVER (
               PARTITION BY substr(a.code, 1, 6), (i.created_at AT TIME ZONE %(zone)s)::date ORDER BY i.created_at, i.id
           ) AS n
    FROM incidents_incident i JOIN grids_area a ON a.id = i.filed_area_id
    WHERE i.number = ''
), numbered_cases AS (
    UPDATE incidents_incident i
    SET number = to_char(numbered.day, 'YYYYMMDD') || '-' || lpad(numbered.n::text, greatest(4, length(numbered.n::text)), '0')
    FROM numbered WHERE numbered.id = i.id
    RETURNING numbered.district_code, numbered.day, numbered.n
)
INSERT INTO incidents_casenumbercounter (district_code, day, last)
SELECT district_code, day, max(n) FROM numbered_cases GROUP BY district_code, day
ON CONFLICT (district_code, day) DO UPDATE SET last = greatest(incidents_casenumbercounter.last, EXCLUDED.last)
"""


def seed_routing(apps, schema_editor):
    from incidents.seeds import ensure_routing

    ensure_routing(apps)


def number_existing_cases(apps, schema_editor):
    schema_editor.execute(BACKFILL, params={"zone": settings.TIME_ZONE})


class Migration(migrations.Migration):

    dependencies = [
        ('grids', '0004_draft_undo'),
        ('incidents', '0014_resident_source'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CaseNumberCounter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('district_code', models.CharField(max_length=6, verbose_name='district code')),
                ('day', models.DateField(verbose_name='day')),
                ('last', models.PositiveIntegerField(verbose_name='last number')),
            ],
            options={
                'verbose_name': 'case number counter',
                'verbose_name_plural': 'case number counters',
            },
        ),
        migrations.CreateModel(
            name='RoutingRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('condition', models.CharField(choices=[('normal', 'Normal'), ('urgent', 'Urgent')], default='normal', max_length=10, verbose_name='condition')),
                ('start_level', models.CharField(choices=[('district', 'District'), ('street', 'Street office'), ('community', 'Community'), ('grid', 'Grid cell')], help_text="Grid: the cell's grid worker; community or street: their staff; district: the command centre's intake (受理).", max_length=10, verbose_name='starts at')),
                ('auto_dispatch', models.BooleanField(default=False, help_text="When the command centre registers such a case, it goes to the class's default departments at once; the dispatcher may correct it.", verbose_name='dispatch automatically')),
            ],
            options={
                'verbose_name': 'routing rule',
                'verbose_name_plural': 'routing rules',
                'ordering': ['category__code', 'condition'],
            },
        ),
        migrations.AddField(
            model_name='incident',
            name='number',
            field=models.CharField(blank=True, db_default='', default='', editable=False, max_length=16, verbose_name='case number'),
        ),
        migrations.AddConstraint(
            model_name='casenumbercounter',
            constraint=models.UniqueConstraint(fields=('district_code', 'day'), name='one_case_counter_per_district_day'),
        ),
        migrations.AddField(
            model_name='routingrule',
            name='category',
            field=models.ForeignKey(blank=True, help_text='A minor or a major class; empty: every class without a rule of its own.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='routing_rules', to='incidents.category', verbose_name='category'),
        ),
        migrations.AddConstraint(
            model_name='routingrule',
            constraint=models.UniqueConstraint(fields=('category', 'condition'), name='one_routing_rule_per_class_condition', nulls_distinct=False),
        ),
        migrations.AddConstraint(
            model_name='routingrule',
            constraint=models.CheckConstraint(condition=models.Q(('auto_dispatch', False), ('start_level', 'district'), _connector='OR'), name='routing_auto_dispatch_at_centre', violation_error_message='Only the command centre dispatches: a rule that dispatches automatically starts at district level.'),
        ),
        migrations.RunPython(seed_routing, migrations.RunPython.noop),
        migrations.RunPython(number_existing_cases, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='incident',
            index=models.Index(condition=models.Q(('number', ''), _negated=True), fields=['number'], name='incident_number_idx'),
        ),
    ]

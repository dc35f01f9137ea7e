from django.db import migrations, models


class Migration(migrations.Migration):
    """A campaign's health questions (yes/no, emergencies.health) and their "yes" counts per cell."""

    dependencies = [
        ("emergencies", "0004_progress_worker_and_care_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="campaign", name="health_questions",
            field=models.JSONField(blank=True, default=list, verbose_name="health questions"),
        ),
        migrations.AddField(model_name="cellprogress", name="fever", field=models.PositiveIntegerField(db_default=0, default=0)),
        migrations.AddField(model_name="cellprogress", name="symptoms", field=models.PositiveIntegerField(db_default=0, default=0)),
        migrations.AddField(model_name="cellprogress", name="tested_today", field=models.PositiveIntegerField(db_default=0, default=0)),
    ]

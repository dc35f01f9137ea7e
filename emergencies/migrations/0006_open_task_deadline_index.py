from django.db import migrations, models


class Migration(migrations.Migration):
    """The sweep asks for open tasks (pending or nobody home) by deadline: the index covered pending
    ones only, so every batch walked the campaign's million tasks (bench/emergency_sweeps.py)."""

    dependencies = [
        ("emergencies", "0005_health_questions"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="task", name="task_pending_deadline_idx"),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(condition=models.Q(("outcome__in", ["pending", "nobody_home"])), fields=["deadline"],
                               name="task_open_deadline_idx"),
        ),
    ]

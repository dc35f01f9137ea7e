from django.db import migrations, models


class Migration(migrations.Migration):
    """A notification may be about something other than a case (an emergency's overdue tasks, a
    need that climbed a level): the case becomes optional and such a row names its page."""

    dependencies = [
        ("incidents", "0019_patrol_point_once_covers_the_track"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="incident",
            field=models.ForeignKey(blank=True, null=True, on_delete=models.deletion.CASCADE, related_name="notifications",
                                    to="incidents.incident"),
        ),
        migrations.AddField(
            model_name="notification",
            name="link",
            field=models.CharField(blank=True, db_default="", default="", max_length=200, verbose_name="link"),
        ),
    ]

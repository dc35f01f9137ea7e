from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmergenciesConfig(AppConfig):
    name = "emergencies"
    verbose_name = _("Emergencies")

    def ready(self) -> None:
        from gridgov.celery import app as celery_app
        from gridgov.context_processors import register_nav
        from grids.registry import register_cell_occupant

        from .actions.escalation import OPEN_OUTCOMES
        from .actions.rehoming import rehome_tasks
        from .capabilities import READ_PROGRESS, WORK_TASKS
        from .hooks import register_needs_help
        from .models import EmergencyStatus, Task
        from .needs_link import need_from_task
        from .notices import register_notices
        from .tasks import BEAT_SCHEDULE

        register_needs_help(need_from_task)
        register_notices()
        # A redraw moves the open tasks with their households, to the new cell's grid worker.
        register_cell_occupant(
            key="emergency_tasks", label=_("Open emergency tasks"),
            queryset=lambda: Task.objects.filter(outcome__in=OPEN_OUTCOMES, campaign__emergency__status=EmergencyStatus.ACTIVE),
            cell_field="cell", point_field="building__location", move=rehome_tasks,
        )

        # Overdue tasks climb the level chain every minute; ended emergencies are anonymised hourly.
        celery_app.conf.beat_schedule.update(BEAT_SCHEDULE)
        register_nav("emergencies:tasks", _("Emergency tasks"), capability=WORK_TASKS, order=26, offline=True)
        register_nav("emergencies:dashboard", _("Emergencies"), capability=READ_PROGRESS, order=16)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Patrols and incidents")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from accounts.models import Role
        from accounts.views import register_home_card
        from gridgov.celery import app as celery_app
        from gridgov.context_processors import register_nav
        from grids.registry import register_cell_occupant

        from . import clock, home
        from .actions import machine, own_acts
        from .models import Category, Incident, OPEN_STATUSES, TimeLimit, WorkingCalendar
        from .queries import unread_count
        from .tasks import BEAT_SCHEDULE

        # The case machine's own acts; apps above add theirs from their own ready().
        machine.register_acts(own_acts())

        # The sweep runs every minute under beat, which claims due rows in the database
        # (docs/architecture.md#celery-work).
        celery_app.conf.beat_schedule.update(BEAT_SCHEDULE)

        field_roles = [Role.GRID_WORKER, Role.COMMUNITY, Role.STREET, Role.DISPATCHER]
        register_nav("incidents:list", _("Cases"), roles=field_roles + [Role.LEADER, Role.GIS_ADMIN], order=20)
        register_nav("incidents:report", _("Report"), roles=field_roles, order=21)
        register_nav("incidents:patrol", _("Patrol"), roles=[Role.GRID_WORKER], order=22)
        register_nav("incidents:inbox", _("Inbox"), roles=[Role.COMMUNITY, Role.STREET], order=23)
        register_nav("incidents:hotline", _("Hotline 12345"), roles=[Role.DISPATCHER], order=24)
        register_nav(
            "incidents:notifications", _("Notifications"), order=90, badge=lambda request: unread_count(request.user) or None
        )

        register_home_card([Role.GRID_WORKER], home.grid_worker_card)
        register_home_card([Role.GRID_WORKER], home.patrol_card)
        register_home_card([Role.COMMUNITY, Role.STREET], home.level_inbox_card)
        register_home_card([Role.DISPATCHER], home.centre_card)

        # Open cases held at grid level follow their cell when boundaries are redrawn; the cell
        # they were filed against (``cell``) never changes.
        register_cell_occupant(
            key="open_incidents",
            label=_("Open cases"),
            queryset=lambda: Incident.objects.filter(status__in=OPEN_STATUSES, level="grid"),
            cell_field="area",
            point_field="location",
        )

        def _forget(**kwargs):
            clock.clear_cache()

        for model in (WorkingCalendar, TimeLimit, Category):
            post_save.connect(_forget, sender=model, dispatch_uid=f"incidents-clock-{model.__name__}-save")
            post_delete.connect(_forget, sender=model, dispatch_uid=f"incidents-clock-{model.__name__}-delete")

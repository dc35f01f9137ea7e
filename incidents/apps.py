from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Patrols and incidents")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from accounts.capabilities import Capability
        from accounts.views import register_home_card
        from gridgov.celery import app as celery_app
        from gridgov.context_processors import register_nav
        from grids.registry import register_cell_occupant

        from . import changes, clock, home, routing
        from .actions import machine, own_acts
        from .models import Category, Incident, OPEN_STATUSES, RoutingRule, TimeLimit, WorkingCalendar
        from .queries import unread_count
        from .tasks import BEAT_SCHEDULE

        # The case machine's own acts; apps above add theirs from their own ready().
        machine.register_acts(own_acts())

        # The sweep runs every minute under beat, which claims due rows in the database
        # (docs/architecture.md#celery-work).
        celery_app.conf.beat_schedule.update(BEAT_SCHEDULE)

        register_nav("incidents:list", _("Cases"), capability=Capability.BROWSE_CASES, order=20, offline=True, phone_bar=True)
        register_nav("incidents:report", _("Report"), capability=Capability.REPORT_CASES, order=21, offline=True, phone_bar="primary")
        register_nav("incidents:patrol", _("Patrol"), capability=Capability.WORK_CELLS, order=22, offline=True, phone_bar=True)
        register_nav("incidents:inbox", _("Inbox"), capability=Capability.HOLD_LEVEL_INBOX, order=23)
        register_nav("incidents:hotline", _("Hotline 12345"), capability=Capability.TAKE_HOTLINE_CALLS, order=24)
        register_nav(
            "incidents:notifications", _("Notifications"), order=90, badge=lambda request: unread_count(request.user) or None
        )

        register_home_card(Capability.WORK_CELLS, home.grid_worker_card, order=10)
        register_home_card(Capability.WORK_CELLS, home.patrol_card, order=40)
        register_home_card(Capability.HOLD_LEVEL_INBOX, home.level_inbox_card)
        register_home_card(Capability.RUN_COMMAND_CENTRE, home.centre_card)

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

        def _forget_routes(**kwargs):
            routing.clear_cache()

        for model in (RoutingRule, Category):
            post_save.connect(_forget_routes, sender=model, dispatch_uid=f"incidents-routing-{model.__name__}-save")
            post_delete.connect(_forget_routes, sender=model, dispatch_uid=f"incidents-routing-{model.__name__}-delete")

        # A case saved or deleted outside the machine (a new report, an import) is a change too.
        for signal in (post_save, post_delete):
            signal.connect(changes.note_case_change, sender=Incident, dispatch_uid=f"incidents-changes-{signal is post_save}")

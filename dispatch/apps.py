from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Command centre and departments")

    def ready(self) -> None:
        from accounts.models import Role
        from accounts.views import register_home_card
        from gridgov.context_processors import register_nav
        from incidents.scope import register_incident_scope

        from incidents.actions import machine

        from . import actions, home
        from .kinds import register_vocabulary
        from .queries import department_cases

        # The command centre's part of the case machine, in one place: its statuses and
        # notification kinds, its acts (each with its runner), and what happens to the
        # departments' shares when a case leaves the centre.
        register_vocabulary()
        machine.register_acts(actions.acts())
        machine.on_level_change(actions.withdraw_shares_leaving_centre)

        # A department handler sees exactly the cases that were ever dispatched to their department.
        register_incident_scope(Role.DEPARTMENT, department_cases)

        register_nav("dispatch:console", _("Command centre"), roles=[Role.DISPATCHER], order=15)
        register_nav("dispatch:inbox", _("Department inbox"), roles=[Role.DEPARTMENT], order=15, badge=home.inbox_badge)
        register_nav("dispatch:checks", _("On-site checks"), roles=[Role.GRID_WORKER], order=25, badge=home.checks_badge)
        register_nav(
            "dispatch:indicators",
            _("Evaluation"),
            roles=[Role.DISPATCHER, Role.LEADER, Role.STREET, Role.COMMUNITY, Role.DEPARTMENT, Role.GIS_ADMIN],
            order=30,
        )

        register_home_card([Role.DISPATCHER], home.console_card)
        register_home_card([Role.DEPARTMENT], home.department_card)
        register_home_card([Role.GRID_WORKER], home.checks_card)
        register_home_card([Role.LEADER, Role.DISPATCHER], home.indicators_card)

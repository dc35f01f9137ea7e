from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Command centre and departments")

    def ready(self) -> None:
        from accounts.capabilities import Capability
        from accounts.views import register_home_card
        from gridgov.context_processors import register_nav
        from incidents.scope import register_incident_scope

        from incidents.actions import machine

        from . import actions, home
        from .kinds import register_vocabulary
        from .queries import department_cases, department_scope_key

        # The command centre's part of the case machine, in one place: its statuses and
        # notification kinds, its acts (each with its runner), and what happens to the
        # departments' shares when a case leaves the centre.
        register_vocabulary()
        machine.register_acts(actions.acts())
        machine.on_level_change(actions.withdraw_shares_leaving_centre)
        # A case the routing rule says to dispatch automatically goes to its default departments
        # as soon as the centre registers it (incidents.routing; dispatch.actions.routed).
        machine.after_act(actions.dispatch_when_routed)

        # A department handler (who may not see every department's work) sees exactly the cases
        # that were ever dispatched to their department.
        register_incident_scope(Capability.SEE_EVERY_DEPARTMENT, department_cases, key=department_scope_key)

        # The queue shows each case's shares and extension requests: their writes are case changes
        # for the console's kept answers (incidents.changes).
        from django.db.models.signals import post_delete, post_save

        from incidents.changes import note_case_change

        from .models import Assignment, ExtensionRequest

        for model in (Assignment, ExtensionRequest):
            for signal in (post_save, post_delete):
                signal.connect(note_case_change, sender=model, dispatch_uid=f"dispatch-changes-{model.__name__}-{signal is post_save}")

        register_nav("dispatch:console", _("Command centre"), capability=Capability.RUN_COMMAND_CENTRE, order=15)
        register_nav(
            "dispatch:inbox", _("Department inbox"), capability=Capability.WORK_DEPARTMENT_SHARES, order=15, badge=home.inbox_badge, offline=True,
            phone_bar=True,
        )
        register_nav("dispatch:checks", _("On-site checks"), capability=Capability.WORK_CELLS, order=25, badge=home.checks_badge, offline=True,
                     phone_bar=True)
        register_nav("dispatch:indicators", _("Evaluation"), capability=Capability.READ_EVALUATION, order=30)
        register_nav("dispatch:workload", _("Grid workers"), capability=Capability.ASSIGN_CELLS, order=32)

        register_home_card(Capability.RUN_COMMAND_CENTRE, home.console_card)
        register_home_card(Capability.WORK_DEPARTMENT_SHARES, home.department_card)
        register_home_card(Capability.WORK_CELLS, home.checks_card, order=20)
        register_home_card(Capability.WORK_CELLS, home.verdicts_card)
        register_home_card(Capability.EVALUATE, home.indicators_card)
        register_home_card(Capability.ASSIGN_CELLS, home.workload_card)

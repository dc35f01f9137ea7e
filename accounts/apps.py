from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Users, roles and jurisdiction")

    def ready(self) -> None:
        from grids.registry import register_cell_occupant

        from . import fastauth
        from .actions import move_assignments
        from .models import GridAssignment

        register_cell_occupant(
            key="grid_worker_assignments",
            label=_("Grid-worker assignments"),
            queryset=lambda: GridAssignment.objects.filter(ended_at__isnull=True),
            cell_field="cell",
            move=move_assignments,
        )
        fastauth.connect_signals()

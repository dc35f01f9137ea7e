from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = _("Grids and boundaries")

    def ready(self) -> None:
        from accounts.capabilities import Capability
        from gridgov.context_processors import register_nav

        register_nav("grids:import", _("Import boundaries"), capability=Capability.EDIT_BOUNDARIES, order=80)

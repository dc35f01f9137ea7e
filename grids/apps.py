from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = _("Grids and boundaries")

    def ready(self) -> None:
        from gridgov.context_processors import register_nav

        register_nav("grids:import", _("Import boundaries"), roles=["gis_admin"], order=80)

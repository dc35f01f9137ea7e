from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "residents"
    verbose_name = _("Residents")

    def ready(self) -> None:
        from django.conf import settings
        from django.urls import reverse

        from accounts.capabilities import Capability
        from accounts.views import register_home_card
        from gridgov.context_processors import register_nav
        from grids.registry import register_cell_occupant

        from . import privacy
        from .actions import apply_redraw_building_moves, apply_redraw_follow_building
        from .models import Building, Household, Person
        from .policy import can_see_statistics

        if getattr(settings, "PRODUCTION", False):
            # Like the secret key: production refuses to start without real keys (raises ImproperlyConfigured).
            privacy.keyring()

        # Buildings follow their point on a redraw; households and people carry a copy of the
        # building's cell and follow the same point (grids counts them for the impact preview).
        # The building hook moves the copies too (moved-out people included, so none is left
        # in a retired cell); the other two hooks only re-sync.
        occupants = [
            dict(key="buildings", label=_("Buildings"), queryset=lambda: Building.objects.all(), cell_field="cell",
                 point_field="location", move=apply_redraw_building_moves),
            dict(key="households", label=_("Households"), queryset=lambda: Household.objects.all(), cell_field="cell",
                 point_field="dwelling__building__location", move=apply_redraw_follow_building),
            dict(key="residents", label=_("Residents"), queryset=lambda: Person.objects.present(), cell_field="cell",
                 point_field="household__dwelling__building__location", move=apply_redraw_follow_building),
        ]
        for occupant in occupants:
            # How many households and people live in a cell is resident statistics: not for
            # department handlers (policy). Buildings are on the map anyway.
            if occupant["key"] != "buildings":
                occupant["visible"] = can_see_statistics
            try:
                register_cell_occupant(**occupant)
            except TypeError:
                # A registry without move hooks: it rewrites the foreign keys itself; the point
                # paths still send households and people where their building goes.
                occupant.pop("move")
                register_cell_occupant(**occupant)

        register_nav("residents:index", _("Residents"), capability=Capability.SEE_RESIDENT_RECORDS, order=20)
        register_nav("residents:due", _("Visits due"), capability=Capability.WORK_CELLS, order=21, badge=_due_badge, offline=True)
        # Who works with records reaches the statistics from the records' pages.
        register_nav(
            "residents:statistics", _("Population"), capability=Capability.READ_POPULATION_STATISTICS,
            unless=Capability.SEE_RESIDENT_RECORDS, order=22,
        )
        register_nav("residents:import", _("Import residents"), capability=Capability.IMPORT_RESIDENTS, order=23)
        # No role sees the audit log by default: superusers and holders of view_revealaudit (see policy).
        register_nav("residents:audit", _("Reveal audit"), capability=Capability.READ_REVEAL_AUDIT, order=90)

        def due_card(request):
            count = _due_count(request)
            return {
                "title": _("Residents due for a visit"),
                "body": _("%(count)d tagged residents in your cells have not been visited for 30 days.") % {"count": count}
                if count
                else _("Every tagged resident in your cells was visited in the last 30 days."),
                "items": _due_items(request) if count else [],
                "url": reverse("residents:due"),
                "link_label": _("See whom to visit"),
            }

        register_home_card(Capability.WORK_CELLS, due_card, order=30)


def _due_count(request) -> int:
    # The nav badge and the home card both ask on one page: count once per request.
    if not hasattr(request, "_residents_due_count"):
        from .queries import due_for_visit

        request._residents_due_count = due_for_visit(request.user).count()
    return request._residents_due_count


def _due_items(request, limit: int = 5) -> list[dict]:
    """The longest-unvisited first, as home lists them (the due page shows all)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from .queries import due_for_visit

    people = due_for_visit(request.user).select_related("household__dwelling__building")[:limit]
    return [
        {"url": reverse("residents:household", args=[person.household_id]), "text": person.name,
         "meta": _("last visit %(date)s") % {"date": person.last_visit.isoformat()} if person.last_visit else _("never visited")}
        for person in people
    ]


def _due_badge(request):
    return _due_count(request) or None

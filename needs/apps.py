from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "needs"
    verbose_name = _("Needs and volunteers")

    def ready(self) -> None:
        from accounts.capabilities import Capability
        from gridgov.celery import app as celery_app
        from gridgov.context_processors import register_nav
        from grids.registry import register_cell_occupant
        from residents.rotation import register_sealed_part

        from .actions.rehoming import rehome_needs
        from .choices import SETTLED_STATUSES
        from .models import Need

        from .notices import register_notices
        from .phones import rotate_caller_phones, rotate_volunteer_phones, stale_caller_phones, stale_volunteer_phones
        from .tasks import BEAT_SCHEDULE

        register_notices()
        # A redraw moves the needs not settled yet with their households (actions.rehoming).
        register_cell_occupant(
            key="needs", label=_("Needs not yet met"), queryset=lambda: Need.objects.exclude(status__in=SETTLED_STATUSES),
            cell_field="cell", point_field="household__dwelling__building__location", move=rehome_needs,
        )
        # The residents' key rotation re-encrypts and re-hashes the two numbers this app seals with
        # its keys: a volunteer signs in by his number's hash, the hotline finds a caller by it.
        register_sealed_part(key="needs.volunteer.phone", label="volunteers' phones", stale=stale_volunteer_phones,
                             rotate=rotate_volunteer_phones)
        register_sealed_part(key="needs.need.caller_phone", label="hotline callers' phones", stale=stale_caller_phones,
                             rotate=rotate_caller_phones)
        celery_app.conf.beat_schedule.update(BEAT_SCHEDULE)
        register_nav("needs:list", _("Needs"), capability=Capability.WORK_NEEDS, order=30, offline=True)
        register_nav("needs:volunteer", _("Needs to deliver"), capability=Capability.CLAIM_NEEDS, order=30)
        register_nav("needs:department", _("Needs handed to us"), capability=Capability.FULFIL_DEPARTMENT_NEEDS, order=30)
        register_nav("needs:overview", _("Needs"), capability=Capability.READ_NEEDS, order=30)
        register_nav("needs:volunteers", _("Volunteers"), capability=Capability.VERIFY_VOLUNTEERS, order=31)

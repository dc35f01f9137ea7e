"""The leader's "all on a map" (docs/emergency.md#the-map): the page and its two GeoJSON layers;
the needs' markers come from the needs board (``needs:markers?emergency=…``)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.capabilities import can
from grids.models import Level

from . import map_data, queries
from .capabilities import READ_PROGRESS
from .models import Emergency, Measure


def _emergency(request, pk: int) -> Emergency:
    if not can(request.user, READ_PROGRESS):
        raise PermissionDenied(_("Your role does not open this page."))
    return get_object_or_404(queries.visible_emergencies(request.user), pk=pk)


def _campaign_id(request) -> int | None:
    raw = request.GET.get("campaign", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404(_("No such campaign in this emergency."))
    return int(raw)


def _level(request) -> str:
    level = request.GET.get("level") or map_data.default_level(request.user)
    if level not in map_data.MAP_LEVELS:
        raise Http404(_("The map shades street offices, communities or grid cells."))
    return level


@login_required
@require_GET
def map_page(request, pk: int):
    emergency = _emergency(request, pk)
    campaign = map_data.chosen_campaign(emergency, _campaign_id(request))
    if campaign is None and request.GET.get("campaign"):
        raise Http404(_("No such campaign in this emergency."))
    level = _level(request)
    query = f"?level={level}" + (f"&campaign={campaign.pk}" if campaign else "")
    return render(request, "emergencies/map.html", {
        "emergency": emergency, "campaign": campaign, "campaigns": map_data.campaigns_of(emergency), "level": level,
        "levels": [(value, label) for value, label in Level.choices if value in map_data.MAP_LEVELS],
        "urls": {
            "zones": reverse("emergencies:map_zones", args=[emergency.pk]),
            "areas": reverse("emergencies:map_areas", args=[emergency.pk]) + query,
            "needs": reverse("needs:markers") + f"?emergency={emergency.pk}",
            "need": reverse("needs:detail", args=[0]),
        },
        "strings": {
            "households": _("Households"), "reached": _("Reached"), "care": _("Care-tagged reached"),
            "nobody_home": _("Nobody home"), "needs_help": _("Needs help"), "overdue_tasks": _("Tasks overdue"),
            "needs_open": _("Needs open"), "needs_overdue": _("Needs overdue"), "no_tasks": _("No task here"),
            "overdue": _("overdue"), "urgent": _("urgent"),
        },
        "measures": Measure.choices,
    })


@login_required
@require_GET
def map_zones(request, pk: int):
    return JsonResponse(map_data.zones(request.user, _emergency(request, pk)))


@login_required
@require_GET
def map_areas(request, pk: int):
    emergency = _emergency(request, pk)
    campaign = map_data.chosen_campaign(emergency, _campaign_id(request))
    if campaign is None and request.GET.get("campaign"):
        raise Http404(_("No such campaign in this emergency."))
    return JsonResponse(map_data.areas(request.user, emergency, campaign, _level(request)))

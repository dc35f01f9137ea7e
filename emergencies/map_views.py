"""The leader's "all on a map" (docs/emergency.md#the-map): the page and its two GeoJSON layers;
the needs' markers come from the needs board (``needs:markers?emergency=…``).

The three views share their gate (the progress capability, then the emergency in the reader's
view), their filter (campaign and level from the query) and its refusal (404 naming what is not
there) through ``gridgov.filtered_views``, as the needs board's data views do."""
from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.capabilities import can
from gridgov.filtered_views import filtered_view
from grids.models import Level

from . import map_data, queries
from .capabilities import READ_PROGRESS
from .models import Campaign, Emergency, Measure


@dataclass(frozen=True)
class MapFilter:
    emergency: Emergency
    campaign: Campaign | None = None
    level: str = ""


def _emergency(request, pk: int) -> Emergency:
    return get_object_or_404(queries.visible_emergencies(request.user), pk=pk)


def _campaign(request, emergency: Emergency) -> Campaign | None:
    raw = request.GET.get("campaign", "")
    if raw and not raw.isdigit():
        raise Http404(_("No such campaign in this emergency."))
    campaign = map_data.chosen_campaign(emergency, int(raw) if raw else None)
    if campaign is None and raw:
        raise Http404(_("No such campaign in this emergency."))
    return campaign


def _level(request) -> str:
    level = request.GET.get("level") or map_data.default_level(request.user)
    if level not in map_data.MAP_LEVELS:
        raise Http404(_("The map shades street offices, communities or grid cells."))
    return level


def _emergency_only(request, pk: int) -> MapFilter:
    return MapFilter(emergency=_emergency(request, pk))


def _emergency_campaign_level(request, pk: int) -> MapFilter:
    emergency = _emergency(request, pk)
    return MapFilter(emergency=emergency, campaign=_campaign(request, emergency), level=_level(request))


def _may_read(user) -> bool:
    return can(user, READ_PROGRESS)


_DENIED = gettext_lazy("Your role does not open this page.")
_whole_map = filtered_view(allowed=_may_read, denied=_DENIED, parse=_emergency_campaign_level)
_zones_only = filtered_view(allowed=_may_read, denied=_DENIED, parse=_emergency_only)


@_whole_map
def map_page(request, chosen: MapFilter):
    emergency, campaign, level = chosen.emergency, chosen.campaign, chosen.level
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


@_zones_only
def map_zones(request, chosen: MapFilter):
    return JsonResponse(map_data.zones(request.user, chosen.emergency))


@_whole_map
def map_areas(request, chosen: MapFilter):
    return JsonResponse(map_data.areas(request.user, chosen.emergency, chosen.campaign, chosen.level))

"""Cards this app adds to the role home pages (accounts.views.register_home_card)."""
from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grids.models import Area

from .models import OPEN_STATUSES, Patrol
from .queries import cells_geojson, in_my_cells, incidents_for, light_counts, my_cell_codes, waiting_for_level


# How many of her open cases home lists under the map; the counts and the list page hold them all.
HOME_CASES = 8


def grid_worker_card(request) -> dict | None:
    """Her cells on a map with their open cases, the counts by light and the most urgent cases.

    Counted by the cell a case was filed in (``queries.in_my_cells``), whichever level holds it
    now, with the light of ``clock.annotate_light``: the red count is the red markers."""
    user = request.user
    cells = list(Area.objects.filter(code__in=my_cell_codes(user), valid_to__isnull=True).order_by("code"))
    if not cells:
        return None  # home says she has no cell yet
    mine = in_my_cells(incidents_for(user), user)
    lights = light_counts(mine)
    count = sum(lights.values())
    open_cases = mine.filter(status__in=OPEN_STATUSES).order_by("deadline", "id")
    listed = list(open_cases[:HOME_CASES])
    markers = [
        {"id": case.pk, "lat": round(case.location.y, 6), "lng": round(case.location.x, 6), "light": case.light,
         "label": f"{case.label} {case.category.label}", "status": case.get_status_display()}
        # The map's markers: no boundaries of the case's areas (select_related of incidents_for).
        for case in open_cases.select_related(None).select_related("category")[:500]
    ]
    body = ngettext(
        "%(count)d open case in my cells (%(red)d overdue).",
        "%(count)d open cases in my cells (%(red)d overdue).",
        count,
    ) % {"count": count, "red": lights["red"]}
    list_url = reverse("incidents:list") + "?cells=mine&open=1"
    return {
        "title": _("Today's cases"), "body": body, "url": list_url, "link_label": _("Open the list"),
        "template": "incidents/_home_today.html",
        "count": count, "lights": [
            {"light": "red", "count": lights["red"], "label": _("overdue"), "url": list_url + "&light=red"},
            {"light": "yellow", "count": lights["yellow"], "label": _("nearly due"), "url": list_url + "&light=yellow"},
            {"light": "green", "count": lights["green"], "label": _("on time"), "url": list_url + "&light=green"},
        ],
        "cases": listed,
        "more": max(0, count - len(listed)),
        "map": {"cells": cells_geojson(cells), "cases": markers, "detail": reverse("incidents:detail", args=[0]),
                "tile_url": settings.GRIDGOV_TILE_URL, "tile_attribution": settings.GRIDGOV_TILE_ATTRIBUTION},
    }


def patrol_card(request) -> dict | None:
    running = Patrol.objects.filter(worker=request.user, ended_at__isnull=True).first()
    if running:
        return {"title": _("Patrol"), "body": _("A patrol is running."), "url": reverse("incidents:patrol"), "link_label": _("Continue the patrol")}
    return {"title": _("Patrol"), "body": _("Walk your cells and report what you find."), "url": reverse("incidents:patrol"),
            "link_label": _("Start patrol")}


def level_inbox_card(request) -> dict | None:
    waiting = waiting_for_level(request.user).filter(status__in=OPEN_STATUSES)
    count = waiting.count()
    red = waiting.filter(light="red").count()
    body = ngettext(
        "%(count)d case waits at your level (%(red)d overdue).", "%(count)d cases wait at your level (%(red)d overdue).", count
    ) % {"count": count, "red": red}
    return {"title": _("Inbox"), "body": body, "url": reverse("incidents:inbox"), "link_label": _("Open the inbox")}


def centre_card(request) -> dict | None:
    waiting = waiting_for_level(request.user).filter(status__in=OPEN_STATUSES)
    count = waiting.count()
    body = ngettext("%(count)d case held at the command centre.", "%(count)d cases held at the command centre.", count) % {"count": count}
    return {"title": _("Command centre"), "body": body, "url": reverse("incidents:list") + "?level=district",
            "link_label": _("Open the list")}

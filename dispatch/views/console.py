"""The dispatchers' console (a large screen, keyboard first) and the queue it polls."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import Department
from incidents.models import Source

from .. import poll_cache, queries
from .common import require_centre


@login_required
def console(request):
    require_centre(request.user)
    strings = {
        "empty": _("No case waits here."),
        "loading": _("Loading…"),
        "updated": _("Updated %(time)s"),
        "offline": _("The queue could not be refreshed; retrying."),
        "overdue": _("overdue"),
        "returned": _("returned"),
        "extension": _("asks for more time"),
        "dispatchTitle": _("Dispatch case %(label)s"),
        "none": _("No department owns this " "category: use “Hand to the locality” on the case page."),
        "done": _("Done: %(action)s."),
        "urgent": _("urgent"),
        "returnedIt": _("returned it"),
        "registering": _("Registering %(label)s…"),
        "address": _("Address"),
        "deadline": pgettext("queue", "Deadline"),
        "minutes": _("%(n)d min"),
        "hours": _("%(n)d h"),
        "days": _("%(n)d d"),
        "layerCases": pgettext("map layer", "Cases"),
        "layerHeat": pgettext("map layer", "Heatmap"),
        "clusterTitle": _("%(n)s cases here: click to zoom in"),
        "heatTotal": _("Heat map: %(n)s cases"),
    }
    departments = list(Department.objects.filter(active=True).order_by("code"))
    return render(
        request,
        "dispatch/console.html",
        {
            "streets": queries.street_choices(request.user),
            "categories": queries.category_choices(),
            "sources": Source.choices,
            "stages": [
                ("", _("All stages")),
                ("register", _("To register")),
                ("dispatch", _("To dispatch")),
                ("departments", _("With departments")),
                ("verify", _("To verify")),
                ("close", _("To close")),
                ("deferred", _("On hold")),
            ],
            "departments": departments,
            "defaults": queries.default_department_map(),
            "strings": strings,
            "config": {
                "queueUrl": reverse("dispatch:queue-json"),
                "intakeUrl": reverse("dispatch:intake-json"),
                "intakeSeconds": poll_cache.INTAKE_SECONDS,
                "heatUrl": reverse("dispatch-heat"),
                "heatSeconds": poll_cache.HEAT_SECONDS,
                "caseUrl": reverse("dispatch:case", kwargs={"pk": 0}),
                "actUrl": reverse("dispatch:act", kwargs={"pk": 0, "action": "ACTION"}),
                "streetsUrl": reverse("area-list") + "?level=street",
                "defaultsUrl": reverse("dispatch-defaults"),
                "tileUrl": settings.GRIDGOV_TILE_URL,
                "tileAttribution": settings.GRIDGOV_TILE_ATTRIBUTION,
                "pollSeconds": poll_cache.QUEUE_SECONDS,
            },
        },
    )


@login_required
def intake_json(request):
    """The console's one-second pulse: has anything arrived in the intake (受理)? One answer per
    scope, kept for the pulse's second (dispatch/poll_cache.py). Once kept, it is answered in
    front of Django (dispatch/hotpath.py): this view computes it, and answers what the hot path
    leaves here."""
    require_centre(request.user)
    user = request.user
    answer = poll_cache.shared_answer(
        "intake", user, None, lambda: queries.intake_pulse(user), seconds=poll_cache.interval("intake")
    )
    return poll_cache.respond(request, answer)


@login_required
def queue_json(request):
    """The queue, one answer per scope and filter set, kept for the poll's interval."""
    require_centre(request.user)
    user, params = request.user, request.GET
    answer = poll_cache.shared_answer(
        "queue", user, params, lambda: queries.queue_payload(user, params), seconds=poll_cache.interval("queue")
    )
    return poll_cache.respond(request, answer)

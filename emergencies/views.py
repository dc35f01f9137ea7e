"""The emergencies' pages: the grid worker's phone list, the leader's dashboard, declaring and issuing."""
from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.capabilities import can
from grids.models import Area, Level

from . import health, queries
from .actions.outcomes import record_outcome
from .capabilities import DECLARE, ISSUE, READ_PROGRESS, SEE_HEALTH_ANSWERS, WORK_TASKS
from .models import RECORDED_OUTCOMES, Campaign, EmergencyKind, Measure, Outcome, Unit


def _require(request, capability) -> None:
    if not can(request.user, capability):
        raise PermissionDenied(_("Your role does not open this page."))


@login_required
def tasks(request):
    """The phone page: her tasks in walking order, care-tagged first, one tap per outcome."""
    _require(request, WORK_TASKS)
    items = list(queries.worker_tasks(request.user)[:500])
    choices = [(value, label) for value, label in Outcome.choices if value in RECORDED_OUTCOMES]
    # The campaign's health questions, asked with "done" (the door was answered) by who may ask them.
    asks = can(request.user, SEE_HEALTH_ANSWERS)
    for task in items:
        task.questions = health.asked(task.campaign.health_questions) if asks else []
    return render(request, "emergencies/tasks.html", {"tasks": items, "choices": choices})


@login_required
@require_POST
def outcome(request, pk: int):
    """The same outcome without JavaScript (the phone's outbox posts to the API)."""
    _require(request, WORK_TASKS)
    try:
        record_outcome(actor=request.user, task_id=pk, outcome=request.POST.get("outcome", ""),
                       client_id=request.POST.get("client_id") or uuid.uuid4(), note=request.POST.get("note", ""),
                       answers=health.answers_from_form(request.POST) or {})
        messages.success(request, _("Outcome recorded."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("emergencies:tasks")


@login_required
def dashboard(request):
    _require(request, READ_PROGRESS)
    emergencies = list(queries.visible_emergencies(request.user).prefetch_related("zones", "campaigns")[:50])
    return render(request, "emergencies/dashboard.html", {
        "emergencies": emergencies, "may_declare": can(request.user, DECLARE), "may_issue": can(request.user, ISSUE),
    })


@login_required
def campaign(request, pk: int):
    _require(request, READ_PROGRESS)
    item = get_object_or_404(Campaign.objects.select_related("emergency", "zone"), pk=pk,
                             emergency__in=queries.visible_emergencies(request.user))
    level = request.GET.get("level", Level.COMMUNITY)
    if level not in Level.values:
        level = Level.COMMUNITY
    return render(request, "emergencies/campaign.html", {
        "campaign": item, "level": level, "levels": Level.choices,
        "areas": queries.rollup(request.user, item, level),
        "care": queries.care_not_reached(request.user, item, limit=200),
        "load": queries.load(request.user, item),
    })


@login_required
def declare(request):
    """The dispatcher's map: draw or choose the zones, then the page posts to the API."""
    _require(request, DECLARE)
    area = request.user.area
    streets = list(Area.objects.current().filter(parent=area, level=Level.STREET).values_list("code", flat=True)) if area else []
    if area is not None and area.level == Level.STREET:
        streets = [area.code]
    strings = {
        "declared": _("Declared. The zone holds %(households)s households, %(residents)s residents, %(care)s of them care-tagged."),
        "issued": _("Issued: %(tasks)s tasks."), "progress": _("Progress"),
        "issue_url": reverse("emergency-zone-campaigns", args=[0]), "campaign_url": reverse("emergencies:campaign", args=[0]),
    }
    return render(request, "emergencies/declare.html", {
        "area": area, "streets": streets, "strings": strings,
        "kinds": EmergencyKind.choices, "measures": Measure.choices, "units": Unit.choices,
    })

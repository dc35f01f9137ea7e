"""The case page of the centre and the departments, its acts and the caller's contact.

Every write is a POST to ``case_act``, which runs the act through the case machine
(``incidents.channels``); the console's quick acts send the same POST with
``Accept: application/json`` and get the answer as JSON (409 when somebody else changed the case first).
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.capabilities import Capability, can, role_can
from accounts.models import Department
from accounts.scope import get_scoped_or_404, scoped
from grids.models import Level
from incidents import clock
from incidents.actions import machine
from incidents.channels import current_state, no_such_act, page_run
from incidents.kinds import status_label
from incidents.models import Incident
from incidents.timeline import entry_text

from .. import contact, queries
from ..models import AssignmentStatus
from ..shares import locality_of, returned_department_ids, share_state, suggested_departments
from .common import desk_url, map_settings, wants_json


def _default_deadline_value(incident: Incident) -> str:
    moment = clock.deadline_for(incident.category_id, Level.DISTRICT, incident.urgency, timezone.now())
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@login_required
def case_page(request, pk: int):
    incident = get_scoped_or_404(
        Incident.objects.select_related("category__parent", "area", "cell", "filed_area", "reporter", "assignee"),
        request.user,
        pk=pk,
    )
    view = queries.case_view(request.user, incident)
    light = clock.light(
        status=incident.status, deadline=incident.deadline, started=incident.deadline_started_at, warn_at=incident.warn_at
    )
    timeline = list(incident.timeline.select_related("actor", "to_area").prefetch_related("photos").order_by("-version"))
    allowed = {act.name: act for act in machine.allowed_acts(request.user, incident)}
    suggested = [d.pk for d in suggested_departments(incident)]
    live_ids = {s.department_id for s in view.live_shares}
    now = timezone.now()
    own = view.own_share
    context = {
        "incident": incident,
        "light": light,
        "view": view,
        "shares": [(share, queries.share_light(share, now)) for share in view.shares],
        "timeline": [
            {
                "entry": entry,
                "label": machine.act_label(entry.action),
                "to_label": status_label(entry.to_status),
                "text": entry_text(entry),
            }
            for entry in timeline
        ],
        "now": now,
        "photos": list(incident.photos.all()),
        "allowed": allowed,
        "departments": Department.objects.filter(active=True).order_by("code"),
        "suggested": suggested,
        "returned_ids": returned_department_ids(incident),
        # The correction form ticks the departments the case is with now.
        "live_department_ids": live_ids,
        "locality": locality_of(incident) if "to_locality" in allowed else None,
        "default_deadline": _default_deadline_value(incident),
        "nearby": queries.nearby_cases(request.user, incident),
        "own_share": own,
        "own_state": share_state(own, incident) if own else None,
        "own_pending_extension": own.extensions.filter(status="pending").first() if own else None,
        "late_shares": [s for s in view.live_shares if s.status in (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED)],
        "is_centre": can(request.user, Capability.RUN_COMMAND_CENTRE),
        "is_department": role_can(request.user, Capability.WORK_DEPARTMENT_SHARES),
        "back_url": desk_url(request.user),
        "location": {
            "lat": incident.location.y,
            "lng": incident.location.x,
            "nearby": [
                {"id": n.pk, "lat": n.location.y, "lng": n.location.x, "label": f"{n.label} {n.category.label}"}
                for n in queries.nearby_cases(request.user, incident)
            ],
        },
        "extension_min": timezone.localtime(max(own.deadline, now) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
        if own
        else "",
        **map_settings(),
    }
    return render(request, "dispatch/case.html", context)


@require_POST
@login_required
def contact_reveal(request, pk: int):
    """The caller's full contact, for a reason (audited: dispatch.contact); never cached."""
    incident = get_scoped_or_404(Incident.objects.select_related("category"), request.user, pk=pk)
    status, revealed, errors = 200, None, []
    try:
        revealed = contact.reveal_contact(actor=request.user, incident=incident, reason=request.POST.get("reason", ""), via="web")
    except ValidationError as exc:
        status, errors = 400, exc.messages
    response = render(request, "dispatch/contact_revealed.html", {
        "incident": incident, "revealed": revealed, "errors": errors, "reason": request.POST.get("reason", ""),
    }, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _next_url(request, incident_id: int) -> str:
    wanted = request.POST.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    if scoped(Incident.objects.filter(pk=incident_id), request.user).exists():
        return reverse("dispatch:case", kwargs={"pk": incident_id})
    return desk_url(request.user)


@login_required
@require_POST
def case_act(request, pk: int, action: str):
    incident = get_scoped_or_404(Incident.objects.select_related("category", "area", "cell", "filed_area"), request.user, pk=pk)
    if not machine.runnable(action):
        raise Http404(no_such_act(action))
    label = machine.act_label(action)
    refused = page_run(request, incident, action)
    if refused is not None:
        if wants_json(request):
            return JsonResponse(
                {"ok": False, "detail": refused.message, "field": refused.field, **current_state(incident)},
                status=refused.http_status,
            )
        messages.error(request, refused.message)
        return redirect(_next_url(request, pk))
    done = _("Done: %(action)s.") % {"action": label}
    if wants_json(request):
        # The case as it is now: after "register" the console goes on to the dispatch form with
        # this version, unless the routing rule has dispatched the case already.
        return JsonResponse({"ok": True, "detail": done, **current_state(incident)})
    messages.success(request, done)
    return redirect(_next_url(request, pk))

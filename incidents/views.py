"""Pages: phone-first for grid workers (report, patrol, list, detail), desk pages for community and
street staff (inbox with coverage) and the command centre's hotline form.

The report and patrol pages put their work in the phone's outbox (static/gridgov/outbox.js,
docs/offline.md), which sends it to the API; every other page is plain HTML forms that call
``incidents.actions``.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.capabilities import Capability, can, role_can
from accounts.models import GridAssignment
from accounts.scope import get_scoped_or_404, scoped
from gridgov.dates import DateError, parse_day
from gridgov.errors import error_response
from grids.models import Area, Level

from . import actions, photo_evidence, queries
from .actions import IncidentError, machine
from .api import filter_incidents
from .channels import no_such_act, page_run
from .kinds import status_choices, status_label
from .levels import LEVEL_ROLE
from .timeline import entry_text, notification_text
from .models import (
    LEVEL_CHAIN,
    OPEN_STATUSES,
    Incident,
    Notification,
    Patrol,
    PatrolPoint,
    Source,
    Status,
    Urgency,
)
from .photos import max_bytes
from .serializers import ReportSerializer


def _map_settings():
    from django.conf import settings

    return {"tile_url": settings.GRIDGOV_TILE_URL, "tile_attribution": settings.GRIDGOV_TILE_ATTRIBUTION}


def _user_cells(user) -> list[Area]:
    return list(
        Area.objects.filter(pk__in=GridAssignment.objects.active().filter(user=user).values("cell")).order_by("code")
    )


@login_required
def incident_list(request):
    try:
        queryset = filter_incidents(queries.incidents_for(request.user), request.GET, request.user)
    except IncidentError as exc:
        messages.error(request, exc.message)
        queryset = Incident.objects.none()
    page = Paginator(queryset, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    filters = query.copy()
    filters.pop("view", None)
    return render(request, "incidents/list.html", {
        "page": page,
        "query": query.urlencode(),
        "filters": filters.urlencode(),
        "status_choices": status_choices(),
        "level_choices": [(level, Level(level).label) for level in LEVEL_CHAIN],
        "params": request.GET,
        **_map_settings(),
    })


@login_required
def incident_page(request, pk: int):
    incident = get_scoped_or_404(
        Incident.objects.select_related("category__parent", "area", "cell", "filed_area", "reporter", "assignee", "duplicate_of"),
        request.user,
        pk=pk,
    )
    light = queries.incidents_for(request.user).filter(pk=pk).values_list("light", flat=True).first()
    timeline = list(incident.timeline.select_related("actor", "to_area").prefetch_related("photos").order_by("-version"))
    levels = dict(Level.choices)
    for entry in timeline:
        entry.label = machine.act_label(entry.action)
        entry.text = entry_text(entry)
        entry.level_change = (
            f"{levels.get(entry.from_level, entry.from_level)} → {levels.get(entry.to_level, entry.to_level)}"
            if entry.from_level and entry.from_level != entry.to_level else ""
        )
        entry.status_label = status_label(entry.to_status) if entry.from_status != entry.to_status else ""
    allowed = {act.name: act for act in machine.allowed_acts(request.user, incident)}
    assignable = []
    if "assign" in allowed:
        from accounts.models import User

        if incident.level == Level.GRID:
            assignable = list(User.objects.filter(assignments__cell__code=incident.area.code, assignments__ended_at__isnull=True,
                                                  is_active=True).distinct())
        else:
            assignable = list(User.objects.filter(role=LEVEL_ROLE[incident.level], area=incident.area, is_active=True))
    lower_levels = [(level, Level(level).label) for level in LEVEL_CHAIN[: LEVEL_CHAIN.index(incident.level)]]
    return render(request, "incidents/detail.html", {
        "incident": incident,
        "light": light,
        "timeline": timeline,
        "allowed": allowed,
        "assignable": assignable,
        "lower_levels": list(reversed(lower_levels)),
        "photos": list(incident.photos.all()),
        "max_photo_mb": max_bytes() // 1048576,
        **_map_settings(),
    })


@login_required
@require_POST
def incident_act(request, pk: int, action: str):
    incident = get_scoped_or_404(Incident.objects.select_related("category", "area", "cell", "filed_area"), request.user, pk=pk)
    if not machine.runnable(action):
        raise Http404(no_such_act(action))
    refused = page_run(request, incident, action)
    if refused is not None:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": machine.act_label(action)})
    if not scoped(Incident.objects.filter(pk=pk), request.user).exists():
        return redirect("incidents:list")
    return redirect("incidents:detail", pk=pk)


def _report_strings() -> dict[str, str]:
    """Every word report.js shows, translated here and passed through json_script."""
    return {
        "locating": _("Finding your position…"),
        "located": _("Position from the phone (±%(m)s m). Drag the pin if it is off."),
        "no_gps": _("No position from the phone. Tap the map or drag the pin to where the problem is."),
        **_gps_strings(),
        "not_saved": _("The report could not be kept on this phone (storage full or blocked); nothing was sent."),
        "pinned": _("Position set on the map."),
        "cell": _("Grid cell: %(name)s (%(code)s)"),
        "outside": _("Outside every grid cell: the case goes to the command centre."),
        "back": _("‹ All classes"),
        "choose": _("Choose a class"),
        "picked": _("Class: %(name)s"),
        "need_category": _("Choose a class of problem."),
        "need_location": _("Set the position: allow location or tap the map."),
        "nearby_none": _("No open case of this class nearby."),
        "nearby_some": _("Already reported nearby? Add to it instead of filing a new one."),
        "add_here": _("Add to #%(id)s"),
        "added": _("Added to case #%(id)s."),
        "distance": _("%(m)s m away"),
        "waiting": _("waiting to send"),
        "sent": _("Sent: case %(number)s"),
        "refused": _("Refused: %(reason)s"),
        "offline": _("No connection: the report is kept on this phone and sent by itself when the connection returns."),
        "sending": _("Kept on this phone and being sent…"),
        "photo_failed": _("This photo could not be read; it will be sent as it is."),
        "remove": _("Remove"),
        "too_many": _("At most %(n)s photos."),
        "need_before": _("Settled by yourself: add a photo from before the work (step 1)."),
        "need_after": _("Settled by yourself: add a photo from after the work."),
    }


@login_required
def report_page(request):
    """The phone report page; report.js puts the report in the phone's outbox, which sends it."""
    if not can(request.user, Capability.REPORT_CASES):
        raise PermissionDenied
    running = Patrol.objects.filter(worker=request.user, ended_at__isnull=True).first()
    cells = _user_cells(request.user)
    return render(request, "incidents/report.html", {
        "cells_geojson": queries.cells_geojson(cells),
        "taxonomy": queries.taxonomy(request.user),
        "strings": _report_strings(),
        "community_codes": sorted({cell.code[:12] for cell in cells}),
        "patrol": running,
        "cells": cells,
        "urgency_choices": Urgency.choices,
        "max_photo_mb": max_bytes() // 1048576,
        **_map_settings(),
    })


@login_required
def hotline(request):
    """A 12345 call entered by a dispatcher: where, what, who called."""
    if not can(request.user, Capability.TAKE_HOTLINE_CALLS):
        raise PermissionDenied
    errors: dict = {}
    # A fresh id per form: a double-clicked submit files the call once.
    values = request.POST if request.method == "POST" else {"client_id": str(uuid.uuid4())}
    if request.method == "POST":
        serializer = ReportSerializer(data=request.POST)
        if serializer.is_valid():
            data = serializer.validated_data
            try:
                incident, _created = actions.report_incident(
                    reporter=request.user, category=data["category"], location=data["location"],
                    description=data.get("description", ""), urgency=data.get("urgency"), source=Source.HOTLINE,
                    address=data.get("address", ""), contact=request.POST.get("contact", ""),
                    client_id=request.POST.get("client_id") or None, photos=photo_evidence.uploads(request, "photos"),
                )
            except IncidentError as exc:
                errors = {exc.field or "general": [exc.message]}
            else:
                # The number to tell the caller, who may quote it when calling again.
                messages.success(request, _("Hotline case %(number)s filed.") % {"number": incident.label})
                return redirect("incidents:detail", pk=incident.pk)
        else:
            errors = {key: [str(m) for m in value] for key, value in serializer.errors.items()}
    district = request.user.area if request.user.area_id else None
    return render(request, "incidents/hotline.html", {
        "taxonomy": queries.taxonomy(None),
        "errors": errors,
        "values": values,
        "urgency_choices": Urgency.choices,
        "district": district,
        **_map_settings(),
    })


def _gps_strings() -> dict[str, str]:
    """Why the phone gave no fresh position (gridgov.maps.locateError)."""
    return {
        "gps_denied": _("Location is not allowed for this site: allow it in the browser's settings, or tap the map."),
        "gps_unavailable": _("The phone cannot find its position here (no GPS signal); step outside or tap the map."),
        "gps_timeout": _("No fresh position within 15 seconds; try “Locate again” or tap the map."),
    }


def _patrol_strings() -> dict[str, str]:
    return {
        "elapsed": _("Time"),
        "points": _("Points"),
        "waiting": _("Waiting to send"),
        "distance": _("Distance"),
        "no_gps": _("The phone gives no position; allow location for this site."),
        "gps_ok": _("Recording your track (±%(m)s m)."),
        "offline": _("No connection: points are kept on this phone and sent when it returns."),
        "checked_in": _("Checked in at %(time)s."),
        "checked_in_outside": _("Check-in kept, marked as outside your own cells."),
        "ending": _("Sending the last points and ending the patrol…"),
        "end_offline": _("No connection: the patrol will end when the connection returns."),
        "start_failed": _("The patrol could not start: %(reason)s"),
        "confirm_end": _("End the patrol now?"),
        "refused": _("Refused by the server: %(reason)s"),
        **_gps_strings(),
    }


def _running_track(patrol: Patrol | None) -> list[list]:
    """The running patrol's track as the server has it: [lat, lng, point's client id, time in ms]."""
    if patrol is None:
        return []
    points = PatrolPoint.objects.filter(patrol=patrol).order_by("at").values_list("location", "client_id", "at")[:20000]
    return [[round(loc.y, 7), round(loc.x, 7), str(client_id), int(at.timestamp() * 1000)] for loc, client_id, at in points]


@login_required
def patrol_page(request):
    running = Patrol.objects.filter(worker=request.user, ended_at__isnull=True).first()
    recent = Patrol.objects.filter(worker=request.user, ended_at__isnull=False).order_by("-started_at")[:5]
    cells = _user_cells(request.user)
    return render(request, "incidents/patrol.html", {
        "strings": _patrol_strings(),
        "community_codes": sorted({cell.code[:12] for cell in cells}),
        "patrol": running,
        "track": _running_track(running),
        "cells_geojson": queries.cells_geojson(cells),
        "recent": recent,
        "cells": cells,
        "is_grid_worker": role_can(request.user, Capability.WORK_CELLS),
        "send_seconds": settings.GRIDGOV_PATROL_SEND_SECONDS,
        **_map_settings(),
    })


@login_required
def patrol_summary_page(request, pk: int):
    patrol = get_scoped_or_404(Patrol.objects.select_related("worker", "cell"), request.user, pk=pk)
    summary = queries.patrol_summary(patrol)
    minutes = int(summary.duration.total_seconds() // 60)
    return render(request, "incidents/patrol_summary.html", {
        "patrol": patrol, "summary": summary, "hours": minutes // 60, "minutes": minutes % 60,
        "track": summary.track,
        **_map_settings(),
    })


@login_required
def inbox(request):
    """Community and street staff: cases held at their level, and today's patrol coverage."""
    user = request.user
    waiting = queries.waiting_for_level(user).filter(status__in=[*OPEN_STATUSES, Status.HANDLED, Status.VERIFIED]).order_by("deadline", "id")
    try:
        day = parse_day(request.GET["date"], "date") if request.GET.get("date") else timezone.localdate()
    except DateError as exc:
        return error_response(request, 400, exc.message, field="date")
    coverage = []
    if user.area_id:
        coverage = queries.cell_coverage(user, user.area, day)
    return render(request, "incidents/inbox.html", {
        "waiting": waiting[:200],
        "coverage": coverage,
        "unpatrolled": [row for row in coverage if not row["patrolled"]],
        "day": day,
    })


@login_required
def notifications(request):
    if request.method == "POST":
        actions.mark_notifications_read(request.user)
        return redirect("incidents:notifications")
    items = Notification.objects.filter(user=request.user).select_related("incident__category")
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    for item in page:
        item.said = notification_text(item)
    return render(request, "incidents/notifications.html", {"page": page})

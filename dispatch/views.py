"""Pages: the dispatchers' console (a large screen, keyboard first), the case page, the department
inbox, the grid worker's on-site checks and the evaluation dashboard with its Excel export.

Every write is a POST to ``case_act``, which runs the act through the case machine (``incidents.channels``); the console's quick
acts send the same POST with ``Accept: application/json`` and get the answer as JSON (409 when
somebody else changed the case first).
"""

from __future__ import annotations

import io
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from accounts.capabilities import Capability, can, role_can
from accounts.models import Department
from accounts.scope import get_scoped_or_404, scoped
from gridgov.spreadsheet import safe_row
from grids.models import Area, Level
from incidents import clock
from incidents.actions import machine
from incidents.channels import current_state, no_such_act, page_run
from incidents.kinds import status_label
from incidents.timeline import entry_text
from incidents.models import Incident, Source, Status

from . import contact, indicators, queries
from .indicators import CHILD_GROUP, LABELS, PeriodError, parse_period, percent
from .models import AssignmentStatus, IndicatorSettings
from .shares import default_departments, locality_of, share_state


def _map_settings() -> dict:
    return {"tile_url": settings.GRIDGOV_TILE_URL, "tile_attribution": settings.GRIDGOV_TILE_ATTRIBUTION}


def _require_centre(user) -> None:
    if not can(user, Capability.RUN_COMMAND_CENTRE):
        raise PermissionDenied


def _desk_url(user) -> str:
    """Where a case page leads back to: the department's inbox or the console."""
    return reverse("dispatch:inbox") if role_can(user, Capability.WORK_DEPARTMENT_SHARES) else reverse("dispatch:console")


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# --- the console ------------------------------------------------------------------------------------


@login_required
def console(request):
    _require_centre(request.user)
    strings = {
        "empty": _("No case waits here."),
        "loading": _("Loading…"),
        "updated": _("Updated %(time)s"),
        "offline": _("The queue could not be refreshed; retrying."),
        "overdue": _("overdue"),
        "returned": _("returned"),
        "extension": _("asks for more time"),
        "dispatchTitle": _("Dispatch case #%(id)s"),
        "none": _("No department owns this " "category: use “Hand to the locality” on the case page."),
        "done": _("Done: %(action)s."),
        "urgent": _("urgent"),
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
                "heatUrl": reverse("dispatch-heat"),
                "heatSeconds": 30,
                "caseUrl": reverse("dispatch:case", kwargs={"pk": 0}),
                "actUrl": reverse("dispatch:act", kwargs={"pk": 0, "action": "ACTION"}),
                "streetsUrl": reverse("area-list") + "?level=street",
                "defaultsUrl": reverse("dispatch-defaults"),
                "tileUrl": settings.GRIDGOV_TILE_URL,
                "tileAttribution": settings.GRIDGOV_TILE_ATTRIBUTION,
                "pollSeconds": 5,
            },
        },
    )


@login_required
def queue_json(request):
    _require_centre(request.user)
    payload = queries.queue_payload(request.user, request.GET)
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


# --- the case page ----------------------------------------------------------------------------------


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
    suggested = [d.pk for d in default_departments(incident.category)]
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
        "locality": locality_of(incident) if "to_locality" in allowed else None,
        "default_deadline": _default_deadline_value(incident),
        "nearby": queries.nearby_cases(request.user, incident),
        "own_share": own,
        "own_state": share_state(own, incident) if own else None,
        "own_pending_extension": own.extensions.filter(status="pending").first() if own else None,
        "late_shares": [s for s in view.live_shares if s.status in (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED)],
        "is_centre": can(request.user, Capability.RUN_COMMAND_CENTRE),
        "is_department": role_can(request.user, Capability.WORK_DEPARTMENT_SHARES),
        "back_url": _desk_url(request.user),
        "location": {
            "lat": incident.location.y,
            "lng": incident.location.x,
            "nearby": [
                {"id": n.pk, "lat": n.location.y, "lng": n.location.x, "label": f"#{n.pk} {n.category.name}"}
                for n in queries.nearby_cases(request.user, incident)
            ],
        },
        "extension_min": timezone.localtime(max(own.deadline, now) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
        if own
        else "",
        **_map_settings(),
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
    return _desk_url(request.user)


@login_required
@require_POST
def case_act(request, pk: int, action: str):
    incident = get_scoped_or_404(Incident.objects.select_related("category", "area", "cell", "filed_area"), request.user, pk=pk)
    if not machine.runnable(action):
        raise Http404(no_such_act(action))
    label = machine.act_label(action)
    refused = page_run(request, incident, action)
    if refused is not None:
        if _wants_json(request):
            return JsonResponse(
                {"ok": False, "detail": refused.message, "field": refused.field, **current_state(incident)},
                status=refused.http_status,
            )
        messages.error(request, refused.message)
        return redirect(_next_url(request, pk))
    done = _("Done: %(action)s.") % {"action": label}
    if _wants_json(request):
        return JsonResponse({"ok": True, "detail": done})
    messages.success(request, done)
    return redirect(_next_url(request, pk))


# --- the department inbox -------------------------------------------------------------------------------


@login_required
def inbox(request):
    if not can(request.user, Capability.WORK_DEPARTMENT_SHARES):
        raise PermissionDenied
    now = timezone.now()
    shares = list(queries.department_inbox(request.user)[:300])
    history = list(queries.department_inbox(request.user, include_done=True).exclude(pk__in=[s.pk for s in shares])[:50])
    rows = []
    for share in shares:
        state = share_state(share, share.incident)
        rows.append(
            {
                "share": share,
                "light": queries.share_light(share, now),
                "state": state,
                "rework": share.status == AssignmentStatus.HANDLED and share.incident.status == Status.REWORK,
                "waiting": state in (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED),
            }
        )
    return render(request, "dispatch/inbox.html", {"rows": rows, "history": history, "department": request.user.department})


# --- the grid worker's checks -------------------------------------------------------------------------------


@login_required
def checks(request):
    cases = list(queries.checks_for(request.user)[:100])
    return render(request, "dispatch/checks.html", {"cases": cases})


# --- evaluation --------------------------------------------------------------------------------------------


def _indicator_context(request):
    user = request.user
    try:
        period = parse_period(request.GET.get("from"), request.GET.get("to"))
    except PeriodError as exc:
        messages.error(request, exc.message)
        period = parse_period(None, None)
    stored = IndicatorSettings.current().exclude_deferred
    raw = request.GET.get("deferred")
    exclude = stored if raw not in ("exclude", "include") else raw == "exclude"
    department_only = not can(user, Capability.SEE_EVERY_DEPARTMENT)
    areas = list(
        scoped(Area.objects.current().filter(level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY]), user).order_by("code")[
            :300
        ]
    )
    code = request.GET.get("area") or (user.area.code if user.area_id else (areas[0].code if areas else ""))
    area = get_scoped_or_404(Area.objects.current(), user, code=code) if code else None
    if area is None:
        raise Http404(_("You answer for no area."))
    previous = period.previous()
    context = {
        "period": period,
        "previous": previous,
        "exclude_deferred": exclude,
        "stored_exclude_deferred": stored,
        "areas": areas,
        "area": area,
        "department_only": department_only,
        "labels": LABELS,
    }
    if department_only:
        found = indicators.cached_department_indicators(
            period, area_code=area.code, department_ids=[user.department_id], exclude_deferred=exclude
        )
        rows = found.rows
        context["computed_at"] = found.computed_at
        before = indicators.cached_department_indicators(
            previous, area_code=area.code, department_ids=[user.department_id], exclude_deferred=exclude
        ).rows
        context.update(
            total=rows[0], before=before[0], departments=rows, children=[], workers=[], categories=[], days=[], child_kind=None
        )
        return context
    child = CHILD_GROUP.get(area.level)
    groups = [g for g in (child, "worker", "category", "day") if g]
    result = indicators.cached_area_indicators(area.code, period, groups=groups, exclude_deferred=exclude)
    before = indicators.cached_area_indicators(area.code, previous, exclude_deferred=exclude).total
    result.total.name = area.name
    context.update(
        total=result.total,
        before=before,
        departments=indicators.cached_department_indicators(period, area_code=area.code, exclude_deferred=exclude).rows,
        computed_at=result.computed_at,
        children=result.groups.get(child, []) if child else [],
        child_kind=child,
        workers=result.groups.get("worker", []),
        categories=result.groups.get("category", []),
        days=result.groups.get("day", []),
    )
    return context


SUMMARY = ["accepted", "registered", "due", "closed", "closed_on_time", "reworked", "returned", "avg_handling_hours"]
SUMMARY_RATES = ["filing_rate", "closure_rate", "on_time_rate", "rework_rate", "return_rate", "grid_resolution_rate",
                 "satisfaction_rate"]
TABLE_COLUMNS = [
    "accepted",
    "registered",
    "due",
    "closed",
    "closed_on_time",
    "handled",
    "reworked",
    "dispatched",
    "returned",
    "avg_handling_hours",
    "filing_rate",
    "closure_rate",
    "on_time_rate",
    "rework_rate",
    "return_rate",
    "grid_resolution_rate",
    "satisfaction_rate",
]
DEPARTMENT_COLUMNS = [
    "accepted",
    "due",
    "closed",
    "closed_on_time",
    "handled",
    "reworked",
    "returned",
    "avg_handling_hours",
    "closure_rate",
    "on_time_rate",
    "rework_rate",
    "return_rate",
    "satisfaction_rate",
]
CHILD_LABELS = {"street": _("Street offices"), "community": _("Communities"), "cell": _("Grid cells")}


def _cells(row, columns):
    out = []
    for column in columns:
        value = getattr(row, column)
        if column.endswith("_rate"):
            out.append(percent(value))
        elif value is None:
            out.append("—")
        else:
            out.append(value)
    return out


@login_required
def indicators_page(request):
    context = _indicator_context(request)
    total, before = context["total"], context["before"]
    summary = [
        {"key": key, "label": LABELS[key], "value": getattr(total, key) if getattr(total, key) is not None else "—"}
        for key in SUMMARY
    ]
    rates = []
    for key in SUMMARY_RATES:
        now_value, then_value = getattr(total, key), getattr(before, key)
        delta = None if now_value is None or then_value is None else round((now_value - then_value) * 100, 2)
        rates.append(
            {"key": key, "label": LABELS[key], "value": percent(now_value), "before": percent(then_value), "delta": delta}
        )
    ranked_departments = indicators.ranked(context["departments"], "on_time_rate")
    child_label = CHILD_LABELS.get(context["child_kind"] or "", "")
    chart = {
        "children": {
            "names": [r.name for r in context["children"]],
            "closure": [r.closure_rate for r in context["children"]],
            "onTime": [r.on_time_rate for r in context["children"]],
            "accepted": [r.accepted for r in context["children"]],
        },
        "departments": {
            "names": [r.name for r in ranked_departments],
            "onTime": [r.on_time_rate for r in ranked_departments],
            "returned": [r.returned for r in ranked_departments],
        },
        "categories": [{"name": r.name, "value": r.accepted} for r in context["categories"][:15]],
        "days": {
            "dates": [r.key for r in context["days"]],
            "accepted": [r.accepted for r in context["days"]],
            "closed": [r.closed for r in context["days"]],
        },
        "grid": {"inside": total.grid_resolved or 0, "outside": max(0, (total.closed or 0) - (total.grid_resolved or 0))},
        "labels": {
            "closure": str(LABELS["closure_rate"]),
            "onTime": str(LABELS["on_time_rate"]),
            "accepted": str(LABELS["accepted"]),
            "closed": str(LABELS["closed"]),
            "returned": str(LABELS["returned"]),
            "inside": str(LABELS["grid_resolved"]),
            "outside": _("Settled above the grid"),
            "children": child_label,
            "departments": _("Departments by on-time rate"),
            "categories": _("Cases by category"),
            "days": _("Cases per day"),
            "grid": str(LABELS["grid_resolution_rate"]),
        },
    }
    query = request.GET.copy()
    return render(
        request,
        "dispatch/indicators.html",
        {
            **context,
            "summary": summary,
            "rates": rates,
            "chart": chart,
            "child_label": child_label,
            "table_headers": [LABELS[c] for c in TABLE_COLUMNS],
            "department_headers": [LABELS[c] for c in DEPARTMENT_COLUMNS],
            "child_rows": [(row, _cells(row, TABLE_COLUMNS)) for row in context["children"]],
            "department_rows": [(row, _cells(row, DEPARTMENT_COLUMNS)) for row in ranked_departments],
            "worker_rows": [(row, _cells(row, TABLE_COLUMNS)) for row in context["workers"][:50]],
            "category_rows": [(row, _cells(row, TABLE_COLUMNS)) for row in context["categories"]],
            "export_query": query.urlencode(),
        },
    )


@login_required
def indicators_export(request):
    """The same tables as the dashboard, as an Excel workbook (one sheet per table)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    context = _indicator_context(request)
    workbook = Workbook()
    sheets = [
        (_("Summary"), [context["total"]], TABLE_COLUMNS),
        (CHILD_LABELS.get(context["child_kind"] or "", ""), context["children"], TABLE_COLUMNS),
        (_("Departments"), indicators.ranked(context["departments"], "on_time_rate"), DEPARTMENT_COLUMNS),
        (_("Grid workers"), context["workers"], TABLE_COLUMNS),
        (_("Categories"), context["categories"], TABLE_COLUMNS),
    ]
    first = True
    for title, rows, columns in sheets:
        if not title or (not rows and not first):
            continue
        sheet = workbook.active if first else workbook.create_sheet()
        first = False
        sheet.title = str(title)[:31]
        period = context["period"]
        sheet.append(
            safe_row([
                _("Period"),
                f"{period.first.isoformat()} — {period.last.isoformat()}",
                _("Deferred cases leave the denominator"),
                _("yes") if context["exclude_deferred"] else _("no"),
            ])
        )
        sheet.append(safe_row([_("Code"), pgettext("area", "Name"), *[str(LABELS[c]) for c in columns]]))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            # Names of areas, departments and workers are typed by people: never a formula.
            sheet.append(safe_row([row.key, row.name, *[getattr(row, c) for c in columns]]))
        for index, column in enumerate(columns, start=3):
            if column.endswith("_rate"):
                for cells in sheet.iter_rows(min_row=3, min_col=index, max_col=index):
                    cells[0].number_format = "0.00%"
        sheet.column_dimensions["B"].width = 24
    buffer = io.BytesIO()
    workbook.save(buffer)
    period = context["period"]
    name = f"indicators-{context['area'].code}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.xlsx"
    response = HttpResponse(buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

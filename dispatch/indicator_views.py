"""The evaluation's pages: the leader's dashboard and its Excel export (docs/domain/indicators.md).

Both show every figure against last period (``Period.previous``): the summary with the signed
change of each figure, coloured by whether it is for the better (``indicators.BETTER``), and
each table's rows with their on-time rate last period."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.capabilities import Capability, can
from accounts.scope import get_scoped_or_404, scoped
from grids.models import Area, Level

from . import indicators
from .indicators import CHILD_GROUP, LABELS, PeriodError, parse_period, tables
from .indicators.export import workbook
from .models import IndicatorSettings

CHILD_LABELS = {"street": gettext_lazy("Street offices"), "community": gettext_lazy("Communities"), "cell": gettext_lazy("Grid cells")}


def _area_and_period(request):
    user = request.user
    try:
        period = parse_period(request.GET.get("from"), request.GET.get("to"))
    except PeriodError as exc:
        messages.error(request, exc.message)
        period = parse_period(None, None)
    areas = list(
        scoped(Area.objects.current().filter(level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY]), user).order_by("code")[
            :300
        ]
    )
    code = request.GET.get("area") or (user.area.code if user.area_id else (areas[0].code if areas else ""))
    area = get_scoped_or_404(Area.objects.current(), user, code=code) if code else None
    if area is None:
        raise Http404(_("You answer for no area."))
    return period, areas, area


def _indicator_context(request):
    user = request.user
    period, areas, area = _area_and_period(request)
    stored = IndicatorSettings.current().exclude_deferred
    raw = request.GET.get("deferred")
    exclude = stored if raw not in ("exclude", "include") else raw == "exclude"
    department_only = not can(user, Capability.SEE_EVERY_DEPARTMENT)
    if department_only and not user.department_id:
        # Neither every department's figures nor a department of one's own (a volunteer).
        raise PermissionDenied(_("Your role does not read the evaluation."))
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
        "children": [], "workers": [], "categories": [], "sources": [], "days": [], "child_kind": None,
        "before_groups": {},
    }
    if department_only:
        def of_department(which):
            return indicators.cached_department_indicators(
                which, area_code=area.code, department_ids=[user.department_id], exclude_deferred=exclude
            )

        found, before = of_department(period), of_department(previous).rows
        context.update(
            total=found.rows[0], before=before[0], departments=found.rows, before_departments=before, computed_at=found.computed_at
        )
        return context
    child = CHILD_GROUP.get(area.level)
    compared = [g for g in (child, "worker", "category", "source") if g]
    result = indicators.cached_area_indicators(area.code, period, groups=[*compared, "day"], exclude_deferred=exclude)
    earlier = indicators.cached_area_indicators(area.code, previous, groups=compared, exclude_deferred=exclude)
    result.total.name = area.name
    context.update(
        total=result.total,
        before=earlier.total,
        before_groups=earlier.groups,
        departments=indicators.cached_department_indicators(period, area_code=area.code, exclude_deferred=exclude).rows,
        before_departments=indicators.cached_department_indicators(previous, area_code=area.code, exclude_deferred=exclude).rows,
        computed_at=result.computed_at,
        children=result.groups.get(child, []) if child else [],
        child_kind=child,
        workers=result.groups.get("worker", []),
        categories=result.groups.get("category", []),
        sources=result.groups.get("source", []),
        days=result.groups.get("day", []),
    )
    return context


def _chart(context, ranked_departments, child_label: str) -> dict:
    total = context["total"]
    return {
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
        "sources": [{"name": r.name, "value": r.accepted} for r in context["sources"]],
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
            "sources": _("Cases by channel"),
            "days": _("Cases per day"),
            "grid": str(LABELS["grid_resolution_rate"]),
        },
    }


@login_required
def indicators_page(request):
    context = _indicator_context(request)
    total, before, earlier = context["total"], context["before"], context["before_groups"]
    ranked_departments = indicators.ranked(context["departments"], "on_time_rate")
    child_label = str(CHILD_LABELS.get(context["child_kind"] or "", ""))
    columns = tables.TABLE_COLUMNS
    return render(
        request,
        "dispatch/indicators.html",
        {
            **context,
            "figure_groups": [
                {"id": "kpis", "items": tables.figures(total, before, tables.SUMMARY)},
                {"id": "kpi-rates", "items": tables.figures(total, before, tables.SUMMARY_RATES)},
            ],
            "chart": _chart(context, ranked_departments, child_label),
            "child_label": child_label,
            "table_headers": tables.headers(columns),
            "department_headers": tables.headers(tables.DEPARTMENT_COLUMNS),
            "source_headers": tables.headers(tables.SOURCE_COLUMNS),
            "child_rows": tables.table(context["children"], earlier.get(context["child_kind"] or "", []), columns),
            "department_rows": tables.table(ranked_departments, context["before_departments"], tables.DEPARTMENT_COLUMNS),
            "worker_rows": tables.table(context["workers"][:50], earlier.get("worker", []), columns),
            "category_rows": tables.table(context["categories"], earlier.get("category", []), columns),
            "source_rows": tables.table(context["sources"], earlier.get("source", []), tables.SOURCE_COLUMNS),
            "export_query": request.GET.urlencode(),
        },
    )


@login_required
def indicators_export(request):
    """The same tables as the dashboard, last period included, as an Excel workbook (one sheet per table)."""
    context = _indicator_context(request)
    earlier = context["before_groups"]
    child = context["child_kind"] or ""
    content = workbook(
        period=context["period"],
        previous=context["previous"],
        exclude_deferred=context["exclude_deferred"],
        total=context["total"],
        before=context["before"],
        summary_columns=[*tables.TABLE_COLUMNS],
        sheets=[
            (CHILD_LABELS.get(child, ""), context["children"], earlier.get(child, []), tables.TABLE_COLUMNS),
            (
                _("Departments"),
                indicators.ranked(context["departments"], "on_time_rate"),
                context["before_departments"],
                tables.DEPARTMENT_COLUMNS,
            ),
            (_("Grid workers"), context["workers"], earlier.get("worker", []), tables.TABLE_COLUMNS),
            (_("Categories"), context["categories"], earlier.get("category", []), tables.TABLE_COLUMNS),
            (_("Channels"), context["sources"], earlier.get("source", []), tables.SOURCE_COLUMNS),
        ],
    )
    period = context["period"]
    name = f"indicators-{context['area'].code}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.xlsx"
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

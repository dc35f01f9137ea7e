"""The evaluation dashboard and its Excel export (the same tables)."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.capabilities import Capability, can
from accounts.scope import get_scoped_or_404, scoped
from gridgov.spreadsheet import safe_row
from grids.models import Area, Level

from .. import indicators
from ..indicators import CHILD_GROUP, LABELS, PeriodError, parse_period, percent
from ..models import IndicatorSettings


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
SUMMARY_RATES = ["filing_rate", "closure_rate", "on_time_rate", "rework_rate", "return_rate", "grid_resolution_rate"]
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

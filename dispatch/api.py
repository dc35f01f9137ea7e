"""REST API of the command centre, the departments and the evaluation (all scoped: outside your
jurisdiction, or a case never dispatched to your department, is 404).

Errors follow incidents: ``{"detail": message, "errors": {field: [message]}}``; 400 bad input or an
act not possible now, 403 an act that is not yours, 409 when the case changed since you read it
(the answer then carries the case's current ``status`` and ``version``).
"""

from __future__ import annotations

import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.capabilities import Capability, can
from accounts.models import Department
from accounts.scope import get_scoped_or_404
from gridgov.parsers import API_PARSERS
from grids.models import Area, Level
from incidents.channels import api_run
from incidents.models import Category, Incident, Source

from . import contact, indicators, poll_cache
from .indicators import CHILD_GROUP, PeriodError, parse_period
from .models import DepartmentCategory, IndicatorSettings
from .heat import HEAT_MAX_POINTS, heat_payload
from .queries import AGES, STAGES, case_view, department_inbox, queue_payload
from .serializers import ContactRevealRequestSerializer, DispatchActionSerializer, IndicatorResponseSerializer, case_data, inbox_item, row_data

PARSERS = API_PARSERS  # the API's JSON limits, and files


def _case_queryset():
    return Incident.objects.select_related("category__parent", "area", "cell", "filed_area", "reporter", "assignee")


QUEUE_PARAMETERS = [
    OpenApiParameter(
        "stage",
        OpenApiTypes.STR,
        enum=["register", "dispatch", "departments", "verify", "close", "deferred"],
        description="What the centre must do next (default: every stage)",
    ),
    OpenApiParameter("category", OpenApiTypes.STR, description="Category codes, major or minor (comma-separated)"),
    OpenApiParameter("street", OpenApiTypes.STR, description="Street-office codes (comma-separated)"),
    OpenApiParameter("light", OpenApiTypes.STR, description="green, yellow, red (comma-separated)"),
    OpenApiParameter("source", OpenApiTypes.STR, description="patrol, self_report, hotline, api, open311 (comma-separated)"),
    OpenApiParameter(
        "age",
        OpenApiTypes.STR,
        enum=["1h", "24h", "7d", "old"],
        description="Reported within the last hour, day or " "week; old: more than a week ago",
    ),
    OpenApiParameter("q", OpenApiTypes.STR, description="Case number or words of the description or address"),
]


class QueueView(APIView):
    @extend_schema(
        operation_id="dispatch_queue",
        parameters=QUEUE_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        description="The command centre's live queue: counts per stage and the 200 most pressing cases held at "
        "district level (overdue first, urgent first, earliest deadline first), one answer per jurisdiction and "
        "filters kept for 5 s or until a case changes (ETag, 304). The console polls it.",
    )
    def get(self, request):
        if not can(request.user, Capability.RUN_COMMAND_CENTRE):
            raise PermissionDenied(_("Only the command centre has a queue."))
        # One answer per scope, filters and language, kept as the console's (dispatch/poll_cache.py).
        return poll_cache.api_response(request, "api-queue", lambda: queue_payload(request.user, request.query_params))


HEAT_PARAMETERS = [
    *QUEUE_PARAMETERS,
    OpenApiParameter(
        "zoom",
        OpenApiTypes.INT,
        description="The map's zoom level, 0–22 (default 12): the grid's cell spans about 8 screen pixels there",
    ),
    OpenApiParameter(
        "bbox",
        OpenApiTypes.STR,
        description="Only cases inside west,south,east,north (degrees, WGS 84), e.g. the map's view with a margin "
        "(default: the whole jurisdiction)",
    ),
]
LIGHTS = ("green", "yellow", "red")


def _choice_errors(params) -> dict[str, list[str]]:
    """The queue quietly ignores a filter value it does not know; the heat map's API says so."""
    errors: dict[str, list[str]] = {}
    stage = params.get("stage") or ""
    if stage and stage not in STAGES:
        choices = ", ".join(STAGES)
        errors["stage"] = [_("Unknown stage “%(value)s”: use one of %(choices)s.") % {"value": stage, "choices": choices}]
    age = params.get("age") or ""
    if age and age not in (*AGES, "old"):
        choices = ", ".join((*AGES, "old"))
        errors["age"] = [_("Unknown age “%(value)s”: use one of %(choices)s.") % {"value": age, "choices": choices}]
    for name, allowed in (("light", LIGHTS), ("source", tuple(Source.values))):
        wrong = [value for value in (params.get(name) or "").split(",") if value and value not in allowed]
        if wrong:
            errors[name] = [
                _("Unknown value “%(value)s”: use one of %(choices)s.") % {"value": wrong[0], "choices": ", ".join(allowed)}
            ]
    return errors


def _zoom(params, errors: dict[str, list[str]]) -> int:
    raw = params.get("zoom")
    if raw in (None, ""):
        return 12
    try:
        value = int(raw)
    except ValueError:
        errors["zoom"] = [_("“%(value)s” is not a whole number.") % {"value": raw}]
        return 12
    if not 0 <= value <= 22:
        errors["zoom"] = [_("Must lie between %(low)s and %(high)s.") % {"low": 0, "high": 22}]
    return value


def _bbox(params, errors: dict[str, list[str]]) -> tuple[float, float, float, float] | None:
    raw = params.get("bbox")
    if raw in (None, ""):
        return None
    parts = raw.split(",")
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError:
        errors["bbox"] = [_("Give four numbers: west,south,east,north.")]
        return None
    if not all(math.isfinite(value) for value in (west, south, east, north)):
        errors["bbox"] = [_("Give four numbers: west,south,east,north.")]
    elif not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        errors["bbox"] = [
            _("West must be less than east (within −180…180) and south less than north (within −90…90).")
        ]
    return west, south, east, north


class HeatView(APIView):
    @extend_schema(
        operation_id="dispatch_heat",
        parameters=HEAT_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        description="Where the queue's cases are, for the console's heat map: every case the queue's filters keep "
        "(the whole jurisdiction, not only the first 200), counted per cell of a grid aggregated in the "
        "database, one answer per jurisdiction and filters kept for 30 s or until a case changes (ETag, 304). "
        "Answers points ([lat, lng, count] per cell), cell_m (the cell's side in metres), total (cases "
        f"counted), max (the largest count) and zoom; at most {HEAT_MAX_POINTS} points: when the cases fill more "
        "cells, the cells are made coarser.",
    )
    def get(self, request):
        if not can(request.user, Capability.RUN_COMMAND_CENTRE):
            raise PermissionDenied(_("Only the command centre has a queue."))
        params = request.query_params
        errors = _choice_errors(params)
        zoom = _zoom(params, errors)
        bbox = _bbox(params, errors)
        if errors:
            raise ValidationError(errors)
        return poll_cache.api_response(request, "api-heat", lambda: heat_payload(request.user, params, zoom=zoom, bbox=bbox))


class InboxView(APIView):
    @extend_schema(
        operation_id="dispatch_inbox",
        parameters=[OpenApiParameter("all", OpenApiTypes.BOOL, description="Include " "returned, withdrawn and finished shares")],
        responses={200: OpenApiTypes.OBJECT},
        description="Your department's cases: live shares on cases the centre holds, earliest deadline first.",
    )
    def get(self, request):
        if not can(request.user, Capability.WORK_DEPARTMENT_SHARES):
            raise PermissionDenied(_("Only department handlers have a department inbox."))
        queryset = department_inbox(request.user, include_done=request.query_params.get("all") in ("1", "true"))
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        now = timezone.now()
        return paginator.get_paginated_response([inbox_item(share, now) for share in page])


class CaseView(APIView):
    @extend_schema(
        operation_id="dispatch_case",
        responses={200: OpenApiTypes.OBJECT},
        description="One case with its timeline, photos and the departments' shares and extension requests.",
    )
    def get(self, request, pk: int):
        incident = get_scoped_or_404(_case_queryset(), request.user, pk=pk)
        return Response(case_data(case_view(request.user, incident), request.user, request))


class ContactRevealView(APIView):
    @extend_schema(
        request=ContactRevealRequestSerializer,
        responses={200: OpenApiTypes.OBJECT},
        description="The full contact of a hotline or Open311 caller (shown masked everywhere else). "
        "The command centre only, with a reason; writes one audit record.",
    )
    def post(self, request, pk: int):
        incident = get_scoped_or_404(Incident.objects.all(), request.user, pk=pk)
        payload = ContactRevealRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            revealed = contact.reveal_contact(actor=request.user, incident=incident, reason=payload.validated_data["reason"], via="api")
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc))
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict)
        response = Response({"contact": revealed.value, "audit_id": revealed.audit.pk})
        response["Cache-Control"] = "no-store"
        return response


class CaseActionView(APIView):
    parser_classes = PARSERS

    @extend_schema(
        operation_id="dispatch_case_action",
        request={"application/json": DispatchActionSerializer, "multipart/form-data": DispatchActionSerializer},
        responses={200: OpenApiTypes.OBJECT},
        parameters=[OpenApiParameter("action", OpenApiTypes.STR, OpenApiParameter.PATH)],
        description="Run one act of the case machine (the command centre's, a department's or incidents' own) on "
        "the case; the same acts and checks as /api/v1/incidents/{id}/{action}/. Two people acting at once: one "
        "succeeds, the other gets 409.",
    )
    def post(self, request, pk: int, action: str):
        incident = get_scoped_or_404(_case_queryset(), request.user, pk=pk)
        refused = api_run(request, incident, action)
        if refused is not None:
            return refused
        incident = _case_queryset().get(pk=incident.pk)
        return Response(case_data(case_view(request.user, incident), request.user, request))


class DefaultsView(APIView):
    @extend_schema(
        operation_id="dispatch_defaults",
        responses={200: OpenApiTypes.OBJECT},
        description="Which departments own each category by default; a category with none goes to the locality "
        "(the street office, 属地兜底).",
    )
    def get(self, request):
        owners: dict[int, list[dict]] = {}
        for row in DepartmentCategory.objects.select_related("department").order_by("department__code"):
            owners.setdefault(row.category_id, []).append(
                {"id": row.department_id, "code": row.department.code, "name": row.department.label}
            )
        categories = Category.objects.filter(active=True).order_by("sort_order", "code")
        return Response(
            {
                "departments": [{"id": d.pk, "code": d.code, "name": d.label} for d in Department.objects.filter(active=True)],
                "categories": [
                    {"code": c.code, "name": c.label, "major": c.parent_id is None, "departments": owners.get(c.pk, [])}
                    for c in categories
                ],
            }
        )


# --- evaluation ---------------------------------------------------------------------------------------

INDICATOR_PARAMETERS = [
    OpenApiParameter("area", OpenApiTypes.STR, description="Area code (default: your jurisdiction)"),
    OpenApiParameter("department", OpenApiTypes.STR, description="Department id, or several comma-separated"),
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (default: the first of this month)"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, included (default: today)"),
    OpenApiParameter(
        "deferred",
        OpenApiTypes.STR,
        enum=["exclude", "include"],
        description="Whether cases on hold leave the denominator (default: the administrators' setting)",
    ),
]


def indicator_scope(user, code: str | None) -> Area:
    """The area the user asks about (by default their jurisdiction), always through the scope:
    outside it is 404 — a grid worker, who sees only their cells, cannot read their community."""
    if not code:
        if user.area_id:
            code = user.area.code
        elif user.is_superuser:
            code = Area.objects.current().filter(level=Level.DISTRICT).order_by("code").values_list("code", flat=True).first()
        if not code:
            raise ValidationError({"area": [_("Give an area code.")]})
    return get_scoped_or_404(Area.objects.current(), user, code=code)


def exclude_deferred_from(raw: str | None) -> bool:
    if raw in (None, ""):
        return IndicatorSettings.current().exclude_deferred
    if raw not in ("exclude", "include"):
        raise ValidationError({"deferred": [_("Use “exclude” or “include”.")]})
    return raw == "exclude"


def department_ids_for(user, raw: str) -> list[int]:
    ids = []
    for value in raw.split(","):
        value = value.strip()
        if not value:
            continue
        if not value.isdigit():
            raise ValidationError({"department": [_("“%(value)s” is not a department id.") % {"value": value}]})
        ids.append(int(value))
    if not ids:
        raise ValidationError({"department": [_("Give a department id.")]})
    found = set(Department.objects.filter(pk__in=ids).values_list("pk", flat=True))
    # A department handler sees their own department's numbers only; others are 404 like any object out of scope.
    if not can(user, Capability.SEE_EVERY_DEPARTMENT):
        found &= {user.department_id}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise Http404(_("No such department."))
    return ids


class IndicatorsView(APIView):
    @extend_schema(
        operation_id="indicators",
        parameters=INDICATOR_PARAMETERS,
        responses={200: IndicatorResponseSerializer},
        description="Evaluation (考核) over a period: counts and rates (docs/domain/indicators.md) of an area with its children, "
        "or of departments. Rates are fractions (0.9343 = 93.43 %); null when nothing was due.",
    )
    def get(self, request):
        params = request.query_params
        try:
            period = parse_period(params.get("from"), params.get("to"))
        except PeriodError as exc:
            raise ValidationError({exc.field: [exc.message]})
        exclude = exclude_deferred_from(params.get("deferred"))
        body = {"period": period.as_dict(), "settings": {"exclude_deferred": exclude}}
        user = request.user
        if params.get("department"):
            ids = department_ids_for(user, params["department"])
            area = indicator_scope(user, params.get("area"))
            found = indicators.cached_department_indicators(
                period, area_code=area.code, department_ids=ids, exclude_deferred=exclude
            )
            rows = found.rows
            body["computed_at"] = timezone.localtime(found.computed_at).isoformat()
            if len(ids) == 1:
                department = Department.objects.get(pk=ids[0])
                before = indicators.cached_department_indicators(
                    period.previous(), area_code=area.code, department_ids=ids, exclude_deferred=exclude
                ).rows
                body.update(
                    department={"id": department.pk, "code": department.code, "name": department.label},
                    indicators=row_data(rows[0]),
                    previous={"period": period.previous().as_dict(), "indicators": row_data(before[0])},
                )
            else:
                body["departments"] = [row_data(row) for row in rows]
            return Response(body)
        if not can(user, Capability.SEE_EVERY_DEPARTMENT):
            raise PermissionDenied(
                _("A department sees its own indicators: ask with ?department=%(id)s.") % {"id": user.department_id}
            )
        area = indicator_scope(user, params.get("area"))
        child = CHILD_GROUP.get(area.level)
        result = indicators.cached_area_indicators(area.code, period, groups=[child] if child else [], exclude_deferred=exclude)
        total = result.total
        total.name = area.name
        body["computed_at"] = timezone.localtime(result.computed_at).isoformat()
        before = indicators.cached_area_indicators(area.code, period.previous(), exclude_deferred=exclude).total
        before.name = area.name
        body.update(
            area={"code": area.code, "name": area.name, "level": area.level},
            indicators=row_data(total),
            previous={"period": period.previous().as_dict(), "indicators": row_data(before)},
            breakdown=[row_data(row) for row in result.groups.get(child, [])] if child else [],
        )
        return Response(body)

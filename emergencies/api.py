"""The emergencies API: declare and end, issue campaigns, the phone's tasks and outcomes, progress."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.capabilities import can
from accounts.models import User
from grids.models import Area, Level

from . import queries
from .actions.campaigns import issue_campaign
from .actions.declaring import declare_emergency, end_emergency
from .actions.outcomes import hand_tasks, record_outcome
from .capabilities import DECLARE, READ_PROGRESS, WORK_TASKS
from .export import progress_workbook
from .models import Campaign, Outcome, Zone
from .serializers import DeclareSerializer, HandSerializer, IssueSerializer, OutcomeSerializer

MAX_TASKS_LISTED = 2000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROGRESS_LEVEL = OpenApiParameter("level", OpenApiTypes.STR, enum=list(Level.values),
                                  description="The level the progress is rolled up to (default: community).")
# The phone's row of a task: its name in the answer → the column it is read from.
TASK_ROW = {
    "id": "id", "campaign": "campaign_id", "campaign_title": "campaign__title", "building_code": "building__code",
    "address": "building__address", "unit_label": "unit_label", "floor": "floor", "room": "room", "household": "household__number",
    "care": "care", "deadline": "deadline", "outcome": "outcome", "level": "level",
}


def _as_api_error(exc: Exception):
    if isinstance(exc, DjangoPermissionDenied):
        return PermissionDenied(str(exc))
    if isinstance(exc, DjangoValidationError):
        return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})
    return exc


def _require(request, capability) -> None:
    if not can(request.user, capability):
        raise PermissionDenied()


def visible_emergency_or_404(user, pk: int):
    return get_object_or_404(queries.visible_emergencies(user), pk=pk)


def visible_campaign_or_404(user, pk: int) -> Campaign:
    return get_object_or_404(Campaign.objects.select_related("emergency", "zone"), pk=pk,
                             emergency__in=queries.visible_emergencies(user))


def _emergency_json(emergency, with_counts: bool) -> dict:
    zones = []
    for zone in emergency.zones.all():
        item = {"id": zone.pk, "name": zone.name, "measure": zone.measure, "measure_label": str(zone.get_measure_display())}
        if with_counts:
            item |= queries.zone_counts(zone)
        zones.append(item)
    return {
        "id": emergency.pk, "kind": emergency.kind, "title": emergency.title, "area": emergency.area.code,
        "status": emergency.status, "starts_at": emergency.starts_at, "ends_at": emergency.ends_at, "zones": zones,
        "campaigns": [{"id": c.pk, "title": c.title, "zone": c.zone_id, "unit": c.unit, "tasks": c.task_count, "deadline": c.deadline}
                      for c in emergency.campaigns.all()],
    }


class EmergencyListView(APIView):
    @extend_schema(operation_id="emergencies_list", responses={200: OpenApiTypes.OBJECT},
                   description="The emergencies you may follow (at most 200): id, title, status, area.")
    def get(self, request):
        _require(request, READ_PROGRESS)
        return Response([{"id": e.pk, "title": e.title, "status": e.status, "area": e.area.code}
                         for e in queries.visible_emergencies(request.user)[:200]])

    @extend_schema(operation_id="emergencies_declare", request=DeclareSerializer, responses={201: OpenApiTypes.OBJECT},
                   description="Declare an emergency over an area, with its zones and their measures.")
    def post(self, request):
        _require(request, DECLARE)
        payload = DeclareSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        area = Area.objects.current().filter(code=data.pop("area")).first()
        if area is None:
            raise ValidationError({"area": ["No such area."]})
        try:
            emergency = declare_emergency(actor=request.user, area=area, **data)
        except (DjangoPermissionDenied, DjangoValidationError) as exc:
            raise _as_api_error(exc)
        return Response(_emergency_json(emergency, with_counts=True), status=status.HTTP_201_CREATED)


class EmergencyDetailView(APIView):
    @extend_schema(operation_id="emergencies_retrieve", responses={200: OpenApiTypes.OBJECT},
                   description="One emergency: its zones with their counts, and its campaigns.")
    def get(self, request, pk: int):
        _require(request, READ_PROGRESS)
        return Response(_emergency_json(visible_emergency_or_404(request.user, pk), with_counts=True))


class EmergencyEndView(APIView):
    @extend_schema(operation_id="emergencies_end", request=None, responses={200: OpenApiTypes.OBJECT},
                   description="End the emergency; `ended` is false when it had ended already.")
    def post(self, request, pk: int):
        _require(request, DECLARE)
        emergency = visible_emergency_or_404(request.user, pk)
        try:
            ended = end_emergency(actor=request.user, emergency=emergency)
        except (DjangoPermissionDenied, DjangoValidationError) as exc:
            raise _as_api_error(exc)
        return Response({"ended": ended})


class CampaignIssueView(APIView):
    @extend_schema(operation_id="emergencies_campaign_issue", request=IssueSerializer, responses={201: OpenApiTypes.OBJECT},
                   description="Issue a door-to-door campaign over a zone: one task per household or building.")
    def post(self, request, pk: int):
        zone = get_object_or_404(Zone.objects.select_related("emergency"), pk=pk, emergency__in=queries.visible_emergencies(request.user))
        payload = IssueSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            campaign = issue_campaign(actor=request.user, zone=zone, **payload.validated_data)
        except (DjangoPermissionDenied, DjangoValidationError) as exc:
            raise _as_api_error(exc)
        return Response({"id": campaign.pk, "tasks": campaign.task_count}, status=status.HTTP_201_CREATED)


class CampaignProgressView(APIView):
    @extend_schema(operation_id="emergencies_campaign_progress", parameters=[PROGRESS_LEVEL],
                   responses={200: OpenApiTypes.OBJECT},
                   description="A campaign's progress rolled up by area at a level, the cared-for not reached, the load.")
    def get(self, request, pk: int):
        _require(request, READ_PROGRESS)
        campaign = visible_campaign_or_404(request.user, pk)
        level = request.query_params.get("level", Level.COMMUNITY)
        if level not in Level.values:
            raise ValidationError({"level": ["district, street, community or grid."]})
        return Response({
            "campaign": {"id": campaign.pk, "title": campaign.title, "deadline": campaign.deadline, "tasks": campaign.task_count},
            "level": level,
            "areas": queries.rollup(request.user, campaign, level),
            "care_not_reached": queries.care_not_reached(request.user, campaign),
            "load": queries.load(request.user, campaign),
        })


class CampaignExportView(APIView):
    @extend_schema(operation_id="emergencies_campaign_export", responses={(200, XLSX): OpenApiTypes.BINARY},
                   description="A campaign's progress as a spreadsheet.")
    def get(self, request, pk: int):
        _require(request, READ_PROGRESS)
        campaign = visible_campaign_or_404(request.user, pk)
        response = HttpResponse(
            progress_workbook(request.user, campaign), content_type=XLSX
        )
        response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}.xlsx"'
        return response


class CampaignHandView(APIView):
    @extend_schema(operation_id="emergencies_campaign_hand", request=HandSerializer, responses={200: OpenApiTypes.OBJECT},
                   description="Hand a campaign's tasks to a volunteer (or back, with `volunteer` null).")
    def post(self, request, pk: int):
        campaign = visible_campaign_or_404(request.user, pk)
        payload = HandSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        volunteer_id = payload.validated_data["volunteer"]
        volunteer = None
        if volunteer_id is not None:
            volunteer = User.objects.filter(pk=volunteer_id).select_related("area").first()
            if volunteer is None:
                raise ValidationError({"volunteer": ["No such volunteer in your jurisdiction."]})
        try:
            moved = hand_tasks(actor=request.user, task_ids=[t for t in payload.validated_data["tasks"]], volunteer=volunteer,
                               campaign=campaign)
        except (DjangoPermissionDenied, DjangoValidationError) as exc:
            raise _as_api_error(exc)
        return Response({"handed": moved})


class MyTasksView(APIView):
    @extend_schema(operation_id="emergencies_tasks", responses={200: OpenApiTypes.OBJECT},
                   description="The reader's door-to-door tasks, one plain row each.")
    def get(self, request):
        _require(request, WORK_TASKS)
        # Plain rows, not model instances: a worker's list may hold hundreds of doors.
        labels = {value: str(label) for value, label in Outcome.choices}
        rows = queries.worker_tasks(request.user).values(*TASK_ROW.values())[:MAX_TASKS_LISTED]
        return Response([
            {name: row[column] for name, column in TASK_ROW.items()} | {"outcome_label": labels[row["outcome"]]} for row in rows
        ])


class TaskOutcomeView(APIView):
    @extend_schema(operation_id="emergencies_task_outcome", request=OutcomeSerializer,
                   responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT},
                   description="Record a task's outcome. An outcome re-sent with the same `client_id` answers the first (200).")
    def post(self, request, pk: int):
        _require(request, WORK_TASKS)
        payload = OutcomeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            recorded = record_outcome(actor=request.user, task_id=pk, **payload.validated_data)
        except (DjangoPermissionDenied, DjangoValidationError) as exc:
            raise _as_api_error(exc)
        return Response({"id": recorded.task.pk, "outcome": recorded.outcome, "replayed": recorded.replayed},
                        status=status.HTTP_200_OK if recorded.replayed else status.HTTP_201_CREATED)

"""The patrols' API: start, track points, check-ins, end, and which cells were patrolled."""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from gridgov.dates import DateError, parse_day
from gridgov.renderers import PASS_THROUGH_RENDERERS

from accounts.capabilities import Capability, role_can
from accounts.scope import get_scoped_or_404, scoped
from grids.models import Area

from .. import actions, queries
from ..actions import IncidentError
from ..channels import error_response
from ..models import Patrol
from ..serializers import (
    CheckInSerializer,
    PatrolEndSerializer,
    PatrolStartSerializer,
    PointBatchSerializer,
    patrol_data,
)


def _own_patrol(request, pk: int) -> Patrol:
    patrol = get_scoped_or_404(Patrol.objects.select_related("worker", "cell"), request.user, pk=pk)
    return patrol


class PatrolListView(APIView):
    @extend_schema(operation_id="patrols_list", responses={200: OpenApiTypes.OBJECT}, description="Patrols you may see, newest first.")
    def get(self, request):
        queryset = scoped(Patrol.objects.select_related("worker", "cell"), request.user)
        if request.query_params.get("mine") in ("1", "true") or role_can(request.user, Capability.WORK_CELLS):
            queryset = queryset.filter(worker=request.user)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response([patrol_data(p) for p in page])

    @extend_schema(operation_id="patrols_start", request=PatrolStartSerializer, responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT},
                   description="Start a patrol; if one is running, it is answered (200) instead.")
    def post(self, request):
        serializer = PatrolStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            patrol, created = actions.start_patrol(worker=request.user, client_id=serializer.validated_data.get("client_id"))
        except IncidentError as exc:
            return error_response(exc)
        return Response(patrol_data(patrol), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class PatrolDetailView(APIView):
    # The summary's track is JSON made by PostgreSQL, passed through (queries.patrol_summary).
    renderer_classes = PASS_THROUGH_RENDERERS

    @extend_schema(operation_id="patrols_retrieve", responses={200: OpenApiTypes.OBJECT}, description="A patrol's summary: duration, distance, cells covered, check-ins, findings.")
    def get(self, request, pk: int):
        # The same scope as every patrol endpoint (_own_patrol); the kept line and the cell's
        # boundary are not shown, so not read into GEOS (a finished day's line has hundreds of points).
        patrol = get_scoped_or_404(Patrol.objects.select_related("worker", "cell").defer("track", "cell__boundary"), request.user, pk=pk)
        return Response(patrol_data(patrol, queries.patrol_summary(patrol)))


def patrol_for_points(user, pk: int) -> Patrol:
    """The patrol a batch of points is for: the busiest write of all (every worker on patrol, every
    30 s), so the patrol without its worker and cell rows (a cell's boundary is a polygon to parse),
    through the same scope. (The hot path in front of Django asks the same in its one statement:
    incidents/actions/patrol_points_checked.py.)"""
    return get_scoped_or_404(Patrol.objects.only("id", "worker_id", "cell_id", "started_at", "ended_at",
                                                 "distance_m", "point_count"), user, pk=pk)


def points_answer(received: int, added: int, patrol: Patrol) -> dict:
    """The batch's answer; incidents/hotpath.py writes the same bytes (compared in
    tests/incidents/test_patrol_points_hotpath_session.py)."""
    return {"received": received, "added": added, "distance_m": round(patrol.distance_m, 1)}


class PatrolPointsView(APIView):
    @extend_schema(operation_id="patrols_points", request=PointBatchSerializer, responses={200: OpenApiTypes.OBJECT},
                   description="Upload a batch of track points. Each has a client-made UUID: a batch sent twice adds nothing.")
    def post(self, request, pk: int):
        patrol = patrol_for_points(request.user, pk)
        # The points are checked by the action itself (one place for the API and the page): a bad
        # one is a 400 naming its index and field, e.g. ``points.3.at``.
        points = request.data.get("points") if isinstance(request.data, dict) else None
        if points is None:
            raise ValidationError({"points": [_('Send an object with a list of points: {"points": [{"id": …, "at": …, "lat": …, "lng": …}]}.')]})
        try:
            added = actions.record_points(patrol, actor=request.user, points=points)
        except IncidentError as exc:
            return error_response(exc)
        return Response(points_answer(len(points), added, patrol))


class PatrolCheckInView(APIView):
    @extend_schema(operation_id="patrols_checkin", request=CheckInSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, pk: int):
        patrol = _own_patrol(request, pk)
        serializer = CheckInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            checkin = actions.check_in(patrol, actor=request.user, lat=data["lat"], lng=data["lng"], note=data.get("note", ""),
                                       client_id=data.get("client_id"), at=data.get("at"))
        except IncidentError as exc:
            return error_response(exc)
        return Response({"id": checkin.pk, "cell": checkin.cell.code if checkin.cell else None,
                         "outside_own_cells": checkin.outside_own_cells}, status=status.HTTP_201_CREATED)


class PatrolEndView(APIView):
    renderer_classes = PASS_THROUGH_RENDERERS  # the summary's track, as the detail's

    @extend_schema(operation_id="patrols_end", request=PatrolEndSerializer, responses={200: OpenApiTypes.OBJECT}, description="End the patrol and get its summary.")
    def post(self, request, pk: int):
        patrol = _own_patrol(request, pk)
        serializer = PatrolEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            patrol = actions.end_patrol(patrol, actor=request.user, note=serializer.validated_data.get("note", ""))
        except IncidentError as exc:
            return error_response(exc)
        return Response(patrol_data(patrol, queries.patrol_summary(patrol)))


class CoverageView(APIView):
    @extend_schema(operation_id="patrols_coverage",
        parameters=[OpenApiParameter("area", OpenApiTypes.STR, description="Community or street code (default: yours)"),
                    OpenApiParameter("date", OpenApiTypes.DATE, description="Default: today")],
        responses={200: OpenApiTypes.OBJECT},
        description="Patrol coverage of every cell under an area on one day.",
    )
    def get(self, request):
        raw = request.query_params.get("date") or ""
        try:
            day = parse_day(raw, "date") if raw else timezone.localdate()
        except DateError as exc:
            raise ValidationError({"date": [exc.message]})
        code = request.query_params.get("area") or (request.user.area.code if request.user.area_id else "")
        # Its boundary is not shown: not read (a street's or a district's is a large polygon).
        area = get_scoped_or_404(Area.objects.current().defer("boundary"), request.user, code=code)
        rows = queries.cell_coverage(request.user, area, day)
        return Response({
            "area": {"code": area.code, "name": area.name}, "date": day.isoformat(),
            "cells": [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items() if k != "cell"} for row in rows],
            "patrolled": sum(1 for row in rows if row["patrolled"]), "total": len(rows),
        })

from __future__ import annotations

import json
from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scope import get_scoped_or_404, scoped

from .models import Area, Level
from .queries import areas_geojson, lookup_point
from .registry import cell_occupants, count_in_cells


def _coordinate(request, name: str, low: float, high: float) -> float:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        raise ValidationError({name: [_("This parameter is required.")]})
    try:
        value = float(raw)
    except ValueError:
        raise ValidationError({name: [_("“%(value)s” is not a number.") % {"value": raw}]})
    if not low <= value <= high:
        raise ValidationError({name: [_("Must lie between %(low)s and %(high)s.") % {"low": low, "high": high}]})
    return value


class LookupView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("lat", OpenApiTypes.DOUBLE, required=True, description="WGS-84 latitude"),
            OpenApiParameter("lng", OpenApiTypes.DOUBLE, required=True, description="WGS-84 longitude"),
        ],
        responses={200: OpenApiTypes.OBJECT},
        description="The district, street office, community and grid cell that contain a point.",
    )
    def get(self, request):
        lat = _coordinate(request, "lat", -90, 90)
        lng = _coordinate(request, "lng", -180, 180)
        found = lookup_point(lng, lat)
        if "grid" not in found:
            raise NotFound(_("No grid cell contains the point (%(lat)s, %(lng)s).") % {"lat": lat, "lng": lng})
        return Response({level: {k: v for k, v in area.items() if k != "id"} for level, area in found.items()})


def _moment(request) -> datetime | None:
    raw = request.query_params.get("as_of")
    if not raw:
        return None
    moment = parse_datetime(raw)
    if moment is None:
        day = parse_date(raw)
        if day is None:
            raise ValidationError({"as_of": [_("Use a date (YYYY-MM-DD) or an ISO 8601 date and time.")]})
        moment = datetime(day.year, day.month, day.day, 23, 59, 59)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class AreaListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("level", OpenApiTypes.STR, enum=Level.values),
            OpenApiParameter("parent", OpenApiTypes.STR, description="Code of the parent area"),
            OpenApiParameter("as_of", OpenApiTypes.DATETIME, description="Boundaries as they were at this moment"),
        ],
        responses={(200, "application/geo+json"): OpenApiTypes.OBJECT},
        description="Areas as a GeoJSON FeatureCollection, limited to the caller's jurisdiction.",
    )
    def get(self, request):
        level = request.query_params.get("level")
        parent = request.query_params.get("parent")
        moment = _moment(request)
        queryset = Area.objects.as_of(moment) if moment else Area.objects.current()
        if level:
            if level not in Level.values:
                raise ValidationError({"level": [_("Unknown level; use one of %(levels)s.") % {"levels": ", ".join(Level.values)}]})
            queryset = queryset.filter(level=level)
        if parent:
            queryset = queryset.filter(parent__code=parent)
        if not level and not parent:
            raise ValidationError({"level": [_("Give a level, a parent code, or both.")]})
        body = areas_geojson(scoped(queryset, request.user).order_by("code"))
        return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/geo+json")


class AreaDetailView(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT}, description="One current area, its ancestors and what it holds.")
    def get(self, request, code: str):
        area = get_scoped_or_404(Area.objects.current().select_related("parent__parent__parent"), request.user, code=code)
        data = {
            "code": area.code,
            "name": area.name,
            "level": area.level,
            "area_m2": round(area.area_m2, 1),
            "valid_from": area.valid_from,
            "ancestors": [{"code": a.code, "name": a.name, "level": a.level} for a in area.ancestors()],
            "children": area.children.filter(valid_to__isnull=True).count(),
        }
        if area.level == Level.GRID:
            counts = count_in_cells([area.id])
            data["contents"] = {o.key: counts[o.key].get(area.id, 0) for o in cell_occupants()}
            data["grid_workers"] = [
                a.user.display_name for a in area.assignments.filter(ended_at__isnull=True).select_related("user")
            ]
        return Response(data)

"""The cases' API: the list and its filters, a case, its acts and photos, nearby cases,
the categories and the cases as GeoJSON (all scoped: outside your jurisdiction is 404)."""
from __future__ import annotations

import json

from django.contrib.gis.geos import Point
from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from gridgov.api import float_param
from gridgov.parsers import API_PARSERS

from accounts.scope import get_scoped_or_404, scoped

from .. import actions, numbering, photo_evidence, queries
from ..actions import IncidentError
from ..channels import api_run, error_response
from ..models import ACTIVE_STATUSES, OPEN_STATUSES, Category, Incident, Patrol
from ..serializers import ActSerializer, ReportSerializer, incident_detail, incident_summary


PARSERS = API_PARSERS  # the API's JSON limits, and files


def _detail_queryset():
    return Incident.objects.select_related(
        "category__parent", "area", "cell", "filed_area", "reporter", "assignee"
    )


def filter_incidents(queryset, params, user):
    """The list filters shared by the API and the list page. A malformed ``number`` is a 400
    naming it (``InvalidInput``)."""
    def listed(name):
        return [v for v in (params.get(name) or "").split(",") if v]

    if statuses := listed("status"):
        queryset = queryset.filter(status__in=statuses)
    elif params.get("open") in ("1", "true"):
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif params.get("all") not in ("1", "true"):
        queryset = queryset.filter(status__in=ACTIVE_STATUSES)
    if levels := listed("level"):
        queryset = queryset.filter(level__in=levels)
    if lights := listed("light"):
        queryset = queryset.filter(light__in=lights)
    if categories := listed("category"):
        queryset = queryset.filter(Q(category__code__in=categories) | Q(category__parent__code__in=categories))
    if sources := listed("source"):
        queryset = queryset.filter(source__in=sources)
    if area := params.get("area"):
        queryset = queryset.filter(filed_area__code__startswith=area)
    if params.get("mine") in ("1", "true"):
        queryset = queryset.filter(Q(assignee=user) | Q(reporter=user))
    if params.get("cells") == "mine":
        queryset = queries.in_my_cells(queryset, user)
    if params.get("waiting") in ("1", "true"):
        queryset = queryset.filter(pk__in=queries.waiting_for_level(user).values("pk"))
    if (number := params.get("number")) is not None:
        queryset = queryset.filter(number=numbering.parse_number(number))
    if text := (params.get("q") or "").strip():
        queryset = queryset.filter(queries.text_condition(text))
    ordering = params.get("ordering") or "deadline"
    allowed = {"deadline": ("deadline", "id"), "-created_at": ("-created_at", "-id"), "created_at": ("created_at", "id"),
               "-updated_at": ("-updated_at", "-id")}
    return queryset.order_by(*allowed.get(ordering, ("deadline", "id")))


LIST_PARAMETERS = [
    OpenApiParameter("status", OpenApiTypes.STR, description="Comma-separated statuses (default: all active)"),
    OpenApiParameter("open", OpenApiTypes.BOOL, description="Only cases somebody must act on"),
    OpenApiParameter("all", OpenApiTypes.BOOL, description="Include closed, rejected and duplicate cases"),
    OpenApiParameter("level", OpenApiTypes.STR, description="grid, community, street, district (comma-separated)"),
    OpenApiParameter("light", OpenApiTypes.STR, description="green, yellow, red (comma-separated)"),
    OpenApiParameter("category", OpenApiTypes.STR, description="Category codes, major or minor (comma-separated)"),
    OpenApiParameter("source", OpenApiTypes.STR),
    OpenApiParameter("area", OpenApiTypes.STR, description="Area code: cases filed under it"),
    OpenApiParameter("mine", OpenApiTypes.BOOL, description="Reported by me or assigned to me"),
    OpenApiParameter("waiting", OpenApiTypes.BOOL, description="Held at my level in my area"),
    OpenApiParameter("cells", OpenApiTypes.STR, enum=["mine"], description="mine: filed in my cells, whichever level holds them now"),
    OpenApiParameter("number", OpenApiTypes.STR, description="The case number, e.g. 20261203-0042 (malformed: 400)"),
    OpenApiParameter("q", OpenApiTypes.STR, description="Case number, #id or words of the description or address"),
    OpenApiParameter("ordering", OpenApiTypes.STR, enum=["deadline", "-created_at", "created_at", "-updated_at"]),
]


class IncidentListView(APIView):
    parser_classes = PARSERS

    @extend_schema(operation_id="incidents_list", parameters=LIST_PARAMETERS, responses={200: OpenApiTypes.OBJECT}, description="Cases in your jurisdiction, with their light.")
    def get(self, request):
        try:
            queryset = filter_incidents(queries.incidents_for(request.user), request.query_params, request.user)
        except IncidentError as exc:
            return error_response(exc)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        now = timezone.now()
        return paginator.get_paginated_response([incident_summary(incident, now) for incident in page])

    @extend_schema(operation_id="incidents_create",
        request={"application/json": ReportSerializer, "multipart/form-data": ReportSerializer},
        responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT},
        description="File a report. JSON, or multipart with `photos` files (and optionally `photos_exif`: the "
        "photos' own EXIF time and position as read on the phone, a JSON list, one object per file; see "
        "docs/photo-evidence.md). A report re-sent with the same "
        "`client_id` answers the first one (200) instead of filing it twice.",
    )
    def post(self, request):
        serializer = ReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        patrol = None
        if data.get("patrol"):
            patrol = Patrol.objects.filter(pk=data["patrol"], worker=request.user).first()
            if patrol is None:
                raise ValidationError({"patrol": [_("No such patrol of yours.")]})
        report = actions.report_incident
        extra = {}
        if data.get("settled"):
            report = actions.report_settled_at_grid
            extra = {"after_photos": photo_evidence.uploads(request, "after_photos")}
        try:
            incident, created = report(
                **extra,
                reporter=request.user,
                category=data["category"],
                location=data["location"],
                description=data.get("description", ""),
                urgency=data.get("urgency"),
                source=data.get("source"),
                address=data.get("address", ""),
                patrol=patrol,
                client_id=data.get("client_id"),
                accuracy_m=data.get("accuracy"),
                located_at=data.get("located_at"),
                photos=photo_evidence.uploads(request, "photos"),
            )
        except IncidentError as exc:
            return error_response(exc)
        return Response(incident_summary(incident), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class IncidentDetailView(APIView):
    @extend_schema(operation_id="incidents_retrieve", responses={200: OpenApiTypes.OBJECT}, description="One case with its timeline, photos, level, area, deadline and light.")
    def get(self, request, pk: int):
        incident = get_scoped_or_404(_detail_queryset(), request.user, pk=pk)
        return Response(incident_detail(incident, request.user, request))


class IncidentActionView(APIView):
    parser_classes = PARSERS

    @extend_schema(operation_id="incidents_action",
        request={"application/json": ActSerializer, "multipart/form-data": ActSerializer},
        responses={200: OpenApiTypes.OBJECT},
        parameters=[OpenApiParameter("action", OpenApiTypes.STR, OpenApiParameter.PATH)],
        description="Run one act of the case machine on the case (the table: docs/architecture.md, \"The case machine\").",
    )
    def post(self, request, pk: int, action: str):
        incident = get_scoped_or_404(_detail_queryset(), request.user, pk=pk)
        response = api_run(request, incident, action)
        if response is not None:
            return response
        incident = _detail_queryset().get(pk=incident.pk)
        return Response(incident_detail(incident, request.user, request))


class PhotoView(APIView):
    """A case photo, only for people who may see the case (photos show faces and number plates).

    The only way to a stored photo: MEDIA_ROOT has no public URL (gridgov/media.py sends the file,
    or has the web server send it)."""

    def perform_content_negotiation(self, request, force=False):
        # An <img> asks for image/*; the answer is a file, not a rendered body.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(operation_id="incidents_photo", responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        from django.http import Http404

        from gridgov.media import file_response

        from ..models import IncidentPhoto, PhotoState

        # A photo not processed yet has no file: its raw upload is never sent (photo_queue).
        photo = IncidentPhoto.objects.filter(pk=pk, state=PhotoState.READY).exclude(image="").only("id", "incident_id", "image").first()
        if photo is None or not scoped(Incident.objects.filter(pk=photo.incident_id), request.user).exists():
            raise Http404(_("No such photo in your jurisdiction."))
        return file_response(photo.image)


class NearbyView(APIView):
    @extend_schema(operation_id="incidents_nearby",
        parameters=[
            OpenApiParameter("lat", OpenApiTypes.DOUBLE, required=True),
            OpenApiParameter("lng", OpenApiTypes.DOUBLE, required=True),
            OpenApiParameter("category", OpenApiTypes.STR, required=True, description="Minor class code"),
            OpenApiParameter("radius", OpenApiTypes.INT, description="Metres (default: the class's duplicate radius, at most 500)"),
        ],
        responses={200: OpenApiTypes.OBJECT},
        description="Open cases of the same class near a point: possible duplicates to add to instead.",
    )
    def get(self, request):
        lat = float_param(request, "lat", -90, 90)
        lng = float_param(request, "lng", -180, 180)
        code = request.query_params.get("category") or ""
        category = Category.objects.filter(code=code).first() or (
            Category.objects.filter(pk=int(code)).first() if code.isdigit() else None
        )
        if category is None:
            raise ValidationError({"category": [_("Unknown category “%(value)s”.") % {"value": code}]})
        radius = None
        if request.query_params.get("radius"):
            radius = float_param(request, "radius", 1, 500)
        found = queries.nearby(request.user, point=Point(lng, lat, srid=4326), category=category, radius_m=radius)
        return Response({
            "radius_m": radius or category.duplicate_radius_m,
            "results": [{**incident_summary(i), "distance_m": round(i.distance.m, 1)} for i in found],
        })


class CategoryListView(APIView):
    @extend_schema(operation_id="incidents_categories", responses={200: OpenApiTypes.OBJECT}, description="The two-level taxonomy; `frequent` holds your most used classes.")
    def get(self, request):
        return Response(queries.taxonomy(request.user))


class IncidentGeoJSONView(APIView):
    @extend_schema(operation_id="incidents_geojson", parameters=LIST_PARAMETERS, responses={(200, "application/geo+json"): OpenApiTypes.OBJECT},
                   description="Cases as GeoJSON points for the map (at most 2,000).")
    def get(self, request):
        try:
            queryset = filter_incidents(queries.incidents_for(request.user), request.query_params, request.user)[:2000]
        except IncidentError as exc:
            return error_response(exc)
        features = [
            {
                "type": "Feature",
                "id": incident.pk,
                "geometry": {"type": "Point", "coordinates": [round(incident.location.x, 6), round(incident.location.y, 6)]},
                "properties": {"id": incident.pk, "number": incident.number, "category": incident.category.label,
                               "status": incident.get_status_display(), "level": incident.level, "light": incident.light or None},
            }
            for incident in queryset
        ]
        body = {"type": "FeatureCollection", "features": features}
        return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/geo+json")

"""The boundaries API: lookup, areas as GeoJSON, labels, revisions, vector tiles (the editor's drafts: ``api_drafts``)."""
from __future__ import annotations

import json
from datetime import datetime

from django.db.models import Count, F
from django.http import HttpResponse
from django.utils.http import quote_etag
from django.views.decorators.csrf import csrf_exempt
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from gridgov.api import float_param

from accounts import fastauth
from accounts.scope import get_scoped_or_404, scoped

from . import tiles as tile_store
from .models import Area, Level, Revision
from .queries import areas_geojson, label_points, lookup_point, parse_moment
from .registry import cell_occupants, count_in_cells


class LookupView(APIView):
    """The API schema's description of the lookup; requests are answered by ``lookup`` below."""

    @extend_schema(
        parameters=[
            OpenApiParameter("lat", OpenApiTypes.DOUBLE, required=True, description="WGS-84 latitude"),
            OpenApiParameter("lng", OpenApiTypes.DOUBLE, required=True, description="WGS-84 longitude"),
        ],
        responses={200: OpenApiTypes.OBJECT},
        description="The district, street office, community and grid cell that contain a point.",
        operation_id="areas_lookup",
    )
    def get(self, request):
        return lookup(request)


def _json(data, status_code: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(data, ensure_ascii=False, separators=(",", ":")), status=status_code,
                        content_type="application/json")


# Read-only: a token client's POST gets DRF's 405, not a CSRF refusal meant for browser forms.
@csrf_exempt
def lookup(request) -> HttpResponse:
    """Which district, street office, community and cell contain a point: the hottest read of all
    (every report, every phone position), so it skips DRF — content negotiation, the ORM token
    query, the serializer — and answers from one indexed SQL statement. The answers (status
    codes, error bodies, messages) are those of the DRF endpoints."""
    if request.method not in ("GET", "HEAD"):
        response = _json({"detail": _("Method “%(method)s” not allowed.") % {"method": request.method}}, 405)
        response["Allow"] = "GET, HEAD"
        return response
    try:
        fastauth.requesting_user_id(request)
    except fastauth.NotAuthenticated as exc:
        response = _json({"detail": exc.message}, 401)
        response["WWW-Authenticate"] = fastauth.AUTHENTICATE_HEADER
        return response
    try:
        lat = float_param(request, "lat", -90, 90)
        lng = float_param(request, "lng", -180, 180)
    except ValidationError as exc:
        return _json({"detail": _("Invalid input."), "errors": exc.detail}, 400)
    found = lookup_point(lng, lat)
    if "grid" not in found:
        return _json({"detail": _("No grid cell contains the point (%(lat)s, %(lng)s).") % {"lat": lat, "lng": lng}}, 404)
    return HttpResponse(lookup_body(found), content_type="application/json")


def lookup_body(found: dict) -> bytes:
    """The lookup's answer (``lookup_point``'s areas without their database ids), as sent; the
    hot path in front of Django (``grids.hotpath``) sends the very same bytes."""
    return json.dumps({level: {k: v for k, v in area.items() if k != "id"} for level, area in found.items()},
                      ensure_ascii=False, separators=(",", ":")).encode()


# The schema generator finds the documented APIView through the URL's callback.
lookup.cls = LookupView
lookup.initkwargs = {}


def _moment(request) -> datetime | None:
    raw = request.query_params.get("as_of")
    if not raw:
        return None
    moment = parse_moment(raw)
    if moment is None:
        raise ValidationError({"as_of": [_("Use a date (YYYY-MM-DD) or an ISO 8601 date and time.")]})
    return moment


def _areas(moment: datetime | None):
    return Area.objects.as_of(moment) if moment else Area.objects.current()


def _level(request, required: bool = False) -> str | None:
    level = request.query_params.get("level")
    if level and level not in Level.values:
        raise ValidationError({"level": [_("Unknown level; use one of %(levels)s.") % {"levels": ", ".join(Level.values)}]})
    if required and not level:
        raise ValidationError({"level": [_("This parameter is required.")]})
    return level or None


class AreaListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("level", OpenApiTypes.STR, enum=Level.values),
            OpenApiParameter("parent", OpenApiTypes.STR, description="Code of the parent area"),
            OpenApiParameter("as_of", OpenApiTypes.DATETIME, description="Boundaries as they were at this moment"),
        ],
        responses={(200, "application/geo+json"): OpenApiTypes.OBJECT},
        description="Areas as a GeoJSON FeatureCollection, limited to the caller's jurisdiction.",
        operation_id="areas_list",
    )
    def get(self, request):
        level = _level(request)
        parent = request.query_params.get("parent")
        moment = _moment(request)
        queryset = _areas(moment)
        if level:
            queryset = queryset.filter(level=level)
        if parent:
            queryset = queryset.filter(parent__code=parent)
        if not level and not parent:
            raise ValidationError({"level": [_("Give a level, a parent code, or both.")]})
        body = areas_geojson(scoped(queryset, request.user).order_by("code"))
        return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/geo+json")


class AreaLabelsView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("parent", OpenApiTypes.STR, required=True, description="Code of the parent area"),
            OpenApiParameter("as_of", OpenApiTypes.DATETIME),
        ],
        responses={200: OpenApiTypes.OBJECT},
        description="The parent and its children as label points (name, code, a point inside, bounding box) — "
        "what the map needs beside the vector tiles, without the outlines.",
    )
    def get(self, request):
        code = request.query_params.get("parent")
        if not code:
            raise ValidationError({"parent": [_("This parameter is required.")]})
        moment = _moment(request)
        parent = get_scoped_or_404(_areas(moment), request.user, code=code)
        children = scoped(_areas(moment).filter(parent=parent), request.user).order_by("code")
        return Response({"parent": label_points(_areas(moment).filter(pk=parent.pk))[0], "children": label_points(children)})


class AreaDetailView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("as_of", OpenApiTypes.DATETIME, description="The area as it was at this moment")],
        responses={200: OpenApiTypes.OBJECT},
        description="One area, its ancestors and what it holds (current unless as_of is given).",
    )
    def get(self, request, code: str):
        moment = _moment(request)
        area = get_scoped_or_404(_areas(moment).select_related("parent__parent__parent"), request.user, code=code)
        data = {
            "code": area.code,
            "name": area.name,
            "level": area.level,
            "area_m2": round(area.area_m2, 1),
            "valid_from": area.valid_from,
            "valid_to": area.valid_to,
            "bbox": list(area.boundary.extent),
            "ancestors": [{"code": a.code, "name": a.name, "level": a.level} for a in area.ancestors()],
            "children": _areas(moment).filter(parent=area).count(),
        }
        if area.level == Level.GRID:
            counts = count_in_cells([area.id])
            shown = [o for o in cell_occupants() if o.visible_to(request.user)]
            data["contents"] = {o.key: counts[o.key].get(area.id, 0) for o in shown}
            data["content_labels"] = {o.key: str(o.label) for o in shown}
            data["grid_workers"] = [
                a.user.display_name for a in area.assignments.filter(ended_at__isnull=True).select_related("user")
            ]
        return Response(data)


def _revision_row(revision: Revision, created: dict[int, int], retired: dict[int, int]) -> dict:
    return {
        "number": revision.number,
        "published_at": revision.published_at,
        "published_by": revision.published_by.display_name if revision.published_by else None,
        "reason": revision.reason,
        "scope": revision.scope.code if revision.scope else None,
        "created": created.get(revision.id, 0),
        "retired": retired.get(revision.id, 0),
        "impact": revision.impact,
    }


class AreaRevisionsView(APIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        description="The boundary revisions that created or retired an area inside this one (newest first): "
        "who, when, why, how many areas came and went, and what moved.",
    )
    def get(self, request, code: str):
        # The current generation, or — a retired area still has a history — the newest one.
        area = scoped(Area.objects.filter(code=code), request.user).order_by(F("valid_to").desc(nulls_first=True)).first()
        if area is None:
            raise NotFound(_("No such area in your jurisdiction."))
        inside = Area.objects.filter(code__startswith=area.code)
        created = dict(inside.filter(revision__isnull=False).values_list("revision").annotate(n=Count("id")))
        retired = dict(inside.filter(retired_by__isnull=False).values_list("retired_by").annotate(n=Count("id")))
        revisions = Revision.objects.filter(pk__in=set(created) | set(retired)).select_related("published_by", "scope")
        return Response(
            {
                "code": area.code,
                "name": area.name,
                "revisions": [_revision_row(r, created, retired) for r in revisions.order_by("-number")],
            }
        )


class TileView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("as_of", OpenApiTypes.DATETIME, description="Boundaries as they were at this moment")],
        responses={(200, "application/vnd.mapbox-vector-tile"): OpenApiTypes.BINARY},
        description="A Mapbox vector tile of one tier (layer named after the level; properties code and name). "
        "Not limited to the caller's jurisdiction: outlines, names and codes are public geography. "
        "Empty below the tier's minimum zoom. Cached per boundary revision.",
    )
    def get(self, request, level: str, z: int, x: int, y: int):
        if level not in Level.values or not tile_store.tile_in_range(z, x, y):
            raise NotFound(_("No such tile."))
        moment = _moment(request)
        tile, revision, cached = tile_store.get_tile(level, z, x, y, moment)
        etag = quote_etag(f"r{revision}-{'past' if moment else 'now'}-{level}-{z}-{x}-{y}")
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(tile, content_type="application/vnd.mapbox-vector-tile")
        response["ETag"] = etag
        # The page asks with ?r=<revision>; such a URL never changes meaning, so the browser may
        # keep it. Without it, the browser revalidates (304 when nothing was published).
        if request.query_params.get("r") == str(revision) or moment is not None:
            response["Cache-Control"] = "private, max-age=86400"
        else:
            response["Cache-Control"] = "private, no-cache"
        response["X-Tile-Cache"] = "hit" if cached else "miss"
        return response

"""The boundaries API: lookup, areas as GeoJSON, labels, revisions, vector tiles, and the editor's drafts."""
from __future__ import annotations

import json
import math
from datetime import datetime

from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.db.models import Count, F
from django.http import HttpResponse
from django.utils.http import quote_etag
from django.views.decorators.csrf import csrf_exempt
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from gridgov.api import float_param

from accounts import fastauth
from accounts.scope import get_scoped_or_404, scoped

from . import actions
from . import tiles as tile_store
from .models import Area, DraftRevision, Level, Revision
from .permissions import CanEditBoundaries
from .queries import areas_geojson, draft_geojson, label_points, lookup_point, neighbour_cells_geojson, parse_moment
from .registry import cell_occupants, count_in_cells
from .validation import AreaValidationError


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
        return _json({"detail": exc.message}, 403)
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


# --- The editor's drafts ----------------------------------------------------------------------------


def _problems_response(error: AreaValidationError, status_code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    errors = [p for p in error.problems if p.is_error]
    detail = errors[0].message if len(errors) == 1 else _("%(n)s problems must be fixed first.") % {"n": len(errors)}
    return Response({"detail": detail, "problems": [p.as_dict() for p in error.problems]}, status=status_code)


POLYGONAL = ("Polygon", "MultiPolygon")
LINEAR = ("LineString", "MultiLineString")


def _geometry(data, name: str, kinds: tuple[str, ...] = POLYGONAL) -> GEOSGeometry:
    """A GeoJSON geometry (or WKT) of one of ``kinds``, not empty, with finite coordinates; a 400 naming ``name`` otherwise."""
    def refuse(message: str):
        raise ValidationError({name: [message]})

    raw = data.get(name)
    if raw in (None, "", {}):
        refuse(_("This field is required."))
    if isinstance(raw, dict):
        kind = raw.get("type")
        if kind not in kinds:
            refuse(_("Send a GeoJSON geometry of type %(kinds)s, not “%(kind)s”.") % {"kinds": " / ".join(kinds), "kind": kind})
        if not isinstance(raw.get("coordinates"), list) or not raw["coordinates"]:
            refuse(_("The geometry has no coordinates."))
        text = json.dumps(raw)
    elif isinstance(raw, str):
        text = raw
    else:
        refuse(_("Send a GeoJSON geometry object."))
    try:
        geometry = GEOSGeometry(text)
    except (GEOSException, GDALException, ValueError, TypeError, IndexError) as exc:
        refuse(_("Not a GeoJSON geometry: %(reason)s") % {"reason": exc})
    if geometry.geom_type not in kinds:
        refuse(_("Send a GeoJSON geometry of type %(kinds)s, not “%(kind)s”.") % {"kinds": " / ".join(kinds), "kind": geometry.geom_type})
    if geometry.empty:
        refuse(_("The geometry is empty."))
    if not all(math.isfinite(value) for value in geometry.extent):
        refuse(_("The geometry has coordinates that are not finite numbers."))
    if geometry.srid is None:
        geometry.srid = 4326
    return geometry


def _int(data, name: str) -> int:
    try:
        return int(data.get(name))
    except (TypeError, ValueError):
        raise ValidationError({name: [_("A cell id (a whole number) is required.")]})


class _DraftView(APIView):
    permission_classes = [CanEditBoundaries]

    def draft(self, request, draft_id: int) -> DraftRevision:
        # Someone else's draft, or a community outside the editor's jurisdiction: 404, like anything unseen.
        draft = scoped(DraftRevision.objects.select_related("community"), request.user).filter(pk=draft_id, created_by=request.user).first()
        if draft is None:
            raise NotFound(_("No such draft."))
        return draft

    def body(self, draft: DraftRevision) -> dict:
        current = actions.community_revision(draft.community)
        return {
            "id": draft.id,
            "community": {"code": draft.community.code, "name": draft.community.name, "bbox": list(draft.community.boundary.extent)},
            "base_revision": draft.base_revision,
            "current_revision": current,
            "stale": current != draft.base_revision or not draft.community.is_current,
            "updated_at": draft.updated_at,
            "undo_steps": actions.undo_steps(draft),
            "cells": draft_geojson(draft.id),
        }


class CommunityDraftView(_DraftView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT}, description="Your draft of this community's cells, if any.")
    def get(self, request, code: str):
        community = get_scoped_or_404(Area.objects.current(), request.user, code=code, level=Level.COMMUNITY)
        draft = DraftRevision.objects.filter(community=community, created_by=request.user).first()
        if draft is None:
            raise NotFound(_("You have no draft of this community."))
        return Response(self.body(draft))

    @extend_schema(request=None, responses={201: OpenApiTypes.OBJECT}, description="Start (or resume) your draft of this community.")
    def post(self, request, code: str):
        community = get_scoped_or_404(Area.objects.current(), request.user, code=code, level=Level.COMMUNITY)
        existed = DraftRevision.objects.filter(community=community, created_by=request.user).exists()
        draft = actions.start_draft(community=community, actor=request.user)
        return Response(self.body(draft), status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


class DraftView(_DraftView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT}, description="The draft with its cells as GeoJSON (full precision).")
    def get(self, request, draft_id: int):
        draft = self.draft(request, draft_id)
        body = self.body(draft)
        body["neighbours"] = neighbour_cells_geojson(draft.community)
        return Response(body)

    @extend_schema(responses={204: None}, description="Discard the draft.")
    def delete(self, request, draft_id: int):
        actions.discard_draft(draft=self.draft(request, draft_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DraftCellsView(_DraftView):
    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT}, description="Draw a new cell: {geometry}.")
    def post(self, request, draft_id: int):
        draft = self.draft(request, draft_id)
        try:
            actions.add_draft_cell(draft=draft, geometry=_geometry(request.data, "geometry"), actor=request.user)
        except AreaValidationError as error:
            return _problems_response(error)
        return Response(self.body(draft), status=status.HTTP_201_CREATED)


class DraftCellView(_DraftView):
    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT}, description="Reshape a cell: {geometry}.")
    def put(self, request, draft_id: int, cell_id: int):
        draft = self.draft(request, draft_id)
        try:
            actions.update_draft_cell(draft=draft, cell_id=cell_id, geometry=_geometry(request.data, "geometry"), actor=request.user)
        except AreaValidationError as error:
            return _problems_response(error)
        return Response(self.body(draft))

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, description="Delete a cell from the draft.")
    def delete(self, request, draft_id: int, cell_id: int):
        draft = self.draft(request, draft_id)
        try:
            actions.delete_draft_cell(draft=draft, cell_id=cell_id, actor=request.user)
        except AreaValidationError as error:
            return _problems_response(error)
        return Response(self.body(draft))


class DraftSplitView(_DraftView):
    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT}, description="Split {cell} along {line} (ST_Split).")
    def post(self, request, draft_id: int):
        draft = self.draft(request, draft_id)
        try:
            actions.split_draft_cell(
                draft=draft, cell_id=_int(request.data, "cell"), line=_geometry(request.data, "line", LINEAR), actor=request.user
            )
        except AreaValidationError as error:
            return _problems_response(error)
        return Response(self.body(draft))


class DraftMergeView(_DraftView):
    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT}, description="Merge {cells: [id, …]} (ST_Union).")
    def post(self, request, draft_id: int):
        draft = self.draft(request, draft_id)
        raw = request.data.get("cells")
        if not isinstance(raw, list):
            raise ValidationError({"cells": [_("A list of cell ids is required.")]})
        try:
            ids = [int(value) for value in raw]
        except (TypeError, ValueError):
            raise ValidationError({"cells": [_("A list of cell ids is required.")]})
        try:
            actions.merge_draft_cells(draft=draft, cell_ids=ids, actor=request.user)
        except AreaValidationError as error:
            return _problems_response(error)
        return Response(self.body(draft))


class DraftValidationView(_DraftView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT}, description="Problems of the draft, checked in PostGIS, with their geometry.")
    def get(self, request, draft_id: int):
        draft = self.draft(request, draft_id)
        problems = actions.validate_draft(draft)
        return Response(
            {
                "errors": [p.as_dict() for p in problems if p.is_error],
                "warnings": [p.as_dict() for p in problems if not p.is_error],
                "publishable": not any(p.is_error for p in problems),
            }
        )


class DraftImpactView(_DraftView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT}, description="Old cell → new cell counts of everything publishing would move.")
    def get(self, request, draft_id: int):
        draft = self.draft(request, draft_id)
        try:
            impact = actions.impact_preview(draft)
        except AreaValidationError as error:
            return _problems_response(error)
        return Response(impact.as_dict())


class DraftUndoView(_DraftView):
    @extend_schema(
        request=None,
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
        description="Undo the draft's last edit (the last 30 are kept); answers the draft as it is now. 400 when there "
        "is nothing to undo.",
    )
    def post(self, request, draft_id: int):
        draft = self.draft(request, draft_id)
        try:
            actions.undo_draft_edit(draft=draft, actor=request.user)
        except AreaValidationError as error:
            return _problems_response(error)
        draft.refresh_from_db()
        return Response(self.body(draft))


class DraftRebaseView(_DraftView):
    @extend_schema(
        request=None,
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
        description="Carry a stale draft's changes over to the community's current cells (after someone else "
        "published): the cells published since join the draft, those retired since leave it. 400 naming every "
        "cell changed on both sides (nothing changes then).",
    )
    def post(self, request, draft_id: int):
        draft = self.draft(request, draft_id)
        try:
            result = actions.rebase_draft(draft=draft, actor=request.user)
        except AreaValidationError as error:
            return _problems_response(error)
        draft.refresh_from_db()
        return Response({**self.body(draft), "taken": result.taken, "dropped": result.dropped})


class DraftPublishView(_DraftView):
    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT},
        description="Publish the draft as a new revision {reason}. 400 with the problems while errors remain; "
        "409 when the community changed since the draft was started (the draft is kept).",
    )
    def post(self, request, draft_id: int):
        draft = self.draft(request, draft_id)
        try:
            result = actions.publish_draft(draft=draft, actor=request.user, reason=str(request.data.get("reason") or ""))
        except actions.RevisionConflict as conflict:
            return Response(
                {"detail": str(conflict), "base_revision": conflict.base_revision, "current_revision": conflict.current_revision},
                status=status.HTTP_409_CONFLICT,
            )
        except AreaValidationError as error:
            return _problems_response(error)
        revision = result.revision
        return Response(
            {
                "revision": revision.number,
                "published_at": revision.published_at,
                "reason": revision.reason,
                "impact": result.impact,
                "codes": [area.code for area in result.areas],
            },
            status=status.HTTP_201_CREATED,
        )

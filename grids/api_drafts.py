"""The editor's API: an administrator's draft of one community's cells — start, edit, validate,
preview the impact, undo, carry over, publish."""
from __future__ import annotations

import json
import math

from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scope import get_scoped_or_404, scoped

from . import actions
from .models import Area, DraftRevision, Level
from .permissions import CanEditBoundaries
from .queries import draft_geojson, neighbour_cells_geojson, snapping_outline
from .validation import AreaValidationError

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
        body["outline"] = snapping_outline(draft)
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

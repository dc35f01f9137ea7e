"""Declaring an emergency over an area with its zones, and ending it."""
from __future__ import annotations

import json
from typing import Any

from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.capabilities import can
from accounts.scope import scoped
from grids.models import Area

from ..capabilities import DECLARE
from ..errors import PermissionDenied, refuse
from ..models import Emergency, EmergencyKind, EmergencyStatus, Measure, Zone

MAX_ZONES = 50
MAX_ZONE_AREAS = 500


def _check_declarer(actor) -> None:
    if not can(actor, DECLARE):
        raise PermissionDenied(_("Only the command centre declares and ends emergencies."))


def _zone_geometry(actor, area: Area, spec: dict[str, Any], where: str) -> MultiPolygon:
    """A zone's shape: the union of chosen communities or cells, or a drawn polygon, always inside the area."""
    codes, drawn = spec.get("areas") or [], spec.get("geometry")
    if bool(codes) == bool(drawn):
        raise refuse(where, _("Give a zone either chosen communities or cells, or a polygon drawn on the map."))
    if codes:
        if not isinstance(codes, list) or len(codes) > MAX_ZONE_AREAS or not all(isinstance(c, str) for c in codes):
            raise refuse(where, _("The chosen areas must be a list of at most %(n)d codes.") % {"n": MAX_ZONE_AREAS})
        chosen = scoped(Area.objects.current(), actor).filter(code__in=codes, code__startswith=area.code)
        found = set(chosen.values_list("code", flat=True))
        missing = sorted(set(codes) - found)
        if missing:
            raise refuse(where, _("No such area in the emergency's area and your jurisdiction: %(codes)s") % {"codes": ", ".join(missing[:5])})
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT ST_AsEWKB(ST_Multi(ST_CollectionExtract(ST_Union(boundary), 3))) FROM grids_area WHERE id = ANY(%s)",
                [list(chosen.values_list("id", flat=True))],
            )
            return _as_multi(GEOSGeometry(memoryview(cursor.fetchone()[0])))
    try:
        shape = GEOSGeometry(json.dumps(drawn) if isinstance(drawn, dict) else str(drawn), srid=4326)
    except (GEOSException, ValueError, TypeError):
        raise refuse(where, _("The drawn zone is not a valid GeoJSON polygon."))
    if shape.geom_type not in ("Polygon", "MultiPolygon") or shape.empty or not shape.valid:
        raise refuse(where, _("The drawn zone must be one simple polygon or several (no self-crossing edges)."))
    if shape.num_coords > 10_000:
        raise refuse(where, _("The drawn zone has too many points (at most 10,000)."))
    clipped = shape.intersection(area.boundary)
    if clipped.empty or clipped.area == 0:
        raise refuse(where, _("The drawn zone lies outside the emergency's area."))
    return _as_multi(clipped)


def _as_multi(shape) -> MultiPolygon:
    if shape.geom_type == "Polygon":
        shape = MultiPolygon(shape)
    elif shape.geom_type == "GeometryCollection":
        shape = MultiPolygon([g for g in shape if g.geom_type == "Polygon"])
    shape.srid = 4326
    return shape


def declare_emergency(
    *, actor, kind: str, title: str, area: Area, zones: list[dict[str, Any]], description: str = "", starts_at=None
) -> Emergency:
    """Declare an emergency over ``area`` (in the actor's jurisdiction) with its zones:
    ``zones`` = [{"name", "measure", "areas": [codes]} or {"name", "measure", "geometry": GeoJSON}]."""
    _check_declarer(actor)
    if not scoped(Area.objects.current(), actor).filter(pk=area.pk).exists():
        raise refuse("area", _("No such area in your jurisdiction."))
    if kind not in EmergencyKind.values:
        raise refuse("kind", _("Unknown kind of emergency: %(kind)s") % {"kind": str(kind)[:40]})
    title = (title or "").strip()
    if not title:
        raise refuse("title", _("Give the emergency a title."))
    if not isinstance(zones, list) or not 1 <= len(zones) <= MAX_ZONES:
        raise refuse("zones", _("An emergency has between 1 and %(n)d zones.") % {"n": MAX_ZONES})
    shapes = []
    names = set()
    for index, spec in enumerate(zones):
        where = f"zones[{index}]"
        if not isinstance(spec, dict):
            raise refuse(where, _("A zone is an object with a name, a measure and its areas or polygon."))
        name = str(spec.get("name") or "").strip()[:100]
        if not name or name in names:
            raise refuse(where, _("Every zone needs a name of its own."))
        if spec.get("measure") not in Measure.values:
            raise refuse(where, _("The measure must be lockdown, controlled or precaution."))
        names.add(name)
        shapes.append((name, spec["measure"], _zone_geometry(actor, area, spec, where)))
    with transaction.atomic():
        emergency = Emergency.objects.create(
            kind=kind, title=title[:200], description=(description or "")[:5000], area=area, declared_by=actor,
            starts_at=starts_at or timezone.now(),
        )
        Zone.objects.bulk_create([Zone(emergency=emergency, name=n, measure=m, geometry=g) for n, m, g in shapes])
    return emergency


def end_emergency(*, actor, emergency: Emergency, now=None) -> bool:
    """End a running emergency (a conditional UPDATE: ending twice changes nothing)."""
    _check_declarer(actor)
    if not scoped(Emergency.objects.all(), actor).filter(pk=emergency.pk).exists():
        raise refuse("emergency", _("No such emergency in your jurisdiction."))
    ended = Emergency.objects.filter(pk=emergency.pk, status=EmergencyStatus.ACTIVE).update(
        status=EmergencyStatus.ENDED, ends_at=now or timezone.now()
    )
    return bool(ended)

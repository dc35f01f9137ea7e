"""The leader's map of an emergency as GeoJSON (docs/emergency.md#the-map): its zones coloured by
measure, the communities (or cells) shaded by the share of households reached, with their figures.

Every read goes through ``accounts.scope``: the zones are clipped to the reader's jurisdiction
(the union of the areas ``scope_codes`` names: a community's staff see the part of a district-wide
zone that lies in their community, a grid worker the part in her cells), and the figures are
``queries.rollup`` over the cells the reader may see. Outlines are simplified like the base map's
(about 5 m, 6 decimals): a map to orient by, not the boundaries of record.
"""
from __future__ import annotations

import json

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from accounts.capabilities import Capability, role_can
from accounts.scope import scope_codes, scoped
from grids.models import CODE_LENGTH, Level

from . import queries
from .models import Campaign, Emergency, Unit

TOLERANCE_DEGREES = 0.00005
# Neighbours share an edge, and their clipped intersection is a sliver of rounding error, not a
# piece of the zone: anything under about 10 m² (at Beijing's latitude) is left out.
SLIVER_SQUARE_DEGREES = 1e-9
# The levels the map shades; a grid worker's map shows her cells (she sees nothing wider).
MAP_LEVELS = (Level.STREET, Level.COMMUNITY, Level.GRID)

_ZONES_SQL = """
WITH jurisdiction AS (
    SELECT ST_Union(boundary) AS geom FROM grids_area WHERE valid_to IS NULL AND code = ANY(%(codes)s)
), shown AS (
    SELECT z.id, z.name, z.measure,
           CASE WHEN %(everything)s THEN z.geometry
                ELSE ST_CollectionExtract(ST_Intersection(z.geometry, (SELECT geom FROM jurisdiction)), 3) END AS geom
    FROM emergencies_zone z
    WHERE z.emergency_id = %(emergency)s
      AND (%(everything)s OR ST_Intersects(z.geometry, (SELECT geom FROM jurisdiction)))
)
SELECT id, name, measure, ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, %(tolerance)s), 6)
FROM shown WHERE NOT ST_IsEmpty(geom) AND ST_Area(geom) > %(sliver)s ORDER BY id
"""

_OUTLINES_SQL = """
SELECT code, name, ST_AsGeoJSON(ST_SimplifyPreserveTopology(boundary, %(tolerance)s), 6),
       ST_AsGeoJSON(ST_PointOnSurface(boundary), 6)
FROM grids_area WHERE valid_to IS NULL AND code = ANY(%(codes)s) ORDER BY code
"""


def zones(user, emergency: Emergency) -> dict:
    """The emergency's zones inside the reader's jurisdiction, each with its measure."""
    codes = scope_codes(user)
    if codes is not None and not codes:
        return _collection([])
    measures = dict(emergency.zones.model._meta.get_field("measure").choices)
    with connection.cursor() as cursor:
        cursor.execute(_ZONES_SQL, {"codes": codes or [], "everything": codes is None, "emergency": emergency.pk,
                                    "tolerance": TOLERANCE_DEGREES, "sliver": SLIVER_SQUARE_DEGREES})
        rows = cursor.fetchall()
    return _collection([
        {"type": "Feature", "geometry": json.loads(geometry),
         "properties": {"id": pk, "name": name, "measure": measure, "measure_label": str(measures.get(measure, measure))}}
        for pk, name, measure, geometry in rows
    ])


def default_level(user) -> str:
    """Communities for staff and leaders; a grid worker's own cells."""
    return Level.GRID if role_can(user, Capability.WORK_CELLS) else Level.COMMUNITY


def campaigns_of(emergency: Emergency):
    """The campaigns the map can shade by, the household ones first, the latest first."""
    return sorted(emergency.campaigns.all(), key=lambda c: (c.unit != Unit.HOUSEHOLD, -c.pk))


def chosen_campaign(emergency: Emergency, campaign_id: int | None) -> Campaign | None:
    """The campaign asked for (it must be the emergency's: None otherwise), or the default one."""
    if campaign_id is not None:
        return emergency.campaigns.filter(pk=campaign_id).first()
    listed = campaigns_of(emergency)
    return listed[0] if listed else None


def _needs_by_area(user, emergency: Emergency, length: int) -> dict[str, dict[str, int]]:
    """Unsettled needs of the emergency per area prefix, through the needs' own scoping."""
    from needs.models import Need, NeedStatus, RUNNING_STATUSES  # needs stands below emergencies

    now = timezone.now()
    rows = (
        scoped(Need.objects.filter(emergency=emergency), user)
        .values("cell__code")
        .annotate(open=Count("id", filter=Q(status__in=RUNNING_STATUSES)),
                  overdue=Count("id", filter=Q(status__in=RUNNING_STATUSES, deadline__lt=now)),
                  delivered=Count("id", filter=Q(status=NeedStatus.DELIVERED)))
    )
    sums: dict[str, dict[str, int]] = {}
    for row in rows:
        into = sums.setdefault(row["cell__code"][:length], {"needs_open": 0, "needs_overdue": 0, "needs_delivered": 0})
        into["needs_open"] += row["open"]
        into["needs_overdue"] += row["overdue"]
        into["needs_delivered"] += row["delivered"]
    return sums


def share(reached: int, total: int) -> int | None:
    """Households reached, in whole percent (None when the area has no task)."""
    return round(100 * reached / total) if total else None


def areas(user, emergency: Emergency, campaign: Campaign | None, level: str) -> dict:
    """One feature per area of ``level`` with the campaign's counters and the emergency's needs."""
    length = CODE_LENGTH[Level(level)]
    figures = {row["code"]: row for row in queries.rollup(user, campaign, level)} if campaign else {}
    needs = _needs_by_area(user, emergency, length)
    codes = sorted(set(figures) | set(needs))
    with connection.cursor() as cursor:
        cursor.execute(_OUTLINES_SQL, {"codes": codes, "tolerance": TOLERANCE_DEGREES})
        outlines = cursor.fetchall()
    features = []
    empty = {"total": 0, "reached": 0, "care_total": 0, "care_reached": 0, "nobody_home": 0, "needs_help": 0, "overdue": 0}
    for code, name, geometry, label in outlines:
        row = {**empty, **{k: v for k, v in figures.get(code, {}).items() if k in empty}}
        properties = {"code": code, "name": name, "level": level, **row,
                      "percent": share(row["reached"], row["total"]), "label": json.loads(label)["coordinates"],
                      **needs.get(code, {"needs_open": 0, "needs_overdue": 0, "needs_delivered": 0})}
        features.append({"type": "Feature", "geometry": json.loads(geometry), "properties": properties})
    return _collection(features)


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}

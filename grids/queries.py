"""Reads that several places need: point lookup and the hierarchy as GeoJSON."""
from __future__ import annotations

import json
import re
from datetime import datetime, time
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from gridgov.prepared import execute_prepared

from .models import LEVEL_ORDER, Area

_LOOKUP_SQL = """
SELECT DISTINCT ON (a.level) a.level, a.code, a.name, a.area_m2, a.id
FROM grids_areafragment f JOIN grids_area a ON a.id = f.area_id
WHERE ST_Intersects(f.geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) AND a.valid_to IS NULL
ORDER BY a.level, a.code
"""


def lookup_point(lng: float, lat: float) -> dict[str, dict[str, Any]]:
    """The current areas containing the point, keyed by level; a level is missing when no area holds it.

    The statement is prepared once per database connection (gridgov/prepared.py): planning it
    costs about as much as running it, and it runs for every report and phone position."""
    with execute_prepared(_LOOKUP_SQL, (lng, lat)) as cursor:
        rows = cursor.fetchall()
    return {
        level: {"id": area_id, "code": code, "name": name, "area_m2": round(area_m2, 1)}
        for level, code, name, area_m2, area_id in rows
    }


def served_district(lng: float, lat: float) -> dict[str, Any] | None:
    """The current district holding the point, or lying within ``GRIDGOV_SERVED_MARGIN_M`` of it
    (GPS error at the border); None for a point far outside every district this system serves —
    (0, 0), a phone abroad, a typo in a coordinate."""
    from django.conf import settings

    # Metres to degrees of latitude; a degree of longitude is shorter here, so the margin is
    # narrower east–west (about 0.77 × at 40° N): on the safe side.
    margin = float(getattr(settings, "GRIDGOV_SERVED_MARGIN_M", 500.0)) / 111_320.0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, code, name FROM grids_area WHERE level = 'district' AND valid_to IS NULL "
            "AND ST_DWithin(boundary, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s) ORDER BY code LIMIT 1",
            [lng, lat, margin],
        )
        row = cursor.fetchone()
    return {"id": row[0], "code": row[1], "name": row[2]} if row else None


def cell_at(lng: float, lat: float) -> Area | None:
    found = lookup_point(lng, lat).get("grid")
    return Area.objects.get(pk=found["id"]) if found else None


def areas_geojson(queryset, *, simplify_degrees: float = 0.0) -> dict[str, Any]:
    """A FeatureCollection of the given areas, geometry simplified in PostGIS when asked."""
    from django.contrib.gis.db.models.functions import AsGeoJSON

    geometry = "boundary"
    if simplify_degrees:
        from django.db.models import Func

        geometry = Func("boundary", simplify_degrees, function="ST_SimplifyPreserveTopology")
    rows = queryset.annotate(geojson=AsGeoJSON(geometry, precision=6)).values(
        "code", "name", "level", "area_m2", "parent__code", "valid_from", "valid_to", "geojson"
    )
    features = [
        {
            "type": "Feature",
            "id": row["code"],
            "geometry": json.loads(row["geojson"]),
            "properties": {
                "code": row["code"],
                "name": row["name"],
                "level": row["level"],
                "area_m2": round(row["area_m2"], 1),
                "parent": row["parent__code"],
                "valid_from": row["valid_from"].isoformat() if row["valid_from"] else None,
                "valid_to": row["valid_to"].isoformat() if row["valid_to"] else None,
            },
        }
        for row in rows
    ]
    return {"type": "FeatureCollection", "features": features}


def level_index(level: str) -> int:
    return LEVEL_ORDER.index(level)


def label_points(queryset) -> list[dict[str, Any]]:
    """Name, code, level, a point surely inside (for the label) and the bounding box of each area."""
    rows = queryset.extra(
        select={
            "lx": "ST_X(ST_PointOnSurface(boundary))",
            "ly": "ST_Y(ST_PointOnSurface(boundary))",
            "bx0": "ST_XMin(boundary)",
            "by0": "ST_YMin(boundary)",
            "bx1": "ST_XMax(boundary)",
            "by1": "ST_YMax(boundary)",
        }
    ).values("code", "name", "level", "area_m2", "lx", "ly", "bx0", "by0", "bx1", "by1")
    return [
        {
            "code": row["code"],
            "name": row["name"],
            "level": row["level"],
            "area_m2": round(row["area_m2"], 1),
            "point": [round(row["lx"], 7), round(row["ly"], 7)],
            "bbox": [row["bx0"], row["by0"], row["bx1"], row["by1"]],
        }
        for row in rows
    ]


def _feature_collection(sql: str, params: list) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c.name for c in cursor.description]
        rows = cursor.fetchall()
    features = []
    for row in rows:
        record = dict(zip(columns, row))
        geometry = json.loads(record.pop("geojson"))
        features.append({"type": "Feature", "id": record["id"], "geometry": geometry, "properties": record})
    return {"type": "FeatureCollection", "features": features}


def draft_geojson(draft_id: int) -> dict[str, Any]:
    """A draft's cells at full precision: the editor sends untouched vertices back bit for bit, so
    shared edges stay shared and no sliver appears between an edited cell and its neighbours."""
    return _feature_collection(
        """
        SELECT d.id, o.code, o.name, ST_Area(d.geometry::geography) AS area_m2,
               ST_AsGeoJSON(d.geometry, 15) AS geojson
        FROM grids_draftcell d LEFT JOIN grids_area o ON o.id = d.origin_id
        WHERE d.draft_id = %s ORDER BY o.code NULLS LAST, d.id
        """,
        [draft_id],
    )


def neighbour_cells_geojson(community: Area, distance_degrees: float = 0.002) -> dict[str, Any]:
    """Current cells of the other communities near this one, read-only targets for snapping."""
    return _feature_collection(
        """
        SELECT a.id, a.code, a.name, a.area_m2, ST_AsGeoJSON(a.boundary, 15) AS geojson
        FROM grids_area a, grids_area c
        WHERE c.id = %s AND a.level = 'grid' AND a.valid_to IS NULL AND a.parent_id <> c.id
          AND ST_DWithin(a.boundary, c.boundary, %s)
        ORDER BY a.code
        """,
        [community.id, distance_degrees],
    )


_BARE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def snapping_outline(draft) -> dict[str, Any]:
    """The community's outline as a snapping target, with a vertex added wherever a corner of a
    cell (the draft's, or a neighbouring community's) lies on it. Geoman snaps to the nearest
    vertex of the nearest line; without these, a border cell's corner would jump to the outline's
    next vertex instead of the corner it shares with its neighbours (ST_Snap inserts them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH corners AS (
                SELECT ST_Collect(p.geom) AS geom FROM (
                    SELECT (ST_DumpPoints(d.geometry)).geom FROM grids_draftcell d WHERE d.draft_id = %(draft)s
                    UNION ALL
                    SELECT (ST_DumpPoints(a.boundary)).geom FROM grids_area a, grids_area c
                    WHERE c.id = %(community)s AND a.level = 'grid' AND a.valid_to IS NULL AND a.parent_id <> c.id
                      AND ST_DWithin(a.boundary, c.boundary, 0.0001)
                ) p
            )
            SELECT ST_AsGeoJSON(COALESCE(ST_Snap(c.boundary, corners.geom, 0.0000005), c.boundary), 15)
            FROM grids_area c, corners WHERE c.id = %(community)s
            """,
            {"draft": draft.id, "community": draft.community_id},
        )
        return json.loads(cursor.fetchone()[0])


def parse_moment(raw: str) -> datetime | None:
    """The moment ``as_of`` means; None when the text is neither a date nor a date and time.

    A bare date (YYYY-MM-DD) means the end of that day in the district's time zone (the
    project's ``TIME_ZONE``, Asia/Shanghai): "the map of 3 December" shows what was in force
    when that day ended, so today's date shows today's map. It is read before
    ``parse_datetime``, which since Python 3.11 takes a bare date for its midnight.
    """
    raw = raw.strip()
    if _BARE_DATE.match(raw):
        try:
            day = parse_date(raw)
        except ValueError:
            return None
        if day is None:
            return None
        end = datetime.combine(day, time.max)
        return timezone.make_aware(end, timezone.get_default_timezone())
    try:
        moment = parse_datetime(raw)
    except ValueError:
        return None
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    # Real zones lie within ±14 h; PostgreSQL refuses offsets past ±16 h that Python accepts.
    offset = moment.utcoffset()
    if offset is not None and abs(offset.total_seconds()) > 14 * 3600:
        return None
    return moment

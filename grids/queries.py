"""Reads that several places need: point lookup and the hierarchy as GeoJSON."""
from __future__ import annotations

import json
from typing import Any

from django.db import connection

from .models import LEVEL_ORDER, Area

_LOOKUP_SQL = """
SELECT DISTINCT ON (a.level) a.level, a.code, a.name, a.area_m2, a.id
FROM grids_areafragment f JOIN grids_area a ON a.id = f.area_id
WHERE ST_Intersects(f.geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) AND a.valid_to IS NULL
ORDER BY a.level, a.code
"""


def lookup_point(lng: float, lat: float) -> dict[str, dict[str, Any]]:
    """The current areas containing the point, keyed by level; a level is missing when no area holds it."""
    with connection.cursor() as cursor:
        cursor.execute(_LOOKUP_SQL, [lng, lat])
        rows = cursor.fetchall()
    return {
        level: {"id": area_id, "code": code, "name": name, "area_m2": round(area_m2, 1)}
        for level, code, name, area_m2, area_id in rows
    }


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

"""The offline base map: the user's district's street offices and communities as one GeoJSON.

Without a tile server (``GRIDGOV_TILE_URL`` unset, as in the demo) a map would be a red dot on
grey. Every map page therefore draws this layer under its own (``gridgov.maps.create`` in
static/gridgov/map.js): the outlines of the street offices and communities of the district the
user works in, each with its name and a point inside it for the label. It is the project's own
data, so it works with no outside server, and the service worker keeps it for the maps offline
(templates/offline/sw.js). docs/maps.md explains the choices.

Decisions:

- Like the vector tiles (grids/tiles.py), it holds only administrative geography (codes, names,
  outlines), which carries no personal data: it is not narrowed to the user's cells, only to the
  districts the user works in, so a grid worker's phone keeps one small file (the demo district:
  17 street offices and 170 communities, 60 KB, 8 KB gzipped).
- Outlines are simplified to about 5 m (``TOLERANCE_DEGREES``) with 6 decimals: a base map to
  orient by, not the boundaries of record.
- The answer is cached per (database, revision, districts): a published redraw makes a new
  revision, and the old entries expire by themselves, as the tiles do.
"""
from __future__ import annotations

import hashlib
import json

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_GET

from accounts.scope import scope_codes

from .models import Level
from .tiles import revision_number

TOLERANCE_DEGREES = 0.00005
CACHE_SECONDS = 24 * 3600
DISTRICT_CODE_LENGTH = 6
LEVELS = (Level.STREET, Level.COMMUNITY)

_BASE_SQL = """
SELECT a.level, a.code, a.name,
       ST_AsGeoJSON(ST_SimplifyPreserveTopology(a.boundary, %(tolerance)s), 6),
       ST_AsGeoJSON(ST_PointOnSurface(a.boundary), 6)
FROM grids_area a
WHERE a.valid_to IS NULL AND a.level = ANY(%(levels)s) AND ({prefixes})
ORDER BY a.level, a.code
"""


def district_prefixes(user) -> list[str] | None:
    """The codes of the districts the user works in; None: every district (superusers)."""
    codes = scope_codes(user)
    if codes is None:
        return None
    return sorted({code[:DISTRICT_CODE_LENGTH] for code in codes})


def base_layer(prefixes: list[str] | None) -> dict:
    """The FeatureCollection of street offices and communities under the districts ``prefixes``."""
    params: dict = {"tolerance": TOLERANCE_DEGREES, "levels": [str(level) for level in LEVELS]}
    if prefixes is None:
        condition = "TRUE"
    elif not prefixes:
        return {"type": "FeatureCollection", "features": []}
    else:
        condition = " OR ".join(f"a.code LIKE %(p{i})s" for i in range(len(prefixes)))
        params.update({f"p{i}": f"{prefix}%" for i, prefix in enumerate(prefixes)})
    with connection.cursor() as cursor:
        cursor.execute(_BASE_SQL.format(prefixes=condition), params)
        rows = cursor.fetchall()
    features = [
        {
            "type": "Feature",
            "geometry": json.loads(geometry),
            "properties": {"level": level, "code": code, "name": name, "label": json.loads(label)["coordinates"]},
        }
        for level, code, name, geometry, label in rows
        if geometry
    ]
    return {"type": "FeatureCollection", "features": features}


def _cached_body(prefixes: list[str] | None) -> tuple[str, bytes]:
    revision = revision_number()
    scope = ",".join(prefixes) if prefixes is not None else "*"
    key = f"grids:base:{connection.settings_dict['NAME']}:r{revision}:{scope}"
    body = cache.get(key)
    if body is None:
        body = json.dumps(base_layer(prefixes), ensure_ascii=False, separators=(",", ":")).encode()
        cache.set(key, body, CACHE_SECONDS)
    return hashlib.sha256(key.encode()).hexdigest()[:16], body


@require_GET
@login_required
def base_layer_view(request):
    etag, body = _cached_body(district_prefixes(request.user))
    quoted = f'"{etag}"'
    if request.headers.get("If-None-Match") == quoted:
        return HttpResponseNotModified()
    response = HttpResponse(body, content_type="application/geo+json")
    response["ETag"] = quoted
    # Private: it follows the user's districts. The service worker keeps it for offline use.
    response["Cache-Control"] = "private, no-cache"
    return response

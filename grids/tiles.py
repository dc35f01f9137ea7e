"""Vector tiles of the boundaries, rendered by PostGIS (ST_AsMVT) and cached in Redis.

Decisions (see grids/README.md):

- Tiles are *not* scoped to the user's jurisdiction. They hold only the administrative geography
  (code, name and outline of each area), which governments publish anyway and which carries no
  personal data; every signed-in user gets the same tile, so one cached copy serves everyone.
  What *is* personal or operational (grid workers, counts of residents and cases) comes from the
  scoped detail API when a cell is clicked.
- The cache key holds the number of the latest boundary revision (or the revision in force at
  ``as_of``): publishing a redraw makes a new revision, so every later request misses the old
  entries, which then expire by themselves. No purge, no race between a publish and a render.
- Each tier has a minimum zoom below which its tile is empty, so a tile stays small: at city zoom
  only districts and street offices, communities from z10 and cells from z14 (about 400 cells of
  10,000 m² in a z14 tile at Beijing's latitude). Geometry is simplified to one tile unit
  (ST_SimplifyPreserveTopology) and snapped to a 4096 grid by ST_AsMVTGeom, with a buffer so that
  the clipped edges of a polygon lie outside the visible tile.
"""
from __future__ import annotations

import math
from datetime import datetime

from django.core.cache import cache
from django.db import connection, connections

from gridgov.replica import read_alias

from .models import Level, Revision

EXTENT = 4096
BUFFER = 64
MAX_ZOOM = 22
# Below these zooms a tier's tile is empty: its features would be smaller than a few pixels.
# Measured with 140,000 cells (make bench SCALE=city measures every level × z8–16): a z13 cell tile holds ~1,500 cells and takes
# ~130-170 ms to render cold, a z14 tile ~400 cells in ~25-30 ms and ~20 KB.
MIN_ZOOM = {Level.DISTRICT: 0, Level.STREET: 8, Level.COMMUNITY: 10, Level.GRID: 14}
# A cell's name adds as many bytes as its outline; at the widest cell zoom the code is enough.
NAME_MIN_ZOOM = {Level.DISTRICT: 0, Level.STREET: 0, Level.COMMUNITY: 0, Level.GRID: 15}
CACHE_SECONDS = 24 * 3600
WEB_MERCATOR_WIDTH_M = 2 * math.pi * 6378137.0

_TILE_SQL = """
WITH bounds AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env, ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4326) AS env4326
), rows AS (
    SELECT a.code, CASE WHEN %(names)s THEN a.name END AS name,
           ST_AsMVTGeom(
               ST_SimplifyPreserveTopology(ST_Transform(a.boundary, 3857), %(tolerance)s),
               bounds.env, %(extent)s, %(buffer)s, true
           ) AS geom
    FROM grids_area a, bounds
    WHERE a.level = %(level)s AND a.boundary && bounds.env4326 AND {validity}
)
SELECT ST_AsMVT(rows, %(layer)s, %(extent)s, 'geom') FROM rows WHERE geom IS NOT NULL
"""


def tile_in_range(z: int, x: int, y: int) -> bool:
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def revision_number(moment: datetime | None = None) -> int:
    """The latest revision, or the one in force at ``moment``: the version of every tile."""
    revisions = Revision.objects.all()
    if moment is not None:
        revisions = revisions.filter(published_at__lte=moment)
    return revisions.order_by("-number").values_list("number", flat=True).first() or 0


def cache_key(level: str, z: int, x: int, y: int, revision: int, moment: datetime | None) -> str:
    # A past moment maps to the revision then in force. The database name keeps two databases on
    # one Redis (test runs, staging) from serving each other's tiles.
    return f"grids:tile:{connection.settings_dict['NAME']}:r{revision}:{'past' if moment is not None else 'now'}:{level}:{z}:{x}:{y}"


def render_tile(level: str, z: int, x: int, y: int, moment: datetime | None = None) -> bytes:
    """One Mapbox vector tile (layer named after the tier) straight from PostGIS."""
    if z < MIN_ZOOM[level]:
        return b""
    if moment is None:
        validity, params = "a.valid_to IS NULL", {}
    else:
        validity = "a.valid_from <= %(moment)s AND (a.valid_to IS NULL OR a.valid_to > %(moment)s)"
        params = {"moment": moment}
    params.update(
        z=z,
        x=x,
        y=y,
        level=level,
        layer=level,
        extent=EXTENT,
        buffer=BUFFER,
        names=z >= NAME_MIN_ZOOM[level],
        tolerance=WEB_MERCATOR_WIDTH_M / 2**z / EXTENT,
    )
    # The standby when the request reads from it (gridgov/replica/routes.py).
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(_TILE_SQL.format(validity=validity), params)
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def get_tile(level: str, z: int, x: int, y: int, moment: datetime | None = None) -> tuple[bytes, int, bool]:
    """(tile bytes, revision number, served from cache)."""
    revision = revision_number(moment)
    key = cache_key(level, z, x, y, revision, moment)
    tile = cache.get(key)
    if tile is not None:
        return tile, revision, True
    tile = render_tile(level, z, x, y, moment)
    cache.set(key, tile, CACHE_SECONDS)
    return tile, revision, False

"""The console's heat map: where the queue's cases are, counted per cell of a square grid on the
Web Mercator plane in one grouped query (the whole filtered queue, not the first page)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.contrib.gis.db.models import Extent
from django.contrib.gis.geos import Polygon
from django.db.models import Avg, Count, FloatField, Func, Value
from django.db.models.functions import Floor, Greatest, Least, Ln, Pi, Radians, Tan
from django.utils import timezone

from .queries import centre_queue, with_stage

HEAT_MAX_POINTS = 5_000
HEAT_CELL_PIXELS = 8  # a grid cell spans about 8 screen pixels at the asked zoom (the heat's radius is 25)
HEAT_MIN_CELL = 5.0  # metres of the Web Mercator plane: finer says nothing more about where cases are
HEAT_REGION_CELLS = 16  # the first try's grid has at most this many times HEAT_MAX_POINTS cells over the region
_EARTH = 6_378_137.0  # Web Mercator's sphere (EPSG:3857)
_MERCATOR_PIXEL_AT_ZOOM_0 = 2 * math.pi * _EARTH / 256  # metres of the plane per screen pixel at zoom 0


def _mercator(lng: float, lat: float) -> tuple[float, float]:
    lat = max(-85.0511, min(85.0511, lat))
    return math.radians(lng) * _EARTH, math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * _EARTH


class _Coordinate(Func):
    output_field = FloatField()


def _x(expression) -> Func:
    return _Coordinate(expression, function="ST_X")


def _y(expression) -> Func:
    return _Coordinate(expression, function="ST_Y")


def _grid_cell(size: float) -> tuple[Func, Func]:
    """Column and row of a case's cell in a grid of ``size`` metres on the Web Mercator plane,
    computed from the point's longitude and latitude by arithmetic (a third of the time of
    ST_SnapToGrid(ST_Transform(…)), which builds two geometries per row)."""
    per_metre = Value(_EARTH / size)
    column = Floor(Radians(_x("location")) * per_metre)
    latitude = Least(Greatest(_y("location"), Value(-85.0511)), Value(85.0511))  # the plane's edge (no ln(0) at a pole)
    row = Floor(Ln(Tan(Pi() / Value(4.0) + Radians(latitude) / Value(2.0))) * per_metre)
    return column, row


def heat_payload(
    user,
    params,
    *,
    zoom: int,
    bbox: tuple[float, float, float, float] | None = None,
    limit: int = HEAT_MAX_POINTS,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Where the queue's cases are, for a heat map: the whole filtered queue (not the first page)
    counted per cell of a square grid on the Web Mercator plane — square on screen, the same
    origin for everybody, so panning does not shift the cells — in one grouped query.

    The cell spans ``HEAT_CELL_PIXELS`` screen pixels at ``zoom``, and is never so fine that the
    region (``bbox``, else the extent of the cases) holds more than ``HEAT_REGION_CELLS`` times
    ``limit`` cells; when the cases still fill more than ``limit`` cells, the cell is doubled until
    they do not (at most a few tries). Each point is the mean position of its cell's cases,
    weighted by their number; ``cell_m`` is the cell's side on the ground at the points' latitude.
    """
    now = now or timezone.now()
    queryset = with_stage(centre_queue(user, params, now), params.get("stage")).order_by()
    if bbox is not None:
        box = Polygon.from_bbox(bbox)
        box.srid = 4326
        queryset = queryset.filter(location__bboverlaps=box)
        region = bbox
    else:
        region = queryset.aggregate(extent=Extent("location"))["extent"]
    size = max(HEAT_MIN_CELL, HEAT_CELL_PIXELS * _MERCATOR_PIXEL_AT_ZOOM_0 / 2**zoom)
    if region:
        west, south = _mercator(region[0], region[1])
        east, north = _mercator(region[2], region[3])
        size = max(size, math.sqrt((east - west) * (north - south) / (HEAT_REGION_CELLS * limit)))
    rows: list[dict[str, Any]] = []
    for _attempt in range(8):
        column, row = _grid_cell(size)
        rows = list(
            queryset.annotate(cell_x=column, cell_y=row)
            .values("cell_x", "cell_y")
            .annotate(n=Count("id"), lng=Avg(_x("location")), lat=Avg(_y("location")))
            .order_by("-n", "cell_y", "cell_x")[: limit + 1]
        )
        if len(rows) <= limit:
            break
        size *= 2
    total = sum(row["n"] for row in rows) if len(rows) <= limit else queryset.count()
    rows = rows[:limit]
    if rows:
        mean_lat = sum(row["lat"] * row["n"] for row in rows) / sum(row["n"] for row in rows)
    elif region:
        mean_lat = (region[1] + region[3]) / 2
    else:
        mean_lat = 0.0
    return {
        "points": [[round(row["lat"], 6), round(row["lng"], 6), row["n"]] for row in rows],
        "cell_m": round(size * math.cos(math.radians(mean_lat)), 1),
        "zoom": zoom,
        "total": total,
        "max": max((row["n"] for row in rows), default=0),
    }

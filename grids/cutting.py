"""Cutting areas into smaller ones: communities into ~100 m cells (the 100 m rule), a district or a
street office into parts of similar size (docs/domain/areas.md#cutting).

One module for every path that cuts: ``manage.py seed_demo`` (the demo district),
``manage.py cut_cells`` and the administrator's cutting page (a Celery task). Only boundaries are
made: nothing else (residents, cases, accounts) is invented.

1. A community's boundary is projected to UTM around its centre (metres).
2. A 100 m square grid aligned on multiples of 100 m in that projection (so neighbouring
   communities' grids line up) is clipped to the community; slivers under half a square are
   merged into the neighbour they share most border with.
3. The cells are numbered in reading order (north to south, west to east; DB11), after the
   highest code the community ever used, and projected back to WGS-84 with densified edges so
   that a cell's vertex on the community's edge stays on it.
4. ``publish_cells`` creates them through ``grids.actions.create_areas`` — containment,
   overlaps and full coverage checked in PostGIS — as one revision, all or nothing.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from pyproj import Transformer
from shapely.geometry import MultiPoint, MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.wkb import loads as load_wkb

from .actions import AreaSpec, create_areas, next_cell_codes, start_revision
from .models import CHILD_LEVEL, CODE_LENGTH, Area, Level, Revision
from .numbering import reading_order
from .validation import AreaValidationError, Problem

CELL_SIZE_M = 100.0
SLIVER_SHARE = 0.5
DENSIFY_M = 20.0

Progress = Callable[[int, int], None]


def utm_epsg(longitude: float, latitude: float) -> int:
    zone = int((longitude + 180) // 6) + 1
    return (32600 if latitude >= 0 else 32700) + zone


@dataclass
class Projection:
    forward: Transformer
    backward: Transformer

    @classmethod
    def around(cls, geometry: BaseGeometry) -> "Projection":
        centre = geometry.centroid
        epsg = utm_epsg(centre.x, centre.y)
        return cls(
            forward=Transformer.from_crs(4326, epsg, always_xy=True),
            backward=Transformer.from_crs(epsg, 4326, always_xy=True),
        )

    def to_metric(self, geometry: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geometry, lambda xy: np.column_stack(self.forward.transform(xy[:, 0], xy[:, 1])))

    def to_degrees(self, geometry: BaseGeometry) -> BaseGeometry:
        # A straight edge in UTM is not straight in degrees: densify first, so that a child's
        # vertex on its parent's edge stays on it after the transform (within millimetres).
        geometry = shapely.segmentize(geometry, DENSIFY_M)
        return shapely.transform(geometry, lambda xy: np.column_stack(self.backward.transform(xy[:, 0], xy[:, 1])))


def polygons_of(geometry: BaseGeometry) -> list[Polygon]:
    if geometry.is_empty:
        return []
    if isinstance(geometry, Polygon):
        return [geometry]
    return [part for part in getattr(geometry, "geoms", []) for part in polygons_of(part)]


def as_multi(geometry: BaseGeometry) -> MultiPolygon:
    return MultiPolygon(polygons_of(geometry))


def partition(region: BaseGeometry, parts: int, rng: np.random.Generator) -> list[BaseGeometry]:
    """Cut a metric polygon into `parts` regions of similar area.

    1. Spread random points uniformly over the region.
    2. Run k-means (Lloyd) on them; the centres fall where area is, not where vertices are.
    3. Take the Voronoi diagram of the centres and clip it to the region.
    """
    parts = max(1, parts)
    if parts == 1:
        return [region]
    min_x, min_y, max_x, max_y = region.bounds
    samples: list[np.ndarray] = []
    wanted = parts * 60
    while sum(len(s) for s in samples) < wanted:
        xs = rng.uniform(min_x, max_x, wanted * 2)
        ys = rng.uniform(min_y, max_y, wanted * 2)
        inside = shapely.contains_xy(region, xs, ys)
        samples.append(np.column_stack([xs[inside], ys[inside]]))
    points = np.concatenate(samples)[:wanted]
    centres = points[rng.choice(len(points), parts, replace=False)]
    for _ in range(30):
        distances = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        nearest = distances.argmin(axis=1)
        for k in range(parts):
            members = points[nearest == k]
            if len(members):
                centres[k] = members.mean(axis=0)
    cells = shapely.voronoi_polygons(MultiPoint(centres), extend_to=region.envelope.buffer(1000), ordered=True)
    pieces = [shapely.intersection(cell, region) for cell in cells.geoms]
    return [as_multi(piece) for piece in pieces if not piece.is_empty and piece.area > 1]


def square_cells(community: BaseGeometry, size: float = CELL_SIZE_M) -> list[Polygon]:
    """100 m squares on a grid aligned across the whole district, clipped to the community,
    slivers under 30 % of a square merged into the neighbour they share most border with."""
    min_x, min_y, max_x, max_y = community.bounds
    x0, y0 = math.floor(min_x / size) * size, math.floor(min_y / size) * size
    squares = [
        box(x, y, x + size, y + size)
        for x in np.arange(x0, max_x, size)
        for y in np.arange(y0, max_y, size)
    ]
    clipped = shapely.intersection(np.array(squares, dtype=object), community)
    pieces: list[BaseGeometry] = [p for geometry in clipped for p in polygons_of(geometry) if p.area > 0.01]
    threshold = SLIVER_SHARE * size * size
    changed = True
    while changed:
        changed = False
        pieces.sort(key=lambda p: p.area)
        for index, piece in enumerate(pieces):
            if piece.area >= threshold:
                break
            best, best_length = None, 0.0
            for other_index, other in enumerate(pieces):
                if other_index == index or not piece.intersects(other):
                    continue
                shared = piece.boundary.intersection(other.boundary).length
                if shared > best_length:
                    best, best_length = other_index, shared
            if best is None:
                continue
            merged = shapely.union(pieces[best], piece)
            merged = shapely.make_valid(merged)
            pieces = [p for i, p in enumerate(pieces) if i not in (index, best)] + [merged]
            changed = True
            break
    return pieces


def to_geos(geometry: BaseGeometry) -> GEOSGeometry:
    # Through WKB, not GeoJSON: the same doubles, without GDAL parsing text for every cell.
    return GEOSGeometry(memoryview(shapely.to_wkb(as_multi(geometry))), srid=4326)



def in_reading_order(geometries: list[BaseGeometry], row_height: float) -> list[BaseGeometry]:
    centroids = [(g.centroid.x, g.centroid.y) for g in geometries]
    return reading_order(geometries, centroids, row_height)




# --- Cells of communities: plan (nothing written), then publish -----------------------------------


@dataclass
class CommunityCut:
    """The cells planned for one community, in reading order, in WGS-84."""

    community: Area
    cells: list[GEOSGeometry]
    areas_m2: list[float]

    def summary(self) -> dict:
        sizes = self.areas_m2 or [0.0]
        return {
            "code": self.community.code,
            "name": self.community.name,
            "cells": len(self.cells),
            "min_m2": round(min(sizes)),
            "mean_m2": round(sum(sizes) / len(sizes)),
            "max_m2": round(max(sizes)),
        }


def metric_cells(boundary_m: BaseGeometry, size: float = CELL_SIZE_M) -> list[BaseGeometry]:
    """The cells of one community already in metres, in reading order."""
    return in_reading_order(square_cells(boundary_m, size), row_height=size)


def plan_community(community: Area, size: float = CELL_SIZE_M, projection: Projection | None = None) -> CommunityCut:
    """Cut one community (a current Area) into cells; nothing is written."""
    boundary = load_wkb(bytes(community.boundary.wkb))
    projection = projection or Projection.around(boundary)
    # Short edges keep lines in UTM and in degrees together (see Projection.to_degrees).
    metric = shapely.make_valid(projection.to_metric(shapely.segmentize(boundary, 0.0005)))
    cells_m = metric_cells(metric, size)
    return CommunityCut(
        community=community,
        cells=[to_geos(projection.to_degrees(cell)) for cell in cells_m],
        areas_m2=[cell.area for cell in cells_m],
    )


def communities_to_cut(code: str) -> list[Area]:
    """The current communities at or under ``code`` (a district, street office or community)."""
    return list(Area.objects.current().subtree(code).filter(level=Level.COMMUNITY).order_by("code"))


def plan_cells(communities: Sequence[Area], *, size: float = CELL_SIZE_M, progress: Progress | None = None) -> list[CommunityCut]:
    """Plan the cells of each community (one projection for the lot, so their grids line up)."""
    if not communities:
        return []
    union = shapely.union_all([load_wkb(bytes(c.boundary.envelope.wkb)) for c in communities])
    projection = Projection.around(union)
    plans: list[CommunityCut] = []
    for done, community in enumerate(communities, start=1):
        plans.append(plan_community(community, size, projection))
        if progress:
            progress(done, len(communities))
    return plans


def refuse_communities_with_cells(communities: Sequence[Area]) -> None:
    """Cutting fills empty communities only: cells already drawn are redrawn in the editor (or
    replaced by an import), where what is filed in them is moved."""
    taken = dict(
        Area.objects.current().filter(parent__in=list(communities), level=Level.GRID).values_list("parent__code").annotate(n=Count("id"))
    )
    if taken:
        raise AreaValidationError(
            [
                Problem(
                    "cells",
                    _("%(code)s already has %(n)s current cells; redraw them in the editor, or replace them by an import.")
                    % {"code": code, "n": n},
                    code=code,
                )
                for code, n in sorted(taken.items())
            ]
        )


@transaction.atomic
def publish_cells(plans: Sequence[CommunityCut], *, actor=None, reason: str = "", progress: Progress | None = None) -> Revision:
    """Create the planned cells of every community as one revision, all or nothing.

    Codes follow the highest code each community ever used (a retired code is never reused);
    names are the community's name and the cell's number, as a redraw names new cells.
    """
    communities = [plan.community for plan in plans]
    if not communities:
        raise AreaValidationError([Problem("communities", _("Choose at least one community to cut."))])
    locked = list(Area.objects.select_for_update().filter(pk__in=[c.pk for c in communities], valid_to__isnull=True))
    if len(locked) != len(communities):
        raise AreaValidationError([Problem("communities", _("A chosen community was retired meanwhile; start again."))])
    refuse_communities_with_cells(communities)
    revision = start_revision(
        reason=reason or _("Cells cut by the 100 m rule in %(n)s communities") % {"n": len(communities)}, actor=actor,
        scope=communities[0] if len(communities) == 1 else None,
    )
    specs: list[AreaSpec] = []
    for plan in plans:
        codes = next_cell_codes(plan.community, len(plan.cells))
        for code, geometry in zip(codes, plan.cells):
            name = _("%(community)s cell %(number)s") % {"community": plan.community.name, "number": int(code[-3:])}
            specs.append(AreaSpec(code=code, name=name, level=Level.GRID, boundary=geometry, parent=plan.community))
    if progress:
        progress(0, len(specs))
    create_areas(specs, revision=revision, require_coverage=True)
    if progress:
        progress(len(specs), len(specs))
    return revision


# --- Street offices and communities cut automatically, for a district without files for them ------


def part_count(parent: Area, level: str) -> int:
    """How many parts by area, as the demo does: a street office of ~2.5 km², a community of ~0.25 km²."""
    area_km2 = parent.area_m2 / 1e6
    if level == Level.STREET:
        return max(2, min(30, round(area_km2 / 2.5)))
    return max(2, min(12, round(area_km2 / 0.25)))


@transaction.atomic
def cut_parts(parent: Area, *, count: int | None = None, seed: int = 2004, actor=None, reason: str = "") -> list[Area]:
    """Cut a district into street offices, or a street office into communities, of similar area
    (k-means + Voronoi, ``partition``), numbered in reading order and named after the parent and
    the number ("…第3社区") until real names are imported. The parent must have none yet."""
    level = CHILD_LEVEL.get(parent.level)
    if level not in (Level.STREET, Level.COMMUNITY):
        raise AreaValidationError([Problem("level", _("Only a district or a street office is cut into parts; cells are cut with cut_cells."))])
    if Area.objects.current().filter(parent=parent).exists():
        raise AreaValidationError(
            [Problem("parent", _("%(code)s already has areas of the level below; import or redraw them instead.") % {"code": parent.code})]
        )
    boundary = load_wkb(bytes(parent.boundary.wkb))
    projection = Projection.around(boundary)
    metric = shapely.make_valid(projection.to_metric(shapely.segmentize(boundary, 0.0005)))
    parts = partition(metric, count or part_count(parent, level), np.random.default_rng(seed))
    parts = in_reading_order(parts, row_height=1500 if level == Level.STREET else 500)
    step = CODE_LENGTH[level] - CODE_LENGTH[parent.level]
    template = _("%(parent)s street office %(number)s") if level == Level.STREET else _("%(parent)s community %(number)s")
    revision = start_revision(reason=reason or _("%(code)s cut into %(n)s parts") % {"code": parent.code, "n": len(parts)},
                              actor=actor, scope=parent)
    specs = [
        AreaSpec(
            code=f"{parent.code}{n + 1:0{step}d}",
            name=template % {"parent": parent.name, "number": n + 1},
            level=level,
            parent=parent,
            boundary=to_geos(projection.to_degrees(part)),
        )
        for n, part in enumerate(parts)
    ]
    return create_areas(specs, revision=revision, require_coverage=True).areas


def geojson_of(plans: Sequence[CommunityCut]) -> dict:
    """The planned cells as a FeatureCollection (6 decimals), for the preview map."""
    features = []
    for plan in plans:
        for number, (geometry, area) in enumerate(zip(plan.cells, plan.areas_m2), start=1):
            features.append(
                {
                    "type": "Feature",
                    "geometry": json.loads(geometry.json),
                    "properties": {"community": plan.community.code, "number": number, "area_m2": round(area)},
                }
            )
    return {"type": "FeatureCollection", "features": features}

"""Tolerant imports: features that leave their parent or their siblings by less than
``GRIDGOV_SNAP_TOLERANCE_M`` (default 1 m) are snapped to the parent's edge and to their neighbours,
and every adjustment is reported per feature (docs/domain/areas.md#snapping-on-import).

A file exported with 6 decimals (the areas API) moves every vertex by up to ~0.1 m, so a shared
edge of 500 m leaves slivers of tens of m² outside the parent and gaps between neighbours. Those
are rounding, not drawing errors. Anything beyond the tolerance is left as it is and refused by
the checks of ``create_areas`` as before.

The geometry is worked in a local equirectangular frame (x · 111,320 m · cos φ₀, y · 110,574 m):
an affine map, so straight edges in degrees stay straight and the result maps back exactly;
distances are right to well under 1 % across a district.

1. Outside the parent: when every point of a feature lies within the tolerance of the parent,
   the feature is clipped to the parent.
2. Overlaps between siblings no thicker than the tolerance go to the first of the two
   (by the file's order); the second gives them up.
3. Gaps inside the parent no thicker than the tolerance join the feature that shares the
   longest edge with them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import shapely
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from .validation import WARNING, Problem, as_multipolygon

M_PER_DEGREE_LAT = 110_574.0
M_PER_DEGREE_LNG = 111_320.0
# Pieces smaller than this are below any measurement (floating-point dust of the overlay).
DUST_M2 = 0.01


def tolerance_m() -> float:
    return float(settings.GRIDGOV_SNAP_TOLERANCE_M)


@dataclass
class Adjustment:
    index: int  # position of the feature in the batch
    kind: str  # "outside_parent", "overlap" or "gap"
    area_m2: float
    distance_m: float  # how far the feature was moved at most
    other: str = ""  # the sibling concerned (overlap)

    def message(self) -> str:
        values = {"area": self.area_m2, "distance": self.distance_m, "other": self.other}
        if self.kind == "outside_parent":
            return _("Snapped to the parent's edge: %(area).1f m² outside it removed (at most %(distance).2f m out).") % values
        if self.kind == "overlap":
            return _("Snapped to %(other)s: an overlap of %(area).1f m² given up (at most %(distance).2f m thick).") % values
        return _("Snapped to its neighbours: a gap of %(area).1f m² filled (at most %(distance).2f m wide).") % values


class Frame:
    """The local metric frame around a latitude."""

    def __init__(self, latitude: float):
        self.scale = np.array([M_PER_DEGREE_LNG * math.cos(math.radians(latitude)), M_PER_DEGREE_LAT])

    def to_metric(self, geometry: GEOSGeometry) -> BaseGeometry:
        shape = shapely.from_wkb(bytes(geometry.wkb))
        return shapely.transform(shape, lambda xy: xy * self.scale)

    def to_degrees(self, shape: BaseGeometry) -> GEOSGeometry:
        back = shapely.transform(shape, lambda xy: xy / self.scale)
        return as_multipolygon(GEOSGeometry(memoryview(shapely.to_wkb(polygonal(back))), srid=4326))


def polygonal(shape: BaseGeometry) -> BaseGeometry:
    """The polygons of a shape (an overlay may leave lines and points along shared edges)."""
    shape = shapely.make_valid(shape)
    parts = [p for p in shapely.get_parts(shape) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.multipolygons(list(shapely.get_parts(parts))) if parts else shapely.MultiPolygon()


def thickness(piece: BaseGeometry) -> float:
    """Twice the radius of the largest circle inside the piece: how thick it is at its thickest."""
    circle = shapely.maximum_inscribed_circle(piece, tolerance=0.01)
    return 2 * circle.length


def _thin(piece: BaseGeometry, tolerance: float) -> bool:
    return thickness(piece) <= tolerance


def snap_to_parent(boundaries: Sequence[GEOSGeometry | None], parent: GEOSGeometry, tolerance: float | None = None,
                   fixed: frozenset[int] = frozenset()) -> tuple[list[GEOSGeometry | None], list[Adjustment]]:
    """The boundaries snapped to the parent and to each other, and what was adjusted. Boundaries
    whose index is in ``fixed`` (current cells a file gives back unchanged) are never modified:
    their neighbours give way to them."""
    tolerance = tolerance_m() if tolerance is None else tolerance
    if tolerance <= 0:
        return list(boundaries), []
    frame = Frame(parent.centroid.y)
    outline = shapely.make_valid(frame.to_metric(parent))
    shapes: list[BaseGeometry | None] = [
        shapely.make_valid(frame.to_metric(b)) if b is not None and not b.empty and b.valid else None for b in boundaries
    ]
    changed: set[int] = set()
    adjustments: list[Adjustment] = []
    adjustments += _clip_to_parent(shapes, outline, tolerance, changed, fixed)
    adjustments += _resolve_overlaps(shapes, tolerance, changed, fixed)
    adjustments += _fill_gaps(shapes, outline, tolerance, changed, fixed)
    result = [frame.to_degrees(shapes[i]) if i in changed else b for i, b in enumerate(boundaries)]
    return result, adjustments


def _clip_to_parent(shapes, outline, tolerance, changed, fixed) -> list[Adjustment]:
    adjustments = []
    for i, shape in enumerate(shapes):
        if shape is None or i in fixed:
            continue
        outside = polygonal(shapely.difference(shape, outline))
        if outside.area <= DUST_M2:
            continue
        points = shapely.get_coordinates(shapely.segmentize(outside, max(tolerance / 4, 0.05)))
        far = float(shapely.distance(shapely.points(points), outline).max()) if len(points) else 0.0
        if far > tolerance:
            continue  # refused by create_areas' containment check, as before
        shapes[i] = polygonal(shapely.intersection(shape, outline))
        changed.add(i)
        adjustments.append(Adjustment(i, "outside_parent", outside.area, far))
    return adjustments


def _resolve_overlaps(shapes, tolerance, changed, fixed) -> list[Adjustment]:
    present = [i for i, s in enumerate(shapes) if s is not None]
    tree = STRtree([shapes[i] for i in present])
    adjustments = []
    for a_pos, b_pos in zip(*tree.query([shapes[i] for i in present], predicate="intersects")):
        if a_pos >= b_pos:
            continue
        a, b = present[a_pos], present[b_pos]
        if b in fixed:
            a, b = b, a
        if b in fixed:
            continue
        overlap = polygonal(shapely.intersection(shapes[a], shapes[b]))
        if overlap.area <= DUST_M2 or not _thin(overlap, tolerance):
            continue
        shapes[b] = polygonal(shapely.difference(shapes[b], overlap))
        changed.add(b)
        adjustments.append(Adjustment(b, "overlap", overlap.area, thickness(overlap), other=str(a)))
    return adjustments


def _fill_gaps(shapes, outline, tolerance, changed, fixed) -> list[Adjustment]:
    present = [i for i, s in enumerate(shapes) if s is not None]
    if not present:
        return []
    gaps = polygonal(shapely.difference(outline, shapely.union_all([shapes[i] for i in present])))
    adjustments = []
    for piece in shapely.get_parts(gaps):
        if piece.area <= DUST_M2 or not _thin(piece, tolerance):
            continue
        edge = piece.boundary
        best, best_length = None, 0.0
        for i in present:
            if i in fixed or not shapes[i].intersects(piece.buffer(tolerance / 10)):
                continue
            shared = shapely.intersection(edge, shapes[i].buffer(tolerance / 100)).length
            if shared > best_length:
                best, best_length = i, shared
        if best is None:
            continue
        shapes[best] = polygonal(shapely.union(shapes[best], piece))
        changed.add(best)
        adjustments.append(Adjustment(best, "gap", piece.area, thickness(piece)))
    return adjustments


def adjustment_problems(adjustments: Sequence[Adjustment], specs) -> list[Problem]:
    """The adjustments as warnings naming the feature (index and properties), for the report."""
    problems = []
    for adjustment in adjustments:
        spec = specs[adjustment.index]
        if adjustment.other:
            adjustment.other = specs[int(adjustment.other)].code
        problems.append(
            Problem("snapped", adjustment.message(), severity=WARNING, code=spec.code, feature_index=spec.feature_index,
                    properties=spec.properties)
        )
    return problems

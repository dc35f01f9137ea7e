"""The boundary rules on published areas: codes, shapes, within the parent, no overlaps, no gaps,
cell sizes."""
from __future__ import annotations

import re
from typing import Sequence

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.utils.translation import gettext as _

from ..models import CODE_LENGTH, PARENT_LEVEL, Area, Level

from .common import WARNING, Problem, query_rows, tolerance_m2


_DIGITS = re.compile(r"^[0-9]+$")


def check_code(code: str, level: str, parent: Area | None) -> list[Problem]:
    """The code is a path: right length for its level, digits only, parent's code as prefix."""
    problems: list[Problem] = []
    expected = CODE_LENGTH.get(level)
    if expected is None:
        return [Problem("level", _("Unknown level “%(level)s”.") % {"level": level}, code=code)]
    if not code or not _DIGITS.match(code) or len(code) != expected:
        problems.append(
            Problem(
                "code",
                _("A %(level)s code must be %(length)s digits; “%(code)s” is not.")
                % {"level": Level(level).label, "length": expected, "code": code},
                code=code,
            )
        )
    if level == Level.DISTRICT:
        if parent is not None:
            problems.append(Problem("parent", _("A district has no parent area."), code=code))
        return problems
    if parent is None:
        problems.append(Problem("parent", _("A %(level)s needs a parent area.") % {"level": Level(level).label}, code=code))
        return problems
    if parent.level != PARENT_LEVEL[level]:
        problems.append(
            Problem(
                "parent",
                _("The parent of a %(level)s must be a %(parent_level)s, not a %(actual)s.")
                % {
                    "level": Level(level).label,
                    "parent_level": Level(PARENT_LEVEL[level]).label,
                    "actual": Level(parent.level).label,
                },
                code=code,
            )
        )
    if not code.startswith(parent.code):
        problems.append(
            Problem(
                "code",
                _("Code %(code)s does not start with its parent's code %(parent)s.") % {"code": code, "parent": parent.code},
                code=code,
            )
        )
    if not parent.is_current:
        problems.append(Problem("parent", _("The parent area %(parent)s is retired.") % {"parent": parent.code}, code=code))
    return problems


def as_multipolygon(geometry: GEOSGeometry) -> MultiPolygon:
    if isinstance(geometry, Polygon):
        multi = MultiPolygon(geometry, srid=geometry.srid)
        return multi
    return geometry  # type: ignore[return-value]


def check_geometry(geometry: GEOSGeometry | None, code: str | None = None) -> list[Problem]:
    """Shape rules that need no database: present, polygonal, WGS-84, valid, plausible coordinates."""
    if geometry is None or geometry.empty:
        return [Problem("empty", _("The boundary is empty."), code=code)]
    if geometry.geom_type not in {"Polygon", "MultiPolygon"}:
        return [
            Problem("type", _("A boundary must be a polygon or multipolygon, not a %(type)s.") % {"type": geometry.geom_type}, code=code)
        ]
    if geometry.srid not in (None, 4326):
        return [
            Problem(
                "srid",
                _("Boundaries are stored in WGS-84 (EPSG:4326); this one is in EPSG:%(srid)s.") % {"srid": geometry.srid},
                code=code,
            )
        ]
    min_x, min_y, max_x, max_y = geometry.extent
    if min_x < -180 or max_x > 180 or min_y < -90 or max_y > 90:
        return [Problem("coordinates", _("Coordinates are not longitude/latitude degrees."), code=code)]
    if not geometry.valid:
        return [
            Problem(
                "invalid",
                _("The boundary is not a valid polygon: %(reason)s.") % {"reason": geometry.valid_reason},
                code=code,
                geometry=geometry,
            )
        ]
    return []


def check_within_parents(area_ids: Sequence[int]) -> list[Problem]:
    """Each area lies inside its parent (what sticks out is measured on geography, in m²)."""
    rows = query_rows(
        """
        WITH outside AS (
            SELECT a.code, ST_Difference(a.boundary, p.boundary) AS geom
            FROM grids_area a JOIN grids_area p ON p.id = a.parent_id
            WHERE a.id = ANY(%s) AND NOT ST_CoveredBy(a.boundary, p.boundary)
        )
        SELECT code, ST_Area(geom::geography), ST_AsEWKT(geom) FROM outside
        WHERE ST_Area(geom::geography) > %s
        ORDER BY code
        """,
        [list(area_ids), tolerance_m2()],
    )
    return [
        Problem(
            "outside_parent",
            _("%(code)s extends %(area).1f m² outside its parent area.") % {"code": code, "area": outside},
            code=code,
            geometry=GEOSGeometry(ewkt),
        )
        for code, outside, ewkt in rows
    ]


def check_sibling_overlaps(area_ids: Sequence[int]) -> list[Problem]:
    """No two current areas under one parent overlap by more than the tolerance (ST_Relate 2********)."""
    rows = query_rows(
        """
        WITH pairs AS (
            SELECT a.code AS a_code, b.code AS b_code, ST_Intersection(a.boundary, b.boundary) AS geom
            FROM grids_area a
            JOIN grids_area b
              ON b.parent_id IS NOT DISTINCT FROM a.parent_id AND b.level = a.level AND b.id <> a.id
             AND b.valid_to IS NULL AND a.boundary && b.boundary
            WHERE a.id = ANY(%s) AND (NOT b.id = ANY(%s) OR a.id < b.id)
              AND ST_Relate(a.boundary, b.boundary, '2********')
        )
        SELECT a_code, b_code, ST_Area(geom::geography), ST_AsEWKT(ST_CollectionExtract(geom, 3)) FROM pairs
        WHERE ST_Area(geom::geography) > %s
        ORDER BY a_code, b_code
        """,
        [list(area_ids), list(area_ids), tolerance_m2()],
    )
    return [
        Problem(
            "overlap",
            _("%(a)s and %(b)s overlap by %(area).1f m².") % {"a": a_code, "b": b_code, "area": overlap},
            code=a_code,
            geometry=GEOSGeometry(ewkt),
        )
        for a_code, b_code, overlap, ewkt in rows
    ]


def check_coverage(parent_ids: Sequence[int]) -> list[Problem]:
    """The current children of each parent cover it: every gap above the tolerance is reported."""
    rows = query_rows(
        """
        WITH uncovered AS (
            SELECT p.code, ST_Difference(p.boundary, COALESCE(ST_Union(c.boundary), 'SRID=4326;POLYGON EMPTY'::geometry)) AS geom
            FROM grids_area p
            LEFT JOIN grids_area c ON c.parent_id = p.id AND c.valid_to IS NULL
            WHERE p.id = ANY(%s)
            GROUP BY p.id, p.code, p.boundary
        ), pieces AS (
            SELECT code, (ST_Dump(ST_CollectionExtract(geom, 3))).geom AS geom FROM uncovered
        )
        SELECT code, ST_Area(geom::geography), ST_AsEWKT(geom) FROM pieces
        WHERE ST_Area(geom::geography) > %s
        ORDER BY code
        """,
        [list(parent_ids), tolerance_m2()],
    )
    return [
        Problem(
            "gap",
            _("A gap of %(area).1f m² inside %(code)s is not covered by any of its areas.") % {"code": code, "area": gap},
            code=code,
            geometry=GEOSGeometry(ewkt),
        )
        for code, gap, ewkt in rows
    ]


def check_cell_sizes(area_ids: Sequence[int]) -> list[Problem]:
    """Cells far from the ~10,000 m² norm are flagged as a warning, never refused."""
    low, high = settings.GRIDGOV_CELL_AREA_MIN_M2, settings.GRIDGOV_CELL_AREA_MAX_M2
    rows = query_rows(
        "SELECT code, area_m2 FROM grids_area WHERE id = ANY(%s) AND level = 'grid' AND (area_m2 < %s OR area_m2 > %s) ORDER BY code",
        [list(area_ids), low, high],
    )
    return [
        Problem(
            "cell_size",
            _("Cell %(code)s covers %(area).0f m², outside the usual %(low).0f–%(high).0f m².")
            % {"code": code, "area": area, "low": low, "high": high},
            severity=WARNING,
            code=code,
        )
        for code, area in rows
    ]

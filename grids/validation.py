"""Boundary rules, checked in PostGIS: 横到边、纵到底，不留空白，不交叉重叠
(docs/domain/areas.md#boundary-rules).

Every check answers a list of ``Problem``; an empty list means the rule holds. The set-based
checks run on rows already written inside the caller's transaction, so one query covers a whole
batch of thousands of cells and the caller rolls back when any error comes back.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.db import connection
from django.utils.translation import gettext as _

from .models import CODE_LENGTH, PARENT_LEVEL, Area, Level

ERROR = "error"
WARNING = "warning"


@dataclass
class Problem:
    kind: str
    message: str
    severity: str = ERROR
    code: str | None = None
    geometry: GEOSGeometry | None = None
    feature_index: int | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    # The draft cells concerned (grids.models.DraftCell ids), for the editor to highlight them.
    cells: list[int] = field(default_factory=list)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "severity": self.severity, "message": self.message}
        if self.code:
            data["code"] = self.code
        if self.feature_index is not None:
            data["feature_index"] = self.feature_index
        if self.properties:
            data["properties"] = self.properties
        if self.cells:
            data["cells"] = self.cells
        if self.geometry is not None:
            data["geometry"] = json.loads(self.geometry.geojson)
        return data

    def __str__(self) -> str:
        where = []
        if self.feature_index is not None:
            where.append(_("feature %(index)s") % {"index": self.feature_index})
        if self.code:
            where.append(self.code)
        prefix = f"[{', '.join(where)}] " if where else ""
        return f"{prefix}{self.message}"


class AreaValidationError(Exception):
    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems if p.is_error))


def tolerance_m2() -> float:
    return settings.GRIDGOV_TOPOLOGY_TOLERANCE_M2


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


def _rows(sql: str, params: Iterable[Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def check_within_parents(area_ids: Sequence[int]) -> list[Problem]:
    """Each area lies inside its parent (what sticks out is measured on geography, in m²)."""
    rows = _rows(
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
    rows = _rows(
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
    rows = _rows(
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
    rows = _rows(
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


# --- Drafts: the same rules on an administrator's proposed cells (grids.models.DraftCell) ----------
#
# The checks read the draft rows in PostGIS, so the rules hold for what will be published, not only
# for what the browser drew. Topology checks skip invalid shapes (GEOS cannot intersect them) — an
# invalid shape is an error of its own, so nothing slips through.

_DRAFT_LABEL = "COALESCE(o.code, '#' || d.id::text)"


def draft_cell_label(code: str | None, cell_id: int) -> str:
    return code or _("new cell #%(id)s") % {"id": cell_id}


def _draft_label(raw: str, cell_id: int) -> str:
    return draft_cell_label(None if raw.startswith("#") else raw, cell_id)


def check_draft_shapes(draft_id: int) -> list[Problem]:
    """Every proposed cell is a valid polygon (ST_IsValidDetail says where it is not)."""
    rows = _rows(
        f"""
        SELECT d.id, {_DRAFT_LABEL}, ST_IsValidReason(d.geometry), ST_AsEWKT((ST_IsValidDetail(d.geometry)).location)
        FROM grids_draftcell d LEFT JOIN grids_area o ON o.id = d.origin_id
        WHERE d.draft_id = %s AND NOT ST_IsValid(d.geometry)
        ORDER BY d.id
        """,
        [draft_id],
    )
    return [
        Problem(
            "invalid",
            _("%(cell)s is not a valid polygon: %(reason)s.") % {"cell": _draft_label(label, cell_id), "reason": reason},
            code=None if label.startswith("#") else label,
            geometry=GEOSGeometry(where) if where else None,
            cells=[cell_id],
        )
        for cell_id, label, reason, where in rows
    ]


def check_draft_within_community(draft_id: int) -> list[Problem]:
    """Every proposed cell lies inside the community (what sticks out, in m² on geography)."""
    rows = _rows(
        f"""
        WITH outside AS (
            SELECT d.id, {_DRAFT_LABEL} AS label,
                   ST_CollectionExtract(ST_Difference(d.geometry, c.boundary), 3) AS geom
            FROM grids_draftcell d
            JOIN grids_draftrevision r ON r.id = d.draft_id
            JOIN grids_area c ON c.id = r.community_id
            LEFT JOIN grids_area o ON o.id = d.origin_id
            WHERE d.draft_id = %s AND ST_IsValid(d.geometry) AND NOT ST_CoveredBy(d.geometry, c.boundary)
        )
        SELECT id, label, ST_Area(geom::geography), ST_AsEWKT(geom) FROM outside
        WHERE ST_Area(geom::geography) > %s
        ORDER BY id
        """,
        [draft_id, tolerance_m2()],
    )
    return [
        Problem(
            "outside_parent",
            _("%(cell)s extends %(area).1f m² outside the community.") % {"cell": _draft_label(label, cell_id), "area": area},
            code=None if label.startswith("#") else label,
            geometry=GEOSGeometry(ewkt),
            cells=[cell_id],
        )
        for cell_id, label, area, ewkt in rows
    ]


def check_draft_overlaps(draft_id: int) -> list[Problem]:
    """No two proposed cells overlap by more than the tolerance (ST_Relate 2******** on && candidates)."""
    rows = _rows(
        f"""
        WITH cells AS (
            SELECT d.id, {_DRAFT_LABEL} AS label, d.geometry FROM grids_draftcell d
            LEFT JOIN grids_area o ON o.id = d.origin_id
            WHERE d.draft_id = %s AND ST_IsValid(d.geometry)
        ), pairs AS (
            SELECT a.id AS a_id, a.label AS a_label, b.id AS b_id, b.label AS b_label,
                   ST_CollectionExtract(ST_Intersection(a.geometry, b.geometry), 3) AS geom
            FROM cells a JOIN cells b ON a.id < b.id AND a.geometry && b.geometry
            WHERE ST_Relate(a.geometry, b.geometry, '2********')
        )
        SELECT a_id, a_label, b_id, b_label, ST_Area(geom::geography), ST_AsEWKT(geom) FROM pairs
        WHERE ST_Area(geom::geography) > %s
        ORDER BY a_id, b_id
        """,
        [draft_id, tolerance_m2()],
    )
    return [
        Problem(
            "overlap",
            _("%(a)s and %(b)s overlap by %(area).1f m².")
            % {"a": _draft_label(a_label, a_id), "b": _draft_label(b_label, b_id), "area": area},
            code=None if a_label.startswith("#") else a_label,
            geometry=GEOSGeometry(ewkt),
            cells=[a_id, b_id],
        )
        for a_id, a_label, b_id, b_label, area, ewkt in rows
    ]


def check_draft_gaps(draft_id: int) -> list[Problem]:
    """The proposed cells cover the whole community: every uncovered piece above the tolerance."""
    rows = _rows(
        """
        WITH covered AS (
            SELECT c.code, c.boundary,
                   (SELECT ST_Union(d.geometry) FROM grids_draftcell d WHERE d.draft_id = r.id AND ST_IsValid(d.geometry)) AS cells
            FROM grids_draftrevision r JOIN grids_area c ON c.id = r.community_id
            WHERE r.id = %s
        ), pieces AS (
            SELECT code, (ST_Dump(ST_CollectionExtract(
                ST_Difference(boundary, COALESCE(cells, 'SRID=4326;POLYGON EMPTY'::geometry)), 3))).geom AS geom
            FROM covered
        )
        SELECT code, ST_Area(geom::geography), ST_AsEWKT(geom) FROM pieces
        WHERE ST_Area(geom::geography) > %s
        ORDER BY ST_Area(geom::geography) DESC
        """,
        [draft_id, tolerance_m2()],
    )
    return [
        Problem(
            "gap",
            _("A gap of %(area).1f m² inside %(code)s is not covered by any cell.") % {"code": code, "area": area},
            code=code,
            geometry=GEOSGeometry(ewkt),
        )
        for code, area, ewkt in rows
    ]


def check_draft_cell_sizes(draft_id: int) -> list[Problem]:
    """Proposed cells far from the usual size: a warning, never a block."""
    low, high = settings.GRIDGOV_CELL_AREA_MIN_M2, settings.GRIDGOV_CELL_AREA_MAX_M2
    rows = _rows(
        f"""
        SELECT id, label, area FROM (
            SELECT d.id, {_DRAFT_LABEL} AS label, ST_Area(d.geometry::geography) AS area
            FROM grids_draftcell d LEFT JOIN grids_area o ON o.id = d.origin_id
            WHERE d.draft_id = %s
        ) sized WHERE area < %s OR area > %s ORDER BY id
        """,
        [draft_id, low, high],
    )
    return [
        Problem(
            "cell_size",
            _("%(cell)s covers %(area).0f m², outside the usual %(low).0f–%(high).0f m².")
            % {"cell": _draft_label(label, cell_id), "area": area, "low": low, "high": high},
            severity=WARNING,
            code=None if label.startswith("#") else label,
            cells=[cell_id],
        )
        for cell_id, label, area in rows
    ]


def check_draft(draft_id: int) -> list[Problem]:
    """All the rules a draft must meet before it is published; errors first, then warnings."""
    problems = (
        check_draft_shapes(draft_id)
        + check_draft_within_community(draft_id)
        + check_draft_overlaps(draft_id)
        + check_draft_gaps(draft_id)
        + check_draft_cell_sizes(draft_id)
    )
    return sorted(problems, key=lambda p: not p.is_error)

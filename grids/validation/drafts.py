"""The same rules on an administrator's proposed cells (grids.models.DraftCell), read in PostGIS
so that they hold for what will be published, not only for what the browser drew."""
from __future__ import annotations

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.utils.translation import gettext as _

from .common import WARNING, Problem, query_rows, tolerance_m2


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
    rows = query_rows(
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
    rows = query_rows(
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
    rows = query_rows(
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
    rows = query_rows(
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
    rows = query_rows(
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

"""An administrator's draft of one community's cells: start, edit (move, draw, split, merge,
delete), undo, discard. Publishing it is ``publishing``."""
from __future__ import annotations

from typing import Sequence

from django.contrib.gis.geos import GEOSGeometry
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Area, DraftCell, DraftRevision, DraftStep, Level
from ..validation import (
    AreaValidationError,
    Problem,
    as_multipolygon,
    check_draft,
    check_geometry,
    draft_cell_label,
)

# Reading order needs a row height in the units of the centroids (degrees): ~100 m of latitude.
ROW_HEIGHT_DEGREES = 0.0009
MAX_SEQUENCE = 999


class RevisionConflict(Exception):
    """The community changed after the draft was started: the publish is refused, the draft kept."""

    def __init__(self, message: str, *, base_revision: int, current_revision: int):
        self.base_revision = base_revision
        self.current_revision = current_revision
        super().__init__(message)


def community_revision(community: Area) -> int:
    """The number of the last revision that created or retired a cell of this community (0: none).

    A draft records it when started; publishing compares it again under a row lock.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT COALESCE(MAX(r.number), 0) FROM grids_area a
            JOIN grids_revision r ON r.id = a.revision_id OR r.id = a.retired_by_id
            WHERE a.parent_id = %s
            """,
            [community.id],
        )
        return cursor.fetchone()[0]


def require_community(community: Area) -> None:
    if community.level != Level.COMMUNITY:
        raise AreaValidationError([Problem("level", _("Only a community's cells can be redrawn in the editor."), code=community.code)])
    if not community.is_current:
        raise AreaValidationError([Problem("retired", _("Community %(code)s is retired.") % {"code": community.code}, code=community.code)])


@transaction.atomic
def start_draft(*, community: Area, actor) -> DraftRevision:
    """The actor's draft of this community, created from the current cells when there is none."""
    require_community(community)
    draft = DraftRevision.objects.filter(community=community, created_by=actor).first()
    if draft is not None:
        return draft
    draft = DraftRevision.objects.create(community=community, created_by=actor, base_revision=community_revision(community))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO grids_draftcell (draft_id, origin_id, geometry)
            SELECT %s, id, boundary FROM grids_area
            WHERE parent_id = %s AND level = 'grid' AND valid_to IS NULL ORDER BY code
            """,
            [draft.id, community.id],
        )
    return draft


def discard_draft(*, draft: DraftRevision, actor) -> None:
    DraftRevision.objects.filter(pk=draft.pk, created_by=actor).delete()


def _touch(draft: DraftRevision) -> None:
    draft.updated_at = timezone.now()
    DraftRevision.objects.filter(pk=draft.pk).update(updated_at=draft.updated_at)


def clean_cell_geometry(geometry: GEOSGeometry | None, field_name: str = "geometry") -> GEOSGeometry:
    """A polygon in WGS-84 the editor may store. An invalid ring is stored (validation flags it on
    the map); anything that is not a polygon is refused at once."""
    if geometry is not None and geometry.srid is None:
        geometry.srid = 4326
    problems = check_geometry(geometry)
    blocking = [p for p in problems if p.kind != "invalid"]
    if blocking:
        for problem in blocking:
            problem.kind = field_name
        raise AreaValidationError(blocking)
    return as_multipolygon(geometry)


def _draft_cell(draft: DraftRevision, cell_id: int) -> DraftCell:
    cell = DraftCell.objects.filter(draft=draft, pk=cell_id).first()
    if cell is None:
        raise AreaValidationError([Problem("cell", _("Cell #%(id)s is not part of this draft.") % {"id": cell_id})])
    return cell


# Edits of one draft that can be undone, newest first; older ones are forgotten.
UNDO_STEPS = 30


def _remember(draft: DraftRevision) -> None:
    """Keep the draft's cells as they are now, before an edit changes them (in the edit's transaction,
    so a refused edit leaves no step behind)."""
    step = DraftStep.objects.create(draft=draft)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO grids_draftstepcell (step_id, origin_id, geometry) "
            "SELECT %s, origin_id, geometry FROM grids_draftcell WHERE draft_id = %s ORDER BY id",
            [step.id, draft.id],
        )
    forgotten = list(DraftStep.objects.filter(draft=draft).order_by("-id").values_list("id", flat=True)[UNDO_STEPS:])
    if forgotten:
        DraftStep.objects.filter(pk__in=forgotten).delete()


def undo_steps(draft: DraftRevision) -> int:
    return DraftStep.objects.filter(draft=draft).count()


@transaction.atomic
def undo_draft_edit(*, draft: DraftRevision, actor) -> DraftRevision:
    """Put the draft's cells back as they were before its last edit (vertex move, drawing, split,
    merge or deletion). The cells come back with new ids and their origins, so codes are kept."""
    locked = DraftRevision.objects.select_for_update().filter(pk=draft.pk, created_by=actor).first()
    if locked is None:
        raise AreaValidationError([Problem("draft", _("This draft no longer exists."))])
    step = DraftStep.objects.filter(draft=locked).order_by("-id").first()
    if step is None:
        raise AreaValidationError([Problem("undo", _("There is no edit to undo."))])
    DraftCell.objects.filter(draft=locked).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO grids_draftcell (draft_id, origin_id, geometry) "
            "SELECT %s, origin_id, geometry FROM grids_draftstepcell WHERE step_id = %s ORDER BY id",
            [locked.id, step.id],
        )
    step.delete()
    _touch(locked)
    return locked


@transaction.atomic
def update_draft_cell(*, draft: DraftRevision, cell_id: int, geometry: GEOSGeometry, actor) -> DraftCell:
    """Moved vertices: the cell keeps its origin, so it keeps its code when published."""
    cell = _draft_cell(draft, cell_id)
    geometry = clean_cell_geometry(geometry)
    _remember(draft)
    cell.geometry = geometry
    cell.save(update_fields=["geometry"])
    _touch(draft)
    return cell


@transaction.atomic
def add_draft_cell(*, draft: DraftRevision, geometry: GEOSGeometry, actor) -> DraftCell:
    geometry = clean_cell_geometry(geometry)
    _remember(draft)
    cell = DraftCell.objects.create(draft=draft, origin=None, geometry=geometry)
    _touch(draft)
    return cell


@transaction.atomic
def delete_draft_cell(*, draft: DraftRevision, cell_id: int, actor) -> None:
    cell = _draft_cell(draft, cell_id)
    _remember(draft)
    cell.delete()
    _touch(draft)


def _polygon_pieces(sql: str, params: Sequence) -> list[GEOSGeometry]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return [GEOSGeometry(memoryview(bytes(row[0])), srid=4326) for row in cursor.fetchall() if row[0] is not None]


@transaction.atomic
def split_draft_cell(*, draft: DraftRevision, cell_id: int, line: GEOSGeometry, actor) -> list[DraftCell]:
    """Cut a cell along a line in PostGIS (ST_Split); the pieces are new cells.

    1. The line must be a line in WGS-84 and the cell a valid polygon.
    2. ST_Split, keep the polygons, one row per piece (ST_Dump).
    3. Fewer than two pieces means the line does not cross the cell from edge to edge.
    4. Replace the cell by its pieces; they have no origin, so they get new codes on publish.
    """
    cell = _draft_cell(draft, cell_id)
    if line is None or line.geom_type not in ("LineString", "MultiLineString") or line.empty:
        raise AreaValidationError([Problem("line", _("Draw a line to split along."))])
    if line.srid is None:
        line.srid = 4326
    if not cell.geometry.valid:
        raise AreaValidationError(
            [Problem("cell", _("Fix the shape of %(cell)s before splitting it.") % {"cell": _cell_label(cell)}, cells=[cell.id])]
        )
    pieces = _polygon_pieces(
        """
        SELECT ST_AsEWKB(piece.geom) FROM grids_draftcell d,
        LATERAL ST_Dump(ST_CollectionExtract(ST_Split(d.geometry, ST_GeomFromEWKB(%s)), 3)) AS piece
        WHERE d.id = %s ORDER BY piece.path
        """,
        [bytes(line.ewkb), cell.id],
    )
    if len(pieces) < 2:
        raise AreaValidationError(
            [Problem("line", _("The line must cross %(cell)s from one edge to another.") % {"cell": _cell_label(cell)}, cells=[cell.id])]
        )
    _remember(draft)
    cell.delete()
    created = DraftCell.objects.bulk_create([DraftCell(draft=draft, origin=None, geometry=as_multipolygon(p)) for p in pieces])
    _touch(draft)
    return created


@transaction.atomic
def merge_draft_cells(*, draft: DraftRevision, cell_ids: Sequence[int], actor) -> DraftCell:
    """Join cells that share an edge into one new cell, in PostGIS (ST_Union)."""
    ids = sorted(set(cell_ids))
    if len(ids) < 2:
        raise AreaValidationError([Problem("cells", _("Choose at least two cells to merge."))])
    cells = [_draft_cell(draft, cell_id) for cell_id in ids]
    invalid = [c for c in cells if not c.geometry.valid]
    if invalid:
        raise AreaValidationError(
            [Problem("cells", _("Fix the shape of %(cell)s before merging it.") % {"cell": _cell_label(c)}, cells=[c.id]) for c in invalid]
        )
    pieces = _polygon_pieces(
        """
        SELECT ST_AsEWKB(piece.geom) FROM
        (SELECT ST_CollectionExtract(ST_Union(geometry), 3) AS geom FROM grids_draftcell WHERE id = ANY(%s)) merged,
        LATERAL ST_Dump(merged.geom) AS piece
        """,
        [ids],
    )
    if len(pieces) != 1:
        raise AreaValidationError(
            [Problem("cells", _("Only cells that share an edge can be merged; these form %(n)s separate parts.") % {"n": len(pieces)}, cells=ids)]
        )
    _remember(draft)
    DraftCell.objects.filter(pk__in=ids).delete()
    merged = DraftCell.objects.create(draft=draft, origin=None, geometry=as_multipolygon(pieces[0]))
    _touch(draft)
    return merged


def _cell_label(cell: DraftCell) -> str:
    return draft_cell_label(cell.origin.code if cell.origin_id else None, cell.id)


def validate_draft(draft: DraftRevision) -> list[Problem]:
    return check_draft(draft.id)


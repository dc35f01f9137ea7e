"""Every write to areas goes through a function here (docs/architecture.md#one-function-per-write)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Sequence

from django.contrib.gis.geos import GEOSGeometry
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import registry
from .models import Area, DraftCell, DraftRevision, DraftStep, Level, Revision
from .numbering import reading_order
from .validation import (
    AreaValidationError,
    Problem,
    as_multipolygon,
    check_cell_sizes,
    check_code,
    check_coverage,
    check_draft,
    check_geometry,
    check_sibling_overlaps,
    check_within_parents,
    draft_cell_label,
)

FRAGMENT_MAX_VERTICES = 64


@dataclass
class AreaSpec:
    code: str
    name: str
    level: str
    boundary: GEOSGeometry | None
    parent: Area | None = None
    feature_index: int | None = None
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class CreateResult:
    areas: list[Area]
    warnings: list[Problem]


def _locate(problems: list[Problem], spec: AreaSpec) -> list[Problem]:
    for problem in problems:
        problem.feature_index = spec.feature_index
        problem.properties = spec.properties
        problem.code = problem.code or spec.code
    return problems


def next_revision_number() -> int:
    last = Revision.objects.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def start_revision(*, reason: str, actor=None, scope: Area | None = None) -> Revision:
    if not reason or not reason.strip():
        raise AreaValidationError([Problem("reason", _("A revision needs a reason."))])
    return Revision.objects.create(number=next_revision_number(), reason=reason.strip(), published_by=actor, scope=scope)


def refresh_fragments(area_ids: Sequence[int]) -> None:
    """Re-cut the lookup fragments of these areas; retired areas keep none."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM grids_areafragment WHERE area_id = ANY(%s)", [list(area_ids)])
        cursor.execute(
            """
            INSERT INTO grids_areafragment (area_id, level, geom)
            SELECT id, level, ST_Subdivide(boundary, %s) FROM grids_area
            WHERE id = ANY(%s) AND valid_to IS NULL
            """,
            [FRAGMENT_MAX_VERTICES, list(area_ids)],
        )


def _static_problems(specs: Sequence[AreaSpec]) -> list[Problem]:
    problems: list[Problem] = []
    for spec in specs:
        problems += _locate(check_code(spec.code, spec.level, spec.parent), spec)
        problems += _locate(check_geometry(spec.boundary, spec.code), spec)
        if not spec.name or not spec.name.strip():
            problems += _locate([Problem("name", _("The area has no name."))], spec)
    counts = Counter(spec.code for spec in specs)
    for spec in specs:
        if counts[spec.code] > 1:
            problems += _locate([Problem("duplicate", _("Code %(code)s appears more than once.") % {"code": spec.code})], spec)
    taken = set(Area.objects.current().filter(code__in=list(counts)).values_list("code", flat=True))
    for spec in specs:
        if spec.code in taken:
            problems += _locate([Problem("duplicate", _("Code %(code)s is already in use.") % {"code": spec.code})], spec)
    return problems


@transaction.atomic
def create_areas(
    specs: Sequence[AreaSpec],
    *,
    revision: Revision | None = None,
    require_coverage: bool = False,
    valid_from=None,
) -> CreateResult:
    """Create a batch of areas of one tier, all or nothing.

    1. Check codes, names and shapes in Python; stop before writing if any is wrong.
    2. Insert the batch and compute each area in m² on geography.
    3. Run the set-based PostGIS checks on the inserted rows: inside the parent, no overlap with
       a current sibling, and — when the batch is a parent's full set of children — no gap.
    4. Any error raises AreaValidationError, which rolls the whole batch back.
    5. Cut the lookup fragments of the new areas.
    """
    problems = _static_problems(specs)
    if any(p.is_error for p in problems):
        raise AreaValidationError(problems)
    # A redraw passes the instant it retired the old areas, so that no moment falls between two
    # generations (Area.objects.as_of).
    now = valid_from or timezone.now()
    areas = Area.objects.bulk_create(
        [
            Area(
                code=spec.code,
                name=spec.name.strip(),
                level=spec.level,
                parent=spec.parent,
                boundary=as_multipolygon(spec.boundary),
                area_m2=0,
                valid_from=now,
                revision=revision,
            )
            for spec in specs
        ]
    )
    ids = [area.id for area in areas]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE grids_area SET area_m2 = ST_Area(boundary::geography) WHERE id = ANY(%s) RETURNING id, area_m2",
            [ids],
        )
        area_by_id = dict(cursor.fetchall())
    for area in areas:
        area.area_m2 = area_by_id[area.id]

    by_code = {spec.code: spec for spec in specs}
    problems = check_within_parents(ids) + check_sibling_overlaps(ids)
    if require_coverage:
        parent_ids = sorted({spec.parent.id for spec in specs if spec.parent is not None})
        problems += check_coverage(parent_ids)
    for problem in problems:
        spec = by_code.get(problem.code or "")
        if spec is not None:
            _locate([problem], spec)
    if any(p.is_error for p in problems):
        raise AreaValidationError(problems)
    refresh_fragments(ids)
    warnings = check_cell_sizes(ids)
    for warning in warnings:
        _locate([warning], by_code[warning.code])
    return CreateResult(areas=areas, warnings=warnings)


def create_area(
    *, code: str, name: str, level: str, boundary: GEOSGeometry, parent: Area | None = None, revision: Revision | None = None
) -> Area:
    """One area; the same rules as a batch."""
    result = create_areas([AreaSpec(code=code, name=name, level=level, boundary=boundary, parent=parent)], revision=revision)
    return result.areas[0]


# --- Redraws: an administrator's draft of one community's cells, then a publish ----------------------

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


def _require_community(community: Area) -> None:
    if community.level != Level.COMMUNITY:
        raise AreaValidationError([Problem("level", _("Only a community's cells can be redrawn in the editor."), code=community.code)])
    if not community.is_current:
        raise AreaValidationError([Problem("retired", _("Community %(code)s is retired.") % {"code": community.code}, code=community.code)])


@transaction.atomic
def start_draft(*, community: Area, actor) -> DraftRevision:
    """The actor's draft of this community, created from the current cells when there is none."""
    _require_community(community)
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


@dataclass
class DraftChanges:
    unchanged: dict[int, int]  # draft cell id → current cell id it equals
    reshaped: dict[int, Area]  # draft cell id → current cell it replaces (same code)
    new: list[int]  # draft cell ids that get new codes, in reading order
    retired: list[Area]  # current cells that go away (reshaped and removed)
    new_codes: dict[int, str]  # draft cell id → the code it will get (reshaped: the old one)

    @property
    def changed(self) -> bool:
        return bool(self.retired or self.new)


def _next_sequences(community: Area, count: int) -> list[str]:
    """The next unused cell codes of a community: never a code any cell ever had, retired or not."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(MAX(RIGHT(code, 3)::int), 0) FROM grids_area WHERE level = 'grid' AND code LIKE %s",
            [community.code + "%"],
        )
        last = cursor.fetchone()[0]
    if last + count > MAX_SEQUENCE:
        raise AreaValidationError(
            [
                Problem(
                    "code",
                    _("Community %(code)s has used %(last)s of its %(max)s cell codes; %(count)s more do not fit.")
                    % {"code": community.code, "last": last, "max": MAX_SEQUENCE, "count": count},
                    code=community.code,
                )
            ]
        )
    return [f"{community.code}{last + i + 1:03d}" for i in range(count)]


def draft_changes(draft: DraftRevision) -> DraftChanges:
    """Compare the draft with the community's current cells.

    1. A draft cell whose origin is current and whose shape equals it (ST_Equals): unchanged, it keeps
       its row, code and everything filed in it.
    2. A draft cell with an origin but another shape: reshaped; the old row is retired and a new row
       with the same code replaces it (a new generation of the same cell).
    3. A current cell with no draft cell derived from it: removed (retired).
    4. Draft cells without an origin (drawn, split, merged): new, numbered after the highest code the
       community ever used, in reading order (north to south, west to east).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.id, d.id, CASE WHEN d.id IS NULL THEN 'removed'
                                    WHEN ST_IsValid(d.geometry) AND ST_Equals(d.geometry, a.boundary) THEN 'unchanged'
                                    ELSE 'reshaped' END
            FROM grids_area a LEFT JOIN grids_draftcell d ON d.origin_id = a.id AND d.draft_id = %s
            WHERE a.parent_id = %s AND a.level = 'grid' AND a.valid_to IS NULL
            """,
            [draft.id, draft.community_id],
        )
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT id, ST_X(ST_Centroid(geometry)), ST_Y(ST_Centroid(geometry)) FROM grids_draftcell WHERE draft_id = %s AND origin_id IS NULL",
            [draft.id],
        )
        fresh = cursor.fetchall()
    current = Area.objects.in_bulk([area_id for area_id, _, _ in rows])
    unchanged = {cell: area for area, cell, kind in rows if kind == "unchanged"}
    reshaped = {cell: current[area] for area, cell, kind in rows if kind == "reshaped"}
    retired = [current[area] for area, _, kind in rows if kind != "unchanged"]
    new = reading_order([cell_id for cell_id, _, _ in fresh], [(x, y) for _, x, y in fresh], ROW_HEIGHT_DEGREES)
    codes = {cell: area.code for cell, area in reshaped.items()}
    codes.update({cell: current[area].code for cell, area in unchanged.items()})
    if new:
        codes.update(zip(new, _next_sequences(draft.community, len(new))))
    return DraftChanges(unchanged=unchanged, reshaped=reshaped, new=new, retired=retired, new_codes=codes)


_TARGETS_SQL = "SELECT id, geometry FROM grids_draftcell WHERE draft_id = %s"


@dataclass
class Impact:
    changes: DraftChanges
    plan: dict[str, list[registry.Move]]

    def as_dict(self) -> dict[str, Any]:
        """Per occupant, old cell → new cell counts; ``moves`` counts the things that change code."""
        retired = {area.id: area.code for area in self.changes.retired}
        occupants = []
        for occupant in registry.cell_occupants():
            counts = Counter((m.old_cell_id, m.new_cell_id) for m in self.plan.get(occupant.key, []))
            pairs = [
                {
                    "from": retired.get(old, str(old)),
                    "to": self.changes.new_codes.get(target, ""),
                    "count": count,
                    "same_code": retired.get(old) == self.changes.new_codes.get(target),
                }
                for (old, target), count in sorted(counts.items(), key=lambda item: (retired.get(item[0][0], ""), item[0][1]))
            ]
            occupants.append(
                {
                    "key": occupant.key,
                    "label": str(occupant.label),
                    "pairs": pairs,
                    "moves": sum(p["count"] for p in pairs if not p["same_code"]),
                    "total": sum(p["count"] for p in pairs),
                }
            )
        return {
            "retired": sorted(retired.values()),
            "reshaped": sorted(a.code for a in self.changes.reshaped.values()),
            "new": [self.changes.new_codes[c] for c in self.changes.new],
            "unchanged": len(self.changes.unchanged),
            "occupants": occupants,
        }


def impact_preview(draft: DraftRevision) -> Impact:
    """What publishing would move: every current thing in a retired cell and the cell it goes to."""
    changes = draft_changes(draft)
    plan = registry.plan_moves([a.id for a in changes.retired], _TARGETS_SQL, [draft.id])
    return Impact(changes=changes, plan=plan)


def _conflict(draft: DraftRevision, community: Area, current: int) -> RevisionConflict:
    if not community.is_current:
        message = _("Community %(code)s was retired after this draft was started; the draft is kept but cannot be published.") % {
            "code": community.code
        }
    else:
        message = _(
            "Someone else published revision r%(current)s of %(name)s (%(code)s) after this draft was started from "
            "r%(base)s. Your draft is kept: carry your changes over to the current map, or discard it and redraw."
        ) % {"current": current, "base": draft.base_revision, "name": community.name, "code": community.code}
    return RevisionConflict(message, base_revision=draft.base_revision, current_revision=current)


def draft_is_stale(draft: DraftRevision) -> bool:
    community = Area.objects.get(pk=draft.community_id)
    return not community.is_current or community_revision(community) != draft.base_revision


@dataclass
class RebaseResult:
    base_revision: int  # the revision the draft now starts from
    taken: list[str]  # codes of cells taken over from the revisions published since
    dropped: list[str]  # codes of cells those revisions retired, gone from the draft too


_BASE_CELLS_SQL = """
    SELECT a.id, a.code, a.retired_by_id IS NOT NULL AS retired_since,
           NOT EXISTS (SELECT 1 FROM grids_draftcell d WHERE d.draft_id = %(draft)s AND d.origin_id = a.id
                       AND ST_IsValid(d.geometry) AND ST_Equals(d.geometry, a.boundary)) AS changed_in_draft
    FROM grids_area a
    JOIN grids_revision made ON made.id = a.revision_id
    LEFT JOIN grids_revision gone ON gone.id = a.retired_by_id
    WHERE a.parent_id = %(community)s AND a.level = 'grid' AND made.number <= %(base)s
      AND (gone.id IS NULL OR gone.number > %(base)s)
"""


@transaction.atomic
def rebase_draft(*, draft: DraftRevision, actor) -> RebaseResult:
    """Carry a stale draft's changes over to the community's current cells (after someone else
    published), so that the administrator need not redraw them. A three-way merge by cell:

    1. Lock the community and the draft (as publishing does). The base cells are those current at
       the draft's base revision; a base cell is changed *in the draft* when no draft cell derived
       from it still has its exact shape (reshaped, split, merged or deleted), and *since* when a
       later revision retired it.
    2. A cell changed on both sides is a conflict: nothing changes, and every such cell is named.
    3. Otherwise the cells retired since (untouched in the draft) leave the draft, the cells
       published since join it as they are, the draft's own changes and new cells stay, and the
       base moves to the current revision. Validation then shows any clash between the two sets
       of new cells (an overlap, a gap) before anything can be published.
    """
    community = Area.objects.select_for_update().get(pk=draft.community_id)
    locked = DraftRevision.objects.select_for_update().filter(pk=draft.pk, created_by=actor).first()
    if locked is None:
        raise AreaValidationError([Problem("draft", _("This draft no longer exists."))])
    draft = locked
    _require_community(community)
    current = community_revision(community)
    if current == draft.base_revision:
        return RebaseResult(base_revision=current, taken=[], dropped=[])
    with connection.cursor() as cursor:
        cursor.execute(_BASE_CELLS_SQL, {"draft": draft.id, "community": community.id, "base": draft.base_revision})
        base_cells = cursor.fetchall()
    both = sorted(code for _id, code, retired_since, changed_in_draft in base_cells if retired_since and changed_in_draft)
    if both:
        raise AreaValidationError(
            [
                Problem(
                    "conflict",
                    _("Cell %(code)s was changed both in your draft and in a revision published since r%(base)s; "
                      "your changes cannot be carried over. Discard the draft and redraw.")
                    % {"code": code, "base": draft.base_revision},
                    code=code,
                )
                for code in both
            ]
        )
    # Cells of the older base cannot come back once the draft starts from the newer one.
    DraftStep.objects.filter(draft=draft).delete()
    retired_since = [area_id for area_id, _code, gone, _changed in base_cells if gone]
    dropped = sorted(code for _id, code, gone, _changed in base_cells if gone)
    DraftCell.objects.filter(draft=draft, origin_id__in=retired_since).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO grids_draftcell (draft_id, origin_id, geometry)
            SELECT %(draft)s, a.id, a.boundary FROM grids_area a JOIN grids_revision made ON made.id = a.revision_id
            WHERE a.parent_id = %(community)s AND a.level = 'grid' AND a.valid_to IS NULL AND made.number > %(base)s
            ORDER BY a.code
            RETURNING (SELECT code FROM grids_area WHERE id = origin_id)
            """,
            {"draft": draft.id, "community": community.id, "base": draft.base_revision},
        )
        taken = sorted(row[0] for row in cursor.fetchall())
    draft.base_revision = current
    draft.updated_at = timezone.now()
    DraftRevision.objects.filter(pk=draft.pk).update(base_revision=current, updated_at=draft.updated_at)
    return RebaseResult(base_revision=current, taken=taken, dropped=dropped)


@dataclass
class PublishResult:
    revision: Revision
    impact: dict[str, Any]
    areas: list[Area]
    warnings: list[Problem] = field(default_factory=list)  # what validation flagged without refusing (cell sizes)


@transaction.atomic
def publish_draft(*, draft: DraftRevision, actor, reason: str, names: dict[int, str] | None = None) -> PublishResult:
    """Publish a draft as a new revision, all or nothing.

    1. Lock the community row, so two publishes of one community run one after the other, then
       compare its revision with the draft's base: a difference is a conflict (the draft stays).
    2. Validate the draft in PostGIS; any error refuses the publish.
    3. Work out unchanged, reshaped, removed and new cells and where every current thing goes.
    4. Start the revision; retire the replaced cells with a conditional UPDATE (only still-current
       rows) and create their successors at the same instant, through create_areas, which checks
       containment, overlaps and coverage once more on the real rows.
    5. Move the current things through each occupant's move hook, record the impact on the revision
       and drop the draft. Tiles are keyed by the revision number, so the new one invalidates them.
    """
    if not reason or not reason.strip():
        raise AreaValidationError([Problem("reason", _("A revision needs a reason."))])
    community = Area.objects.select_for_update().get(pk=draft.community_id)
    locked = DraftRevision.objects.select_for_update().filter(pk=draft.pk).first()
    if locked is None:
        raise AreaValidationError([Problem("draft", _("This draft no longer exists."))])
    draft = locked
    current = community_revision(community)
    if not community.is_current or current != draft.base_revision:
        raise _conflict(draft, community, current)
    problems = check_draft(draft.id)
    if any(p.is_error for p in problems):
        raise AreaValidationError(problems)
    impact = impact_preview(draft)
    changes = impact.changes
    if not changes.changed:
        raise AreaValidationError([Problem("unchanged", _("The draft changes nothing; there is nothing to publish."))])

    now = timezone.now()
    revision = start_revision(reason=reason, actor=actor, scope=community)
    Revision.objects.filter(pk=revision.pk).update(published_at=now)
    revision.published_at = now
    retired_ids = [area.id for area in changes.retired]
    claimed = Area.objects.filter(pk__in=retired_ids, valid_to__isnull=True).update(valid_to=now, retired_by=revision)
    if claimed != len(retired_ids):
        raise _conflict(draft, community, community_revision(community))
    refresh_fragments(retired_ids)

    geometries = dict(DraftCell.objects.filter(draft=draft).values_list("id", "geometry"))
    ordered = list(changes.reshaped) + changes.new
    specs = []
    for cell_id in ordered:
        code = changes.new_codes[cell_id]
        if names and names.get(cell_id):
            name = names[cell_id]  # from an import file
        elif cell_id in changes.reshaped:
            name = changes.reshaped[cell_id].name
        else:
            name = _("%(community)s cell %(number)s") % {"community": community.name, "number": int(code[-3:])}
        specs.append(AreaSpec(code=code, name=name, level=Level.GRID, boundary=geometries[cell_id], parent=community))
    created = create_areas(specs, revision=revision, require_coverage=True, valid_from=now).areas
    target_area = dict(changes.unchanged)
    target_area.update(zip(ordered, (area.id for area in created)))

    for occupant in registry.cell_occupants():
        moves = [
            registry.Move(m.pk, m.old_cell_id, target_area[m.new_cell_id])
            for m in impact.plan.get(occupant.key, [])
            if m.new_cell_id in target_area
        ]
        try:
            occupant.apply(moves)
        except IntegrityError as exc:
            # An app's rows refused the move (a uniqueness rule its hook should handle): nothing
            # is published, and the administrator is told which things could not follow.
            raise AreaValidationError(
                [
                    Problem(
                        "move",
                        _("%(label)s could not be moved to the new cells, so nothing was published: %(reason)s")
                        % {"label": occupant.label, "reason": str(exc).splitlines()[0]},
                    )
                ]
            ) from exc
    summary = impact.as_dict()
    Revision.objects.filter(pk=revision.pk).update(impact=summary)
    revision.impact = summary
    draft.delete()
    return PublishResult(revision=revision, impact=summary, areas=created, warnings=[p for p in problems if not p.is_error])

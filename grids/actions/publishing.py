"""Publishing a draft as a revision (what changes, what moves), and carrying a stale draft over."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import registry
from ..models import Area, DraftCell, DraftRevision, DraftStep, Level, Revision
from ..numbering import reading_order
from ..validation import AreaValidationError, Problem, check_draft
from .areas import AreaSpec, create_areas, refresh_fragments, start_revision
from .drafts import MAX_SEQUENCE, ROW_HEIGHT_DEGREES, RevisionConflict, community_revision, require_community

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


def next_cell_codes(community: Area, count: int) -> list[str]:
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
        codes.update(zip(new, next_cell_codes(draft.community, len(new))))
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
    require_community(community)
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


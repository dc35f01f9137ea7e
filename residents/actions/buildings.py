"""Buildings: registering and changing one, and keeping buildings, households and people in the right cell.

A building's cell is found from its point; its households and people carry a copy of that cell
(fast scoped lists), kept in step here whenever a building changes cell — by an edit, by
relocation after a boundary redraw, or through the grids registry hooks a published redraw calls.
"""
from __future__ import annotations

from typing import Any, Sequence

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Area

from ..cells import cell_in_scope, find_cell
from ..models import Building, ChangeHistory, Household
from .history import _diff, _history, _insert_checked


@transaction.atomic
def create_building(
    *,
    actor,
    code: str,
    address: str,
    location: Point,
    floors: int | None = None,
    units: int | None = None,
    property_manager: str = "",
) -> Building:
    code = (code or "").strip()
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = [_("A building needs a code.")]
    elif Building.objects.filter(code=code).exists():
        errors["code"] = [_("Building code %(code)s is already in use.") % {"code": code}]
    if not (address or "").strip():
        errors["address"] = [_("A building needs an address.")]
    cell = find_cell(location) if location is not None else None
    if location is None:
        errors["location"] = [_("A building needs a location.")]
    elif cell is None:
        errors["location"] = [_("The location lies outside every grid cell.")]
    elif not cell_in_scope(actor, cell):
        errors["location"] = [_("The location lies outside your jurisdiction.")]
    if errors:
        raise ValidationError(errors)
    building = _insert_checked(
        Building, {"code": [_("Building code %(code)s is already in use.") % {"code": code}]}, {"code": code},
        code=code, address=address.strip(), location=location, cell=cell, floors=floors, units=units,
        property_manager=property_manager.strip(),
    )
    _history(actor=actor, model="building", object_id=building.pk, action="create", cell_id=cell.pk,
             changes={"code": [None, code], "address": [None, building.address], "cell": [None, cell.code]})
    return building


@transaction.atomic
def update_building(*, actor, building: Building, **changes: Any) -> Building:
    """Change a building's details; a new location re-finds its cell and moves its households and people."""
    allowed = {"address", "location", "floors", "units", "property_manager"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    building = Building.objects.select_for_update().get(pk=building.pk)
    before = {name: getattr(building, name) for name in changes}
    for name, value in changes.items():
        setattr(building, name, value)
    if "location" in changes:
        cell = find_cell(building.location)
        if cell is None:
            raise ValidationError({"location": [_("The location lies outside every grid cell.")]})
        if not cell_in_scope(actor, cell):
            raise ValidationError({"location": [_("The location lies outside your jurisdiction.")]})
        if cell.pk != building.cell_id:
            before["cell"] = building.cell.code
            changes = {**changes, "cell": cell.code}
            building.cell = cell
    building.updated_at = timezone.now()
    building.save()
    diff = _diff(before, {k: (v if k != "cell" else building.cell.code) for k, v in changes.items()})
    if diff:
        _history(actor=actor, model="building", object_id=building.pk, action="update", changes=diff, cell_id=building.cell_id)
    if "cell" in diff:
        sync_cells_from_buildings([building.pk])
    return building


_RELOCATE_SQL = """
WITH found AS (
    SELECT DISTINCT ON (b.id) b.id AS building_id, b.cell_id AS old_cell, a.id AS new_cell
    FROM residents_building b
    JOIN grids_areafragment f ON f.level = 'grid' AND ST_Intersects(f.geom, b.location)
    JOIN grids_area a ON a.id = f.area_id AND a.valid_to IS NULL
    WHERE b.id = ANY(%s)
    ORDER BY b.id, a.code
)
UPDATE residents_building b SET cell_id = found.new_cell, updated_at = now()
FROM found
WHERE b.id = found.building_id AND found.old_cell IS DISTINCT FROM found.new_cell
RETURNING b.id, found.old_cell, found.new_cell
"""


@transaction.atomic
def relocate_buildings_to_current_cells(building_ids: Sequence[int], *, actor=None) -> dict[int, tuple[int, int]]:
    """Re-find the cell of each building by its point (after a boundary redraw).

    1. One set-based UPDATE looks every building's point up among the current cells' fragments
       and changes the buildings whose cell differs (a building outside every cell keeps its old one).
    2. Households and people of the moved buildings follow (their cell columns are copies).
    3. One history row per moved building.
    Returns {building id: (old cell id, new cell id)}.
    """
    ids = list(building_ids)
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_RELOCATE_SQL, [ids])
        moved = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
    if moved:
        sync_cells_from_buildings(list(moved))
        codes = dict(Area.objects.filter(pk__in={c for pair in moved.values() for c in pair}).values_list("pk", "code"))
        ChangeHistory.objects.bulk_create(
            ChangeHistory(actor=actor, model="building", object_id=pk, action="relocate", cell_id=new,
                          changes={"cell": [codes.get(old), codes.get(new)]})
            for pk, (old, new) in moved.items()
        )
    return moved


def sync_cells_from_buildings(building_ids: Sequence[int] | None = None) -> int:
    """Copy each building's cell onto its households and people where they differ; returns rows changed.

    Called after buildings change cell — by the relocation above, and safe to call after a
    boundary publish that moved buildings through the grids registry (None = all buildings).
    """
    where = "AND b.id = ANY(%s)" if building_ids is not None else ""
    params = [list(building_ids)] if building_ids is not None else []
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE residents_household h SET cell_id = b.cell_id
                FROM residents_dwelling d JOIN residents_building b ON b.id = d.building_id
                WHERE h.dwelling_id = d.id AND h.cell_id <> b.cell_id {where}""",
            params,
        )
        changed = cursor.rowcount
        cursor.execute(
            f"""UPDATE residents_person p SET cell_id = h.cell_id
                FROM residents_household h JOIN residents_dwelling d ON d.id = h.dwelling_id
                JOIN residents_building b ON b.id = d.building_id
                WHERE p.household_id = h.id AND p.cell_id <> h.cell_id {where}""",
            params,
        )
        changed += cursor.rowcount
    return changed


def apply_redraw_building_moves(occupant, moves) -> None:
    """grids registry hook: a published redraw moves buildings (by their point); their households and people follow.

    Runs inside the publishing transaction. ``moves`` are grids.registry.Move(pk, old_cell_id, new_cell_id).
    """
    by_target: dict[int, list[int]] = {}
    for move in moves:
        by_target.setdefault(move.new_cell_id, []).append(move.pk)
    now = timezone.now()
    for new_cell_id, pks in sorted(by_target.items()):
        Building.objects.filter(pk__in=pks).update(cell_id=new_cell_id, updated_at=now)
    sync_cells_from_buildings([m.pk for m in moves])
    codes = dict(Area.objects.filter(pk__in={c for m in moves for c in (m.old_cell_id, m.new_cell_id)}).values_list("pk", "code"))
    ChangeHistory.objects.bulk_create(
        ChangeHistory(at=now, model="building", object_id=m.pk, action="relocate", cell_id=m.new_cell_id,
                      changes={"cell": [codes.get(m.old_cell_id), codes.get(m.new_cell_id)]})
        for m in moves
    )


def apply_redraw_follow_building(occupant, moves) -> None:
    """grids registry hook for households and people: they carry a copy of their building's cell.

    The building hook already copied it; syncing again from the buildings is harmless and keeps
    the copies right whatever order the occupants are applied in.
    """
    model = occupant.queryset().model
    path = "dwelling__building_id" if model is Household else "household__dwelling__building_id"
    building_ids = set(model.objects.filter(pk__in=[m.pk for m in moves]).values_list(path, flat=True))
    sync_cells_from_buildings(sorted(building_ids))

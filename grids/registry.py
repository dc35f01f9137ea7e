"""What other apps keep in a grid cell, so that `grids` can count and move it on a redraw
without importing those apps (docs/architecture.md#layers: dependencies point one way).

An app registers, in its AppConfig.ready(), a queryset of the *current* things it keeps per cell
(open incidents, not closed ones: a closed case keeps the cell it was filed against) and the name
of the foreign key to the cell. It says how a thing finds its new cell when boundaries change:

- ``point_field``: the lookup path of a point (a building's location); the thing goes to the new
  cell that covers the point;
- no point field: the thing follows the new cell that overlaps its old cell most (a grid worker's
  assignment).

Publishing a redraw calls the occupant's ``move`` hook with every move, inside the publishing
transaction. The default hook rewrites the foreign key; an app whose rows carry history or
uniqueness rules (assignments: end the old one, start a new one) passes its own.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Callable, NamedTuple, Sequence

from django.db import connection
from django.db.models import Count, QuerySet


class Move(NamedTuple):
    pk: int
    old_cell_id: int
    new_cell_id: int


@dataclass(frozen=True)
class CellOccupant:
    key: str
    label: str
    queryset: Callable[[], QuerySet]
    cell_field: str
    # Where the thing is, to find its new cell; None means it follows the largest overlap.
    point_field: str | None = None
    # move(occupant, moves): apply the moves; None means rewrite the foreign key.
    move: Callable[["CellOccupant", list[Move]], None] | None = None
    # visible(user): may the user see how many there are in a cell (an area's details)? None: everyone
    # who sees the cell. Residents' counts are personal data in aggregate: not for every role.
    visible: Callable[[object], bool] | None = None

    def visible_to(self, user) -> bool:
        return self.visible is None or bool(self.visible(user))

    def apply(self, moves: list[Move]) -> None:
        if not moves:
            return
        if self.move is not None:
            self.move(self, moves)
            return
        by_target: dict[int, list[int]] = defaultdict(list)
        for move in moves:
            by_target[move.new_cell_id].append(move.pk)
        for new_cell_id, pks in sorted(by_target.items()):
            self.queryset().filter(pk__in=pks).update(**{f"{self.cell_field}_id": new_cell_id})


_occupants: dict[str, CellOccupant] = {}


def register_cell_occupant(
    *,
    key: str,
    label,
    queryset: Callable[[], QuerySet],
    cell_field: str,
    point_field: str | None = None,
    move: Callable[[CellOccupant, list[Move]], None] | None = None,
    visible: Callable[[object], bool] | None = None,
) -> None:
    _occupants[key] = CellOccupant(
        key=key, label=label, queryset=queryset, cell_field=cell_field, point_field=point_field, move=move, visible=visible
    )


def unregister_cell_occupant(key: str) -> None:
    """For tests that register an occupant of their own."""
    _occupants.pop(key, None)


def cell_occupants() -> list[CellOccupant]:
    return list(_occupants.values())


def count_in_cells(cell_ids: list[int]) -> dict[str, dict[int, int]]:
    """{occupant key: {cell id: count}} for the given cells."""
    counts: dict[str, dict[int, int]] = {}
    for occupant in cell_occupants():
        rows = (
            occupant.queryset()
            .filter(**{f"{occupant.cell_field}__in": cell_ids})
            .values(occupant.cell_field)
            .annotate(n=Count("pk"))
        )
        counts[occupant.key] = {row[occupant.cell_field]: row["n"] for row in rows}
    return counts


def largest_overlaps(old_cell_ids: Sequence[int], targets_sql: str, targets_params: Sequence) -> dict[int, int]:
    """{old cell id: id of the target polygon that overlaps it most}.

    ``targets_sql`` selects ``(id, geom)`` rows: the proposed cells a redraw will publish.
    """
    if not old_cell_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT a.id, (
                SELECT t.id FROM ({targets_sql}) AS t (id, geom)
                WHERE t.geom && a.boundary AND ST_IsValid(t.geom)
                ORDER BY ST_Area(ST_Intersection(t.geom, a.boundary)) DESC, t.id
                LIMIT 1
            )
            FROM grids_area a WHERE a.id = ANY(%s)
            """,
            [*targets_params, list(old_cell_ids)],
        )
        return {old: new for old, new in cursor.fetchall() if new is not None}


def plan_moves(old_cell_ids: Sequence[int], targets_sql: str, targets_params: Sequence) -> dict[str, list[Move]]:
    """Where each current thing in the old cells goes among the targets: {occupant key: [Move]}.

    1. Each old cell's largest-overlap target (for things without a point, and as the fallback).
    2. For an occupant with a point field: one query wraps the occupant's own queryset and finds
       the target covering each point, so filters and joins of the app (a household's point is
       its building's) stay the app's business.
    3. A thing whose point is missing or lies in no target follows its old cell's largest overlap.
    """
    old_cell_ids = list(old_cell_ids)
    if not old_cell_ids:
        return {occupant.key: [] for occupant in cell_occupants()}
    fallback = largest_overlaps(old_cell_ids, targets_sql, targets_params)
    plan: dict[str, list[Move]] = {}
    for occupant in cell_occupants():
        base = occupant.queryset().filter(**{f"{occupant.cell_field}__in": old_cell_ids})
        moves: list[Move] = []
        if occupant.point_field:
            sql, params = base.values_list("pk", occupant.cell_field, occupant.point_field).query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    SELECT thing.pk, thing.cell, (
                        SELECT t.id FROM ({targets_sql}) AS t (id, geom)
                        WHERE thing.pt IS NOT NULL AND ST_Covers(t.geom, thing.pt::geometry)
                        ORDER BY t.id LIMIT 1
                    )
                    FROM ({sql}) AS thing (pk, cell, pt)
                    """,
                    [*targets_params, *params],
                )
                rows = cursor.fetchall()
            for pk, old, new in rows:
                target = new if new is not None else fallback.get(old)
                if target is not None:
                    moves.append(Move(pk, old, target))
        else:
            for pk, old in base.values_list("pk", occupant.cell_field):
                if old in fallback:
                    moves.append(Move(pk, old, fallback[old]))
        plan[occupant.key] = moves
    return plan


def summarise(plan: dict[str, list[Move]]) -> dict[str, Counter]:
    """{occupant key: Counter({(old cell id, target id): count})}."""
    return {key: Counter((m.old_cell_id, m.new_cell_id) for m in moves) for key, moves in plan.items()}

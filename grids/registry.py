"""What other apps keep in a grid cell, so that `grids` can count and move it on a redraw
without importing those apps (DESIGN.md §8: dependencies point one way).

An app registers, in its AppConfig.ready(), a queryset of the things it keeps per cell and the
name of the foreign key to the cell. The redraw's impact preview counts them per old cell → new
cell, and publishing moves them in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django.db.models import QuerySet


@dataclass(frozen=True)
class CellOccupant:
    key: str
    label: str
    queryset: Callable[[], QuerySet]
    cell_field: str
    # Where the thing is, to find its new cell; None means it follows the largest overlap.
    point_field: str | None = None


_occupants: dict[str, CellOccupant] = {}


def register_cell_occupant(
    *, key: str, label, queryset: Callable[[], QuerySet], cell_field: str, point_field: str | None = None
) -> None:
    _occupants[key] = CellOccupant(key=key, label=label, queryset=queryset, cell_field=cell_field, point_field=point_field)


def cell_occupants() -> list[CellOccupant]:
    return list(_occupants.values())


def count_in_cells(cell_ids: list[int]) -> dict[str, dict[int, int]]:
    """{occupant key: {cell id: count}} for the given cells."""
    from django.db.models import Count

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

"""What checking a file produces: the shared sheet report (every problem found) and (when there is none) what to write."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from django.contrib.gis.geos import Point

from gridgov.spreadsheet import RowError, SheetRejected, SheetReport
from grids.models import Area

from ..models import Building, CareTag, Household
from ..person_input import PersonInput

# progress(phase, done, total): "check", "encrypt", "write".
Progress = Callable[[str, int, int], None]


@dataclass
class Row:
    number: int
    building_code: str
    building_address: str
    point: Point | None
    unit: str
    floor: int | None
    room: str
    use: str
    household_number: str
    person: PersonInput
    tags: list[CareTag] = field(default_factory=list)


@dataclass
class Plan(SheetReport):
    rows: list[Row] = field(default_factory=list)
    buildings: dict[str, Building] = field(default_factory=dict)  # existing, by code
    new_buildings: dict[str, tuple[str, Point, Area]] = field(default_factory=dict)
    dwellings: dict[tuple[str, str, str], int] = field(default_factory=dict)  # ids of existing ones, by (building code, unit, room)
    households: dict[str, Household] = field(default_factory=dict)  # existing, by number
    # Households with a row that failed its own checks: their head may be on that row.
    bad_households: set[str] = field(default_factory=set)

    def figures(self) -> dict[str, int]:
        keys = {(r.building_code, r.unit, r.room) for r in self.rows}
        numbers = {r.household_number for r in self.rows}
        return {
            "people": len(self.rows),
            "new_buildings": len(self.new_buildings),
            "new_dwellings": len([k for k in keys if k not in self.dwellings]),
            "new_households": len([n for n in numbers if n not in self.households]),
        }


class ImportRejected(SheetRejected):
    pass


__all__ = ["ImportRejected", "Plan", "Progress", "Row", "RowError"]

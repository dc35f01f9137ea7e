"""The grid cell a resident record belongs to: found from a point, and checked against the user's jurisdiction.

Buildings carry the cell their point lies in; households and people carry a copy of it. The acts
(``residents.actions``) and the importer both locate buildings and refuse cells outside the
user's area, so the two rules live here, below both.
"""
from __future__ import annotations

from django.contrib.gis.geos import Point

from accounts.scope import scope_codes
from grids.models import Area, Level
from grids.queries import lookup_point


def cell_in_scope(user, cell: Area) -> bool:
    """May this user file records in the cell? None user = the system (seed, management commands)."""
    if user is None:
        return True
    codes = scope_codes(user)
    if codes is None:
        return True
    return any(cell.code.startswith(code) for code in codes)


def find_cell(point: Point) -> Area | None:
    found = lookup_point(point.x, point.y).get(Level.GRID)
    return Area.objects.get(pk=found["id"]) if found else None

"""Writes to users' jurisdiction go through these functions."""
from __future__ import annotations

from django.utils import timezone

from .models import GridAssignment


def move_assignments(occupant, moves) -> None:
    """A boundary redraw moves grid workers with their cells.

    1. End each moved assignment (the history of who held which cell is kept).
    2. Start one on the new cell, unless the worker already holds it — a worker whose two
       cells were merged keeps a single assignment.
    """
    now = timezone.now()
    target = {move.pk: move.new_cell_id for move in moves}
    rows = list(GridAssignment.objects.filter(pk__in=target, ended_at__isnull=True))
    GridAssignment.objects.filter(pk__in=[row.pk for row in rows]).update(ended_at=now)
    held = set(GridAssignment.objects.active().filter(cell_id__in=set(target.values())).values_list("user_id", "cell_id"))
    fresh = []
    for row in rows:
        key = (row.user_id, target[row.pk])
        if key not in held:
            held.add(key)
            fresh.append(GridAssignment(user_id=row.user_id, cell_id=key[1], started_at=now))
    GridAssignment.objects.bulk_create(fresh)

"""Writes to users' jurisdiction go through these functions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Area, Level

from . import coverage
from .capabilities import Capability, can, roles_with
from .models import GridAssignment, User
from .scope import scoped


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
    coverage.cells_changed([row.cell_id for row in rows] + [cell_id for cell_id in target.values()])


class AssignmentRefused(Exception):
    """A reassignment that cannot be made; ``field`` names what was wrong (cells, worker)."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class Cover:
    ended: int
    started: int


# Concurrent reassignments of one cell queue behind each other (a lock per cell id, for the transaction).
_CELL_LOCK = 16_016


def cover_cells(actor, cover: dict[int, int | None], *, at: datetime | None = None) -> Cover:
    """Each cell of ``cover`` is from now on covered by exactly the worker given (None: by nobody).

    The one write of who covers which cell (the map page, the roster import, the demo): the
    history is kept — a worker's assignment of the cell ends (``ended_at``), the new one starts
    (``started_at``), a worker who already covers the cell keeps their row. ``actor`` None is the
    system (the demo); otherwise the actor must be allowed to assign cells, and every cell and
    worker must lie in their jurisdiction (``accounts.scope.scoped``, the one scoping function):
    a community's staff assigns only inside her community. ``at`` backdates the change (the
    demo's history); it may not lie in the future.
    """
    at = at or timezone.now()
    if at > timezone.now() + timedelta(minutes=1):
        raise AssignmentRefused(_("A reassignment cannot take effect in the future."), "at")
    cell_ids = sorted({int(cell_id) for cell_id in cover})
    worker_ids = sorted({int(worker_id) for worker_id in cover.values() if worker_id is not None})
    _check(actor, cell_ids, worker_ids)
    wanted = {int(cell_id): (None if worker_id is None else int(worker_id)) for cell_id, worker_id in cover.items()}
    cells = cell_ids
    users = [wanted[cell_id] for cell_id in cells]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, id::int) FROM unnest(%s::bigint[]) AS id ORDER BY id", [_CELL_LOCK, cells])
        cursor.execute(
            """
            UPDATE accounts_gridassignment g SET ended_at = GREATEST(g.started_at, %s)
            FROM unnest(%s::bigint[], %s::bigint[]) AS t (cell_id, user_id)
            WHERE g.cell_id = t.cell_id AND g.ended_at IS NULL AND g.user_id IS DISTINCT FROM t.user_id
            """,
            [at, cells, users],
        )
        ended = cursor.rowcount
        cursor.execute(
            """
            INSERT INTO accounts_gridassignment (user_id, cell_id, started_at)
            SELECT t.user_id, t.cell_id, %s FROM unnest(%s::bigint[], %s::bigint[]) AS t (cell_id, user_id)
            WHERE t.user_id IS NOT NULL
            ON CONFLICT DO NOTHING
            """,
            [at, cells, users],
        )
        started = cursor.rowcount
        coverage.cells_changed(cells)
    return Cover(ended=ended, started=started)


def _check(actor, cell_ids: list[int], worker_ids: list[int]) -> None:
    if actor is None:
        return
    if not (can(actor, Capability.ASSIGN_CELLS) or can(actor, Capability.IMPORT_ROSTER)):
        raise AssignmentRefused(_("You may not assign grid cells."), "cells")
    grid = Area.objects.current().filter(level=Level.GRID)
    found = set(scoped(grid.filter(pk__in=cell_ids), actor).values_list("pk", flat=True))
    missing = [cell_id for cell_id in cell_ids if cell_id not in found]
    if missing:
        raise AssignmentRefused(
            _("No such grid cell in your jurisdiction: %(ids)s.") % {"ids": ", ".join(str(i) for i in missing[:10])}, "cells"
        )
    workers = User.objects.filter(pk__in=worker_ids, is_active=True, role__in=roles_with(Capability.WORK_CELLS))
    areas = dict(workers.values_list("pk", "area_id"))
    visible = set(scoped(Area.objects.filter(pk__in=[a for a in areas.values() if a]), actor).values_list("pk", flat=True))
    strangers = [worker_id for worker_id in worker_ids if areas.get(worker_id) not in visible]
    if strangers:
        raise AssignmentRefused(_("No such grid worker in your jurisdiction."), "worker")


def save_departments(rows: list[dict]) -> int:
    """Departments by code, from a checked reference file (incidents.reference_file): a known code
    takes the row's names and "in use", a new one is added; none is deleted. Answers how many were written."""
    from .models import Department

    stored = {d.code: d for d in Department.objects.filter(code__in=[row["code"] for row in rows])}
    fresh, changed = [], []
    for row in rows:
        department = stored.get(row["code"])
        if department is None:
            fresh.append(Department(code=row["code"], name=row["name"], name_en=row["name_en"], active=row["active"]))
            continue
        department.name, department.active = row["name"], row["active"]
        department.name_en = row["name_en"] or department.name_en  # an empty English cell keeps the English name
        changed.append(department)
    with transaction.atomic():
        Department.objects.bulk_update(changed, ["name", "name_en", "active"])
        Department.objects.bulk_create(fresh)
    return len(fresh) + len(changed)

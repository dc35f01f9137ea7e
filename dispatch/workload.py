"""Grid workers' load, for the assignment map: who covers which cell, and how much each carries.

For an area in the user's jurisdiction (``accounts.scope.scoped``, the one scoping function):

- totals: its current cells, how many are covered, and the cells nobody covers (flagged);
- its children (street offices or communities), each with its cells and uncovered cells, so a
  district of 140,000 cells is chosen down to a community before any cell is drawn;
- the grid workers who cover its cells or belong to it, a page at a time, most cells first, each
  with their load over *all* their current cells: cells, households, residents (present),
  open cases, and the distance patrolled in the last 30 days;
- the cells themselves (outline, code, who covers them, households, residents, open cases) when
  the area has at most ``MAP_CELLS`` of them (a community, a street office).

Every figure is counted in the database, one statement per question, on indexed columns (the
assignment's cell and user, the households' and people's copy of their cell, the case's cell, the
patrol's worker and start); the page's workers only are measured. A street office's or a
district's coverage (cells, covered, uncovered, each worker's cells there) is the sum of its
street offices' coverage kept by ``accounts.coverage`` (recomputed for a street office only when
who covers one of its cells changes), so a district of 140,000 cells answers right after a
reassignment as fast as between them (bench/roster_bench.py).
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from accounts.capabilities import Capability, roles_with
from accounts.coverage import coverage
from accounts.models import User
from accounts.scope import scope_codes, scoped
from grids.models import Area, Level
from incidents.kinds import OPEN_STATUSES

PAGE = 100
MAP_CELLS = 1_000
UNCOVERED_LISTED = 500
PATROL_DAYS = 30
_CHILD_LENGTH = {Level.DISTRICT: 9, Level.STREET: 12, Level.COMMUNITY: 15}


def _cells_sql(user, area: Area) -> tuple[str, list[Any]]:
    cells = scoped(Area.objects.current().filter(level=Level.GRID, code__startswith=area.code), user)
    return cells.order_by().values("id", "code", "parent_id").query.sql_with_params()


# A cell is covered when an open assignment names it: the open assignments hashed once
# (PostgreSQL's hashed subplan) and each cell probed, or each cell looking its own up by index.
_COVERED_HASHED = "a.id IN (SELECT cell_id FROM accounts_gridassignment WHERE ended_at IS NULL)"
_COVERED_BY_INDEX = "EXISTS (SELECT 1 FROM accounts_gridassignment g WHERE g.cell_id = a.id AND g.ended_at IS NULL)"


def workload(user, area: Area, *, page: int = 1, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    cells_sql, cells_params = _cells_sql(user, area)
    child_length = _CHILD_LENGTH.get(area.level, 15)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '32MB'")
        if _by_street(user, area):
            per_community, workers, worker_count = _from_coverage(cursor, user, area, page)
        else:
            per_community, workers, worker_count = _counted(cursor, area, cells_sql, cells_params, page)
        _measure(cursor, workers, now)
        total_cells = sum(row[1] for row in per_community)
        cells = _map_cells(cursor, cells_sql, cells_params) if total_cells <= MAP_CELLS else None
    by_child: dict[str, list[int]] = {}
    uncovered_ids: list[int] = []
    for code, n, c, ids in sorted(per_community):
        totals = by_child.setdefault(code[:child_length], [0, 0])
        totals[0] += n
        totals[1] += c
        if len(uncovered_ids) < UNCOVERED_LISTED:
            uncovered_ids += list(ids)[:UNCOVERED_LISTED - len(uncovered_ids)]
    covered = sum(c for _n, c in by_child.values())
    named = dict((pk, (code, name)) for pk, code, name in Area.objects.filter(pk__in=uncovered_ids).values_list("pk", "code", "name"))
    uncovered = [{"id": pk, "code": named[pk][0], "name": named[pk][1]} for pk in uncovered_ids if pk in named]
    children = []
    if area.level not in (Level.COMMUNITY, Level.GRID):
        names = dict(Area.objects.current().filter(code__in=list(by_child)).values_list("code", "name"))
        children = [{"code": code, "name": names.get(code, code), "cells": n, "uncovered": n - c} for code, (n, c) in by_child.items()]
    return {
        "area": {"id": area.pk, "code": area.code, "name": area.name, "level": area.level},
        "totals": {"cells": total_cells, "covered": covered, "uncovered": total_cells - covered, "workers": worker_count},
        "uncovered": uncovered,
        "children": children,
        "workers": workers,
        "page": page,
        "pages": max(1, -(-worker_count // PAGE)),
        "cells": cells,
        "computed_at": now.isoformat(),
    }


def _by_street(user, area: Area) -> bool:
    """A street office's or a district's coverage is read per street office (``accounts.coverage``)
    unless the user sees it cell by cell (an area in scope is in scope with all it holds)."""
    if area.level not in (Level.DISTRICT, Level.STREET):
        return False
    codes = scope_codes(user)
    return codes is None or all(len(code) <= _CHILD_LENGTH[Level.STREET] for code in codes)


def _from_coverage(cursor, user, area: Area, page: int):
    """Coverage per community and the page of workers, from each street office's kept coverage: a
    reassignment recomputes only the street offices it touched."""
    if area.level == Level.STREET:
        streets = [area.pk]
    else:
        streets = list(scoped(Area.objects.current().filter(level=Level.STREET, code__startswith=area.code), user)
                       .values_list("pk", flat=True))
    found = coverage(streets)
    per_community = [(code, n, c, ids) for kept in found.values() for code, n, c, ids in kept.communities.values() if n]
    here: dict[int, int] = {}
    for kept in found.values():
        for user_id, n in kept.workers.items():
            here[user_id] = here.get(user_id, 0) + n
    cursor.execute(
        "SELECT u.id FROM accounts_user u JOIN grids_area a ON a.id = u.area_id WHERE u.is_active AND u.role = ANY(%s) AND a.code LIKE %s",
        [sorted(roles_with(Capability.WORK_CELLS)), _like_prefix(area.code)],
    )
    for (user_id,) in cursor.fetchall():
        here.setdefault(user_id, 0)
    ranked = sorted((-n, user_id) for user_id, n in here.items())  # most cells first, then by id
    chosen = [(user_id, -n) for n, user_id in ranked[PAGE * (max(page, 1) - 1):PAGE * max(page, 1)]]
    return per_community, _worker_rows(chosen), len(ranked)


def _like_prefix(code: str) -> str:
    return code.replace("%", "").replace("_", "") + "%"


def _counted(cursor, area: Area, cells_sql: str, cells_params: list[Any], page: int):
    """Coverage per community and the page of workers counted over the area's cells as the user
    sees them (a community; an area seen cell by cell)."""
    # For a community each cell looks its assignments up by index, rather than reading every open
    # assignment of the city; a larger area read here hashes the open assignments once.
    covered = _COVERED_BY_INDEX if area.level in (Level.COMMUNITY, Level.GRID) else _COVERED_HASHED
    # Per community (the cells' parent): cells, covered cells, the ids of the uncovered ones;
    # rolled up into the children by the caller.
    cursor.execute(
        f"""
        SELECT x.parent_id, count(*), count(*) FILTER (WHERE x.covered), array_agg(x.id) FILTER (WHERE NOT x.covered)
        FROM (SELECT a.id, a.parent_id, {covered} AS covered FROM ({cells_sql}) a OFFSET 0) x  -- OFFSET 0: probe once per cell
        GROUP BY x.parent_id
        """,
        cells_params,
    )
    found = cursor.fetchall()
    codes = dict(Area.objects.filter(pk__in=[row[0] for row in found]).values_list("pk", "code"))
    per_community = [(codes.get(parent_id, ""), n, c, sorted(ids or [])) for parent_id, n, c, ids in found]
    workers, count = _workers(cursor, cells_sql, cells_params, area, page)
    return per_community, workers, count


def _workers(cursor, cells_sql: str, cells_params: list[Any], area: Area, page: int) -> tuple[list[dict[str, Any]], int]:
    """The area's grid workers — covering one of its cells, or belonging to it — most cells here first.

    ``cells`` is then set to all their current cells (``_measure``): their whole load."""
    roles = sorted(roles_with(Capability.WORK_CELLS))
    cursor.execute(
        f"""
        WITH here AS (
            SELECT g.user_id, count(*) AS cells FROM accounts_gridassignment g
            WHERE g.ended_at IS NULL AND g.cell_id IN (SELECT a.id FROM ({cells_sql}) a)
            GROUP BY g.user_id
            UNION ALL
            SELECT u.id, 0 FROM accounts_user u JOIN grids_area a ON a.id = u.area_id
            WHERE u.is_active AND u.role = ANY(%s) AND a.code LIKE %s
        ), w AS (SELECT user_id, max(cells) AS cells FROM here GROUP BY user_id)
        SELECT count(*) OVER (), user_id, cells FROM w ORDER BY cells DESC, user_id LIMIT %s OFFSET %s
        """,
        [*cells_params, roles, _like_prefix(area.code), PAGE, PAGE * (max(page, 1) - 1)],
    )
    found = cursor.fetchall()
    count = found[0][0] if found else 0
    return _worker_rows([(pk, cells) for _count, pk, cells in found]), count


def _worker_rows(chosen: list[tuple[int, int]]) -> list[dict[str, Any]]:
    people = {u.pk: u for u in User.objects.filter(pk__in=[pk for pk, _cells in chosen]).select_related("area")}
    rows = []
    for pk, cells in chosen:
        person = people[pk]
        rows.append({"id": pk, "username": person.username, "name": person.display_name, "cells": cells,
                     "area_code": person.area.code if person.area else "", "area_name": person.area.name if person.area else ""})
    return rows


def _measure(cursor, workers: list[dict[str, Any]], now: datetime) -> None:
    """Households, residents, open cases and patrol distance of each worker over all their current cells."""
    if not workers:
        return
    ids = [w["id"] for w in workers]
    # Per cell of the page's workers, by the index on each table's cell; then summed per worker.
    cursor.execute(
        """
        SELECT wc.user_id, sum(h.n), sum(p.n), sum(i.n), array_agg(a.code ORDER BY a.code)
        FROM accounts_gridassignment wc
        JOIN grids_area a ON a.id = wc.cell_id
        CROSS JOIN LATERAL (SELECT count(*) AS n FROM residents_household h WHERE h.cell_id = wc.cell_id) h
        CROSS JOIN LATERAL (SELECT count(*) AS n FROM residents_person p
                            WHERE p.cell_id = wc.cell_id AND NOT p.moved_out AND NOT p.deceased) p
        CROSS JOIN LATERAL (SELECT count(*) AS n FROM incidents_incident i
                            WHERE i.cell_id = wc.cell_id AND i.status = ANY(%(open)s)) i
        WHERE wc.user_id = ANY(%(ids)s::bigint[]) AND wc.ended_at IS NULL
        GROUP BY wc.user_id
        """,
        {"ids": ids, "open": list(OPEN_STATUSES)},
    )
    counted = {row[0]: row[1:] for row in cursor.fetchall()}
    cursor.execute(
        "SELECT worker_id, sum(distance_m) FROM incidents_patrol WHERE worker_id = ANY(%s::bigint[]) AND started_at >= %s GROUP BY worker_id",
        [ids, now - timedelta(days=PATROL_DAYS)],
    )
    patrolled = dict(cursor.fetchall())
    for worker in workers:
        households, residents, open_cases, codes = counted.get(worker["id"], (0, 0, 0, None))
        worker.update(cells=len(codes or []), households=int(households or 0), residents=int(residents or 0), open_cases=int(open_cases or 0),
                      patrol_km_30d=round(float(patrolled.get(worker["id"]) or 0) / 1000, 1), cell_codes=codes or [])


def _map_cells(cursor, cells_sql: str, cells_params: list[Any]) -> dict[str, Any]:
    """The area's cells as GeoJSON, each with who covers it and what it holds."""
    cursor.execute(
        f"""
        WITH c AS MATERIALIZED (SELECT x.id, x.code, a.name FROM ({cells_sql}) x JOIN grids_area a ON a.id = x.id)
        SELECT c.id, c.code, c.name, ST_AsGeoJSON(a.boundary, 6),
            COALESCE((SELECT json_agg(json_build_object('id', u.id, 'name', COALESCE(NULLIF(trim(u.first_name || ' ' || u.last_name), ''), u.username)))
                      FROM accounts_gridassignment g JOIN accounts_user u ON u.id = g.user_id
                      WHERE g.cell_id = c.id AND g.ended_at IS NULL), '[]'::json),
            (SELECT count(*) FROM residents_household h WHERE h.cell_id = c.id),
            (SELECT count(*) FROM residents_person p WHERE p.cell_id = c.id AND NOT p.moved_out AND NOT p.deceased),
            (SELECT count(*) FROM incidents_incident i WHERE i.cell_id = c.id AND i.status = ANY(%s))
        FROM c JOIN grids_area a ON a.id = c.id ORDER BY c.code
        """,
        [*cells_params, list(OPEN_STATUSES)],
    )
    features = []
    for pk, code, name, geometry, workers, households, residents, open_cases in cursor.fetchall():
        workers = workers if isinstance(workers, list) else json.loads(workers)
        features.append({
            "type": "Feature", "id": pk, "geometry": json.loads(geometry),
            "properties": {"id": pk, "code": code, "name": name, "workers": workers, "covered": bool(workers),
                           "households": households, "residents": residents, "open_cases": open_cases},
        })
    return {"type": "FeatureCollection", "features": features}

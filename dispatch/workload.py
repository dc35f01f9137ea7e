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
patrol's worker and start); the page's workers only are measured (bench: ``workload`` in
bench/run.py).
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from accounts.capabilities import Capability, roles_with
from accounts.scope import scoped
from grids.models import Area, Level
from incidents.kinds import OPEN_STATUSES

PAGE = 100
MAP_CELLS = 3_000
UNCOVERED_LISTED = 500
PATROL_DAYS = 30
_CHILD_LENGTH = {Level.DISTRICT: 9, Level.STREET: 12, Level.COMMUNITY: 15}


def _cells_sql(user, area: Area) -> tuple[str, list[Any]]:
    cells = scoped(Area.objects.current().filter(level=Level.GRID, code__startswith=area.code), user)
    return cells.values("id", "code", "name").query.sql_with_params()


def workload(user, area: Area, *, page: int = 1, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    cells_sql, cells_params = _cells_sql(user, area)
    child_length = _CHILD_LENGTH.get(area.level)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH c AS MATERIALIZED ({cells_sql}),
            cov AS (SELECT DISTINCT g.cell_id FROM accounts_gridassignment g JOIN c ON c.id = g.cell_id WHERE g.ended_at IS NULL)
            SELECT left(c.code, %s) AS child, count(*), count(cov.cell_id)
            FROM c LEFT JOIN cov ON cov.cell_id = c.id GROUP BY 1
            """,
            [*cells_params, child_length or 15],
        )
        by_child = {code: (cells, covered) for code, cells, covered in cursor.fetchall()}
        total_cells = sum(cells for cells, _covered in by_child.values())
        covered = sum(covered for _cells, covered in by_child.values())
        cursor.execute(
            f"""
            WITH c AS MATERIALIZED ({cells_sql})
            SELECT c.id, c.code, c.name FROM c
            WHERE NOT EXISTS (SELECT 1 FROM accounts_gridassignment g WHERE g.cell_id = c.id AND g.ended_at IS NULL)
            ORDER BY c.code LIMIT %s
            """,
            [*cells_params, UNCOVERED_LISTED],
        )
        uncovered = [{"id": pk, "code": code, "name": name} for pk, code, name in cursor.fetchall()]
        workers, worker_count = _workers(cursor, cells_sql, cells_params, area, page)
        _measure(cursor, workers, now)
        cells = _map_cells(cursor, cells_sql, cells_params) if total_cells <= MAP_CELLS else None
    children = []
    if child_length and area.level != Level.COMMUNITY:
        names = dict(Area.objects.current().filter(code__in=list(by_child)).values_list("code", "name"))
        children = [{"code": code, "name": names.get(code, code), "cells": n, "uncovered": n - c}
                    for code, (n, c) in sorted(by_child.items())]
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


def _workers(cursor, cells_sql: str, cells_params: list[Any], area: Area, page: int) -> tuple[list[dict[str, Any]], int]:
    """The area's grid workers — covering one of its cells, or belonging to it — most cells first."""
    roles = sorted(roles_with(Capability.WORK_CELLS))
    base = f"""
        WITH c AS MATERIALIZED ({cells_sql}),
        here AS (
            SELECT DISTINCT g.user_id FROM accounts_gridassignment g JOIN c ON c.id = g.cell_id WHERE g.ended_at IS NULL
            UNION
            SELECT u.id FROM accounts_user u JOIN grids_area a ON a.id = u.area_id
            WHERE u.is_active AND u.role = ANY(%s) AND a.code LIKE %s
        )"""
    params = [*cells_params, roles, area.code.replace("%", "") + "%"]
    cursor.execute(base + " SELECT count(*) FROM here", params)
    count = cursor.fetchone()[0]
    cursor.execute(
        base + """
        SELECT u.id, u.username, u.first_name, u.last_name, a.code, a.name,
            (SELECT count(*) FROM accounts_gridassignment g WHERE g.user_id = u.id AND g.ended_at IS NULL) AS cells
        FROM here JOIN accounts_user u ON u.id = here.user_id LEFT JOIN grids_area a ON a.id = u.area_id
        ORDER BY cells DESC, u.username LIMIT %s OFFSET %s
        """,
        [*params, PAGE, PAGE * (max(page, 1) - 1)],
    )
    rows = [
        {"id": pk, "username": username, "name": f"{first} {last}".strip() or username, "area_code": code,
         "area_name": name, "cells": cells}
        for pk, username, first, last, code, name, cells in cursor.fetchall()
    ]
    return rows, count


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
        worker.update(households=int(households or 0), residents=int(residents or 0), open_cases=int(open_cases or 0),
                      patrol_km_30d=round(float(patrolled.get(worker["id"]) or 0) / 1000, 1), cell_codes=codes or [])


def _map_cells(cursor, cells_sql: str, cells_params: list[Any]) -> dict[str, Any]:
    """The area's cells as GeoJSON, each with who covers it and what it holds."""
    cursor.execute(
        f"""
        WITH c AS MATERIALIZED ({cells_sql})
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

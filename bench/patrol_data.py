"""The data of the patrol benchmark (bench/patrols.py): the grid workers and patrols that points
are posted into, and a generated day of a 20,000-worker city attached as the day's partition.

A day is generated set-based (``generate_series``) into a table of its own, indexed, then
attached (the bulk-load path of a partitioned table: no per-row index maintenance) and
VACUUMed; a day already made for the same number of workers is reused.
"""
from __future__ import annotations

import time
from datetime import timedelta

from bench.harness import log  # noqa: I001  (sets Django up before django.db is imported)

from django.db import connection, transaction
from django.utils import timezone

from bench.generate import BENCH_PREFIX, fill_defaults

CITY_WORKERS = 20_000
POINTS_PER_DAY = 8 * 3600 // 10  # one every 10 s for 8 hours
CELLS_PER_WORKER = 7
INGEST_PATROLS = 64
DAY_OFFSET = 3  # the generated day: three days ago, inside the retention


def _cells(limit: int) -> list[tuple[int, str, float, float]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, code, ST_X(ST_PointOnSurface(boundary)), ST_Y(ST_PointOnSurface(boundary)) FROM grids_area "
            "WHERE level = 'grid' AND valid_to IS NULL AND code LIKE %s ORDER BY code LIMIT %s", [BENCH_PREFIX + "%", limit],
        )
        return cursor.fetchall()


def _workers(prefix: str, cells: list, *, per_worker: int = 1) -> list[int]:
    """``len(cells) // per_worker`` grid workers ``<prefix><n>``, set-based; answers their ids in order."""
    count = len(cells) // per_worker
    columns, values = fill_defaults("accounts_user", {
        "username": f"'{prefix}' || g", "role": "'grid_worker'", "first_name": f"'{prefix}' || g", "password": "'!'",
        "is_active": "true", "area_id": "(SELECT parent_id FROM grids_area WHERE id = (%(cells)s::bigint[])[g * %(per)s + 1])",
        "date_joined": "now()",
    })
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO accounts_user ({columns}) SELECT {values} FROM generate_series(0, %(n)s - 1) g "
            "ON CONFLICT (username) DO NOTHING",
            {"n": count, "cells": [c[0] for c in cells], "per": per_worker},
        )
        cursor.execute("SELECT id FROM accounts_user WHERE username LIKE %s ORDER BY substr(username, %s)::int",
                       [prefix + "%", len(prefix) + 1])
        return [row[0] for row in cursor.fetchall()]


def ingest_patrols() -> list[dict]:
    from accounts.models import GridAssignment, User
    from accounts.tokens import issue
    from incidents.actions import start_patrol

    cells = _cells(INGEST_PATROLS)
    ids = _workers("bench_walker_", cells)
    patrols = []
    for user_id, (cell_id, _code, lng, lat) in zip(ids, cells):
        user = User.objects.get(pk=user_id)
        GridAssignment.objects.get_or_create(user=user, cell_id=cell_id, ended_at=None)
        patrol, _ = start_patrol(worker=user)
        patrols.append({"path": f"/api/v1/patrols/{patrol.pk}/points/", "token": issue(user).key, "lng": lng, "lat": lat,
                        "id": patrol.pk, "n": 0})
    return patrols


def end_patrols(patrols: list[dict]) -> None:
    from incidents.actions import end_patrol
    from incidents.models import Patrol

    for patrol in Patrol.objects.filter(pk__in=[p["id"] for p in patrols]).select_related("worker"):
        end_patrol(patrol, actor=patrol.worker)


def to_regclass(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        return cursor.fetchone()[0]


def day_bounds(day):
    from incidents.actions.patrol_days import day_start

    start = day_start(day)
    return start, start + timedelta(days=1)


def generate_day(fraction: float) -> dict:
    """A day of ``fraction`` × 20,000 workers' points, loaded into its own table and attached as the
    day's partition. Answers what was made and how long it took; reuses a day already made."""
    from incidents.actions.patrol_days import PREFIX, ensure_days

    day = timezone.localdate() - timedelta(days=DAY_OFFSET)
    start, end = day_bounds(day)
    workers = max(1, round(CITY_WORKERS * fraction))
    name = f"{PREFIX}{day:%Y%m%d}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_patrol_day')")
        if cursor.fetchone()[0]:
            cursor.execute("SELECT workers, points, seconds, day FROM bench_patrol_day")
            made = cursor.fetchone()
            if made[0] == workers and made[3] is not None and to_regclass(f"{PREFIX}{made[3]:%Y%m%d}"):
                log(f"reusing the patrol day {made[3]} of {workers} workers ({made[1]:,} points)")
                return {"day": made[3].isoformat(), "workers": workers, "points": made[1], "generate_s": made[2], "reused": True}
    cells = _cells(workers * CELLS_PER_WORKER)
    workers = len(cells) // CELLS_PER_WORKER
    log(f"generating a patrol day: {workers:,} workers × {POINTS_PER_DAY:,} points = {workers * POINTS_PER_DAY:,} points")
    t = time.monotonic()
    ids = _workers("bench_patroller_", cells, per_worker=CELLS_PER_WORKER)[:workers]
    timings = {}
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_patrol_day")
        ensure_days(day, day)
        cursor.execute(f'ALTER TABLE incidents_patrolpoint DETACH PARTITION "{name}"')
        cursor.execute(f'DROP TABLE "{name}"')
        cursor.execute("DELETE FROM incidents_patrol WHERE worker_id = ANY(%s)", [ids])
        cursor.execute("CREATE TEMP TABLE bench_cells (n int PRIMARY KEY, id bigint, lng float8, lat float8)")
        cursor.execute("INSERT INTO bench_cells SELECT ord - 1, c.id, c.lng, c.lat FROM unnest(%s::bigint[], %s::float8[], %s::float8[]) "
                       "WITH ORDINALITY AS c(id, lng, lat, ord)",
                       [[c[0] for c in cells], [c[2] for c in cells], [c[3] for c in cells]])
        cursor.execute(
            "INSERT INTO incidents_patrol (worker_id, cell_id, started_at, ended_at, distance_m, point_count, note) "
            "SELECT w.id, c.id, %(start)s + interval '8 hours', %(start)s + interval '16 hours', 9000, %(points)s, '' "
            "FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY AS w(id, n) JOIN bench_cells c ON c.n = (w.n - 1) * %(per)s",
            {"start": start, "points": POINTS_PER_DAY, "ids": ids, "per": CELLS_PER_WORKER},
        )
        cursor.execute("CREATE TEMP TABLE bench_walkers AS SELECT p.id AS patrol_id, row_number() OVER (ORDER BY p.worker_id) - 1 AS n "
                       "FROM incidents_patrol p WHERE p.worker_id = ANY(%s)", [ids])
        timings["workers_s"] = round(time.monotonic() - t, 1)
        t = time.monotonic()
        # The table the day is loaded into: the partition's columns, no index yet.
        cursor.execute(f'CREATE TABLE "{name}" (LIKE incidents_patrolpoint INCLUDING DEFAULTS)')
        cursor.execute(
            f"""INSERT INTO "{name}" (patrol_id, client_id, at, location, accuracy_m, cell_id)
            SELECT w.patrol_id, gen_random_uuid(), %(start)s + interval '8 hours' + j * interval '10 seconds',
                   ST_SetSRID(ST_MakePoint(c.lng + 0.0004 * sin(j / 7.0), c.lat + 0.0003 * cos(j / 11.0)), 4326),
                   5 + (j %% 15), c.id
            FROM bench_walkers w CROSS JOIN generate_series(0, %(points)s - 1) j
            JOIN bench_cells c ON c.n = w.n * %(per)s + (j * %(per)s / %(points)s)""",
            {"start": start, "points": POINTS_PER_DAY, "per": CELLS_PER_WORKER},
        )
        timings["insert_s"] = round(time.monotonic() - t, 1)
        t = time.monotonic()
        with transaction.atomic():
            # The memory for the index builds, for their transaction only (SET LOCAL): a session
            # setting would stay on the server connection, for whoever a pooler hands it to next.
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute(f'ALTER TABLE "{name}" ADD PRIMARY KEY (id, at)')
            # as the parent's patrol_point_once (so that ATTACH adopts it instead of building another)
            cursor.execute(f'CREATE UNIQUE INDEX ON "{name}" (patrol_id, at, client_id) INCLUDE (location, cell_id)')
            cursor.execute(f'CREATE INDEX ON "{name}" (cell_id, at)')
            cursor.execute(f'CREATE INDEX ON "{name}" (patrol_id, at) WHERE outside_own_cells')  # as patrolpoint_outside_idx
        timings["index_s"] = round(time.monotonic() - t, 1)
        t = time.monotonic()
        # The bound as a constraint first: ATTACH then skips its scan of 57 M rows.
        cursor.execute(f'ALTER TABLE "{name}" ADD CONSTRAINT bench_day CHECK (at IS NOT NULL AND at >= %s AND at < %s)', [start, end])
        cursor.execute(f'ALTER TABLE incidents_patrolpoint ATTACH PARTITION "{name}" FOR VALUES FROM (%s) TO (%s)', [start, end])
        cursor.execute(f'ALTER TABLE "{name}" DROP CONSTRAINT bench_day')
        # VACUUM, not only ANALYZE: the visibility map lets a worker's day be read from the index
        # alone, as autovacuum's insert-triggered runs give a live day
        cursor.execute(f'VACUUM ANALYZE "{name}"')
        timings["attach_s"] = round(time.monotonic() - t, 1)
        cursor.execute(f'SELECT count(*), pg_total_relation_size(%s) FROM "{name}"', [name])
        points, size = cursor.fetchone()
        total = round(sum(timings.values()), 1)
        cursor.execute("CREATE TABLE bench_patrol_day AS SELECT %s::int AS workers, %s::bigint AS points, %s::float8 AS seconds, "
                       "%s::date AS day", [workers, points, total, day])
    log(f"patrol day made in {total} s {timings}: {points:,} points, {size / 2**30:.1f} GiB with indexes")
    return {"day": day.isoformat(), "workers": workers, "points": points, "bytes": size, "generate_s": total, **timings}

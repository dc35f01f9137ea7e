"""The people of the simulated day, made in the benchmark database, set-based: grid workers
(``bench_day_w<n>``, one cell each, a running patrol, an API token), dispatchers
(``bench_day_d<n>``, the first district), department handlers (``bench_day_h<n>``, one department)
and the requests' material (cases to open and act on, points to look up, tiles, a category).

Made once for the largest number a run asks for and reused by later steps and runs; the
workers' running patrols are ended and new ones started at the start of a run, so that each run's
points fall in a patrol of their own.
"""
from __future__ import annotations

import secrets

from django.db import connection, transaction
from django.utils import timezone

from bench.generate import BENCH_PREFIX, fill_defaults, first_area
from bench.harness import jpeg_of_about, session_cookie, tile_xy, token

# Sessions made for the pages a session serves (home page, console): a sample of the people,
# each request picks one; the pages cost the same whoever asks.
MAX_SESSIONS = 200


def _users(prefix: str, role: str, count: int, area_sql: str, params: dict, extra: dict | None = None) -> list[int]:
    columns, values = fill_defaults("accounts_user", {
        "username": f"'{prefix}' || g", "role": f"'{role}'", "first_name": f"'{prefix}' || g", "password": "'!'",
        "is_active": "true", "area_id": area_sql, "date_joined": "now()", **(extra or {}),
    })
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO accounts_user ({columns}) SELECT {values} FROM generate_series(0, %(n)s - 1) g "
                       "ON CONFLICT (username) DO NOTHING", {"n": count, **params})
        cursor.execute("SELECT id FROM accounts_user WHERE username LIKE %s AND length(username) > %s "
                       "ORDER BY substr(username, %s)::int LIMIT %s", [prefix + "%", len(prefix), len(prefix) + 1, count])
        return [row[0] for row in cursor.fetchall()]


def _tokens(user_ids: list[int]) -> list[str]:
    """A fresh API token for each user (its earlier ones deleted), inserted in one statement (the keys
    are known only here)."""
    from accounts.tokens import access_lifetime, hash_key, refresh_lifetime

    now = timezone.now()
    keys = [secrets.token_hex(20) for _ in user_ids]
    with connection.cursor() as cursor:
        # the previous run's tokens of these users are of no use: the table does not grow run by run
        cursor.execute("DELETE FROM accounts_apitoken WHERE user_id = ANY(%s)", [user_ids])
        cursor.execute(
            "INSERT INTO accounts_apitoken (user_id, key_hash, refresh_hash, created_at, expires_at, refresh_expires_at, family) "
            # each token a sign-in of its own (accounts.tokens.issue)
            "SELECT u, k, r, %(now)s, %(exp)s, %(rexp)s, gen_random_uuid() FROM unnest(%(users)s::bigint[], %(keys)s::text[], %(refresh)s::text[]) AS t(u, k, r)",
            {"now": now, "exp": now + access_lifetime(), "rexp": now + refresh_lifetime(), "users": user_ids,
             "keys": [hash_key(k) for k in keys], "refresh": [hash_key(secrets.token_hex(32)) for _ in keys]},
        )
    return keys


def _department() -> int:
    from accounts.models import Department

    department, _ = Department.objects.get_or_create(code="BENCHDAY", defaults={"name": "基准部门", "name_en": "Bench department"})
    return department.pk


def make(workers: int) -> dict:
    """Everything the load generator needs for up to ``workers`` grid workers (a JSON-able dict)."""
    from bench.day.mix import people
    from incidents.models import Category

    counts = people(workers)
    district = first_area("district")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT id, parent_id, ST_X(ST_PointOnSurface(boundary)), ST_Y(ST_PointOnSurface(boundary)) FROM grids_area "
                       "WHERE level = 'grid' AND valid_to IS NULL AND code LIKE %s ORDER BY code", [BENCH_PREFIX + "%"])
        cells = cursor.fetchall()
        # more workers than cells: cells are shared, as two workers of one big cell share it
        mine = [cells[i % len(cells)] for i in range(counts["worker"])]
        worker_ids = _users("bench_day_w", "grid_worker", counts["worker"],
                            "(%(parents)s::bigint[])[g + 1]", {"parents": [c[1] for c in mine]})
        cursor.execute(
            "INSERT INTO accounts_gridassignment (user_id, cell_id, started_at) "
            "SELECT u, c, now() - interval '30 days' FROM unnest(%s::bigint[], %s::bigint[]) AS t(u, c) "
            "WHERE NOT EXISTS (SELECT 1 FROM accounts_gridassignment g WHERE g.user_id = t.u AND g.ended_at IS NULL)",
            [worker_ids, [c[0] for c in mine]])
        cursor.execute("UPDATE incidents_patrol SET ended_at = now() WHERE worker_id = ANY(%s) AND ended_at IS NULL", [worker_ids])
        cursor.execute(
            "INSERT INTO incidents_patrol (worker_id, cell_id, started_at, distance_m, point_count, note) "
            "SELECT u, c, now() - interval '1 minute', 0, 0, '' FROM unnest(%s::bigint[], %s::bigint[]) AS t(u, c) RETURNING id",
            [worker_ids, [c[0] for c in mine]])
        patrol_ids = [row[0] for row in cursor.fetchall()]
        dispatcher_ids = _users("bench_day_d", "dispatcher", counts["dispatcher"], "%(district)s", {"district": district.pk})
        handler_ids = _users("bench_day_h", "department", counts["handler"], "NULL", {},
                             extra={"department_id": str(_department())})
        # cases still open (add_info is for active cases) in each worker's cell, and in the district
        cursor.execute("SELECT DISTINCT ON (cell_id) cell_id, id FROM incidents_incident WHERE cell_id = ANY(%s) "
                       "AND status IN ('reported', 'registered', 'assigned', 'dispatched', 'in_progress') ORDER BY cell_id, id",
                       [[c[0] for c in mine]])
        case_of_cell = dict(cursor.fetchall())
        cursor.execute("SELECT i.id FROM incidents_incident i JOIN grids_area a ON a.id = i.filed_area_id WHERE a.code LIKE %s "
                       "AND i.status IN ('reported', 'registered', 'assigned', 'dispatched', 'in_progress') ORDER BY random() LIMIT 2000",
                       [district.code + "%"])
        district_cases = [row[0] for row in cursor.fetchall()]
    worker_tokens = _tokens(worker_ids)
    people_out = {
        "workers": [{"token": key, "patrol": pid, "lng": c[2], "lat": c[3], "case": case_of_cell.get(c[0])}
                    for key, pid, c in zip(worker_tokens, patrol_ids, mine)],
        "worker_cookies": [session_cookie(u) for u in _usernames(worker_ids[:MAX_SESSIONS])],
        "dispatchers": [{"token": key} for key in _tokens(dispatcher_ids)],
        "dispatcher_cookies": [session_cookie(u) for u in _usernames(dispatcher_ids[:MAX_SESSIONS])],
        "handlers": [{"token": key} for key in _tokens(handler_ids)],
        "leader_token": token("bench_leader"),
        "system_token": token("bench_dispatcher"),
    }
    category = Category.objects.filter(parent__isnull=False, active=True).order_by("code").first().code
    from grids.tiles import MIN_ZOOM

    lng, lat = cells[0][2], cells[0][3]
    tiles = [f"/api/v1/tiles/{level}/{z}/{x + dx}/{y + dy}.mvt" for level, low in MIN_ZOOM.items() for z in range(max(low, 12), 17)
             for x, y in [tile_xy(lng, lat, z)] for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    return {
        **people_out, "category": category, "district_cases": district_cases, "tiles": tiles,
        "lookups": [[c[2], c[3]] for c in cells[:2000]],
        # What a leader opens: the dashboard's default period (this month so far), which the
        # minute's cache shares between the district's leaders (dispatch/indicators/cache.py).
        # A year's window was measured apart: ≈ 0.8 s of database CPU for a district at city
        # scale, uncached — docs/scaling.md.
        "dashboard": [f"/api/v1/indicators/?area={district.code}"],
    }


def _usernames(ids: list[int]) -> list[str]:
    from accounts.models import User

    names = dict(User.objects.filter(pk__in=ids).values_list("pk", "username"))
    return [names[i] for i in ids]


def photo_of_phone() -> bytes:
    """The photo a phone sends after resizing it (≈ 300 KB)."""
    return jpeg_of_about(300_000)

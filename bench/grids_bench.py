"""Benchmark of the boundaries: point lookup and vector tiles at city scale.

    SCALE=small .venv/bin/python bench/grids_bench.py      # 1,400 cells (about a minute)
    SCALE=city  .venv/bin/python bench/grids_bench.py      # 140,000 cells, Guangdong's scale

It works in a database of its own (``<name>_bench_grids`` on the server of DATABASE_URL, created
and migrated when missing; ``--keep`` reuses the cells already generated there) so the
development data are never touched, and prints one JSON document of figures:

- ``lookup``: the bare PostGIS lookup (grids.queries.lookup_point) and the lookup API through
  Django's test client, beside a trivial JSON view in the same process, in requests per second
  (one process, no network: the figures for the whole server under wrk belong to the bench suite);
- ``tiles``: for every zoom the map uses, cold renders (PostGIS, no cache) of tiles around the
  middle of the city — p50/p95 milliseconds and the largest size — then the same tiles from the
  Redis cache.

Cells are 100 m squares in UTM, 10 × 10 to a community, 5 × 5 communities to a street office,
4 × 4 streets to a district, generated in one SQL statement per tier (no per-row Python), with
their lookup fragments, as one revision.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCALES = {"small": 1_400, "city": 140_000}
CELL_M = 100.0
CELLS_PER_COMMUNITY_SIDE = 10
COMMUNITIES_PER_STREET_SIDE = 5
STREETS_PER_DISTRICT_SIDE = 4
ORIGIN_UTM = (440_000.0, 4_400_000.0)  # EPSG:32650, near Beijing
UTM = 32650
FIRST_DISTRICT = 980001
# The zooms the map asks for each tier (grids.tiles.MIN_ZOOM up to a street seen on a phone).
TILE_ZOOMS = {"district": [8, 10, 12], "street": [10, 12, 13], "community": [12, 13, 14], "grid": [14, 15, 16, 17, 18]}


def bench_database_url(url: str) -> tuple[str, str, str]:
    """(server URL to the maintenance database, bench URL, bench database name)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "gridgov"
    bench = f"{name}_bench_grids"
    admin = urlunsplit(parts._replace(path="/postgres"))
    return admin, urlunsplit(parts._replace(path="/" + bench)), bench


def ensure_database(admin_url: str, name: str) -> None:
    import psycopg

    dsn = admin_url.replace("postgis://", "postgresql://", 1)
    with psycopg.connect(dsn, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def layout(cells: int) -> tuple[int, int]:
    """Communities across and down: a near-square block holding about ``cells`` cells."""
    communities = max(1, round(cells / CELLS_PER_COMMUNITY_SIDE**2))
    across = max(1, math.ceil(math.sqrt(communities)))
    down = max(1, math.ceil(communities / across))
    return across, down


def generate(cells: int, stdout) -> dict:
    """Insert districts, streets, communities and cells in SQL, as one revision."""
    from django.db import connection, transaction

    from grids.actions import FRAGMENT_MAX_VERTICES
    from grids.models import Revision

    across, down = layout(cells)
    c = CELLS_PER_COMMUNITY_SIDE
    s = COMMUNITIES_PER_STREET_SIDE
    d = STREETS_PER_DISTRICT_SIDE
    x0, y0 = ORIGIN_UTM
    started = time.monotonic()
    with transaction.atomic():
        revision = Revision.objects.create(number=(Revision.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1,
                                           reason=f"bench: {across * down * c * c} generated cells")
        with connection.cursor() as cursor:
            # One row per community block; its street and district follow from integer division.
            cursor.execute(
                f"""
                CREATE TEMP TABLE bench_blocks AS
                SELECT i, j, i / {s} AS si, j / {s} AS sj, i / ({s} * {d}) AS di, j / ({s} * {d}) AS dj
                FROM generate_series(0, %s - 1) i, generate_series(0, %s - 1) j
                """,
                [across, down],
            )
            districts_across = math.ceil(across / (s * d))
            cursor.execute(
                f"""
                ALTER TABLE bench_blocks ADD COLUMN district text, ADD COLUMN street text, ADD COLUMN community text;
                UPDATE bench_blocks SET district = ({FIRST_DISTRICT} + dj * {districts_across} + di)::text;
                UPDATE bench_blocks b SET street = b.district || lpad(r.n::text, 3, '0') FROM (
                    SELECT si, sj, district, dense_rank() OVER (PARTITION BY district ORDER BY sj DESC, si) AS n
                    FROM (SELECT DISTINCT si, sj, district FROM bench_blocks) x) r
                WHERE r.si = b.si AND r.sj = b.sj;
                UPDATE bench_blocks b SET community = b.street || lpad(r.n::text, 3, '0') FROM (
                    SELECT i, j, row_number() OVER (PARTITION BY street ORDER BY j DESC, i) AS n FROM bench_blocks) r
                WHERE r.i = b.i AND r.j = b.j;
                """
            )

            def insert(level: str, select_sql: str) -> int:
                cursor.execute(
                    f"""
                    INSERT INTO grids_area (code, name, level, parent_id, boundary, area_m2, valid_from, revision_id)
                    SELECT q.code, q.name, '{level}', q.parent_id, ST_Multi(ST_Transform(ST_SetSRID(q.geom, {UTM}), 4326)),
                           0, now(), %s
                    FROM ({select_sql}) q
                    """,
                    [revision.id],
                )
                return cursor.rowcount

            block = f"ST_MakeEnvelope({x0} + i * {c * CELL_M}, {y0} + j * {c * CELL_M}, {x0} + (i + 1) * {c * CELL_M}, {y0} + (j + 1) * {c * CELL_M})"
            # Densify outer edges so that parent and child edges stay on each other in degrees.
            counts = {
                "district": insert(
                    "district",
                    f"SELECT district AS code, '基准区' || district AS name, NULL::bigint AS parent_id,"
                    f" ST_Segmentize(ST_Union({block}), {CELL_M}) AS geom FROM bench_blocks GROUP BY district",
                ),
            }
            counts["street"] = insert(
                "street",
                f"SELECT b.street AS code, '基准街道' || right(b.street, 3) AS name, a.id AS parent_id,"
                f" ST_Segmentize(ST_Union({block}), {CELL_M}) AS geom FROM bench_blocks b"
                f" JOIN grids_area a ON a.code = b.district AND a.valid_to IS NULL GROUP BY b.street, a.id",
            )
            counts["community"] = insert(
                "community",
                f"SELECT b.community AS code, '基准社区' || right(b.community, 6) AS name, a.id AS parent_id,"
                f" ST_Segmentize({block}, {CELL_M}) AS geom FROM bench_blocks b"
                f" JOIN grids_area a ON a.code = b.street AND a.valid_to IS NULL",
            )
            counts["grid"] = insert(
                "grid",
                f"""SELECT b.community || lpad(((({c} - 1 - v) * {c}) + u + 1)::text, 3, '0') AS code,
                           '第' || ((({c} - 1 - v) * {c}) + u + 1) || '网格' AS name, a.id AS parent_id,
                           ST_MakeEnvelope({x0} + (i * {c} + u) * {CELL_M}, {y0} + (j * {c} + v) * {CELL_M},
                                           {x0} + (i * {c} + u + 1) * {CELL_M}, {y0} + (j * {c} + v + 1) * {CELL_M}) AS geom
                    FROM bench_blocks b JOIN grids_area a ON a.code = b.community AND a.valid_to IS NULL,
                         generate_series(0, {c} - 1) u, generate_series(0, {c} - 1) v""",
            )
            cursor.execute("UPDATE grids_area SET area_m2 = ST_Area(boundary::geography) WHERE revision_id = %s", [revision.id])
            cursor.execute(
                """
                INSERT INTO grids_areafragment (area_id, level, geom)
                SELECT id, level, ST_Subdivide(boundary, %s) FROM grids_area WHERE revision_id = %s
                """,
                [FRAGMENT_MAX_VERTICES, revision.id],
            )
            cursor.execute("DROP TABLE bench_blocks")
            cursor.execute("ANALYZE grids_area; ANALYZE grids_areafragment")
    stdout.write(f"generated {counts} in {time.monotonic() - started:.1f} s\n")
    return counts


def extent() -> tuple[float, float, float, float]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(boundary) e FROM grids_area WHERE level = 'district' AND valid_to IS NULL) x")
        return cursor.fetchone()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def bench_lookup(box: tuple[float, float, float, float], seconds: float) -> dict:
    from django.http import JsonResponse
    from django.test import Client
    from django.urls import path

    from accounts.models import Role, User
    from grids.queries import lookup_point
    from rest_framework.authtoken.models import Token

    rng = random.Random(1)
    west, south, east, north = box
    # The UTM block is slightly turned in degrees: keep the points off the corners of its bounding box.
    margin_x, margin_y = (east - west) * 0.05, (north - south) * 0.05
    points = [(rng.uniform(west + margin_x, east - margin_x), rng.uniform(south + margin_y, north - margin_y)) for _ in range(5000)]

    def rate(call) -> float:
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            call(points[count % len(points)])
            count += 1
        return count / (time.perf_counter() - started)

    bare = rate(lambda p: lookup_point(*p))
    user, _ = User.objects.get_or_create(username="bench_lookup", defaults={"role": Role.LEADER})
    token, _ = Token.objects.get_or_create(user=user)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")

    def api(p):
        response = client.get("/api/v1/areas/lookup", {"lat": p[1], "lng": p[0]})
        assert response.status_code == 200, response.content

    # The trivial view answers a constant through the same middleware stack.
    import gridgov.urls as root

    if not any(getattr(p, "name", None) == "bench-trivial" for p in root.urlpatterns):
        root.urlpatterns.append(path("bench-trivial/", lambda request: JsonResponse({"ok": True}), name="bench-trivial"))
        from django.urls import clear_url_caches

        clear_url_caches()
    trivial = rate(lambda p: client.get("/bench-trivial/"))
    through_django = rate(api)
    return {
        "bare_postgis_per_s": round(bare),
        "api_per_s_in_process": round(through_django),
        "trivial_view_per_s_in_process": round(trivial),
        "api_vs_trivial": round(through_django / trivial, 2),
    }


def tile_xy(lng: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    return int((lng + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def bench_tiles(box: tuple[float, float, float, float], per_zoom: int) -> dict:
    from django.core.cache import cache

    from grids import tiles

    rng = random.Random(2)
    west, south, east, north = box
    results: dict[str, dict] = {}
    cache_times: list[float] = []
    for level, zooms in TILE_ZOOMS.items():
        for z in zooms:
            coords = {tile_xy((west + east) / 2, (south + north) / 2, z)}
            # At low zooms the whole city fits in a tile or two: stop after a bounded number of draws.
            for _ in range(per_zoom * 20):
                if len(coords) >= per_zoom:
                    break
                coords.add(tile_xy(rng.uniform(west, east), rng.uniform(south, north), z))
            times, sizes = [], []
            for x, y in sorted(coords):
                started = time.perf_counter()
                data = tiles.render_tile(level, z, x, y)
                times.append((time.perf_counter() - started) * 1000)
                sizes.append(len(data))
                revision = tiles.revision_number()
                cache.delete(tiles.cache_key(level, z, x, y, revision, None))
                tiles.get_tile(level, z, x, y)  # fill
                started = time.perf_counter()
                _, _, hit = tiles.get_tile(level, z, x, y)
                cache_times.append((time.perf_counter() - started) * 1000)
                assert hit
            results[f"{level}/z{z}"] = {
                "tiles": len(times),
                "cold_p50_ms": round(statistics.median(times), 1),
                "cold_p95_ms": round(percentile(times, 0.95), 1),
                "max_kb": round(max(sizes) / 1024, 1),
            }
    return {"per_zoom": results, "cached_p95_ms": round(percentile(cache_times, 0.95), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="reuse the cells already generated in the bench database")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each lookup measurement")
    parser.add_argument("--tiles-per-zoom", type=int, default=8)
    args = parser.parse_args()
    scale = os.environ.get("SCALE", "small")
    if scale not in SCALES:
        raise SystemExit(f"SCALE must be one of {', '.join(SCALES)}")
    admin_url, bench_url, name = bench_database_url(os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/gridgov"))
    ensure_database(admin_url, name)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    os.environ.setdefault("GRIDGOV_CACHE_PREFIX", "gridgov-bench")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    call_command("migrate", verbosity=0)
    from grids.models import Area

    wanted = SCALES[scale]
    have = Area.objects.current().filter(level="grid").count()
    if not (args.keep and have >= wanted * 0.9):
        if have:
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE grids_areafragment, grids_draftcell, grids_draftrevision RESTART IDENTITY CASCADE")
                cursor.execute("UPDATE accounts_user SET area_id = NULL")
                cursor.execute("DELETE FROM accounts_gridassignment")
                cursor.execute("DELETE FROM grids_area")
                cursor.execute("DELETE FROM grids_revision")
        counts = generate(wanted, sys.stderr)
    else:
        counts = {level: Area.objects.current().filter(level=level).count() for level in ("district", "street", "community", "grid")}
    box = extent()
    report = {
        "scale": scale,
        "areas": counts,
        "lookup": bench_lookup(box, args.seconds),
        "tiles": bench_tiles(box, args.tiles_per_zoom),
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

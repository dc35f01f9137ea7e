"""Benchmark of the roster and the assignment map (issue 16): a district of 140,000 cells.

    SCALE=city  .venv/bin/python bench/roster_bench.py            # 140,000 cells, 20,000 workers (+ --people: ~1 M people)
    SCALE=small .venv/bin/python bench/roster_bench.py            # 1,400 cells, 200 workers (a minute)
    ... --keep                                                    # reuse the district and workers already generated

Targets: importing a roster of 3,000 users <= 30 s; the workload map of a district with 140,000
cells and 20,000 workers p95 <= 300 ms.

Works in a database of its own (``<name>_bench_roster``, created and migrated when missing). The
district is residents_bench's (0.001° squares, 10 × 10 cells to a community, 5 × 5 communities to
a street office, one SQL statement per tier); ``--people`` adds its people (one building per
cell, three households each, 1–4 people per household). Grid workers are inserted in one
statement, 7 cells each, one cell in a hundred left uncovered; ten patrols each in the last 30
days and an open case in one cell in five.

Measured through Django's test client in this process (view, scoping, every query, JSON), as the
GIS administrator of the district (the whole district, page 1 and a later page of workers; a
street office of 2,500 cells; a community of 100 cells with its cells drawn) and as a community's
staff: p50/p95 ms. A district's or street office's coverage is the sum of its communities'
coverage kept per community (accounts.coverage): "right after a reassignment" is each request
right after a real reassignment of one cell through accounts.actions.cover_cells (its community
recomputed), the others as read between changes; "nothing kept" is the first read with no
community kept (after a start, or a published revision). The roster: a 3,000-row .xlsx (2,600 grid workers with 1–3 cells each, community
and street staff, handlers, dispatchers; every one with a one-time password) checked and written by
``accounts.roster.import_roster`` as the GIS administrator, in a transaction rolled back afterwards.
Prints one JSON document (also bench/results/roster-<scale>.json).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.residents_data import DISTRICT, bench_database_url, ensure_database, generate_areas, generate_people, percentiles  # noqa: E402

SCALES = {"small": (1_400, 200), "medium": (14_000, 2_000), "city": (140_000, 20_000)}  # cells, workers
ROSTER_ROWS = 3_000


def generate_workers(workers: int) -> None:
    from django.db import connection

    from bench.generate import fill_defaults

    with connection.cursor() as cursor:
        cols, values = fill_defaults("accounts_user", {
            "username": "'bw' || lpad(n::text, 6, '0')", "first_name": "'网格员' || n", "role": "'grid_worker'",
            "area_id": "c.id", "password": "'!unusable'", "is_active": "true", "date_joined": "now()",
        })
        cursor.execute(f"""
            INSERT INTO accounts_user ({cols})
            SELECT {values} FROM (
                SELECT row_number() OVER (ORDER BY code) - 1 AS k, id FROM grids_area WHERE level = 'community' AND code LIKE %s
            ) c, generate_series(0, %s - 1) n
            WHERE n %% (SELECT count(*) FROM grids_area WHERE level = 'community' AND code LIKE %s) = c.k
        """, [DISTRICT + "%", workers, DISTRICT + "%"])
        # Each worker the cells of their community in turn: 7 each; one cell in a hundred nobody's.
        cursor.execute("""
            WITH w AS (
                SELECT u.id, u.area_id, row_number() OVER (PARTITION BY u.area_id ORDER BY u.id) - 1 AS k,
                       count(*) OVER (PARTITION BY u.area_id) AS n
                FROM accounts_user u WHERE u.username LIKE 'bw%%'
            ), c AS (
                SELECT a.id, a.parent_id, row_number() OVER (PARTITION BY a.parent_id ORDER BY a.code) - 1 AS k
                FROM grids_area a WHERE a.level = 'grid' AND a.code LIKE %s AND a.valid_to IS NULL
            )
            INSERT INTO accounts_gridassignment (user_id, cell_id, started_at)
            SELECT w.id, c.id, now() - interval '90 days' FROM c JOIN w ON w.area_id = c.parent_id AND w.k = c.k %% w.n
            WHERE c.id %% 100 <> 7
        """, [DISTRICT + "%"])
        cols, values = fill_defaults("incidents_patrol", {
            "worker_id": "g.user_id", "cell_id": "g.cell_id", "started_at": "now() - make_interval(days => d)",
            "ended_at": "now() - make_interval(days => d) + interval '1 hour'", "distance_m": "1000 + d * 37",
        })
        cursor.execute(f"""
            INSERT INTO incidents_patrol ({cols})
            SELECT {values} FROM (SELECT DISTINCT ON (user_id) user_id, cell_id FROM accounts_gridassignment ORDER BY user_id, cell_id) g,
                 generate_series(1, 28, 3) d
        """)
        cursor.execute("ANALYZE accounts_user; ANALYZE accounts_gridassignment; ANALYZE incidents_patrol")


def ensure_staff() -> dict:
    from accounts.models import Role, User
    from grids.models import Area

    district = Area.objects.get(code=DISTRICT, valid_to__isnull=True)
    street = Area.objects.filter(level="street", parent=district).order_by("code").first()
    community = Area.objects.filter(level="community", parent=street).order_by("code").first()
    admin, _ = User.objects.update_or_create(username="bench_gis", defaults={"role": Role.GIS_ADMIN, "area": district})
    staff, _ = User.objects.update_or_create(username="bench_community", defaults={"role": Role.COMMUNITY, "area": community})
    return {"district": district, "street": street, "community": community, "admin": admin, "community_staff": staff}


def reassign_one(cells: list[int], workers: list[int], n: int) -> None:
    """A real reassignment through the one write (accounts.actions.cover_cells): a cell of the
    district handed to another worker of its community, as the map's Assign button does."""
    from accounts.actions import cover_cells

    cover_cells(None, {cells[n % len(cells)]: workers[n % len(workers)]})


def time_get(client, url: str, repeat: int, *, before=None) -> list[float]:
    samples = []
    for n in range(repeat):
        if before is not None:
            before(n)
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return samples


def measure_workload(staff: dict, repeat: int) -> dict:
    from django.test import Client

    from accounts.coverage import forget_all
    from accounts.models import GridAssignment

    figures = {}
    admin = Client()
    admin.force_login(staff["admin"])
    community = Client()
    community.force_login(staff["community_staff"])
    url = "/dispatch/workload/data.json?area="
    # Cells of the street office's first community and its workers: each reassignment hands one
    # cell to another of them (the street office and the district both contain it).
    held = list(GridAssignment.objects.active().filter(cell__parent=staff["community"]).values_list("cell_id", "user_id")[:50])
    cells = [cell for cell, _user in held]
    workers = sorted({user for _cell, user in held})
    workers = workers[1:] + workers[:1]
    forget_all()
    started = time.perf_counter()
    first = admin.get(url + staff["district"].code).json()
    figures["district, nothing kept (first read after a start or a published revision), ms"] = round((time.perf_counter() - started) * 1000, 1)
    figures["district_totals"] = first["totals"]
    time_get(admin, url + staff["district"].code, 2)  # warm the connection
    for name, client, path, before in [
        ("district, right after a reassignment", admin, url + staff["district"].code, lambda n: reassign_one(cells, workers, n)),
        ("district", admin, url + staff["district"].code, None),
        ("district, page 50", admin, url + staff["district"].code + "&page=50", None),
        ("street, right after a reassignment", admin, url + staff["street"].code, lambda n: reassign_one(cells, workers, n + 1)),
        ("street", admin, url + staff["street"].code, None),
        ("community (cells drawn)", admin, url + staff["community"].code, None),
        ("community, as its staff", community, url + staff["community"].code, None),
    ]:
        figures[name] = percentiles(time_get(client, path, repeat, before=before))
    return figures


def roster_file(staff: dict) -> bytes:
    from openpyxl import Workbook

    from accounts.roster import COLUMNS
    from grids.models import Area

    cells = list(Area.objects.current().filter(level="grid", code__startswith=staff["street"].code).order_by("code")
                 .values_list("code", flat=True)[:2_600 * 2])
    communities = list(Area.objects.current().filter(level="community", code__startswith=DISTRICT).order_by("code")
                       .values_list("code", flat=True))
    streets = list(Area.objects.current().filter(level="street", code__startswith=DISTRICT).values_list("code", flat=True))
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([c.header for c in COLUMNS])
    position = 0
    for n in range(ROSTER_ROWS):
        if n < 2_600:
            take = 1 + n % 3 if position + 3 <= len(cells) else 0
            mine = [c for c in cells[position:position + take] if c[:12] == cells[min(position, len(cells) - 1)][:12]]
            take = len(mine)
            position += take
            role, area, given = "网格员", "" if mine else communities[n % len(communities)], "、".join(mine)
        elif n < 2_800:
            role, area, given = "社区工作人员", communities[n % len(communities)], ""
        elif n < 2_900:
            role, area, given = "街道工作人员", streets[n % len(streets)], ""
        elif n < 2_950:
            role, area, given = "部门处置人员", DISTRICT, ""
        else:
            role, area, given = "调度员", DISTRICT, ""
        sheet.append([f"roster{n:05d}", f"花名{n}", role, area, given, "市政" if role == "部门处置人员" else "",
                      f"139{n:08d}", "", "是"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def measure_roster(staff: dict) -> dict:
    from django.db import transaction

    from accounts.models import Department
    from accounts.roster import RosterRejected, import_roster

    Department.objects.get_or_create(code="SZ", defaults={"name": "市政"})
    content = roster_file(staff)
    with transaction.atomic():
        started = time.perf_counter()
        try:
            result = import_roster(actor=staff["admin"], filename="roster.xlsx", content=content)
        except RosterRejected as exc:
            raise SystemExit(f"the bench's roster was refused: {exc.plan.error_dicts()[:10]}") from exc
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return {"rows": ROSTER_ROWS, "seconds": round(seconds, 2), "summary": result.summary, "passwords": len(result.passwords),
            "file_kb": len(content) // 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="reuse the district and workers already in the bench database")
    parser.add_argument("--people", action="store_true", help="also generate the people of every cell (slow at city scale)")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    scale = os.environ.get("SCALE", "small")
    if scale not in SCALES:
        raise SystemExit(f"SCALE must be one of {', '.join(SCALES)}")
    cells, workers = SCALES[scale]
    admin_url, url, name = bench_database_url(os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/gridgov"))
    name = name.replace("_bench_residents", "_bench_roster")
    url = url.replace("_bench_residents", "_bench_roster")
    ensure_database(admin_url, name)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    os.environ.setdefault("GRIDGOV_AXES_ENABLED", "0")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_gridassignment")
        present = cursor.fetchone()[0]
    if not (args.keep and present):
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE residents_persontag, residents_visit, residents_changehistory, residents_revealaudit, residents_person, "
                "residents_household, residents_dwelling, residents_building, residents_importjob, accounts_gridassignment, "
                "incidents_patrolpoint, incidents_patrol, grids_areafragment CASCADE"
            )
            cursor.execute("DELETE FROM accounts_user WHERE username LIKE 'bw%%'")
            cursor.execute("UPDATE accounts_user SET area_id = NULL")
            for level in ("grid", "community", "street", "district"):
                cursor.execute("DELETE FROM grids_area WHERE level = %s", [level])
        generate_areas(cells, sys.stderr)
        if args.people:
            generate_people(sys.stderr)
        generate_workers(workers)
    from accounts.coverage import forget_all

    forget_all()  # the generator wrote around the actions
    staff = ensure_staff()
    results = {
        "scale": scale,
        "cells": cells,
        "workers": workers,
        "people": args.people,
        "workload": measure_workload(staff, args.repeat),
        "roster": measure_roster(staff),
        "targets": {"workload_p95_ms": 300, "roster_3000_s": 30},
        "load_average": os.getloadavg(),
    }
    document = json.dumps(results, ensure_ascii=False, indent=2)
    print(document)
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / f"roster-{scale}.json").write_text(document)


if __name__ == "__main__":
    main()

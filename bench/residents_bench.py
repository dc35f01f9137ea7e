"""Benchmark of resident records: scoped lists, last-four search and import at city scale.

    SCALE=small  .venv/bin/python bench/residents_bench.py     # 1,400 cells, ~10,000 people (a minute)
    SCALE=medium .venv/bin/python bench/residents_bench.py     # 14,000 cells, ~100,000 people
    SCALE=city   .venv/bin/python bench/residents_bench.py     # 140,000 cells, ~1,000,000 people
    ... --keep --import-rows 100000                            # the 100,000-row import on the data already there

Targets (issue 4): a scoped list page p95 < 200 ms; search by the last four ID characters p95 <
300 ms; importing 100,000 rows < 60 s.

It works in a database of its own (``<name>_bench_residents`` on the server of DATABASE_URL,
created and migrated when missing; ``--keep`` reuses the people already generated) so the
development data are never touched, and prints one JSON document of figures (also written to
bench/results/residents-<scale>.json):

- ``lists``: the people list page (HTML) and the list API as a grid worker (2 cells), community
  staff (100 cells), street staff (2,500 cells) and the command centre (the district), through
  Django's test client in this process: p50/p95 ms over several pages;
- ``last4``: the list API searched by a name with its last-four value, as community staff and the centre;
- ``import``: a file of new households in existing buildings of one street, checked and written
  by ``residents.importer.import_file`` as that street's staff (.xlsx and CSV).

Areas are 0.001° squares, 10 × 10 cells to a community, 5 × 5 communities to a street office,
inserted in one SQL statement per tier; people are written with COPY, their identifiers
encrypted and hashed exactly as the application does (residents.privacy.sealed_identifiers).
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
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

SCALES = {"small": (1_400, 2_000), "medium": (14_000, 20_000), "city": (140_000, 100_000)}  # cells, import rows
CELLS_SIDE = 10
COMMUNITIES_SIDE = 5
DEGREES = 0.001
ORIGIN = (116.0, 39.5)
DISTRICT = "980001"
PASSWORD = "bench-password-not-used"


def bench_database_url(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "gridgov"
    bench = f"{name}_bench_residents"
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path="/" + bench)), bench


def ensure_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url.replace("postgis://", "postgresql://", 1), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return {"n": len(ordered), "p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1), "max_ms": round(ordered[-1], 1)}


# --- areas --------------------------------------------------------------------------------

def generate_areas(cells: int, out) -> None:
    """District → streets (5 × 5 communities) → communities (10 × 10 cells) → cells, in SQL."""
    from django.db import connection

    communities = max(1, round(cells / CELLS_SIDE**2))
    streets = max(1, math.ceil(communities / COMMUNITIES_SIDE**2))
    across = math.ceil(math.sqrt(streets))
    street_deg = CELLS_SIDE * COMMUNITIES_SIDE * DEGREES
    x0, y0 = ORIGIN
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO grids_area (code, name, level, boundary, area_m2, valid_from) "
            "VALUES (%s, '基准区', 'district', ST_Multi(ST_MakeEnvelope(%s, %s, %s, %s, 4326)), 0, now())",
            [DISTRICT, x0, y0, x0 + across * street_deg, y0 + math.ceil(streets / across) * street_deg],
        )
        cursor.execute(
            """
            INSERT INTO grids_area (code, name, level, parent_id, boundary, area_m2, valid_from)
            SELECT d.code || lpad((s + 1)::text, 3, '0'), '街道' || (s + 1), 'street', d.id,
                   ST_Multi(ST_MakeEnvelope(%(x0)s + (s %% %(across)s) * %(deg)s, %(y0)s + (s / %(across)s) * %(deg)s,
                                            %(x0)s + (s %% %(across)s + 1) * %(deg)s, %(y0)s + (s / %(across)s + 1) * %(deg)s, 4326)),
                   0, now()
            FROM grids_area d, generate_series(0, %(n)s - 1) s WHERE d.level = 'district'
            """,
            {"x0": x0, "y0": y0, "deg": street_deg, "across": across, "n": streets},
        )
        per_street = COMMUNITIES_SIDE**2
        cursor.execute(
            """
            INSERT INTO grids_area (code, name, level, parent_id, boundary, area_m2, valid_from)
            SELECT s.code || lpad((k + 1)::text, 3, '0'), s.name || '社区' || (k + 1), 'community', s.id,
                   ST_Multi(ST_MakeEnvelope(ST_XMin(s.boundary) + (k %% %(side)s) * %(deg)s, ST_YMin(s.boundary) + (k / %(side)s) * %(deg)s,
                                            ST_XMin(s.boundary) + (k %% %(side)s + 1) * %(deg)s, ST_YMin(s.boundary) + (k / %(side)s + 1) * %(deg)s, 4326)),
                   0, now()
            FROM grids_area s, generate_series(0, %(per)s - 1) k
            WHERE s.level = 'street' AND (substr(s.code, 7)::int - 1) * %(per)s + k < %(n)s
            """,
            {"side": COMMUNITIES_SIDE, "deg": CELLS_SIDE * DEGREES, "per": per_street, "n": communities},
        )
        cursor.execute(
            """
            INSERT INTO grids_area (code, name, level, parent_id, boundary, area_m2, valid_from)
            SELECT c.code || lpad((k + 1)::text, 3, '0'), c.name || '第' || (k + 1) || '网格', 'grid', c.id,
                   ST_Multi(ST_MakeEnvelope(ST_XMin(c.boundary) + (k %% %(side)s) * %(deg)s, ST_YMax(c.boundary) - (k / %(side)s + 1) * %(deg)s,
                                            ST_XMin(c.boundary) + (k %% %(side)s + 1) * %(deg)s, ST_YMax(c.boundary) - (k / %(side)s) * %(deg)s, 4326)),
                   10000, now()
            FROM grids_area c, generate_series(0, %(per)s - 1) k WHERE c.level = 'community'
            """,
            {"side": CELLS_SIDE, "deg": DEGREES, "per": CELLS_SIDE**2},
        )
        cursor.execute(
            "INSERT INTO grids_areafragment (area_id, level, geom) SELECT id, level, ST_GeometryN(boundary, 1) FROM grids_area"
        )
        cursor.execute("ANALYZE grids_area; ANALYZE grids_areafragment")
    out.write(f"areas: {streets} streets, {communities} communities, {communities * CELLS_SIDE**2} cells\n")


# --- people -------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌芳娜敏静丽艳娟霞秀燕玲桂英红梅琳雪婷倩颖慧"


def generate_people(out, seed: int = 4) -> dict[str, int]:
    """One building per cell, three households per building, 1–4 people per household, 5 % tagged."""
    from django.db import connection
    from django.utils import timezone

    from residents.actions import ensure_default_care_tags
    from residents.privacy import sealed_identifiers
    from residents.idnumbers import synthetic_id_number
    from residents.models import CareTag

    ensure_default_care_tags()
    tags = list(CareTag.objects.values_list("pk", flat=True))
    rng = random.Random(seed)
    now = timezone.now().isoformat()
    today = dt.date.today()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, code, ST_X(ST_Centroid(boundary)), ST_Y(ST_Centroid(boundary)) FROM grids_area WHERE level = 'grid' ORDER BY code")
        cells = cursor.fetchall()
    tables = [
        ("residents_building", "id, code, address, location, cell_id, floors, units, property_manager, created_at, updated_at"),
        ("residents_dwelling", "id, building_id, unit, floor, room, use"),
        ("residents_household", "id, number, dwelling_id, head_id, cell_id, created_at"),
        ("residents_person", "id, name, gender, birth_date, ethnicity, id_type, id_number_enc, id_number_hash, id_last4, "
         "id_number_masked, phones_enc, phone_hashes, phones_masked, key_id, registered_address, current_address, resident_type, "
         "household_id, relation_to_head, cell_id, moved_out, moved_out_on, deceased, deceased_on, created_at, updated_at"),
        ("residents_persontag", "id, person_id, tag_id, added_by_id, added_at, note"),
    ]
    buffers = {table: io.StringIO() for table, _ in tables}
    buildings, dwellings, households, people, person_tags = (buffers[t] for t, _ in tables)

    def flush(raw) -> None:
        # COPY in chunks so that a million people never sit in memory as text at once.
        for table, columns in tables:
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(buffers[table].getvalue())
            buffers[table].seek(0)
            buffers[table].truncate()

    b_id = d_id = h_id = p_id = t_id = 0
    used: set[str] = set()
    started = time.monotonic()
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        for number, (cell_id, code, x, y) in enumerate(cells, start=1):
            b_id += 1
            buildings.write(f"{b_id}\t{code}-01\t基准路{number}号楼\tSRID=4326;POINT({x} {y})\t{cell_id}\t6\t1\t\t{now}\t{now}\n")
            for room in (101, 201, 301):
                d_id += 1
                h_id += 1
                dwellings.write(f"{d_id}\t{b_id}\t1\t{room // 100}\t{room}\tresidential\n")
                size = rng.choice([1, 2, 2, 3, 3, 4])
                households.write(f"{h_id}\t{code}-01-{room}\t{d_id}\t{p_id + 1}\t{cell_id}\t{now}\n")
                for member in range(size):
                    p_id += 1
                    gender = rng.choice(["male", "female"])
                    birth = today - dt.timedelta(days=rng.randint(365, 90 * 365))
                    while True:
                        id_number = synthetic_id_number(rng, birth_date=birth, gender=gender)
                        if id_number not in used:
                            used.add(id_number)
                            break
                    sealed = sealed_identifiers(id_number, [f"13{rng.randrange(10**9):09d}"])
                    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
                    relation = "head" if member == 0 else rng.choice(["spouse", "child", "parent"])
                    people.write("\t".join([
                        str(p_id), name, gender, birth.isoformat(), "汉族", "resident_id", sealed["id_number_enc"], sealed["id_number_hash"],
                        sealed["id_last4"], sealed["id_number_masked"], sealed["phones_enc"], "{" + ",".join(sealed["phone_hashes"]) + "}",
                        sealed["phones_masked"], sealed["key_id"], "", f"基准路{number}号楼1单元{room}", "registered", str(h_id), relation,
                        str(cell_id), "f", r"\N", "f", r"\N", now, now,
                    ]) + "\n")
                    if rng.random() < 0.05:
                        t_id += 1
                        person_tags.write(f"{t_id}\t{p_id}\t{rng.choice(tags)}\t\\N\t{now}\t\n")
            if number % 5_000 == 0:
                flush(raw)
                out.write(f"  {number}/{len(cells)} cells, {p_id} people, {time.monotonic() - started:.0f} s\n")
        flush(raw)
        for table, _ in tables:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    with connection.cursor() as cursor:
        for table, _ in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
    out.write(f"people: {p_id} in {h_id} households, {time.monotonic() - started:.0f} s\n")
    return {"people": p_id, "households": h_id, "buildings": b_id}


def ensure_users() -> dict:
    from accounts.models import GridAssignment, Role, User
    from grids.models import Area

    district = Area.objects.get(code=DISTRICT, valid_to__isnull=True)
    street = Area.objects.filter(level="street", parent=district).order_by("code").first()
    community = Area.objects.filter(level="community", parent=street).order_by("code").first()
    cells = list(Area.objects.filter(level="grid", parent=community).order_by("code")[:2])

    def user(name, role, area):
        # update_or_create: a regenerated district has new area rows.
        found, _created = User.objects.update_or_create(username=name, defaults={"role": role, "area": area})
        return found

    worker = user("bench_worker", Role.GRID_WORKER, community)
    for cell in cells:
        GridAssignment.objects.get_or_create(user=worker, cell=cell, ended_at=None)
    return {
        "grid_worker": worker,
        "community": user("bench_community", Role.COMMUNITY, community),
        "street": user("bench_street", Role.STREET, street),
        "dispatcher": user("bench_dispatcher", Role.DISPATCHER, district),
    }


# --- measurements ---------------------------------------------------------------------------

def time_get(client, url: str, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return samples


def measure_lists(users: dict, repeat: int) -> dict:
    from django.test import Client

    figures = {}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        time_get(client, "/residents/people/", 2)  # warm the connection and caches
        page = []
        api = []
        count = client.get("/api/v1/residents/persons/").json()["count"]
        for number in range(1, min(3, max(1, math.ceil(count / 50))) + 1):
            page += time_get(client, f"/residents/people/?page={number}", repeat)
            api += time_get(client, f"/api/v1/residents/persons/?page={number}", repeat)
        figures[role] = {"people_in_scope": count, "page": percentiles(page), "api": percentiles(api)}
    return figures


def measure_last4(users: dict, repeat: int) -> dict:
    from django.test import Client

    from residents.models import Person

    from urllib.parse import quote

    # A name with the last four (the last four alone find nobody: residents.queries.search_persons).
    values = [quote(f"{name} {last4}") for name, last4 in Person.objects.order_by("?").values_list("name", "id_last4")[: repeat * 3]]
    figures = {}
    for role in ("community", "dispatcher"):
        client = Client()
        client.force_login(users[role])
        samples = []
        for value in values:
            samples += time_get(client, f"/api/v1/residents/persons/?q={value}", 1)
        figures[role] = percentiles(samples)
    return figures


def import_rows(rows: int, street_code: str) -> list[list]:
    """New households in the existing buildings of one street (rooms that do not exist yet)."""
    from residents.idnumbers import synthetic_id_number
    from residents.importer import COLUMNS
    from residents.models import Building

    rng = random.Random(99)
    buildings = list(Building.objects.filter(cell__code__startswith=street_code).values_list("code", flat=True))
    today = dt.date.today()
    out = []
    used = set()
    household = 0
    while len(out) < rows:
        household += 1
        code = buildings[household % len(buildings)]
        room = f"9{household:05d}"
        for member in range(rng.choice([1, 2, 3])):
            gender = rng.choice(["male", "female"])
            birth = today - dt.timedelta(days=rng.randint(365, 80 * 365))
            while True:
                number = synthetic_id_number(rng, birth_date=birth, gender=gender, region="659001")  # a county no generated resident comes from: no clash
                if number not in used:
                    used.add(number)
                    break
            values = {
                "building_code": code, "unit": "9", "floor": 9, "room": room, "dwelling_use": "出租",
                "household_number": f"IMPORT-{household:06d}", "relation_to_head": "户主" if member == 0 else "子女",
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN), "id_number": number, "phones": f"13{rng.randrange(10**9):09d}",
                "resident_type": "流动", "tags": "独居老人" if rng.random() < 0.03 else "",
            }
            out.append([values.get(c.key, "") for c in COLUMNS])
    return out[:rows]


def measure_import(users: dict, rows: int) -> dict:
    from openpyxl import Workbook

    from residents.importer import COLUMNS, import_file

    street = users["street"].area
    data = import_rows(rows, street.code)
    # Cutting at the row limit drops trailing members only: each household's head is its first row.
    figures = {"rows": len(data)}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([c.header for c in COLUMNS])
    for values in data:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([c.header for c in COLUMNS])
    writer.writerows(data)
    for kind, name, content in (("csv", "bench.csv", text.getvalue().encode("utf-8-sig")), ("xlsx", "bench.xlsx", buffer.getvalue())):
        started, cpu = time.monotonic(), time.process_time()
        # Committed, so that the deferred foreign-key checks at commit are counted; removed afterwards.
        summary = import_file(actor=users["street"], filename=name, content=content)
        figures[kind] = {
            "seconds": round(time.monotonic() - started, 1),
            # This process only (PostgreSQL excluded): a figure less bent by other load on the machine.
            "python_cpu_seconds": round(time.process_time() - cpu, 1),
            "people": summary["people"],
        }
        remove_imported()
    return figures


def remove_imported() -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE gone ON COMMIT DROP AS SELECT id FROM residents_household WHERE number LIKE 'IMPORT-%%'")
        cursor.execute("DELETE FROM residents_changehistory WHERE household_id IN (SELECT id FROM gone)")
        cursor.execute("DELETE FROM residents_persontag WHERE person_id IN (SELECT id FROM residents_person WHERE household_id IN (SELECT id FROM gone))")
        cursor.execute("UPDATE residents_household SET head_id = NULL WHERE id IN (SELECT id FROM gone)")
        cursor.execute("DELETE FROM residents_person WHERE household_id IN (SELECT id FROM gone)")
        cursor.execute("CREATE TEMP TABLE gone_dwellings ON COMMIT DROP AS SELECT dwelling_id AS id FROM residents_household WHERE id IN (SELECT id FROM gone)")
        cursor.execute("DELETE FROM residents_household WHERE id IN (SELECT id FROM gone)")
        cursor.execute("DELETE FROM residents_dwelling WHERE id IN (SELECT id FROM gone_dwellings)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="reuse the areas and people already in the bench database")
    parser.add_argument("--repeat", type=int, default=10, help="requests per page and role")
    parser.add_argument("--import-rows", type=int, default=None, help="rows in the import file (default: by scale; 0 skips)")
    args = parser.parse_args()
    scale = os.environ.get("SCALE", "small")
    if scale not in SCALES:
        raise SystemExit(f"SCALE must be one of {', '.join(SCALES)}")
    cells, rows = SCALES[scale]
    rows = rows if args.import_rows is None else args.import_rows
    admin_url, url, name = bench_database_url(os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/gridgov"))
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
    # The last-four measurement searches more often than a person's daily allowance.
    settings.GRIDGOV_IDENTIFIER_SEARCHES_PER_DAY = 10**9
    call_command("migrate", verbosity=0)
    out = sys.stderr
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM residents_person")
        present = cursor.fetchone()[0]
    if not (args.keep and present):
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE residents_persontag, residents_visit, residents_changehistory, residents_revealaudit, residents_person, "
                "residents_household, residents_dwelling, residents_building, residents_importjob, accounts_gridassignment, "
                "grids_areafragment CASCADE"
            )
            cursor.execute("UPDATE accounts_user SET area_id = NULL")
            cursor.execute("DELETE FROM grids_area WHERE level = 'grid'")
            cursor.execute("DELETE FROM grids_area WHERE level = 'community'")
            cursor.execute("DELETE FROM grids_area WHERE level = 'street'")
            cursor.execute("DELETE FROM grids_area")
        generate_areas(cells, out)
        counts = generate_people(out)
    else:
        counts = {"people": present}
    users = ensure_users()
    results = {
        "scale": scale,
        "counts": counts,
        "lists": measure_lists(users, args.repeat),
        "last4": measure_last4(users, args.repeat),
        "import": measure_import(users, rows) if rows else None,
        "targets": {"list_p95_ms": 200, "last4_p95_ms": 300, "import_100k_s": 60},
    }
    document = json.dumps(results, ensure_ascii=False, indent=2)
    print(document)
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / f"residents-{scale}.json").write_text(document)


if __name__ == "__main__":
    main()

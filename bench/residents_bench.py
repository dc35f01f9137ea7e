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
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.residents_data import (  # noqa: E402
    GIVEN,
    SURNAMES,
    bench_database_url,
    ensure_database,
    ensure_users,
    generate_areas,
    generate_people,
    percentiles,
)

SCALES = {"small": (1_400, 2_000), "medium": (14_000, 20_000), "city": (140_000, 100_000)}  # cells, import rows


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

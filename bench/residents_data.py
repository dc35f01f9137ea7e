"""The residents benchmark's data: its own database, a district of 0.001° squares, people written
with COPY (identifiers sealed as the application does) and one user per role. Shared by
residents_bench.py and roster_bench.py."""
from __future__ import annotations

import datetime as dt
import io
import math
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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

"""The city-scale data set, generated set-based in SQL (no row passes through Python).

    city:  20 districts × 10 street offices × 20 communities × 35 cells = 140,000 cells,
           1,000,000 people in 420,000 households, 1,000,000 incidents with ~3.5 M timeline entries
    small: the same shape a hundred times smaller (2 × 2 × 10 × 35 = 1,400 cells, 10,000 people,
           10,000 incidents)

Geometry: cells are 100 m squares (the 10,000 m² norm, docs/domain/areas.md#cell-size) laid out
in UTM zone 50N (EPSG:32650, Beijing's zone), 7 × 5 per community, communities, streets and districts tiled in
reading order (north to south, west to east) so that codes follow DB11's numbering rule. Every
tier is written into ``grids_area`` with its parent and ``grids_areafragment`` (ST_Subdivide, as
``grids.actions.refresh_fragments`` does).

Incidents: spread over the past year; 75 % closed (report → register → handle → verify → close),
15 % open and not yet due, 10 % open and overdue at grid level — what the escalation sweep is
measured on (100,000 at city scale, as issue 5 sets); one in 300 waits in the command centre's
queue (district level).

Columns other apps add later (NOT NULL without a database default) are filled with a zero value
of their type, so a new field does not break the generator; a new *table* is simply empty.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.db import connection, transaction

BENCH_PREFIX = "88"  # district codes 880001…: far from real GB/T 2260 codes


@dataclass(frozen=True)
class Scale:
    name: str
    districts: int
    streets: int  # per district
    communities: int  # per street
    cells: int  # per community (7 × 5)
    people: int
    incidents: int

    @property
    def total_cells(self) -> int:
        return self.districts * self.streets * self.communities * self.cells


SCALES = {
    "city": Scale("city", 20, 10, 20, 35, 1_000_000, 1_000_000),
    "small": Scale("small", 2, 2, 10, 35, 10_000, 10_000),
    "tiny": Scale("tiny", 1, 1, 2, 35, 500, 500),  # for the benchmark's own smoke test
}

CELL_M = 100
CELL_COLS, CELL_ROWS = 7, 5
X0, Y0 = 420_000, 4_420_000  # UTM 50N, about 116.06 E, 39.93 N


def _grid(n: int) -> tuple[int, int]:
    cols = math.ceil(math.sqrt(n))
    return cols, math.ceil(n / cols)


def log(message: str) -> None:
    print(f"[bench:generate] {message}", flush=True)


def fill_defaults(table: str, provided: dict[str, str]) -> tuple[str, str]:
    """Column list and SELECT expressions for an INSERT into ``table``: ``provided`` plus a zero
    value for every other NOT NULL column without a database default."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT column_name, data_type FROM information_schema.columns
               WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL""",
            [table],
        )
        required = cursor.fetchall()
    zero = {
        "text": "''", "character varying": "''", "boolean": "false", "integer": "0", "bigint": "0", "smallint": "0",
        "double precision": "0", "numeric": "0", "timestamp with time zone": "now()", "date": "current_date",
        "jsonb": "'{}'::jsonb", "ARRAY": "'{}'", "uuid": "gen_random_uuid()",
    }
    columns = dict(provided)
    for name, data_type in required:
        if name not in columns and name != "id":
            columns[name] = zero.get(data_type, "DEFAULT")
    return ", ".join(columns), ", ".join(columns.values())


def table_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [name])
        return cursor.fetchone()[0] is not None


def _bulk_load() -> None:
    """Skip the row-by-row foreign-key triggers of this transaction: Django's keys are DEFERRABLE
    INITIALLY DEFERRED, so without this a million-row INSERT spends minutes checking each row at
    COMMIT. The generator's rows are consistent by construction (every key comes from a join on
    the referenced table). Needs a superuser, which the project-local cluster is; elsewhere the
    checks simply run."""
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
        except Exception:  # noqa: BLE001 - not a superuser: keep the checks
            log("not a superuser: foreign keys are checked row by row (slower)")


def generate(scale: Scale) -> dict:
    started = time.monotonic()
    timings = {}
    with transaction.atomic():
        t = time.monotonic()
        _areas(scale)
        timings["areas_s"] = round(time.monotonic() - t, 2)
    with transaction.atomic():
        _users()
    if table_exists("residents_person"):
        with transaction.atomic():
            _bulk_load()
            t = time.monotonic()
            _residents(scale)
            timings["residents_s"] = round(time.monotonic() - t, 2)
    else:
        log("residents app missing: no people generated")
    if table_exists("incidents_incident"):
        with transaction.atomic():
            _bulk_load()
            t = time.monotonic()
            _incidents(scale)
            timings["incidents_s"] = round(time.monotonic() - t, 2)
    else:
        log("incidents app missing: no incidents generated")
    t = time.monotonic()
    with connection.cursor() as cursor:
        # VACUUM too, not only ANALYZE: rows loaded in bulk are vacuumed by autovacuum minutes later,
        # which then burns database CPU in the middle of the measurements (the first simulated day
        # at city scale counted it as the server's).
        cursor.execute("VACUUM (ANALYZE)")
    timings["vacuum_analyze_s"] = round(time.monotonic() - t, 2)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text)")
        cursor.execute("INSERT INTO bench_meta VALUES ('scale', %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", [scale.name])
    timings["total_s"] = round(time.monotonic() - started, 2)
    log(f"done in {timings['total_s']} s: {timings}")
    return timings


def generated_scale() -> str | None:
    if not table_exists("bench_meta"):
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM bench_meta WHERE key = 'scale'")
        row = cursor.fetchone()
    return row[0] if row else None


def _areas(scale: Scale) -> None:
    """Four INSERT … SELECT generate_series statements, one per tier, parents first."""
    comm_cols, comm_rows = _grid(scale.communities)
    street_cols, street_rows = _grid(scale.streets)
    district_cols, _ = _grid(scale.districts)
    cw, ch = CELL_COLS * CELL_M, CELL_ROWS * CELL_M  # community
    sw, sh = comm_cols * cw, comm_rows * ch  # street
    dw, dh = street_cols * sw, street_rows * sh  # district
    p = {
        "nd": scale.districts, "ns": scale.streets, "nc": scale.communities, "nk": scale.cells,
        "dc": district_cols, "sc": street_cols, "cc": comm_cols, "kc": CELL_COLS,
        "dw": dw, "dh": dh, "sw": sw, "sh": sh, "cw": cw, "ch": ch, "m": CELL_M, "x0": X0, "y0": Y0,
        "prefix": BENCH_PREFIX,
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(number), 0) + 1 FROM grids_revision")
        (number,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO grids_revision (number, published_at, reason, impact) VALUES (%s, now(), %s, '{}') RETURNING id",
            [number, f"Benchmark data set ({scale.name})"],
        )
        p["revision"] = cursor.fetchone()[0]
        envelope = "ST_Multi(ST_Transform(ST_MakeEnvelope({x}, {y} - {h}, {x} + {w}, {y}, 32650), 4326))"
        insert = """
            INSERT INTO grids_area (code, name, level, parent_id, boundary, area_m2, valid_from, revision_id)
            SELECT s.code, s.name, %(level)s, parent.id, s.geom, ST_Area(s.geom::geography), now() - interval '2 years', %(revision)s
            FROM ({select}) s LEFT JOIN grids_area parent ON parent.code = s.parent_code AND parent.valid_to IS NULL
        """
        district = envelope.format(x="%(x0)s + (d %% %(dc)s) * %(dw)s", y="%(y0)s - (d / %(dc)s) * %(dh)s", w="%(dw)s", h="%(dh)s")
        cursor.execute(insert.format(select=f"""
            SELECT %(prefix)s || lpad((d + 1)::text, 4, '0') AS code, '基准区' || (d + 1) AS name, NULL AS parent_code,
                   {district} AS geom
            FROM generate_series(0, %(nd)s - 1) d"""), p | {"level": "district"})
        street = envelope.format(
            x="%(x0)s + (d %% %(dc)s) * %(dw)s + (s %% %(sc)s) * %(sw)s",
            y="%(y0)s - (d / %(dc)s) * %(dh)s - (s / %(sc)s) * %(sh)s", w="%(sw)s", h="%(sh)s",
        )
        cursor.execute(insert.format(select=f"""
            SELECT %(prefix)s || lpad((d + 1)::text, 4, '0') || lpad((s + 1)::text, 3, '0') AS code,
                   '第' || (s + 1) || '街道' AS name, %(prefix)s || lpad((d + 1)::text, 4, '0') AS parent_code, {street} AS geom
            FROM generate_series(0, %(nd)s - 1) d, generate_series(0, %(ns)s - 1) s"""), p | {"level": "street"})
        community = envelope.format(
            x="%(x0)s + (d %% %(dc)s) * %(dw)s + (s %% %(sc)s) * %(sw)s + (c %% %(cc)s) * %(cw)s",
            y="%(y0)s - (d / %(dc)s) * %(dh)s - (s / %(sc)s) * %(sh)s - (c / %(cc)s) * %(ch)s", w="%(cw)s", h="%(ch)s",
        )
        cursor.execute(insert.format(select=f"""
            SELECT %(prefix)s || lpad((d + 1)::text, 4, '0') || lpad((s + 1)::text, 3, '0') || lpad((c + 1)::text, 3, '0') AS code,
                   '第' || (c + 1) || '社区' AS name,
                   %(prefix)s || lpad((d + 1)::text, 4, '0') || lpad((s + 1)::text, 3, '0') AS parent_code, {community} AS geom
            FROM generate_series(0, %(nd)s - 1) d, generate_series(0, %(ns)s - 1) s, generate_series(0, %(nc)s - 1) c"""),
            p | {"level": "community"})
        cell = envelope.format(
            x="%(x0)s + (d %% %(dc)s) * %(dw)s + (s %% %(sc)s) * %(sw)s + (c %% %(cc)s) * %(cw)s + (k %% %(kc)s) * %(m)s",
            y="%(y0)s - (d / %(dc)s) * %(dh)s - (s / %(sc)s) * %(sh)s - (c / %(cc)s) * %(ch)s - (k / %(kc)s) * %(m)s",
            w="%(m)s", h="%(m)s",
        )
        cursor.execute(insert.format(select=f"""
            SELECT %(prefix)s || lpad((d + 1)::text, 4, '0') || lpad((s + 1)::text, 3, '0') || lpad((c + 1)::text, 3, '0')
                       || lpad((k + 1)::text, 3, '0') AS code,
                   '第' || (k + 1) || '网格' AS name,
                   %(prefix)s || lpad((d + 1)::text, 4, '0') || lpad((s + 1)::text, 3, '0') || lpad((c + 1)::text, 3, '0') AS parent_code,
                   {cell} AS geom
            FROM generate_series(0, %(nd)s - 1) d, generate_series(0, %(ns)s - 1) s, generate_series(0, %(nc)s - 1) c,
                 generate_series(0, %(nk)s - 1) k"""), p | {"level": "grid"})
        cursor.execute(
            """INSERT INTO grids_areafragment (area_id, level, geom)
               SELECT id, level, ST_Subdivide(boundary, 64) FROM grids_area WHERE code LIKE %s AND valid_to IS NULL""",
            [BENCH_PREFIX + "%"],
        )
        cursor.execute("SELECT level, count(*) FROM grids_area WHERE code LIKE %s GROUP BY level", [BENCH_PREFIX + "%"])
        log(f"areas: {dict(cursor.fetchall())}")


BENCH_USERS = {
    # username: (role, area level, area index path)
    "bench_dispatcher": ("dispatcher", "district"),
    "bench_leader": ("leader", "district"),
    "bench_community": ("community", "community"),
    "bench_street": ("street", "street"),
    "bench_worker": ("grid_worker", "grid"),
    "bench_admin": ("gis_admin", "district"),
}


def first_area(level: str):
    from grids.models import Area

    return Area.objects.current().filter(level=level, code__startswith=BENCH_PREFIX).order_by("code").first()


def _users() -> None:
    from accounts.models import GridAssignment, User

    for username, (role, level) in BENCH_USERS.items():
        area = first_area(level)
        user, _ = User.objects.get_or_create(
            username=username, defaults={"role": role, "area": area.parent if level == "grid" else area, "first_name": username}
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        if level == "grid":
            GridAssignment.objects.get_or_create(user=user, cell=area, ended_at=None)


def _residents(scale: Scale) -> None:
    """One building per cell, 3 dwellings and households per building, people spread over them."""
    per_building = 3
    with connection.cursor() as cursor:
        cols, values = fill_defaults("residents_building", {
            "code": "'BB' || a.code", "address": "a.name || '1号楼'", "location": "ST_PointOnSurface(a.boundary)", "cell_id": "a.id",
            "floors": "6", "units": "2", "property_manager": "''", "created_at": "now()", "updated_at": "now()",
        })
        cursor.execute(f"INSERT INTO residents_building ({cols}) SELECT {values} FROM grids_area a "
                       f"WHERE a.level = 'grid' AND a.valid_to IS NULL AND a.code LIKE %s", [BENCH_PREFIX + "%"])
        cols, values = fill_defaults("residents_dwelling", {
            "building_id": "b.id", "unit": "'1'", "floor": "n", "room": "n || '01'", "use": "'residential'",
        })
        cursor.execute(f"INSERT INTO residents_dwelling ({cols}) SELECT {values} FROM residents_building b, "
                       f"generate_series(1, {per_building}) n WHERE b.code LIKE 'BB%%'", [])
        cols, values = fill_defaults("residents_household", {
            "number": "'HB' || d.id", "dwelling_id": "d.id", "cell_id": "b.cell_id", "created_at": "now()",
        })
        cursor.execute(f"INSERT INTO residents_household ({cols}) SELECT {values} FROM residents_dwelling d "
                       f"JOIN residents_building b ON b.id = d.building_id WHERE b.code LIKE 'BB%%'", [])
        cursor.execute("CREATE TEMP TABLE bench_hh AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, cell_id "
                       "FROM residents_household WHERE number LIKE 'HB%%'", [])
        cursor.execute("SELECT count(*) FROM bench_hh")
        (households,) = cursor.fetchone()
        surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
        given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"
        cols, values = fill_defaults("residents_person", {
            "name": f"substr('{surnames}', 1 + (g %% 20)::int, 1) || substr('{given}', 1 + ((g / 20) %% 25)::int, 1)"
                    f" || substr('{given}', 1 + ((g / 500) %% 25)::int, 1)",
            "gender": "CASE WHEN g %% 2 = 0 THEN 'male' ELSE 'female' END",
            "birth_date": "date '1940-01-01' + ((g::bigint * 7919) %% 29000)::int",
            "ethnicity": "'汉族'", "id_type": "'resident_id'",
            "id_last4": "lpad(((g::bigint * 7919) %% 10000)::text, 4, '0')",
            "id_number_masked": "'110101************'",  # residents.privacy.mask_id_number
            "resident_type": "CASE WHEN g %% 10 < 7 THEN 'registered' WHEN g %% 10 < 9 THEN 'floating' ELSE 'foreign' END",
            "household_id": "h.id", "cell_id": "h.cell_id",
            "relation_to_head": "CASE WHEN g < %(households)s THEN 'head' ELSE 'other' END",
            "moved_out": "false", "deceased": "false", "created_at": "now()", "updated_at": "now()",
        })
        cursor.execute(
            f"INSERT INTO residents_person ({cols}) SELECT {values} FROM generate_series(0, %(people)s - 1) g "
            f"JOIN bench_hh h ON h.n = g %% %(households)s",
            {"people": scale.people, "households": households},
        )
        cursor.execute(
            "UPDATE residents_household h SET head_id = p.id FROM residents_person p "
            "WHERE p.household_id = h.id AND p.relation_to_head = 'head' AND h.number LIKE 'HB%%'", []
        )
        if table_exists("residents_persontag"):
            cursor.execute("SELECT id FROM residents_caretag ORDER BY id LIMIT 1")
            tag = cursor.fetchone()
            if tag:
                cols, values = fill_defaults("residents_persontag", {"person_id": "p.id", "tag_id": str(tag[0]), "added_at": "now()"})
                cursor.execute(f"INSERT INTO residents_persontag ({cols}) SELECT {values} FROM residents_person p "
                               f"WHERE p.id %% 20 = 0 AND p.household_id IN (SELECT id FROM bench_hh)", [])
        cursor.execute("DROP TABLE bench_hh")
        log(f"residents: {scale.people} people in {households} households")


def _incidents(scale: Scale) -> None:
    from accounts.models import User

    reporter = User.objects.get(username="bench_worker").pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM incidents_category WHERE parent_id IS NOT NULL AND active ORDER BY id")
        categories = [row[0] for row in cursor.fetchall()]
        if not categories:
            log("no incident categories (reference data missing): no incidents generated")
            return
        cursor.execute("CREATE TEMP TABLE bench_cells AS SELECT row_number() OVER (ORDER BY a.code) - 1 AS n, a.id, "
                       "ST_PointOnSurface(a.boundary) AS point, d.id AS district_id FROM grids_area a "
                       "JOIN grids_area d ON d.code = left(a.code, 6) AND d.valid_to IS NULL "
                       "WHERE a.level = 'grid' AND a.valid_to IS NULL AND a.code LIKE %s",
                       [BENCH_PREFIX + "%"])
        cursor.execute("CREATE UNIQUE INDEX ON bench_cells (n)")
        # Kind of case by g mod 20: 0–1 overdue at grid level (10 %), 2–4 open and not yet due (15 %),
        # 5–19 closed (75 %). One case in 300 (a day's intake at city scale: ~3,300) waits at the
        # command centre (district level, not yet registered): the console's queue.
        cols, values = fill_defaults("incidents_incident", {
            "cell_id": "c.id", "filed_area_id": "c.id", "area_id": "CASE WHEN g %% 300 = 2 THEN c.district_id ELSE c.id END",
            "location": "c.point", "address": "''",
            "outside_cells": "false", "category_id": "(%(categories)s::bigint[])[1 + g %% cardinality(%(categories)s::bigint[])]",
            "description": "'基准数据 ' || g", "urgency": "CASE WHEN g %% 17 = 0 THEN 'urgent' ELSE 'normal' END",
            "source": "'patrol'", "contact": "''",
            "status": "CASE WHEN g %% 20 < 2 THEN 'registered' WHEN g %% 20 < 5 THEN 'reported' ELSE 'closed' END",
            "level": "CASE WHEN g %% 300 = 2 THEN 'district' ELSE 'grid' END", "reporter_id": str(reporter),
            "created_at": "now() - ((g::bigint * 7919) %% 525600) * interval '1 minute'",
            "deadline": "CASE WHEN g %% 20 < 2 THEN now() - interval '1 hour' ELSE now() + interval '30 days' END",
            "deadline_started_at": "now() - interval '1 day'",
            "resolved_at_grid": "g %% 20 >= 15", "escalations": "0",
            "version": "CASE WHEN g %% 20 < 2 THEN 2 WHEN g %% 20 < 5 THEN 1 ELSE 5 END",
            "updated_at": "now()",
            "closed_at": "CASE WHEN g %% 20 >= 5 THEN now() - ((g::bigint * 7919) %% 525600) * interval '1 minute' + ((g %% 72) + 1) * interval '1 hour' END",
        })
        cursor.execute(
            f"INSERT INTO incidents_incident ({cols}) SELECT {values} FROM generate_series(0, %(n)s - 1) g "
            f"JOIN bench_cells c ON c.n = g %% %(cells)s",
            {"n": scale.incidents, "cells": scale.total_cells, "categories": categories},
        )
        cols, values = fill_defaults("incidents_timelineentry", {
            "incident_id": "i.id", "version": "v", "at": "i.created_at + (v - 1) * interval '1 hour'", "actor_id": str(reporter),
            "action": "(ARRAY['report', 'register', 'handle', 'verify', 'close'])[v]",
            "from_status": "(ARRAY['', 'reported', 'registered', 'handled', 'verified'])[v]",
            "to_status": "(ARRAY['reported', 'registered', 'handled', 'verified', 'closed'])[v]",
            "from_level": "CASE WHEN v = 1 THEN '' ELSE i.level END", "to_level": "i.level", "to_area_id": "i.area_id", "note": "''",
        })
        cursor.execute(
            f"INSERT INTO incidents_timelineentry ({cols}) SELECT {values} FROM incidents_incident i "
            f"CROSS JOIN LATERAL generate_series(1, i.version) v WHERE i.reporter_id = %s",
            [reporter],
        )
        cursor.execute("DROP TABLE bench_cells")
        cursor.execute("SELECT count(*) FROM incidents_timelineentry")
        log(f"incidents: {scale.incidents}, timeline entries: {cursor.fetchone()[0]}")

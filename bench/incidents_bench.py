"""Benchmark of cases: the escalation sweep and filing reports under load (issue 5).

    SCALE=small .venv/bin/python bench/incidents_bench.py   # 10,000 cases, 1,000 overdue (a minute or two)
    SCALE=city  .venv/bin/python bench/incidents_bench.py   # 1,000,000 cases, 100,000 overdue

Targets:
- one sweep over 1,000,000 cases of which 100,000 are overdue escalates them all — timeline entries
  and notifications included — in under 10 s (baseline: one bare SQL statement doing the same
  update and inserts, measured in the same run);
- filing a report without a photo serves at least 0.3× the requests per second of a trivial
  token-authenticated endpoint in the same server;
- filing with one phone photo (1600 px JPEG, about 400 KB): p95 < 300 ms at 32 concurrent clients
  and at least 50 reports/s.

It works in a database of its own (``<name>_bench_incidents`` on the server of DATABASE_URL,
created and migrated when missing; ``--keep`` reuses the cases already generated). Both sweep
measurements run in a transaction that is rolled back, so a re-run finds the same data. The load
is made by ``wrk`` against gunicorn started as in production (DEBUG off), with the baseline
endpoint added by bench/incidents_bench_settings.py. The JSON goes to stdout and to
bench/results/incidents-<scale>.json.
"""
from __future__ import annotations

import argparse
import io
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# cases, cells
SCALES = {"small": (10_000, 400), "city": (1_000_000, 10_000)}
OVERDUE_SHARE = 10  # one case in ten is overdue
DISTRICT = "970001"
STREETS = 4
DEGREES = 0.001
ORIGIN = (116.2, 39.8)


def bench_database_url(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "gridgov"
    bench = f"{name}_bench_incidents"
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path="/" + bench)), bench


def ensure_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url.replace("postgis://", "postgresql://", 1), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- data ---------------------------------------------------------------------------------------

def generate_areas(cells: int) -> None:
    """District → 4 street offices → communities of 10 × 10 cells (0.001° squares), in SQL."""
    from django.db import connection

    communities = max(STREETS, math.ceil(cells / 100))
    across = math.ceil(math.sqrt(communities))
    down = math.ceil(communities / across)
    x0, y0 = ORIGIN
    side = 10 * DEGREES
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE TEMP TABLE bench_blocks AS
            SELECT i, j, (j * {STREETS}) / {down} AS s,
                   ST_MakeEnvelope({x0} + i * {side}, {y0} + j * {side}, {x0} + (i + 1) * {side}, {y0} + (j + 1) * {side}, 4326) AS geom
            FROM generate_series(0, {across} - 1) i, generate_series(0, {down} - 1) j
            """
        )
        cursor.execute(
            f"""
            INSERT INTO grids_area (code, name, level, boundary, area_m2, valid_from)
            SELECT '{DISTRICT}', '基准区', 'district', ST_Multi(ST_Union(geom)), 0, now() FROM bench_blocks;
            INSERT INTO grids_area (code, name, level, parent_id, boundary, area_m2, valid_from)
            SELECT '{DISTRICT}' || lpad((s + 1)::text, 3, '0'), '基准街道' || (s + 1), 'street',
                   (SELECT id FROM grids_area WHERE code = '{DISTRICT}'), ST_Multi(ST_Union(geom)), 0, now()
            FROM bench_blocks GROUP BY s;
            INSERT INTO grids_area (code, name, level, parent_id, boundary, area_m2, valid_from)
            SELECT st.code || lpad((row_number() OVER (PARTITION BY b.s ORDER BY b.j, b.i))::text, 3, '0'),
                   '基准社区' || b.i || '-' || b.j, 'community', st.id, ST_Multi(b.geom), 0, now()
            FROM bench_blocks b JOIN grids_area st ON st.code = '{DISTRICT}' || lpad((b.s + 1)::text, 3, '0');
            INSERT INTO grids_area (code, name, level, parent_id, boundary, area_m2, valid_from)
            SELECT c.code || lpad((ci * 10 + cj + 1)::text, 3, '0'), '网格' || (ci * 10 + cj + 1), 'grid', c.id,
                   ST_Multi(ST_MakeEnvelope(ST_XMin(c.boundary) + ci * {DEGREES}, ST_YMin(c.boundary) + cj * {DEGREES},
                                            ST_XMin(c.boundary) + (ci + 1) * {DEGREES}, ST_YMin(c.boundary) + (cj + 1) * {DEGREES}, 4326)),
                   0, now()
            FROM grids_area c, generate_series(0, 9) ci, generate_series(0, 9) cj WHERE c.level = 'community';
            UPDATE grids_area SET area_m2 = ST_Area(boundary::geography);
            INSERT INTO grids_areafragment (area_id, level, geom) SELECT id, level, ST_Subdivide(boundary, 64) FROM grids_area;
            """
        )


def ensure_users() -> dict:
    """Staff of every community and street office and two dispatchers (whom escalations notify),
    and the grid worker who files reports under load, with a token."""
    from rest_framework.authtoken.models import Token

    from accounts.models import GridAssignment, Role, User
    from grids.models import Area

    if not User.objects.filter(username="bench_worker").exists():
        users = []
        for area in Area.objects.filter(level__in=["community", "street", "district"]).order_by("code"):
            role = {"community": Role.COMMUNITY, "street": Role.STREET, "district": Role.DISPATCHER}[area.level]
            copies = 2 if area.level == "district" else 1
            users += [User(username=f"bench_{area.code}_{n}", role=role, area=area, email=f"{area.code}.{n}@bench.invalid",
                           password="!") for n in range(copies)]
        User.objects.bulk_create(users, batch_size=1000)
        first_cell = Area.objects.filter(level="grid").order_by("code").first()
        worker = User.objects.create(username="bench_worker", role=Role.GRID_WORKER, area=first_cell.parent, password="!")
        GridAssignment.objects.create(user=worker, cell=first_cell)
    worker = User.objects.get(username="bench_worker")
    token, _ = Token.objects.get_or_create(user=worker)
    cell = Area.objects.filter(level="grid").order_by("code").first()
    centre = cell.boundary.centroid
    return {"worker": worker, "token": token.key, "lat": centre.y, "lng": centre.x}


def generate_cases(cases: int) -> None:
    """``cases`` cases spread over the cells, one in ten open and overdue at grid level, with their
    first timeline entry; written by two INSERT … SELECT statements."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE TEMP TABLE bench_cells AS
            SELECT row_number() OVER (ORDER BY code) - 1 AS n, id, ST_Centroid(boundary) AS centre FROM grids_area WHERE level = 'grid';
            CREATE TEMP TABLE bench_categories AS
            SELECT row_number() OVER (ORDER BY code) - 1 AS n, id FROM incidents_category WHERE parent_id IS NOT NULL;
            """
        )
        cursor.execute("SELECT count(*) FROM bench_cells")
        cells = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM bench_categories")
        categories = cursor.fetchone()[0]
        cursor.execute(
            f"""
            INSERT INTO incidents_incident (cell_id, filed_area_id, location, address, outside_cells, category_id, description,
                urgency, source, contact, status, level, area_id, deadline, deadline_started_at, resolved_at_grid, escalations,
                version, created_at, updated_at, closed_at)
            SELECT c.id, c.id, c.centre, '', false, k.id, '基准案件', 'normal', 'patrol', '',
                   CASE WHEN g.i %% {OVERDUE_SHARE} = 0 THEN 'registered' WHEN g.i %% {OVERDUE_SHARE} < 7 THEN 'closed' ELSE 'reported' END,
                   'grid', c.id,
                   CASE WHEN g.i %% {OVERDUE_SHARE} = 0 THEN now() - interval '1 hour' ELSE now() + interval '2 days' END,
                   now() - interval '1 day', false, 0, 1,
                   now() - (g.i %% 1000) * interval '1 hour', now() - interval '1 day',
                   CASE WHEN g.i %% {OVERDUE_SHARE} BETWEEN 1 AND 6 THEN now() - interval '1 hour' END
            FROM generate_series(0, %s - 1) g(i)
            JOIN bench_cells c ON c.n = g.i %% {cells}
            JOIN bench_categories k ON k.n = (g.i / {cells}) %% {categories}
            """,
            [cases],
        )
        cursor.execute(
            """
            INSERT INTO incidents_timelineentry (incident_id, version, at, action, from_status, to_status, from_level, to_level,
                                                 to_area_id, note)
            SELECT id, 1, created_at, 'report', '', 'reported', '', 'grid', area_id, '' FROM incidents_incident
            """
        )
        cursor.execute("ANALYZE")


# --- the sweep ------------------------------------------------------------------------------------

BARE_SQL = """
WITH moved AS (
    UPDATE incidents_incident i SET level = 'community', area_id = a.parent_id, deadline = %(now)s + interval '2 days',
        deadline_started_at = %(now)s, status = 'registered', version = i.version + 1, escalations = i.escalations + 1,
        updated_at = %(now)s
    FROM grids_area a
    WHERE a.id = i.area_id AND i.status = ANY(%(open)s) AND i.level <> 'district' AND i.deadline < %(now)s
    RETURNING i.id, i.version, i.area_id
),
timeline AS (
    INSERT INTO incidents_timelineentry (incident_id, version, at, action, from_status, to_status, from_level, to_level, to_area_id, note)
    SELECT id, version, %(now)s, 'escalate', 'registered', 'registered', 'grid', 'community', area_id, '' FROM moved RETURNING 1
),
notified AS (
    INSERT INTO incidents_notification (user_id, incident_id, kind, text, created_at, email_state)
    SELECT u.id, m.id, 'escalated', '', %(now)s, 'pending' FROM moved m JOIN accounts_user u ON u.area_id = m.area_id
    RETURNING 1
)
SELECT (SELECT count(*) FROM moved), (SELECT count(*) FROM timeline), (SELECT count(*) FROM notified)
"""


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE incidents_incident, incidents_timelineentry, incidents_notification")


class _Rollback(Exception):
    pass


def measure_sweep() -> dict:
    """The bare statement, then the application's sweep, each in a transaction rolled back."""
    from django.db import connection, transaction
    from django.utils import timezone

    from incidents.actions import escalate_overdue
    from incidents.models import OPEN_STATUSES

    now = timezone.now()
    results = {}
    vacuum()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(BARE_SQL, {"now": now, "open": [str(s) for s in OPEN_STATUSES]})
            moved, entries, notes = cursor.fetchone()
            results["bare_sql"] = {"seconds": round(time.perf_counter() - started, 3), "escalated": moved,
                                   "timeline_entries": entries, "notifications": notes}
            raise _Rollback
    except _Rollback:
        pass
    vacuum()
    try:
        with transaction.atomic():
            started = time.perf_counter()
            swept = escalate_overdue(now=now)
            results["sweep"] = {"seconds": round(time.perf_counter() - started, 3), "escalated": swept.escalated,
                                "timeline_entries": swept.timeline_entries, "notifications": swept.notifications,
                                "batches": swept.batches}
            raise _Rollback
    except _Rollback:
        pass
    vacuum()
    results["ratio_sweep_to_bare"] = round(results["sweep"]["seconds"] / max(results["bare_sql"]["seconds"], 1e-6), 2)
    return results


# --- filing under load ----------------------------------------------------------------------------

LUA = """
wrk.method = "{method}"
wrk.headers["Authorization"] = "Token {token}"
{content_type}
{body}
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format('\\nRESULT {{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "errors": %d, "non_2xx": %d}}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors, summary.errors.status))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def phone_photo() -> bytes:
    """A 1600 × 1200 JPEG of about 400 KB, like the report page sends."""
    from PIL import Image, ImageFilter

    image = Image.effect_noise((1600, 1200), 40).convert("RGB").filter(ImageFilter.GaussianBlur(1.2))
    for quality in (80, 75, 70, 65, 60, 55, 50):
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        if len(buffer.getvalue()) <= 450_000:
            break
    return buffer.getvalue()


def run_wrk(url: str, *, token: str, connections: int, seconds: int, workdir: Path, method: str = "GET",
            body: bytes | None = None, content_type: str | None = None) -> dict:
    body_line = ""
    if body is not None:
        body_path = workdir / f"body-{len(body)}.bin"
        body_path.write_bytes(body)
        body_line = f'local f = io.open("{body_path}", "rb")\nwrk.body = f:read("*a")\nf:close()'
    script = workdir / f"wrk-{method}-{connections}.lua"
    script.write_text(LUA.format(method=method, token=token, body=body_line,
                                 content_type=f'wrk.headers["Content-Type"] = "{content_type}"' if content_type else ""))
    threads = min(2, connections)
    completed = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url],
        capture_output=True, text=True, check=True,
    )
    line = [row for row in completed.stdout.splitlines() if row.startswith("RESULT ")][-1]
    result = json.loads(line[len("RESULT "):])
    result["rps"] = round(result["requests"] / result["seconds"], 1)
    result["connections"] = connections
    return result


def measure_filing(users: dict, url: str, seconds: int, workers: int) -> dict:
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed"}
    port = free_port()
    media = Path(tempfile.mkdtemp(prefix="gridgov-bench-media-"))
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="incidents_bench_settings", GRIDGOV_AXES_ENABLED="0",
               GRIDGOV_MEDIA_ROOT=str(media), GRIDGOV_DEBUG="0", GRIDGOV_DB_CONN_MAX_AGE="600",
               PYTHONPATH=os.pathsep.join([str(ROOT / "bench"), str(ROOT)]))
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "gridgov.wsgi", "--config", str(ROOT / "gridgov" / "gunicorn.conf.py"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        workdir = Path(tempfile.mkdtemp(prefix="gridgov-wrk-"))
        token = users["token"]
        report = json.dumps({"category": "E0101", "lat": users["lat"], "lng": users["lng"], "description": "基准上报"}).encode()
        boundary = "----gridgovbench"
        photo = phone_photo()
        multipart = b"".join([
            *(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
              for k, v in {"category": "E0101", "lat": users["lat"], "lng": users["lng"], "description": "基准上报"}.items()),
            f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode(),
            photo, f"\r\n--{boundary}--\r\n".encode(),
        ])
        # Warm every worker up (imports, connections, caches) before measuring.
        run_wrk(f"{base}/bench/trivial/", token=token, connections=8, seconds=2, workdir=workdir)
        run_wrk(f"{base}/api/v1/incidents/", token=token, connections=8, seconds=2, workdir=workdir, method="POST",
                body=report, content_type="application/json")
        trivial = run_wrk(f"{base}/bench/trivial/", token=token, connections=16, seconds=seconds, workdir=workdir)
        plain = run_wrk(f"{base}/api/v1/incidents/", token=token, connections=16, seconds=seconds, workdir=workdir,
                        method="POST", body=report, content_type="application/json")
        with_photo = run_wrk(f"{base}/api/v1/incidents/", token=token, connections=32, seconds=seconds, workdir=workdir,
                             method="POST", body=multipart, content_type=f"multipart/form-data; boundary={boundary}")
        shutil.rmtree(workdir, ignore_errors=True)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(media, ignore_errors=True)
    return {
        "gunicorn_workers": workers,
        "photo_bytes": len(photo),
        "trivial_token_endpoint": trivial,
        "report_without_photo": plain,
        "report_with_photo": with_photo,
        "ratio_report_to_trivial": round(plain["rps"] / max(trivial["rps"], 1e-6), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="reuse the cases already in the bench database")
    parser.add_argument("--seconds", type=int, default=15, help="length of each load run")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--skip-load", action="store_true", help="measure the sweep only")
    args = parser.parse_args()
    scale = os.environ.get("SCALE", "small")
    if scale not in SCALES:
        raise SystemExit(f"SCALE must be one of {', '.join(SCALES)}")
    cases, cells = SCALES[scale]
    admin_url, url, name = bench_database_url(os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/gridgov"))
    ensure_database(admin_url, name)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    os.environ.setdefault("GRIDGOV_AXES_ENABLED", "0")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM incidents_incident WHERE description = '基准案件'")
        present = cursor.fetchone()[0]
    started = time.monotonic()
    if not (args.keep and present == cases):
        log(f"Generating {cells} cells and {cases} cases…")
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE incidents_notification, incidents_timelineentry, incidents_incidentphoto, incidents_incident, "
                "incidents_patrolpoint, incidents_patrolcheckin, incidents_patrol, accounts_gridassignment, "
                "authtoken_token, grids_areafragment CASCADE"
            )
            cursor.execute("DELETE FROM accounts_user WHERE username LIKE 'bench%%'")
            for level in ("grid", "community", "street", "district"):
                cursor.execute("DELETE FROM grids_area WHERE level = %s", [level])
        generate_areas(cells)
        ensure_users()
        generate_cases(cases)
        log(f"…generated in {time.monotonic() - started:.0f} s")
    else:
        with connection.cursor() as cursor:
            # Cases filed by an earlier load run would skew the next one: remove them.
            cursor.execute("DELETE FROM incidents_incident WHERE description = '基准上报'")
    users = ensure_users()
    log("Measuring the sweep…")
    sweep = measure_sweep()
    filing = {"skipped": "--skip-load"} if args.skip_load else measure_filing(users, url, args.seconds, args.workers)
    targets = {
        "sweep_seconds_max": 10 if scale == "city" else 10 * cases / 1_000_000,
        "report_to_trivial_min": 0.3,
        "photo_p95_ms_max": 300,
        "photo_rps_min": 50,
    }
    met = {"sweep": sweep["sweep"]["seconds"] < targets["sweep_seconds_max"]}
    if "report_with_photo" in filing:
        met["report_to_trivial"] = filing["ratio_report_to_trivial"] >= targets["report_to_trivial_min"]
        met["photo_p95"] = filing["report_with_photo"]["p95_ms"] < targets["photo_p95_ms_max"]
        met["photo_rps"] = filing["report_with_photo"]["rps"] >= targets["photo_rps_min"]
    results = {
        "scale": scale,
        "cases": cases,
        "overdue": cases // OVERDUE_SHARE,
        "cells": cells,
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "sweep": sweep,
        "filing": filing,
        "targets": targets,
        "met": met,
    }
    document = json.dumps(results, ensure_ascii=False, indent=2)
    print(document)
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / f"incidents-{scale}.json").write_text(document)


if __name__ == "__main__":
    main()

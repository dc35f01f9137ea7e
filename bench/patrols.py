"""Patrol points at city volume (issue 18, item 2): ingestion, and a day of a 20,000-worker city.

    DATABASE_URL=postgis://…/gridgov_bench .venv/bin/python bench/patrols.py city [--fraction 0.1]

(also run by ``bench/run.py`` as the measurement "patrol points"; alone it needs only the areas
of the scale, which it generates if the database has none).

* **Ingestion**: ``wrk`` (a separate process, 32 connections) posts batches of 10 new points —
  fresh client ids, times moving on — to ``POST /api/v1/patrols/<id>/points/`` of 64 patrols of
  64 grid workers, against gunicorn started as in production. Baseline: the same body posted to the
  trivial token-authenticated DRF view of the same server. Target: ≥ 5,000 points/s.
* **A day of the city**: 20,000 workers × 8 h × a point every 10 s = 57.6 M points. Generated
  set-based (``generate_series``) into a table of its own, indexed, then attached as the day's
  partition (the bulk-load path of a partitioned table: no per-row index maintenance;
  ``bench/patrol_data.py``, with the workers and patrols of the ingestion). Each
  worker walks 7 cells (140,000 cells ÷ 20,000 workers), about 69 minutes in each, so a cell
  holds ~411 points of its day whatever the fraction. ``--fraction`` generates that share of the
  workers (and so of the points): the per-worker and per-cell work of the two queries does not
  grow with the city, only the partition and its index depth do, which the report states.
  Queried through the API, sequentially, a different worker / cell each time (p95 ≤ 200 ms):
  one worker's day (``GET /api/v1/patrols/<id>/`` — the summary with its 2,880-point track) and
  one cell's coverage of the day (``GET /api/v1/patrols/coverage/?area=<cell>&date=<day>``),
  each next to its bare SQL.
"""
from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from bench.harness import Row, Server, bare_sql, log, sequential, table, token, wrk  # noqa: E402  (sets Django up)

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.generate import first_area  # noqa: E402
from bench.patrol_data import CITY_WORKERS, POINTS_PER_DAY, day_bounds, end_patrols, generate_day, ingest_patrols  # noqa: E402

INGEST_TARGET = ">= 5,000 points/s in batches of 10 at 32 clients"
QUERY_TARGET = "p95 <= 200 ms"
# The trivial token POST of the last full city run on a quiet machine (bench/results/city-latest.txt,
# 16 clients): what the ratio measured here is applied to when this machine is shared and loaded.
QUIET_TRIVIAL_POST_RPS = 2054.3

INGEST_LUA = r"""
local patrols = {PATROLS}
local counter = 0
local threads_made = 0
local base = {BASE}
thread_no = 0  -- a global: setup() gives each thread its number before it starts
setup = function(thread)
  thread:set("thread_no", threads_made)
  threads_made = threads_made + 1
end
init = function(args)
  math.randomseed(1000 + thread_no * 7919 + os.time())
end
local function uuid()
  return string.format("%08x-%04x-4%03x-%04x-%06x%06x", math.random(0, 0x7fffffff), math.random(0, 0xffff),
    math.random(0, 0xfff), math.random(0x8000, 0xbfff), math.random(0, 0xffffff), math.random(0, 0xffffff))
end
request = function()
  counter = counter + 1
  -- threads take the patrols in turn: thread 0 the odd ones, thread 1 the even ones
  local k = ((counter * 2 + thread_no) % #patrols) + 1
  local p = patrols[k]
  local t = base + p.n
  p.n = p.n + 10
  local points = {}
  for i = 0, 9 do
    local at = os.date("!%Y-%m-%dT%H:%M:%SZ", t + i)
    points[#points + 1] = string.format('{"id":"%s","at":"%s","lat":%.6f,"lng":%.6f,"accuracy":8}',
      uuid(), at, p.lat + math.random() * 0.0004, p.lng + math.random() * 0.0005)
  end
  local body = '{"points":[' .. table.concat(points, ",") .. ']}'
  return wrk.format("POST", p.path, {["Authorization"] = "Token " .. p.token, ["Content-Type"] = "application/json"}, body)
end
"""


# --- measurements ------------------------------------------------------------------------------

def ingestion(bench, server) -> None:
    patrols = ingest_patrols()
    lua_patrols = "{" + ",".join(
        f'{{path="{p["path"]}",token="{p["token"]}",lng={p["lng"]:.6f},lat={p["lat"]:.6f},n=0}}' for p in patrols) + "}"
    base = int((timezone.now() - timedelta(hours=3)).timestamp())
    script = INGEST_LUA.replace("{PATROLS}", lua_patrols).replace("{BASE}", str(base))
    body = json.dumps({"points": [{"id": "9b2f6a3e-5d1c-4e8a-9f00-%012d" % i, "at": timezone.now().isoformat(), "lat": 39.9,
                                   "lng": 116.4, "accuracy": 8} for i in range(10)]})
    handle = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    handle.write(body)
    handle.close()
    from bench.harness import post_setup

    first = patrols[0]
    baseline, base_cpu = _with_cpu(server, lambda: wrk(
        server, "/bench/trivial-auth/", seconds=bench.seconds, connections=32,
        headers={"Authorization": f"Token {first['token']}"}, setup=post_setup(handle.name, "application/json")))
    os.unlink(handle.name)
    from incidents.models import PatrolPoint

    before = PatrolPoint.objects.filter(patrol_id__in=[p["id"] for p in patrols]).count()
    result, cpu = _with_cpu(server, lambda: wrk(server, "/", seconds=bench.seconds, connections=32, headers={}, script=script))
    stored = PatrolPoint.objects.filter(patrol_id__in=[p["id"] for p in patrols]).count() - before
    end_patrols(patrols)  # the next run starts new patrols: its times do not fall among these
    points_per_s = round(result["rps"] * 10, 1)
    ratio = round(result["rps"] / baseline["rps"], 3)
    load = os.getloadavg()
    bench.add(Row(
        "patrol points ingestion (32 clients)", **result, baseline="trivial token POST, same body size",
        baseline_median_ms=baseline["median_ms"], baseline_rps=baseline["rps"], ratio=ratio,
        target=INGEST_TARGET, met=points_per_s >= 5000 and result["errors"] == 0 and stored >= result["n"] * 10,
        # Batches still in flight when wrk stops are stored but not counted by wrk: stored >= answered × 10.
        note=f"{points_per_s:,.0f} points/s ({result['rps']:,.0f} batches of 10/s) into {len(patrols)} patrols; "
             f"{stored:,} points stored for {result['n']:,} answered batches; machine load average "
             f"{load[0]:.1f} (2 cores); at the same ratio to the trivial POST as here, the quiet machine's trivial POST "
             f"(bench/results/city-latest.txt) gives {ratio * QUIET_TRIVIAL_POST_RPS * 10:,.0f} points/s; "
             f"CPU per batch: web {cpu['web_ms']} ms, database {cpu['db_ms']} ms, wrk {cpu['wrk_ms']} ms (trivial POST: web "
             f"{base_cpu['web_ms']}, database {base_cpu['db_ms']}, wrk {base_cpu['wrk_ms']}) — two cores that are the "
             f"benchmark's alone give {cpu['cpu_bound_per_s'] * 10:,.0f} points/s",
        extra={"points_per_s": points_per_s, "stored": stored, "load_average": load,
               "estimate_quiet_points_per_s": round(ratio * QUIET_TRIVIAL_POST_RPS * 10), "cpu": cpu, "baseline_cpu": base_cpu},
    ))


def _with_cpu(server, run) -> tuple[dict, dict]:
    """``run()`` (a wrk load) and the CPU it cost per request: gunicorn's processes and the
    database's backends from /proc (bench/day/proc.py), wrk's from this process's children.
    Robust when the machine is shared: another session's load slows the requests down but does
    not add to their CPU. ``cpu_bound_per_s``: the requests per second the machine's cores would
    answer if they were the benchmark's alone (web + database + wrk per request)."""
    import resource

    from bench.day.proc import CpuMeter, tree

    def database_pids():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            return [row[0] for row in cursor.fetchall()]

    meter = CpuMeter({"web": lambda: tree(server.process.pid), "db": database_pids})
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    meter.start(started)
    result = run()
    cores = meter.stop(time.monotonic())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = time.monotonic() - started
    n = max(1, result["n"])
    per = {name: round(cores[name] * seconds / n * 1000, 2) for name in ("web", "db")}
    per["wrk"] = round((after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime) / n * 1000, 2)
    total_ms = sum(per.values())
    return result, {"web_ms": per["web"], "db_ms": per["db"], "wrk_ms": per["wrk"], "other_load_cores": cores["other_load"],
                    "cpu_bound_per_s": round((os.cpu_count() or 1) * 1000 / total_ms) if total_ms else None}


def day_queries(bench, server, fraction: float) -> None:
    from datetime import date

    made = generate_day(fraction)
    day = made["day"]
    start, end = day_bounds(date.fromisoformat(day))
    with connection.cursor() as cursor:
        cursor.execute("SELECT p.id FROM incidents_patrol p JOIN accounts_user u ON u.id = p.worker_id "
                       "WHERE u.username LIKE 'bench_patroller_%%' AND p.started_at >= %s AND p.started_at < %s", [start, end])
        patrol_ids = [row[0] for row in cursor.fetchall()]
        # The supervisor asking is a district's (bench_dispatcher): workers and cells of that district.
        district = first_area("district").code
        cursor.execute("SELECT p.id FROM incidents_patrol p JOIN grids_area c ON c.id = p.cell_id "
                       "WHERE p.id = ANY(%s) AND c.code LIKE %s", [patrol_ids, district + "%"])
        patrol_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT DISTINCT c.code, c.id FROM incidents_patrolpoint p JOIN grids_area c ON c.id = p.cell_id "
                       "WHERE p.patrol_id = ANY(%s) AND p.at >= %s AND p.at < %s", [patrol_ids[:200], start, end])
        cells = cursor.fetchall()
    rng = random.Random(int(os.environ.get("BENCH_PATROL_SEED", "18")))  # another seed: other workers and cells
    sample_patrols = rng.sample(patrol_ids, min(60, len(patrol_ids)))
    sample_cells = rng.sample(cells, min(60, len(cells)))
    headers = {"Authorization": f"Token {token('bench_dispatcher')}"}
    scale_note = (f"{made['workers']:,} workers, {made['points']:,} points in the day's partition "
                  f"({made['workers'] / CITY_WORKERS:.0%} of the 20,000-worker city's 57.6 M)")

    track, statuses, sizes, track_cpu = _sequential_with_cpu(server, [f"/api/v1/patrols/{pk}/" for pk in sample_patrols], headers)
    base = bare_sql("SELECT ST_AsBinary(location), at FROM incidents_patrolpoint WHERE patrol_id = %s AND at >= %s AND at < %s "
                    "ORDER BY at", [[pk, start, end] for pk in sample_patrols])
    bench.add(Row("patrol day: one worker's track", **track, errors=sum(s != 200 for s in statuses),
                  baseline="bare SQL of the day's points", baseline_median_ms=base["median_ms"],
                  ratio=round(base["median_ms"] / track["median_ms"], 3), target=QUERY_TARGET, met=track["p95_ms"] <= 200,
                  note=f"GET /api/v1/patrols/<id>/ ({sizes[0] // 1024} KB, {POINTS_PER_DAY:,}-point track), "
                       f"{len(sample_patrols)} different workers; {scale_note}; {_cpu_note(track_cpu)}",
                  extra={"day": made, "cpu": track_cpu, "load_average": os.getloadavg()}))

    paths = [f"/api/v1/patrols/coverage/?area={code}&date={day}" for code, _ in sample_cells]
    coverage, statuses, _, coverage_cpu = _sequential_with_cpu(server, paths, headers)
    base = bare_sql("SELECT count(*), count(DISTINCT p.patrol_id), min(at), max(at) FROM incidents_patrolpoint p "
                    "WHERE cell_id = %s AND at >= %s AND at < %s", [[cell_id, start, end] for _, cell_id in sample_cells])
    bench.add(Row("patrol day: one cell's coverage", **coverage, errors=sum(s != 200 for s in statuses),
                  baseline="bare SQL aggregate of the cell's day", baseline_median_ms=base["median_ms"],
                  ratio=round(base["median_ms"] / coverage["median_ms"], 3), target=QUERY_TARGET, met=coverage["p95_ms"] <= 200,
                  note=f"GET /api/v1/patrols/coverage/?area=<cell>&date=<day>, {len(sample_cells)} different cells; {scale_note}; "
                       f"{_cpu_note(coverage_cpu)}", extra={"cpu": coverage_cpu, "load_average": os.getloadavg()}))


def _sequential_with_cpu(server, paths: list[str], headers: dict) -> tuple[dict, list[int], list[int], dict]:
    """``sequential`` with the CPU per request of gunicorn and the database (``_with_cpu``): on a
    shared machine the latency is mostly the others' load, the CPU is the request's own."""
    answers: dict = {}
    # Warm-up, not measured: a worker's first requests import and build what Django makes lazily
    # (seconds of CPU, which 60 requests would carry). Each connection may go to another worker.
    for path in paths[:6]:
        sequential(server, [path], headers)

    def run() -> dict:
        result, answers["statuses"], answers["sizes"] = sequential(server, paths, headers)
        return result

    result, cpu = _with_cpu(server, run)
    return result, answers["statuses"], answers["sizes"], cpu


def _cpu_note(cpu: dict) -> str:
    return (f"CPU per request: web {cpu['web_ms']} ms, database {cpu['db_ms']} ms; machine load average "
            f"{os.getloadavg()[0]:.1f} (2 cores)")


def measure(bench, fraction: float | None = None, parts: tuple[str, ...] = ("ingestion", "day")) -> None:
    """The hook of ``bench/run.py``: both measurements against its running server."""
    fraction = fraction if fraction is not None else float(os.environ.get("BENCH_PATROL_FRACTION", "1" if bench.scale.name == "city" else "0.01"))
    if "ingestion" in parts:
        bench.measure("patrol points ingestion", lambda: ingestion(bench, bench.server), INGEST_TARGET)
    if "day" in parts:
        bench.measure("patrol day", lambda: day_queries(bench, bench.server, fraction), QUERY_TARGET)


def main() -> None:
    import argparse
    from dataclasses import asdict

    from bench.generate import SCALES, _areas, _users, generated_scale

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scale", choices=sorted(SCALES))
    parser.add_argument("--fraction", type=float, default=None, help="share of the 20,000-worker city's day to generate")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--only", choices=("ingestion", "day"), action="append", help="one of the two measurements (repeatable)")
    parser.add_argument("--web-workers", type=int, default=None, help="gunicorn workers (default: gridgov/gunicorn.conf.py's)")
    args = parser.parse_args()
    if generated_scale() is None and first_area("grid") is None:
        log(f"no data set: generating the {args.scale} areas and bench users only")
        with transaction.atomic():
            _areas(SCALES[args.scale])
        with transaction.atomic():
            _users()
    from bench.recorder import Bench  # noqa: PLC0415 - the row list and failure handling

    bench = Bench(args.scale, args.seconds, ["patrol"])
    server = Server(**({"workers": args.web_workers} if args.web_workers else {}))
    bench.server = server
    started = time.monotonic()
    try:
        measure(bench, args.fraction, tuple(args.only or ("ingestion", "day")))
    finally:
        server.stop()
    report = {"scale": args.scale, "date": timezone.localtime().isoformat(timespec="seconds"),
              "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()}, "data": {},
              "duration_s": round(time.monotonic() - started, 1), "rows": [asdict(r) for r in bench.rows]}
    out = ROOT / "bench" / "results" / f"patrols-{args.scale}-latest"
    out.with_suffix(".json").write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    text = table(report)
    out.with_suffix(".txt").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()

"""A simulated day (issue 18, item 1): the ramp, run against gunicorn with a Celery worker and beat.

    DATABASE_URL=…/gridgov_bench .venv/bin/python -m bench.day.run small --quick
    DATABASE_URL=…/gridgov_bench .venv/bin/python -m bench.day.run city          # the full run

(``make bench`` runs it too, as the measurement "simulated day": quick at small scale, full at
city scale; ``make bench-day SCALE=…`` runs only it, and ``BENCH_DAY_QUICK=1``, ``BENCH_DAY_START``,
``BENCH_DAY_STEP_SECONDS``, ``BENCH_DAY_HOLD``, ``BENCH_DAY_MAX_WORKERS`` change its options there.) Steps of ``--step-seconds`` start at ``--start`` grid workers and grow by half each
time (bench/day/ramp.py) until a step is not held; the largest step held is then held again for
``--hold`` seconds (5 minutes in the full run) — if that fails, one step lower is tried. Each
step's load comes from bench/day/loadgen.py in a process of its own; CPU of web, worker, database
and the generator from /proc (bench/day/proc.py). The result: bench/results/day-<scale>-latest.json
and .txt, with the headroom against Dongcheng and the city (bench/day/report.py).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from bench.harness import Row, Server, log  # noqa: E402  (sets Django up)

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.day import mix, ramp, report, world  # noqa: E402
from bench.day.proc import CpuMeter, tree  # noqa: E402

RESULTS = ROOT / "bench" / "results"
QUICK = {"step_seconds": 20, "hold": 45}
FULL = {"step_seconds": 60, "hold": 300}
WARM_UP_S = 20
TARGET = "Dongcheng (350 workers) with >= 10x headroom; the city (20,000) held or sized"


class Celery:
    """A Celery worker (2 processes) and beat, on a queue of their own: the sweep every minute."""

    def __init__(self, server: Server):
        queue = f"gridgov-day-{os.getpid()}"
        env = dict(os.environ, **server.files_env, GRIDGOV_LOG_LEVEL="WARNING", GRIDGOV_CELERY_QUEUE=queue,
                   GRIDGOV_DB_CONN_MAX_AGE="600")
        logs = ROOT / "var"
        logs.mkdir(exist_ok=True)
        self.worker = subprocess.Popen(
            [str(ROOT / ".venv/bin/celery"), "-A", "gridgov", "worker", "-Q", queue, "--concurrency", "2", "-l", "warning",
             "-n", f"day{os.getpid()}@%h"], cwd=ROOT, env=env, stdout=open(logs / "day-worker.log", "w"), stderr=subprocess.STDOUT)
        self.beat = subprocess.Popen(
            [str(ROOT / ".venv/bin/celery"), "-A", "gridgov", "beat", "-l", "warning", "-s", str(logs / f"day-beat-{os.getpid()}")],
            cwd=ROOT, env=env, stdout=open(logs / "day-beat.log", "w"), stderr=subprocess.STDOUT)

    def pids(self) -> list[int]:
        return tree(self.worker.pid) + tree(self.beat.pid)

    def stop(self) -> None:
        for process in (self.beat, self.worker):
            process.send_signal(signal.SIGTERM)
        for process in (self.beat, self.worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def database_pids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return [row[0] for row in cursor.fetchall()]


def run_step(server: Server, celery: Celery, workers: int, seconds: int, material: dict, photo_path: str, seed: int) -> dict:
    plan = {
        "port": server.port, "seconds": seconds, "seed": seed, "rates": mix.rates(workers), "photo_path": photo_path,
        **material, "workers": material["workers"][:workers],
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(plan, handle)
    out = handle.name + ".out"
    generator = subprocess.Popen([sys.executable, "-m", "bench.day.loadgen", handle.name, out], cwd=ROOT)
    meter = CpuMeter({"web": lambda: tree(server.process.pid), "worker": celery.pids, "db": database_pids,
                      "loadgen": lambda: [generator.pid]})
    load_before = os.getloadavg()[0]
    meter.start(time.monotonic())
    # the generator's own figures end with its last answer; CPU is read over the step's seconds
    time.sleep(seconds)
    cpu = meter.stop(time.monotonic())
    generator.wait(timeout=seconds + 120)
    with open(out) as result_file:
        result = json.load(result_file)
    os.unlink(handle.name)
    os.unlink(out)
    kinds = {name: ramp.KindFigures(**{k: v for k, v in f.items() if k != "answered_per_s"}) for name, f in result["kinds"].items()}
    verdict = ramp.judge(kinds, unanswered=result["unanswered"])
    step = {
        "workers": workers, "seconds": seconds, "held": verdict.held, "reasons": verdict.reasons, "kinds": result["kinds"],
        "unanswered": result["unanswered"], "cpu_cores": cpu, "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "requests_per_s": round(sum(f["answered_per_s"] for f in result["kinds"].values()), 1),
    }
    log(f"day: {workers:,} workers × {seconds} s: {'held' if verdict.held else 'NOT held'} — {step['requests_per_s']}/s, "
        f"CPU web {cpu['web']} worker {cpu['worker']} db {cpu['db']} loadgen {cpu['loadgen']} other {cpu['other_load']} cores; "
        f"load {step['load_average']}" + (f"; {'; '.join(verdict.reasons[:3])}" if verdict.reasons else ""))
    return step


def ramp_and_hold(server: Server, *, start: int, step_seconds: int, hold: int, max_workers: int) -> dict:
    material = world.make(start)
    photo = tempfile.NamedTemporaryFile(suffix=".jpg", delete=False)
    photo.write(world.photo_of_phone())
    photo.close()
    celery = Celery(server)
    steps, confirms = [], []
    try:
        # Warm-up, not judged: the worker and beat start, gunicorn's workers make their connections,
        # prepare their statements and learn the hot paths' headers, the caches fill.
        warm = run_step(server, celery, start, WARM_UP_S, material, photo.name, 0)
        workers, seed = start, 1
        while True:
            if len(material["workers"]) < workers:
                material = world.make(workers)
            steps.append(run_step(server, celery, workers, step_seconds, material, photo.name, seed))
            seed += 1
            if not steps[-1]["held"] or workers >= max_workers:
                break
            workers = min(max_workers, ramp.next_workers(workers))
        candidate = ramp.largest_held(steps)
        for _attempt in range(3):
            if candidate is None or hold <= 0:
                break
            material = world.make(candidate["workers"])
            confirm = run_step(server, celery, candidate["workers"], hold, material, photo.name, seed)
            seed += 1
            confirms.append(confirm)
            if confirm["held"]:
                break
            lower = ramp.readable(candidate["workers"] / ramp.GROWTH)
            candidate = {"workers": lower} if lower >= 1 else None
    finally:
        celery.stop()
        os.unlink(photo.name)
    held = ramp.largest_held(confirms) if hold > 0 else ramp.largest_held(steps)
    broken = ramp.first_broken(steps)
    return {"warm_up": warm, "steps": steps, "confirms": confirms, "held": held, "broken": broken}


def result_of(scale: str, run: dict, options: dict) -> dict:
    host_cores = os.cpu_count() or 1
    every = run["steps"] + run["confirms"]
    basis = ramp.largest_held(run["steps"]) or (run["steps"][0] if run["steps"] else None)
    seconds = sum(s["seconds"] for s in every)
    worker_cores = round(sum(s["cpu_cores"]["worker"] * s["seconds"] for s in every) / seconds, 3) if seconds else None
    result = {
        "scale": scale, "date": timezone.localtime().isoformat(timespec="seconds"), "host_cores": host_cores,
        "options": options, "mix_per_worker_rps": round(mix.per_worker_rps(), 4),
        "summary": report.summary(run["held"], run["broken"], host_cores=host_cores, measured=basis, worker_cores=worker_cores),
        **run,
    }
    return result


def text(result: dict) -> str:
    out = [f"simulated day · scale {result['scale']} · {result['date']} · {result['host_cores']} cores · options {result['options']}", ""]
    header = f"{'workers':>8} {'s':>4} {'held':>5} {'req/s':>7} {'web':>5} {'wrk':>5} {'db':>5} {'gen':>5} {'other':>5} {'load':>11}  what broke"
    out += [header, "-" * len(header)]
    for label, group in (("ramp", result["steps"]), ("hold", result["confirms"])):
        for s in group:
            c = s["cpu_cores"]
            out.append(f"{s['workers']:>8,} {s['seconds']:>4} {('yes' if s['held'] else 'NO'):>5} {s['requests_per_s']:>7} {c['web']:>5} "
                       f"{c['worker']:>5} {c['db']:>5} {c['loadgen']:>5} {c['other_load']:>5} {str(s['load_average']):>11}  "
                       f"{label}: {'; '.join(s['reasons'][:2])}")
    held = result["held"]
    if held:
        out += ["", f"at the load held ({held['workers']:,} workers, {held['seconds']} s): kind, answered/s, p50, p95 ms, errors"]
        for name, f in held["kinds"].items():
            out.append(f"  {name:<14} {f['answered_per_s']:>8.2f}/s {f['p50_ms'] or 0:>8.1f} {f['p95_ms'] or 0:>8.1f} {f['errors']:>5}")
    out += [""] + report.lines(result)
    out.append("CPU columns are cores used (of the host's), from /proc; 'other' is the rest of the machine (other sessions).")
    return "\n".join(out)


def save(result: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"day-{result['scale']}-{stamp}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    (RESULTS / f"day-{result['scale']}-latest.json").write_text(path.read_text())
    (RESULTS / f"day-{result['scale']}-latest.txt").write_text(text(result) + "\n")
    return path


def options_for(scale: str, quick: bool, **given) -> dict:
    options = dict(QUICK if quick or scale != "city" else FULL)
    options.update({k: v for k, v in given.items() if v is not None})
    options.setdefault("start", 350 if scale == "city" else 100)
    options.setdefault("max_workers", 40_000)
    return options


def measure(bench) -> None:
    """The hook of ``bench/run.py``: the day against its running server; one row with the conclusion."""
    def day():
        env = os.environ.get
        options = options_for(bench.scale.name, bench.scale.name != "city" or env("BENCH_DAY_QUICK") == "1",
                              **{name: int(env(f"BENCH_DAY_{name.upper()}")) for name in ("start", "step_seconds", "hold", "max_workers")
                                 if env(f"BENCH_DAY_{name.upper()}")})
        run = ramp_and_hold(bench.server, **options)
        result = result_of(bench.scale.name, run, options)
        save(result)
        s = result["summary"]
        held = run["held"]
        bench.add(Row("simulated day: largest load held", rps=held["requests_per_s"] if held else None, n=s["held_workers"],
                      target=TARGET, met=s["dongcheng_headroom"] >= 10 if held else False,
                      note=" · ".join(report.lines(result)) + f" (bench/results/day-{bench.scale.name}-latest.txt)"))

    bench.measure("simulated day", day, TARGET)


def main() -> None:
    from bench.generate import SCALES

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scale", choices=sorted(SCALES))
    parser.add_argument("--quick", action="store_true", help=f"short steps and hold ({QUICK})")
    parser.add_argument("--start", type=int, help="grid workers of the first step (default 350 city, 100 otherwise)")
    parser.add_argument("--step-seconds", type=int, help="seconds of each ramp step")
    parser.add_argument("--hold", type=int, help="seconds the largest step is held again (0: not again)")
    parser.add_argument("--max-workers", type=int, help="stop the ramp here")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn workers (gridgov/gunicorn.conf.py: 3)")
    args = parser.parse_args()
    options = options_for(args.scale, args.quick, start=args.start, step_seconds=args.step_seconds, hold=args.hold,
                          max_workers=args.max_workers)
    server = Server(workers=args.web_workers)
    try:
        run = ramp_and_hold(server, **options)
    finally:
        server.stop()
    result = result_of(args.scale, run, {**options, "web_workers": args.web_workers})
    path = save(result)
    print(text(result))
    print(f"\nJSON: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

"""Soak: mixed load for a long while, watching errors and memory (not run in CI).

    DATABASE_URL=…/gridgov_bench DJANGO_SETTINGS_MODULE=bench.settings \\
        .venv/bin/python bench/soak.py --clients 16 --minutes 10

(run ``make bench SCALE=small`` once first: it makes the gridgov_bench database and its users.)

Starts gunicorn (as the benchmark does), a Celery worker and Celery beat (so the escalation sweep
runs every minute under the load), then ``--clients`` threads each loop over a weighted mix:
point lookups, vector tiles, case lists and details, resident lists, filing a report (a third of
them with a photo) and the console queue. Every ``--every`` seconds it prints requests, errors
(any non-2xx answer or socket error) and the resident memory (RSS) of the web workers and the
Celery worker; at the end a verdict: errors must be 0, and memory must not keep growing (the last
interval's RSS within 20 % of the second interval's — the first is warm-up).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from bench import run as bench  # noqa: E402  (sets Django up)
from bench.generate import first_area  # noqa: E402


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except OSError:
        return []
    return [int(x) for x in out.split()]


def tree_rss_mb(pid: int) -> float:
    return round(sum(rss_kb(p) for p in [pid, *children(pid)]) / 1024, 1)


class Mix:
    """The weighted requests a day of use makes, prepared once."""

    def __init__(self):
        self.tokens = {name: bench.token(name) for name in ("bench_dispatcher", "bench_worker", "bench_community")}
        self.points = bench.random_points(300, seed=3)
        cell = first_area("grid")
        point = cell.boundary.point_on_surface
        category = bench.Bench.category(None)
        self.report_json = json.dumps({"category": category, "lat": point.y, "lng": point.x, "description": "soak"}).encode()
        photo = bench.jpeg_of_about()
        self.report_photo = bench.multipart({"category": category, "lat": point.y, "lng": point.x, "description": "soak"},
                                            {"photos": ("phone.jpg", photo)})
        from incidents.models import Incident

        self.incident_ids = list(Incident.objects.filter(filed_area__code__startswith=first_area("district").code)
                                 .values_list("pk", flat=True)[:500])
        from grids.tiles import MIN_ZOOM

        self.tiles = []
        for level, low in MIN_ZOOM.items():
            for z in range(max(low, 10), 17):
                x, y = bench.tile_xy(self.points[0][0], self.points[0][1], z)
                self.tiles.append(f"/api/v1/tiles/{level}/{z}/{x}/{y}.mvt")
        self.weights = [
            ("lookup", 30), ("tile", 20), ("incident_list", 10), ("incident_detail", 10), ("residents", 10),
            ("report", 8), ("report_photo", 4), ("queue", 8),
        ]

    def pick(self, rng: random.Random) -> tuple[str, str, str, bytes | None, dict]:
        name = rng.choices([w[0] for w in self.weights], [w[1] for w in self.weights])[0]
        auth = lambda user: {"Authorization": f"Token {self.tokens[user]}"}  # noqa: E731
        if name == "lookup":
            lng, lat = rng.choice(self.points)
            return name, "GET", f"/api/v1/areas/lookup/?lat={lat:.6f}&lng={lng:.6f}", None, auth("bench_dispatcher")
        if name == "tile":
            return name, "GET", rng.choice(self.tiles), None, auth("bench_dispatcher")
        if name == "incident_list":
            return name, "GET", "/api/v1/incidents/", None, auth("bench_dispatcher")
        if name == "incident_detail" and self.incident_ids:
            return name, "GET", f"/api/v1/incidents/{rng.choice(self.incident_ids)}/", None, auth("bench_dispatcher")
        if name == "residents":
            return name, "GET", "/api/v1/residents/persons/", None, auth("bench_community")
        if name == "report":
            return name, "POST", "/api/v1/incidents/", self.report_json, auth("bench_worker") | {"Content-Type": "application/json"}
        if name == "report_photo":
            body, content_type = self.report_photo
            return name, "POST", "/api/v1/incidents/", body, auth("bench_worker") | {"Content-Type": content_type}
        return "queue", "GET", "/api/v1/dispatch/queue/", None, auth("bench_dispatcher")


def client_loop(port: int, mix: Mix, stop: threading.Event, stats: Counter, errors: Counter, seed: int) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while not stop.is_set():
        name, method, path, body, headers = mix.pick(rng)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            stats[name] += 1
            if not 200 <= response.status < 300:
                errors[f"{name} {response.status}"] += 1
        except (OSError, http.client.HTTPException) as exc:
            errors[f"{name} {type(exc).__name__}"] += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--every", type=int, default=30, help="seconds between reports")
    args = parser.parse_args()

    mix = Mix()
    server = bench.Server()
    env = dict(os.environ, **server.files_env, GRIDGOV_LOG_LEVEL="WARNING", GRIDGOV_CELERY_QUEUE="gridgov-soak")
    log_dir = ROOT / "var"
    worker = subprocess.Popen([str(ROOT / ".venv/bin/celery"), "-A", "gridgov", "worker", "-Q", "gridgov-soak", "--concurrency", "2",
                               "-l", "warning", "-n", "soak@%h"], cwd=ROOT, env=env,
                              stdout=open(log_dir / "soak-worker.log", "w"), stderr=subprocess.STDOUT)
    beat = subprocess.Popen([str(ROOT / ".venv/bin/celery"), "-A", "gridgov", "beat", "-l", "warning",
                             "-s", str(log_dir / "soak-beat-schedule")], cwd=ROOT, env=env,
                            stdout=open(log_dir / "soak-beat.log", "w"), stderr=subprocess.STDOUT)
    stop = threading.Event()
    stats, errors = Counter(), Counter()
    threads = [threading.Thread(target=client_loop, args=(server.port, mix, stop, stats, errors, i), daemon=True)
               for i in range(args.clients)]
    samples = []
    started = time.monotonic()
    try:
        for thread in threads:
            thread.start()
        print(f"{'t (s)':>6} {'requests':>9} {'per s':>7} {'errors':>7} {'web MB':>8} {'worker MB':>10}")
        last = 0
        while time.monotonic() - started < args.minutes * 60:
            time.sleep(args.every)
            total = sum(stats.values())
            sample = {
                "t": round(time.monotonic() - started), "requests": total, "rps": round((total - last) / args.every, 1),
                "errors": sum(errors.values()), "web_mb": tree_rss_mb(server.process.pid), "worker_mb": tree_rss_mb(worker.pid),
            }
            last = total
            samples.append(sample)
            print(f"{sample['t']:>6} {sample['requests']:>9} {sample['rps']:>7} {sample['errors']:>7} {sample['web_mb']:>8} "
                  f"{sample['worker_mb']:>10}", flush=True)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=70)
        server.stop()
        for process in (beat, worker):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    growth = {}
    if len(samples) >= 3:
        for key in ("web_mb", "worker_mb"):
            growth[key] = round(samples[-1][key] / samples[1][key] - 1, 3) if samples[1][key] else None
    verdict = {
        "errors": dict(errors), "requests": dict(stats), "memory_growth_after_warmup": growth,
        "ok": not errors and all(g is None or g < 0.2 for g in growth.values()),
    }
    out = bench.RESULTS / f"soak-{time.strftime('%Y%m%d-%H%M%S')}.json"
    bench.RESULTS.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"clients": args.clients, "minutes": args.minutes, "samples": samples, **verdict}, indent=2))
    print(json.dumps(verdict, indent=2))
    print(f"JSON: {out.relative_to(ROOT)}")
    sys.exit(0 if verdict["ok"] else 1)


if __name__ == "__main__":
    main()

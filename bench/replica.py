"""Past one machine, measured (issue 18): what a streaming standby takes off the primary, what
synchronous replication costs a report, and how long a failover keeps the phones waiting.

    .venv/bin/python -m bench.replica [--runs 3] [--requests 200]

Clusters of its own on loopback (tests/scale: Debian's PostgreSQL 15, free ports, removed at the
end), the test world, the app under gunicorn as in production. Output: a table, and JSON in
bench/results/replica-latest.json. Every figure comes with the machine's load average.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
django.setup()

import requests  # noqa: E402

from tests.scale.clusters import Cluster, make_root  # noqa: E402
from tests.scale.pairs import make_golden, make_pair  # noqa: E402
from tests.scale.phone import Phone, file_as_resident  # noqa: E402
from tests.scale.servers import AppServer  # noqa: E402
from tests.waiting import wait_for  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
COUNTERS = "SELECT xact_commit + xact_rollback, tup_returned + tup_fetched FROM pg_stat_database WHERE datname = 'gridgov'"


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def heavy_reads(server: AppServer, facts: dict, case_page: str, count: int) -> float:
    """``count`` rounds of the standby's views, 4 clients at a time: the district's population
    statistics, a resident's case page, the evaluation, a map tile. Answers requests/s."""
    leader = {"Authorization": f"Token {facts['leader_token']}"}
    z = 15
    x = int((facts["lng"] + 180) / 360 * 2**z)
    y = int((1 - math.asinh(math.tan(math.radians(facts["lat"]))) / math.pi) / 2 * 2**z)
    paths = [(f"/api/v1/residents/statistics/{facts['district']}/", leader), (case_page, {}),
             (f"/api/v1/indicators/?area={facts['district']}", leader), (f"/api/v1/tiles/grid/{z}/{x}/{y}.mvt", leader)]

    def one(i: int) -> int:
        path, headers = paths[i % len(paths)]
        return requests.get(server.url(path), headers=headers, timeout=60).status_code

    began = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(one, range(count * len(paths))))
    bad = [c for c in codes if c >= 400]
    if bad:
        raise RuntimeError(f"{len(bad)} heavy reads failed: {sorted(set(bad))}")
    return len(codes) / (time.monotonic() - began)


def counters(cluster: Cluster) -> tuple[int, int]:
    return tuple(cluster.query(COUNTERS)[0])


def offload(golden, facts, root: Path, clusters: list, requests_per_kind: int) -> dict:
    """The same heavy reads with the standby and without: how many transactions and rows each
    server worked on per request."""
    pair = make_pair(golden, facts, root / "offload", clusters)
    env = {"DATABASE_URL": pair.primary.url(), "GRIDGOV_DB_CONN_MAX_AGE": "60"}
    answer = {"load": load()}
    for name, extra in (("primary only", {}), ("with standby", {"GRIDGOV_REPLICA_URL": pair.standby.url()})):
        server = AppServer({**env, **extra}).wait_ready()
        try:
            case_page = file_as_resident(requests.Session(), server, facts)
            pair.caught_up()
            heavy_reads(server, facts, case_page, 5)  # warm-up: connections, caches
            before = {"primary": counters(pair.primary), "standby": counters(pair.standby)}
            rate = heavy_reads(server, facts, case_page, requests_per_kind)
            after = {"primary": counters(pair.primary), "standby": counters(pair.standby)}
        finally:
            server.stop()
        n = requests_per_kind * 4
        answer[name] = {"requests_per_s": round(rate, 1), **{
            f"{side}_{what}_per_request": round((after[side][i] - before[side][i]) / n, 2)
            for side in ("primary", "standby") for i, what in enumerate(("transactions", "rows"))
        }}
    for cluster in (pair.standby, pair.primary):
        cluster.destroy()
    return answer


def stream(server: AppServer, facts: dict, seconds_or_kill, phones: int = 4) -> tuple[list[Phone], float | None]:
    stop = threading.Event()
    running = [Phone(server, facts, stop) for _ in range(phones)]
    for phone in running:
        phone.start()
    try:
        killed_at = seconds_or_kill(lambda: sum(len(p.answered) for p in running))
    finally:
        stop.set()
        for phone in running:
            phone.join(timeout=60)
    return running, killed_at


def report_latency(golden, facts, root: Path, clusters: list, synchronous: bool, reports: int) -> dict:
    pair = make_pair(golden, facts, root / ("sync" if synchronous else "async"), clusters, synchronous=synchronous)
    server = AppServer({"DATABASE_URL": pair.primary.url(), "GRIDGOV_DB_CONN_MAX_AGE": "60"}).wait_ready()
    try:
        phones, _ = stream(server, facts, lambda answered: wait_for(lambda: answered() >= reports, timeout=300, what="reports"))
    finally:
        server.stop()
        for cluster in (pair.standby, pair.primary):
            cluster.destroy()
    seconds = sorted(s for p in phones for s in p.seconds[3:])  # past each phone's first connection
    return {"load": load(), "reports": len(seconds), "median_ms": round(1000 * statistics.median(seconds), 1),
            "p95_ms": round(1000 * seconds[int(0.95 * (len(seconds) - 1))], 1)}


def failover(golden, facts, root: Path, clusters: list) -> dict:
    pair = make_pair(golden, facts, root / f"failover-{time.monotonic_ns()}", clusters, synchronous=True)
    wait_for(lambda: pair.primary.query("SELECT sync_state FROM pg_stat_replication", dbname="postgres") == [("sync",)],
             what="a synchronous standby")
    hosts = f"127.0.0.1:{pair.primary.port},127.0.0.1:{pair.standby.port}"
    server = AppServer({"DATABASE_URL": f"postgis://postgres@{hosts}/gridgov?target_session_attrs=read-write&connect_timeout=2",
                        "GRIDGOV_DB_CONN_MAX_AGE": "60"}).wait_ready()
    timings = {}

    def kill_midway(answered):
        wait_for(lambda: answered() >= 40, timeout=300, what="reports before the kill")
        timings["load"] = load()
        pair.primary.kill()
        killed = time.monotonic()
        pair.standby.promote()
        timings["promote_s"] = round(time.monotonic() - killed, 3)
        at_kill = answered()
        wait_for(lambda: answered() >= at_kill + 40, timeout=300, what="reports after the promotion")
        return killed

    try:
        phones, killed_at = stream(server, facts, kill_midway)
    finally:
        server.stop()
    answered_after = sorted(at for p in phones for _, at in p.answered if at > killed_at)
    sent = {str(c) for p in phones for c in p.sent}
    answered = {str(c) for p in phones for c, _ in p.answered}
    filed = dict(pair.standby.query("SELECT client_id::text, count(*) FROM incidents_incident "
                                    "WHERE client_id = ANY(%s::uuid[]) GROUP BY client_id", [sorted(sent)]))
    for cluster in (pair.standby, pair.primary):
        cluster.destroy()
    return {**timings, "first_answer_after_kill_s": round(answered_after[0] - killed_at, 3),
            "errors_answered": sum(p.errors for p in phones), "answered": len(answered),
            "answered_and_lost": len(answered - set(filed)), "filed_twice": sum(1 for n in filed.values() if n > 1)}


def table(result: dict) -> str:
    """The figures as the text table kept in bench/results/replica-latest.txt."""
    lines = [f"bench/replica.py, {result['when']}", "", "heavy reads (statistics, public case page, indicators, tile), 4 clients:"]
    for name in ("primary only", "with standby"):
        row = result["offload"][name]
        lines.append(f"  {name:13}  primary {row['primary_transactions_per_request']:5.2f} transactions, "
                     f"{row['primary_rows_per_request']:7.1f} rows per request; standby {row['standby_transactions_per_request']:5.2f}, "
                     f"{row['standby_rows_per_request']:7.1f}; {row['requests_per_s']} requests/s")
    lines.append(f"  ({result['offload']['load']})")
    for kind in ("report_async", "report_sync"):
        row = result[kind]
        lines.append(f"report, {kind.split('_')[1]:5} replication: median {row['median_ms']} ms, p95 {row['p95_ms']} ms "
                     f"over {row['reports']} reports ({row['load']})")
    for i, row in enumerate(result["failovers"], 1):
        lines.append(f"failover {i}: promote {row['promote_s']} s, first answer {row['first_answer_after_kill_s']} s after the kill, "
                     f"{row['errors_answered']} errors, {row['answered']} answered, {row['answered_and_lost']} lost, "
                     f"{row['filed_twice']} filed twice ({row['load']})")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="failovers to measure")
    parser.add_argument("--requests", type=int, default=100, help="heavy reads of each kind")
    args = parser.parse_args()
    root = make_root()
    clusters: list[Cluster] = []
    began = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    try:
        golden, facts = make_golden(root / "golden")
        clusters.append(golden)
        result = {"when": began, "offload": offload(golden, facts, root, clusters, args.requests),
                  "report_async": report_latency(golden, facts, root, clusters, False, 200),
                  "report_sync": report_latency(golden, facts, root, clusters, True, 200),
                  "failovers": [failover(golden, facts, root, clusters) for _ in range(args.runs)]}
    finally:
        for cluster in reversed(clusters):
            cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "replica-latest.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    (RESULTS / "replica-latest.txt").write_text(table(result))
    print(table(result))


if __name__ == "__main__":
    main()

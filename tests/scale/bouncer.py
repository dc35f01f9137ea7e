"""PgBouncer of a test's own (Debian's /usr/sbin/pgbouncer) in front of one test cluster, in
transaction pooling: a free port on loopback, its folder beside the cluster's, killed at the end.
And the load that shows what it is for: many web workers holding connections, counted against
the server's ``max_connections`` (used by tests/scale/test_pgbouncer.py and bench/pgbouncer.py).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg
import requests

from tests.waiting import wait_for

from .clusters import Cluster, free_port, process_tree_cpu
from .phone import report

PGBOUNCER = Path("/usr/sbin/pgbouncer")


def version() -> str:
    """``PgBouncer 1.18.0`` on Debian 12."""
    return subprocess.run([str(PGBOUNCER), "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]


class PgBouncer:
    def __init__(self, target: Cluster, *, pool_size: int):
        self.port = free_port()
        self.pool_size = pool_size
        self.dir = target.dir.parent / f"pgbouncer-{self.port}"
        self.dir.mkdir()
        (self.dir / "userlist.txt").write_text('"postgres" ""\n')
        (self.dir / "pgbouncer.ini").write_text(f"""[databases]
* = host=127.0.0.1 port={target.port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
auth_type = trust
auth_file = {self.dir}/userlist.txt
pool_mode = transaction
default_pool_size = {pool_size}
max_db_connections = {pool_size}
max_client_conn = 500
logfile = {self.dir}/pgbouncer.log
pidfile = {self.dir}/pgbouncer.pid
""")
        # PgBouncer refuses to run as root, as PostgreSQL does.
        as_user = {"user": "postgres", "group": "postgres", "extra_groups": []} if os.geteuid() == 0 else {}
        if as_user:
            shutil.chown(self.dir, "postgres", "postgres")
        self.process = subprocess.Popen([str(PGBOUNCER), str(self.dir / "pgbouncer.ini")], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.STDOUT, **as_user)
        wait_for(self._answers, timeout=30, what="PgBouncer to answer")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"PgBouncer exited:\n{self.log_text()}")
        try:
            with self.connect() as conn:
                return conn.execute("SELECT 1").fetchone() == (1,)
        except psycopg.OperationalError:
            return False

    def connect(self, dbname: str = "gridgov") -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, connect_timeout=5,
                               autocommit=True)

    def url(self, dbname: str = "gridgov") -> str:
        return f"postgis://postgres@127.0.0.1:{self.port}/{dbname}"

    def log_text(self) -> str:
        try:
            return (self.dir / "pgbouncer.log").read_text(errors="replace")[-3000:]
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class Load:
    """What a burst of phones did to one app server and its database."""
    requests: int
    errors: int
    seconds: float
    peak_backends: int
    web_cpu_ms: float  # per request, gunicorn's processes
    db_cpu_ms: float  # per request, the PostgreSQL server's processes
    filed: list[uuid.UUID]  # client ids of the reports answered with a success
    error_samples: list[str]
    slowest: float  # seconds, of the requests answered


    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def burst(server, cluster: Cluster, facts: dict, *, clients: int, rounds: int) -> Load:
    """``clients`` phones at once, each sending ``rounds`` times a report and a point lookup (the
    token check and the lookup are gridgov/prepared.py's statements); the server's client backends
    sampled every 20 ms meanwhile."""
    lookup = server.url(f"/api/v1/areas/lookup/?lat={facts['lat']}&lng={facts['lng']}")
    headers = {"Authorization": f"Token {facts['worker_token']}"}
    filed: list[uuid.UUID] = []
    errors: list[str] = []
    took: list[float] = []
    lock = threading.Lock()

    def phone(_: int) -> None:
        for _round in range(rounds):
            client_id = uuid.uuid4()
            sends = (("report", lambda: report(server, facts, client_id, timeout=90)),
                     ("lookup", lambda: requests.get(lookup, headers=headers, timeout=90)))
            for kind, send in sends:
                began = time.monotonic()
                try:
                    answer = send()
                    took.append(time.monotonic() - began)
                    ok, what = 200 <= answer.status_code < 300, f"{kind}: {answer.status_code} {answer.text[:120]}"
                except requests.RequestException as error:
                    ok, what = False, f"{kind}: {error!r}"[:160]
                with lock:
                    if not ok:
                        errors.append(what)
                    elif kind == "report":
                        filed.append(client_id)

    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], cluster.client_backends())

    sampler = threading.Thread(target=sample, daemon=True)
    web_before, db_before = process_tree_cpu(server.process.pid), cluster.cpu_seconds()
    began = time.monotonic()
    sampler.start()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(phone, range(clients)))
    seconds = time.monotonic() - began
    done.set()
    sampler.join()
    total = clients * rounds * 2
    return Load(requests=total, errors=len(errors), seconds=seconds, peak_backends=peak[0],
                web_cpu_ms=(process_tree_cpu(server.process.pid) - web_before) * 1000 / total,
                db_cpu_ms=(cluster.cpu_seconds() - db_before) * 1000 / total, filed=filed, error_samples=errors[:3],
                slowest=max(took, default=0.0))

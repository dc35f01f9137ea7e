"""The demo seed (issue 16 item 7: `make run` seeds in under 90 s on the 2-core machine).

Runs ``manage.py seed_demo`` into the (empty) database of DATABASE_URL and reports the wall time,
the load average before and after, and the CPU time spent on it — this process's (user + sys) and
that of its PostgreSQL backend (read from /proc before the connection closes) — because on the
shared machine the wall figure is mostly other people's load.

    .venv/bin/python -m bench.seed_bench            # the full demo (needs an empty database)
    .venv/bin/python -m bench.seed_bench --small    # the test's small demo
"""
from __future__ import annotations

import os
import resource
import sys
import time

TARGET = "seed_demo into an empty database < 90 s on 2 cores"


def _backend_cpu_s() -> float | None:
    """CPU seconds (user + sys) of this connection's PostgreSQL backend, when it runs on this machine."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(*, small: bool = False) -> dict:
    from io import StringIO

    from django.core.management import call_command

    load_before = os.getloadavg()
    own_before = resource.getrusage(resource.RUSAGE_SELF)
    backend_before = _backend_cpu_s() or 0.0
    out = StringIO()
    started = time.perf_counter()
    call_command("seed_demo", *(["--small"] if small else []), stdout=out, verbosity=0)
    wall = time.perf_counter() - started
    backend = _backend_cpu_s()
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "wall_s": round(wall, 1),
        "python_cpu_s": round(own.ru_utime + own.ru_stime - own_before.ru_utime - own_before.ru_stime, 1),
        "postgres_cpu_s": None if backend is None else round(backend - backend_before, 1),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "parts": next((line for line in out.getvalue().splitlines() if line.startswith("Time per part")), ""),
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    import django

    django.setup()
    result = measure(small="--small" in sys.argv)
    for key, value in result.items():
        print(f"{key}: {value}")

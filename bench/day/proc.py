"""CPU time of the processes that serve the day, read from /proc (Linux).

Each group is a set of process ids: a process and its children (gunicorn's master and workers,
Celery's worker and its pool, beat, the load generator), or the PostgreSQL backends of the
benchmark's database (their pids from ``pg_stat_activity``). A backend that ends during a step
takes its CPU with it; the benchmark's connections are kept (CONN_MAX_AGE), so few do. The whole
machine's busy time (/proc/stat) is read too: what the other groups do not account for is other
load on the machine (other sessions sharing it), which the report states.
"""
from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def process_seconds(pid: int) -> float:
    """User + system CPU seconds of one process, 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # after the command: state ppid … utime is the 12th field, stime the 13th (stat(5) fields 14, 15)
    return (int(fields[11]) + int(fields[12])) / TICKS


def children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (from /proc/<pid>/task/*/children)."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        for task in Path(f"/proc/{current}/task").glob("*") if Path(f"/proc/{current}/task").exists() else []:
            try:
                kids = [int(x) for x in (task / "children").read_text().split()]
            except OSError:
                continue
            found.extend(kids)
            stack.extend(kids)
    return found


def tree(pid: int) -> list[int]:
    return [pid, *children(pid)]


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, over every core."""
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already inside user
    return (total - idle) / TICKS, total / TICKS


class CpuMeter:
    """Cores used by each group between ``start()`` and ``stop()``."""

    def __init__(self, groups):
        self.groups = groups  # name → callable answering the group's pids now

    def _read(self) -> dict:
        return {name: {pid: process_seconds(pid) for pid in pids()} for name, pids in self.groups.items()}

    def start(self, wall: float) -> None:
        self.first, self.first_wall, self.first_machine = self._read(), wall, machine_busy_seconds()

    def stop(self, wall: float) -> dict[str, float]:
        last, machine = self._read(), machine_busy_seconds()
        seconds = max(wall - self.first_wall, 1e-9)
        cores = {}
        for name, now in last.items():
            before = self.first.get(name, {})
            # a process that appeared during the step counts from 0
            cores[name] = round(sum(max(0.0, t - before.get(pid, 0.0)) for pid, t in now.items()) / seconds, 3)
        busy = (machine[0] - self.first_machine[0]) / seconds
        cores["machine_busy"] = round(busy, 3)
        cores["other_load"] = round(max(0.0, busy - sum(v for k, v in cores.items() if k not in ("machine_busy",))), 3)
        return cores

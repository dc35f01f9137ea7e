"""Celery as on several hosts: workers as separate processes, each with its own host name (``-n``)
and its own database application name (to see which one holds a transaction), one beat, one Redis.
A ``wrapper`` runs a process elsewhere (a network namespace of its own: tests/scale/netns.py), with
the database and Redis at the addresses given for it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _env(broker: str, queue: str, application_name: str, extra: dict[str, str], reach: "Reach | None") -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    env.pop("GRIDGOV_REPLICA_URL", None)
    database = reach.database if reach else f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env.update(
        DATABASE_URL=f"{database}?application_name={application_name}", GRIDGOV_CELERY_QUEUE=queue,
        GRIDGOV_DB_CONN_MAX_AGE="0", CELERY_BROKER_URL=broker, REDIS_URL=reach.redis if reach else broker, **extra,
    )
    return env


@dataclass(frozen=True)
class Reach:
    """How a process elsewhere reaches the services: its command's prefix, the database URL (no
    query string) and the Redis URL for Django's cache (the broker URL is given apart)."""
    wrapper: tuple[str, ...]
    database: str
    redis: str


class Process:
    """A Celery process with its log in a temporary file; stopped (or killed) at the end."""

    def __init__(self, args: list[str], env: dict[str, str], prefix: str, wrapper: tuple[str, ...] = ()):
        self.log = tempfile.NamedTemporaryFile(prefix=prefix, suffix=".log", delete=False)
        # The wrapper execs (ip netns exec, unshare, sh -c exec): the pid stays Celery's own.
        self.process = subprocess.Popen([*wrapper, sys.executable, "-m", "celery", "-A", "gridgov", *args], cwd=ROOT, env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT)

    def log_text(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


class HostWorker(Process):
    def __init__(self, broker: str, queue: str, host: str, extra: dict[str, str], reach: Reach | None = None):
        self.hostname = f"worker@{host}"
        self.application_name = f"celery-{host}"
        super().__init__(["worker", "-Q", queue, "-n", self.hostname, "--pool", "solo", "-l", "info"],
                         _env(broker, queue, self.application_name, extra, reach), prefix=f"gridgov-scale-{host}-",
                         wrapper=reach.wrapper if reach else ())


class Beat(Process):
    def __init__(self, broker: str, queue: str, extra: dict[str, str], reach: Reach | None = None):
        self.dir = tempfile.mkdtemp(prefix="gridgov-scale-beat-")
        super().__init__(["beat", "-s", str(Path(self.dir) / "schedule"), "-l", "info"],
                         _env(broker, queue, "celery-beat", extra, reach), prefix="gridgov-scale-beat-",
                         wrapper=reach.wrapper if reach else ())

    def stop(self) -> None:
        super().stop()
        subprocess.run(["rm", "-rf", self.dir], check=False)

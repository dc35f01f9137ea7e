"""PostgreSQL clusters of a test's own, on loopback: a primary and its streaming hot standby.

Debian's PostgreSQL 15 binaries, a data directory under /tmp, a free port picked at start (never
the shared cluster's), and every process stopped — or killed — when the test ends, failed or not
(the fixtures in conftest.py call ``destroy``). PostgreSQL refuses to run as root: as root the
commands run as the postgres user.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

PGBIN = Path("/usr/lib/postgresql/15/bin")
# Quick to start, as the shared cluster of scripts/services.sh; fsync off loses nothing when only
# processes die (the failover test's SIGKILL), only when the machine does.
SETTINGS = ["listen_addresses='127.0.0.1'", "fsync=off", "jit=off", "max_connections=60", "shared_buffers='128MB'",
             "wal_level=replica", "max_wal_senders=5", "hot_standby=on", "hot_standby_feedback=on",
             "wal_receiver_status_interval='1s'", "log_min_messages=warning"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=kwargs.pop("timeout", 120), **kwargs)


class Cluster:
    """One PostgreSQL server: ``Cluster.primary(root)`` or ``primary.standby(root)``."""

    def __init__(self, root: Path, name: str):
        self.dir = root / name
        self.data = self.dir / "data"
        self.port = free_port()
        self.log = self.dir / "server.log"

    # --- making them ---------------------------------------------------------------------

    @classmethod
    def primary(cls, root: Path, *, synchronous: bool = False) -> "Cluster":
        cluster = cls(root, "primary")
        cluster.dir.mkdir(parents=True)
        cluster._own()
        _as_postgres([str(PGBIN / "initdb"), "-D", str(cluster.data), "-U", "postgres", "--auth=trust",
                      "--encoding=UTF8", "--locale=C.UTF-8"])
        extra = ["synchronous_standby_names='*'", "synchronous_commit=on"] if synchronous else []
        cluster._configure(SETTINGS + extra)
        cluster.start()
        return cluster

    @classmethod
    def copy_of(cls, data: Path, root: Path, *, synchronous: bool = False, settings: tuple[str, ...] = ()) -> "Cluster":
        """A primary started on a copy of a stopped cluster's data directory (``settings`` added
        to its configuration, e.g. ``("max_connections=8",)``)."""
        cluster = cls(root, "primary")
        cluster.dir.mkdir(parents=True)
        cluster._own()
        subprocess.run(["cp", "-a", str(data), str(cluster.data)], check=True, timeout=300)
        cluster._configure((["synchronous_standby_names='*'", "synchronous_commit=on"] if synchronous else [])
                           + list(settings))
        cluster.start()
        return cluster

    def standby(self, root: Path, name: str = "standby") -> "Cluster":
        """A hot standby streaming from this cluster (pg_basebackup -R: primary_conninfo and
        standby.signal written for it)."""
        other = Cluster(root, name)
        other.dir.mkdir(parents=True)
        other._own()
        _as_postgres([str(PGBIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                      "-D", str(other.data), "-R", "-X", "stream", "--checkpoint=fast"], timeout=300)
        # The primary's synchronous setting came with the copy: once promoted, this server has no
        # standby of its own, and with it every commit would wait for one forever.
        other._configure(["synchronous_standby_names=''"])
        other.start()
        return other

    def _own(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            parent = self.dir.parent
            shutil.chown(parent, "postgres", "postgres")

    def _configure(self, settings: list[str]) -> None:
        if settings:
            with open(self.data / "postgresql.conf", "a") as conf:
                conf.write("\n# gridgov test cluster\n" + "\n".join(settings) + "\n")

    # --- running them --------------------------------------------------------------------

    def start(self) -> None:
        _as_postgres([str(PGBIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start",
                      "-o", f"-c port={self.port} -c unix_socket_directories='{self.dir}'"])

    def stop(self) -> None:
        if self.pid() is not None:
            _as_postgres([str(PGBIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"], timeout=60)

    def promote(self) -> None:
        _as_postgres([str(PGBIN / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", "promote"])

    def pid(self) -> int | None:
        """The postmaster's pid while it runs."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def kill(self) -> None:
        """SIGKILL the postmaster and every backend at once: the host is gone, nobody shuts down."""
        pid = self.pid()
        if pid is None:
            return
        group = [pid, *_children(pid)]
        for each in group:
            try:
                os.kill(each, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 30
        while any(_alive(each) for each in group) and time.monotonic() < deadline:
            time.sleep(0.05)

    def client_backends(self, dbname: str = "gridgov") -> int:
        """How many backends serve clients of ``dbname`` now, read from the processes' titles
        (no connection asked for: the server may have none left to give)."""
        pid = self.pid()
        if pid is None:
            return 0
        count = 0
        for child in _children(pid):
            try:
                title = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            count += title.startswith(f"postgres: postgres {dbname} ")
        return count

    def cpu_seconds(self) -> float:
        """CPU time of the server: the postmaster, its live backends, and those that have exited."""
        pid = self.pid()
        return 0.0 if pid is None else process_tree_cpu(pid)

    def destroy(self) -> None:
        try:
            self.kill()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- talking to them -----------------------------------------------------------------

    def url(self, dbname: str = "gridgov") -> str:
        return f"postgis://postgres@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = "gridgov", **kwargs) -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, connect_timeout=5,
                               autocommit=True, **kwargs)

    def query(self, sql: str, params=None, dbname: str = "gridgov") -> list[tuple]:
        with self.connect(dbname) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def process_tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid``, of its children that have exited (reaped: cutime, cstime), and of
    those alive now."""
    tick = os.sysconf("SC_CLK_TCK")

    def own(each: int) -> float:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return sum(int(f) for f in fields[11:15]) / tick  # utime, stime, cutime, cstime

    return own(pid) + sum(own(child) for child in _children(pid))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose (its parent reaps it).
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def make_root() -> Path:
    """A temporary folder the postgres user can enter."""
    root = Path(tempfile.mkdtemp(prefix="gridgov-scale-"))
    root.chmod(0o755)
    return root

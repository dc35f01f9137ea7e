"""Hosts of a test's own: Linux network namespaces made with ``ip netns`` (only a loopback inside,
nothing else), each with its own host name (a UTS namespace: ``unshare --uts``), and a Redis that
listens on a unix socket only. A network namespace does not reach the machine's loopback, but a
unix socket is a file: the workers reach Redis and PostgreSQL through sockets in the file system,
so no address outside a namespace is made, and none is reachable from inside it. Everything made is
removed by the caller (``delete``, ``kill``) when the test ends.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

from django.db import connection

from tests.waiting import wait_for

from .celery_hosts import Reach


def _ip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)


def why_not_here() -> str | None:
    """Why network namespaces cannot be made on this machine (None: they can). Tried, not guessed:
    a namespace is made and removed."""
    if os.geteuid() != 0:
        return "not running as root: `ip netns add` needs CAP_SYS_ADMIN"
    for tool in ("ip", "unshare"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed (iproute2, util-linux)"
    probe = f"gridgov-probe-{os.getpid()}"
    made = _ip("netns", "add", probe)
    if made.returncode != 0:
        return f"`ip netns add` was refused here: {made.stderr.strip()}"
    _ip("netns", "del", probe)
    return None


def database_socket() -> tuple[str | None, str]:
    """(socket folder, why-not) of the test database's server: the folder when its unix socket is
    on this machine, else None and the reason."""
    db = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute("SHOW unix_socket_directories")
        folders = [each.strip() for each in cursor.fetchone()[0].split(",") if each.strip()]
    for folder in folders:
        if Path(folder, f".s.PGSQL.{db['PORT'] or 5432}").exists():
            return folder, ""
    return None, f"the test database's server has no unix socket on this machine (looked in {folders})"


class Namespace:
    """One host: ``ip netns add``, its loopback up; processes started through ``wrapper``."""

    def __init__(self, name: str, hostname: str):
        self.name, self.hostname = name, hostname
        made = _ip("netns", "add", name)
        if made.returncode != 0:
            raise RuntimeError(f"ip netns add {name}: {made.stderr}")
        _ip("-n", name, "link", "set", "lo", "up")

    @property
    def wrapper(self) -> tuple[str, ...]:
        # Each step execs the next, so the process started is the command itself.
        return ("ip", "netns", "exec", self.name, "unshare", "--uts", "--", "sh", "-c", 'hostname "$0" && exec "$@"',
                self.hostname)

    def run(self, *command: str) -> subprocess.CompletedProcess:
        return subprocess.run([*self.wrapper, *command], capture_output=True, text=True, timeout=60)

    def interfaces(self) -> list[str]:
        listed = _ip("-n", self.name, "-o", "link", "show")
        return [line.split(":")[1].strip().split("@")[0] for line in listed.stdout.splitlines()]

    def delete(self) -> None:
        _ip("netns", "del", self.name)


class SocketRedis:
    """A redis-server of this test only, on a unix socket in a folder of its own (no TCP port)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="gridgov-netns-redis-")
        os.chmod(self.dir, 0o755)
        self.socket = str(Path(self.dir) / "redis.sock")
        self.broker = f"redis+socket://{self.socket}"
        self.cache = f"unix://{self.socket}?db=0"
        self.process = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", self.socket, "--unixsocketperm", "777",
                                         "--save", "", "--appendonly", "no"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._pong, timeout=20, what="redis-server on its socket")

    def _pong(self) -> bool:
        import redis

        try:
            return redis.Redis(unix_socket_path=self.socket, socket_connect_timeout=0.2).ping()
        except Exception:  # noqa: BLE001 - not listening yet
            return False

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=20)
        shutil.rmtree(self.dir, ignore_errors=True)


def reach_from(namespace: Namespace, socket_folder: str, redis: SocketRedis) -> Reach:
    db = connection.settings_dict
    host = quote(socket_folder, safe="")
    return Reach(wrapper=namespace.wrapper, database=f"postgis://{db['USER']}@{host}:{db['PORT'] or 5432}/{db['NAME']}",
                 redis=redis.cache)

"""The app under gunicorn, as in production (gridgov/gunicorn.conf.py, gridgov.wsgi), against the
databases a test names in its environment."""
from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from pathlib import Path

import requests

from tests.waiting import wait_for

from .clusters import free_port

ROOT = Path(__file__).resolve().parents[2]


class AppServer:
    def __init__(self, env: dict[str, str], *, workers: int = 2, preload: bool = False):
        self.port = free_port()
        self.media = tempfile.mkdtemp(prefix="gridgov-scale-media-")
        full = {**os.environ, "GRIDGOV_DEBUG": "0", "GRIDGOV_MEDIA_ROOT": self.media, "GRIDGOV_LOG_LEVEL": "WARNING",
                "GRIDGOV_PENDING_PHOTO_ROOT": os.path.join(self.media, "..", os.path.basename(self.media) + "-pending"),
                # A cache of its own: nothing another server computed from other databases.
                "GRIDGOV_CACHE_PREFIX": f"scale-{self.port}-{os.getpid()}", "GRIDGOV_WEB_WORKERS": str(workers)}
        full.pop("GRIDGOV_REPLICA_URL", None)
        full.update(env)
        self.log = tempfile.NamedTemporaryFile(prefix="gridgov-scale-gunicorn-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "gridgov.wsgi", "--config", str(ROOT / "gridgov" / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{self.port}", "--access-logfile", "/dev/null",
             # Many workers start in seconds when they fork from one loaded app, not import it each.
             *(["--preload"] if preload else [])],
            cwd=ROOT, env=full, stdout=self.log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> "AppServer":
        wait_for(self._answers, timeout=120, what="gunicorn to answer")
        return self

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{self.log_text()}")
        try:
            requests.get(self.url("/healthz"), timeout=30)
            return True
        except (requests.ConnectionError, requests.Timeout):
            return False

    def log_text(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)  # a test may stop its server before the fixture does
        subprocess.run(["rm", "-rf", self.media], check=False)

"""The benchmark's harness: result rows, gunicorn started like production, load from ``wrk``, a
sequential client, bare-SQL baselines, tokens and sessions of the bench users, and the table.

Every measuring module (``bench/run.py``, ``bench/patrols.py``, ``bench/map_transfer.py``, …)
uses these, so that every figure is taken the same way.
"""
from __future__ import annotations

import http.client
import io
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench.generate import BENCH_PREFIX  # noqa: E402


# --- results --------------------------------------------------------------------------------

@dataclass
class Row:
    name: str
    median_ms: float | None = None
    p95_ms: float | None = None
    rps: float | None = None
    n: int = 0
    errors: int = 0
    baseline: str = ""
    baseline_median_ms: float | None = None
    baseline_rps: float | None = None
    ratio: float | None = None  # throughput ÷ baseline throughput (or baseline latency ÷ latency)
    target: str = ""
    met: bool | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q / 100
    low, high = math.floor(k), math.ceil(k)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(latencies_s: list[float], elapsed_s: float | None = None) -> dict:
    ms = [x * 1000 for x in latencies_s]
    elapsed = elapsed_s if elapsed_s is not None else sum(latencies_s)
    return {"median_ms": round(statistics.median(ms), 2), "p95_ms": round(percentile(ms, 95), 2),
            "rps": round(len(ms) / elapsed, 1) if elapsed else None, "n": len(ms)}


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# --- the server ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn as in docker-compose (``gridgov/gunicorn.conf.py``: 3 sync workers),
    DEBUG off, a private cache prefix (cold tiles)."""

    def __init__(self, workers: int = 3, *, extra_env: dict[str, str] | None = None, log_name: str = "bench-gunicorn.log"):
        self.port = free_port()
        self.media = Path(tempfile.mkdtemp(prefix="bench-media-"))
        # What a Celery worker of this server must share with it (its photos' folders).
        self.files_env = {"GRIDGOV_MEDIA_ROOT": str(self.media),
                          "GRIDGOV_PENDING_PHOTO_ROOT": str(self.media.with_name(self.media.name + "-pending"))}
        env = dict(os.environ)
        env.update(self.files_env)
        env.update(
            DJANGO_SETTINGS_MODULE="bench.settings", GRIDGOV_DEBUG="0",
            GRIDGOV_CACHE_PREFIX=f"bench-{int(time.time())}", GRIDGOV_LOG_LEVEL="WARNING", GRIDGOV_DB_CONN_MAX_AGE="600",
        )
        env.update(extra_env or {})
        self.log = open(ROOT / "var" / log_name, "w")
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "bench.wsgi", "--config", str(ROOT / "gridgov" / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
             "--access-logfile", "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.get("/bench/trivial/")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            self.stop()
            raise RuntimeError(f"gunicorn did not start: see var/{log_name}")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str, headers: dict | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response.status, body

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        shutil.rmtree(self.media, ignore_errors=True)


def sequential(server: Server, paths: list[str], headers: dict) -> tuple[dict, list[int], list[int]]:
    """One request at a time on a kept-alive connection: latency as one user sees it."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    latencies, statuses, sizes = [], [], []
    started = time.perf_counter()
    for path in paths:
        t = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        latencies.append(time.perf_counter() - t)
        statuses.append(response.status)
        sizes.append(len(body))
    conn.close()
    return summary(latencies, time.perf_counter() - started), statuses, sizes


WRK_DONE_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON{"requests":%d,"duration_us":%d,"p50":%d,"p95":%d,"p99":%d,"socket_errors":%d,"non2xx":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""

WRK_LUA = r"""
local paths = {PATHS}
local i = 0
{SETUP}
request = function()
  if custom_request then return custom_request() end  -- a setup that makes each request itself
  i = i + 1
  if #paths > 0 then return wrk.format(nil, paths[(i % #paths) + 1]) end
  return wrk.format()
end
""" + WRK_DONE_LUA


def wrk(server: Server, path: str, *, seconds: int, connections: int, headers: dict, paths: list[str] | None = None,
        setup: str = "", script: str | None = None) -> dict:
    """``wrk`` against the server; ``script`` replaces the request part of the Lua (its own
    ``request()``, e.g. a new body each time), the summary is written the same way."""
    lua_paths = "{" + ",".join(json.dumps(p) for p in (paths or [])) + "}"
    lua = (script + WRK_DONE_LUA) if script is not None else WRK_LUA.replace("{PATHS}", lua_paths).replace("{SETUP}", setup)
    handle = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    handle.write(lua)
    handle.close()
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", handle.name]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    result = subprocess.run(command + [server.base + path], capture_output=True, text=True, timeout=seconds + 60)
    os.unlink(handle.name)
    line = next((l for l in result.stdout.splitlines() if l.startswith("WRKJSON")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {result.stdout}\n{result.stderr}")
    data = json.loads(line[len("WRKJSON"):])
    return {"median_ms": round(data["p50"] / 1000, 2), "p95_ms": round(data["p95"] / 1000, 2),
            "rps": round(data["requests"] / (data["duration_us"] / 1e6), 1), "n": data["requests"],
            "errors": data["socket_errors"] + data["non2xx"]}


# --- helpers on the data ---------------------------------------------------------------------

def token(username: str) -> str:
    """A fresh API token of a bench user (only hashes are stored: a key cannot be read back)."""
    from accounts.models import User
    from accounts.tokens import issue

    return issue(User.objects.get(username=username)).key


def session_cookie(username: str) -> str:
    """A signed-in session made directly in the session store (no password round trip)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.get(username=username)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def random_points(n: int, seed: int = 1) -> list[tuple[float, float]]:
    """Points inside random benchmark cells (lng, lat)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed / 10])
        cursor.execute(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(boundary) p FROM grids_area WHERE level = 'grid' "
            "AND valid_to IS NULL AND code LIKE %s ORDER BY random() LIMIT %s) s", [BENCH_PREFIX + "%", n],
        )
        return cursor.fetchall()


def bare_sql(sql: str, params_list: list, repeat: int | None = None) -> dict:
    """The same question asked with psycopg directly, on one connection."""
    import psycopg

    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], password=db["PASSWORD"] or None,
                         autocommit=True) as conn:
        latencies = []
        started = time.perf_counter()
        for params in params_list if repeat is None else [params_list[0]] * repeat:
            t = time.perf_counter()
            conn.execute(sql, params).fetchall()
            latencies.append(time.perf_counter() - t)
        return summary(latencies, time.perf_counter() - started)


def jpeg_of_about(size_bytes: int = 400_000) -> bytes:
    """A 1600-px phone photo of about 400 KB (noise over a gradient compresses like a real scene)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(7)
    gradient = np.linspace(40, 200, 1600, dtype=np.float32)[None, :, None].repeat(1200, 0).repeat(3, 2)
    noise = rng.normal(0, 1, (1200, 1600, 3)).astype(np.float32)
    best = b""
    for amplitude in (4, 8, 12, 16, 24, 32):
        pixels = np.clip(gradient + noise * amplitude, 0, 255).astype("uint8")
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, "JPEG", quality=85)
        best = buffer.getvalue()
        if len(best) >= size_bytes * 0.9:
            break
    return best


def multipart(fields: dict, files: dict, boundary: str = "benchBOUNDARY7e3f") -> tuple[bytes, str]:
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f"Content-Type: image/jpeg\r\n\r\n".encode())
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def post_setup(body_path: str, content_type: str) -> str:
    return (f'local f = io.open("{body_path}", "rb"); wrk.body = f:read("*all"); f:close()\n'
            f'wrk.method = "POST"; wrk.headers["Content-Type"] = "{content_type}"\n')


def tile_xy(lng: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    return int((lng + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


# --- output ----------------------------------------------------------------------------------

def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"


def table(report: dict) -> str:
    lines = [
        f"gridgov benchmark · scale {report['scale']} · {report['date']} · {report['machine']['cpus']} CPUs · "
        f"data {report['data']} · {report['duration_s']} s",
        "",
        f"{'measurement':<38} {'median ms':>10} {'p95 ms':>9} {'per s':>9} {'n':>7} {'err':>4}  {'baseline':<34} "
        f"{'base ms':>8} {'base/s':>8} {'ratio':>6}  {'target':<44} result",
        "-" * 210,
    ]
    for row in report["rows"]:
        result = "" if row["met"] is None else ("MET" if row["met"] else "MISSED")
        lines.append(
            f"{row['name']:<38} {fmt(row['median_ms']):>10} {fmt(row['p95_ms']):>9} {fmt(row['rps']):>9} {row['n']:>7} "
            f"{row['errors']:>4}  {row['baseline']:<34} {fmt(row['baseline_median_ms']):>8} {fmt(row['baseline_rps']):>8} "
            f"{fmt(row['ratio'], 2):>6}  {row['target']:<44} {result}"
        )
        if row["note"]:
            lines.append(f"{'':<40}↳ {row['note']}")
    return "\n".join(lines)

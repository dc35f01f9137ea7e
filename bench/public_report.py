"""A resident's report with a photo through the public page (/public/report/), 32 clients.

The same target as the grid worker's report with a photo (issue 14: p95 < 300 ms at 32 clients).
Every filing must answer a fresh question (each is spent once), so the bodies differ only in the
signed question: the photo and the other fields are written once, and wrk's Lua puts one of
20,000 questions between them per request (the two wrk threads take alternate ones). The form's
CSRF token is an unmasked secret that matches the cookie sent with it, as Django accepts.

Measured fairly:
- the limits: the per-address limit is raised in bench/settings.py (the load comes from one
  address, where residents come from thousands), the limiter itself still runs on every request
  (its Redis counter); no phone is given, so the per-phone limit does not apply;
- the photo: the page makes photos smaller on the phone before it sends them, as the grid
  worker's page does (static/gridgov/photos.js: 1600 px on the longer side), so what a phone with
  JavaScript uploads is the 1600-px, ~480 KB photo of the second row (the grid worker's bench's);
  the first row files the camera's own 12-megapixel 4032×3024 JPEG of about 2.4 MB, as a browser
  without JavaScript (or one that cannot decode the photo) sends it;
- the CPU per filing: gunicorn's processes and the database's backends (bench/patrols.py's
  ``_with_cpu``, from /proc), and the filings per second two cores would answer if they were
  the benchmark's alone — the figure a shared machine does not distort;
- success: the page answers a filing with a redirect to the status page and a refused one with
  the form again (200), which wrk would count as a success: the cases the run filed are counted
  in the database, and every request that filed none is an error.
"""
from __future__ import annotations

import os
import secrets
import sys
import tempfile

QUESTIONS = 20_000
TARGET = "p95 < 300 ms at 32 clients"

LUA = r"""
local counter = 0
function setup(thread) thread:set("id", counter); counter = counter + 1 end
local function slurp(path) local f = io.open(path, "rb"); local data = f:read("*all"); f:close(); return data end
local prefix, suffix = slurp("{PREFIX}"), slurp("{SUFFIX}")
local questions = {}
for line in io.lines("{QUESTIONS}") do questions[#questions + 1] = line end
wrk.method = "POST"
wrk.headers["Content-Type"] = "{CONTENT_TYPE}"
wrk.headers["Cookie"] = "csrftoken={CSRF}"
custom_request = function()
  i = i + 1
  local q = questions[((i * 2 + (id or 0)) % #questions) + 1]
  return wrk.format(nil, nil, nil, prefix .. q .. suffix)
end
"""


def _parts(bench, photo: bytes, csrf: str, boundary: str = "benchBOUNDARYpublic") -> tuple[bytes, bytes, str]:
    lng, lat = bench.worker_point()
    fields = {"csrfmiddlewaretoken": csrf, "category": bench.category(), "lat": f"{lat:.6f}", "lng": f"{lng:.6f}",
              "description": "bench", "answer": "2"}
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    head += f'--{boundary}\r\nContent-Disposition: form-data; name="challenge"\r\n\r\n'.encode()
    tail = (f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="phone.jpg"\r\n'
            f"Content-Type: image/jpeg\r\n\r\n").encode() + photo + f"\r\n--{boundary}--\r\n".encode()
    return head, tail, f"multipart/form-data; boundary={boundary}"


def _questions(path: str) -> None:
    """Signed questions whose answer is 2 (1 + 1), each usable once."""
    from django.core import signing

    from dispatch.public.challenge import SALT

    with open(path, "w") as handle:
        for _ in range(QUESTIONS):
            handle.write(signing.dumps({"a": 1, "b": 1, "n": secrets.token_hex(8)}, salt=SALT, compress=False) + "\n")


def phone_photo() -> bytes:
    """A 12-megapixel phone photo (4032×3024) of about 3 MB: noise over a gradient, as a real
    scene compresses, at the quality a phone's camera saves."""
    import io

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(11)
    gradient = np.linspace(40, 200, 4032, dtype=np.float32)[None, :, None].repeat(3024, 0).repeat(3, 2)
    pixels = np.clip(gradient + rng.normal(0, 1, (3024, 4032, 3)).astype(np.float32) * 6, 0, 255).astype("uint8")
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _filed() -> int:
    from incidents.models import Incident, Source

    return Incident.objects.filter(source=Source.RESIDENT).count()


def _drain(limit_s: float = 240) -> int:
    """Wait until the server has finished what wrk left queued: gunicorn's sync workers still file
    every request whose body had arrived when wrk stopped (32 at most), and a row measured while
    the last one's 12-megapixel photos are still being decoded measures those. Answers how many
    were filed meanwhile."""
    import time

    start, last, steady = _filed(), None, 0
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and steady < 3:
        time.sleep(1)
        now = _filed()
        steady = steady + 1 if now == last else 0
        last = now
    return (last or start) - start


def measure(bench) -> None:
    # Row, wrk and the photo from the module that defines the Bench: bench/run.py runs as __main__.
    # The photo a phone with JavaScript sends first (the page shrinks it), the camera's own second.
    run = sys.modules[type(bench).__module__]
    for label, photo in (("resident report with a 1600-px photo (32 clients)", run.jpeg_of_about()),
                         ("resident report with a 12 MP phone photo (32 clients)", phone_photo())):
        _measure_one(bench, run, label, photo)
        _drain()


def _measure_one(bench, run, label: str, photo: bytes) -> None:
    from bench.patrols import _with_cpu

    Row, wrk = run.Row, run.wrk
    csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret
    head, tail, content_type = _parts(bench, photo, csrf)
    files = {name: bench.write_body(data) for name, data in (("prefix", head), ("suffix", tail))}
    questions = tempfile.NamedTemporaryFile("w", prefix="bench-questions-", delete=False).name
    _questions(questions)
    setup = (LUA.replace("{PREFIX}", files["prefix"]).replace("{SUFFIX}", files["suffix"])
             .replace("{QUESTIONS}", questions).replace("{CONTENT_TYPE}", content_type).replace("{CSRF}", csrf))
    before = _filed()
    try:
        # At least 20 s: a 3 MB upload from 32 clients takes a while to reach a steady state.
        result, cpu = _with_cpu(bench.server, lambda: wrk(
            bench.server, "/public/report/", seconds=max(bench.seconds, 20), connections=32, headers={}, setup=setup))
    finally:
        for path in (*files.values(), questions):
            os.unlink(path)
    filed = _filed() - before
    # wrk counts the requests it finished; one still in flight at the end may have filed too.
    result["errors"] = max(result["errors"], result["n"] - filed)
    unfinished = "" if result["n"] else "no request finished within wrk's 10 s timeout; "
    # CPU per case filed in the window (wrk's finished requests undercount when requests queue for long).
    scale = max(1, result["n"]) / filed if filed else 1.0
    cpu.update({key: round(cpu[key] * scale, 1) for key in ("web_ms", "db_ms", "wrk_ms")})
    total_ms = cpu["web_ms"] + cpu["db_ms"] + cpu["wrk_ms"]
    cpu["cpu_bound_per_s"] = round((os.cpu_count() or 1) * 1000 / total_ms, 1) if total_ms else None
    base = bench.baselines["trivial_auth"]
    bench.add(Row(label, **result, baseline="trivial token GET",
                  baseline_rps=base["rps"], baseline_median_ms=base["median_ms"], ratio=round(result["rps"] / base["rps"], 3),
                  target=TARGET, met=result["n"] > 0 and result["p95_ms"] < 300 and result["errors"] == 0,
                  note=(f"/public/report/, JPEG of {len(photo) // 1024} KB, a fresh question each; {unfinished}{filed} cases "
                        f"filed; CPU per "
                        f"filing: web {cpu['web_ms']} ms, database {cpu['db_ms']} ms, wrk {cpu['wrk_ms']} ms; two idle cores "
                        f"≈ {cpu['cpu_bound_per_s']}/s; other load {cpu['other_load_cores']} cores; load average "
                        f"{os.getloadavg()[0]:.1f}"),
                  extra={"cpu": cpu, "filed": filed, "load_average": os.getloadavg()}))

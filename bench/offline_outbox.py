"""The phone app offline (issue 15): what the app shell costs on the wire, and how fast the outbox
drains after a reconnect.

A grid worker (``bench_worker``, a session cookie) opens the home page in Debian's Chromium driven
by Playwright, on a 390 × 844 phone, against the benchmark's own gunicorn serving the collected
static files gzipped as production does (as ``bench/map_transfer.py``).

- **First load**: a fresh context (cold HTTP cache, no service worker); every request of the page
  *and of its service worker* (its install fetches the app shell; Playwright reports the worker's
  requests on the context) until the worker controls the page: response bodies as transferred
  plus headers. The user's offline pages the worker fetches once installed ("warm") are counted
  apart: they are her pages, not the shell. Target ≤ 300 KB gzipped.
- **Repeat visit**: the same context opens the home page again; counted as above. The shell comes
  from the worker's cache; the page itself is fetched (network first). Target ≤ 20 KB.
- **Outbox drain**: with the network cut (``context.set_offline``) the page puts a patrol start,
  200 patrol points, the patrol's end and 5 reports with a ~300 KB photo each into the outbox; the
  network comes back and we time until the outbox is empty (the "online" event starts the
  drain), then check the server has 200 points and 5 reports. Target ≤ 30 s.

    DATABASE_URL=postgis://…/gridgov_bench .venv/bin/python bench/offline_outbox.py   # alone
"""
from __future__ import annotations

import base64
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USER = "bench_worker"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
SHELL_TARGET, REPEAT_TARGET, DRAIN_TARGET_S = 300_000, 20_000, 30.0
POINTS, REPORTS = 200, 5


def _photo() -> bytes:
    """A ~300 KB JPEG of noise (photos of a street compress about as badly)."""
    from PIL import Image

    image = Image.frombytes("RGB", (900, 700), os.urandom(900 * 700 * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=55)
    return buffer.getvalue()


def _bytes(requests) -> int:
    total = 0
    for request in requests:
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"] + sizes["requestHeadersSize"] + sizes["requestBodySize"]
    return total


def _warming(request) -> bool:
    """The worker's own fetch of one of her pages, to keep it for offline use."""
    return (request.service_worker and request.resource_type in ("fetch", "other")
            and "/static/" not in request.url and not request.url.endswith("/sw.js"))


def _wait_controlled(page, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate("() => !!(navigator.serviceWorker && navigator.serviceWorker.controller)"):
            return
        page.wait_for_timeout(100)
    raise RuntimeError("the service worker never took control of the page")


def _settle(page, seen) -> None:
    count = -1
    while count != len(seen):
        count = len(seen)
        page.wait_for_load_state("networkidle", timeout=60_000)
        page.wait_for_timeout(800)


def _where(cursor_user) -> tuple[float, float]:
    from accounts.models import GridAssignment

    cell = GridAssignment.objects.active().filter(user=cursor_user).select_related("cell").first().cell
    point = cell.boundary.point_on_surface
    return point.y, point.x


DRAIN_SCRIPT = """async ([lat, lng, points, reports, photoB64, urls]) => {
  const O = window.GridgovOutbox;
  const bytes = Uint8Array.from(atob(photoB64), c => c.charCodeAt(0));
  const cid = O.uuid();
  await O.add({id: cid, kind: "patrol-start", url: urls.start, json: {client_id: cid}});
  const t0 = Date.now() - points * 5000;
  for (let i = 0; i < points; i++) {
    const id = O.uuid();
    await O.add({id, kind: "points", patrol: cid, url: urls.points,
                 json: {id, at: new Date(t0 + i * 5000).toISOString(), lat: lat + i * 0.00001, lng: lng, accuracy: 6}});
  }
  await O.add({kind: "patrol-end", patrol: cid, url: urls.end, json: {}});
  for (let i = 0; i < reports; i++) {
    const id = O.uuid();
    await O.add({id, kind: "report", url: urls.report, label: "bench",
                 form: {client_id: id, category: "E0101", lat: String(lat), lng: String(lng), description: "bench offline " + id},
                 files: [{name: "photos", blob: new Blob([bytes], {type: "image/jpeg"}), filename: "p.jpg"}]});
  }
  return (await O.all()).length;
}"""


def measure(bench) -> None:
    """Add the rows to a ``bench.recorder.Bench`` (the hook in ``bench/run.py``)."""
    from playwright.sync_api import sync_playwright

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from bench import map_transfer
    from incidents.models import Incident, Patrol, PatrolPoint

    # The counts before and after the drain are plain ORM calls made while Playwright's sync API
    # keeps an event loop running in this thread (as the browser tests do).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from bench.harness import Row, Server, session_cookie

    cookie = session_cookie(USER)
    worker = get_user_model().objects.get(username=USER)
    lat, lng = _where(worker)
    static_root = Path(tempfile.mkdtemp(prefix="bench-static-"))
    server = None
    photo = _photo()
    try:
        map_transfer.collect_static(static_root)
        server = Server(extra_env={"GRIDGOV_STATIC_ROOT": str(static_root), "GRIDGOV_STATIC_COLLECTED": "1"}, log_name="bench-offline-gunicorn.log")
        base = server.base
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=map_transfer.CHROMIUM, args=map_transfer.CHROMIUM_ARGS)
            try:
                context = browser.new_context(**PHONE)
                name, _, value = cookie.partition("=")
                context.add_cookies([{"name": name, "value": value, "url": base}])
                seen = []
                context.on("requestfinished", lambda r: seen.append(r))
                page = context.new_page()
                page.goto(f"{base}/", wait_until="load")
                _wait_controlled(page)
                _settle(page, seen)
                warmed = [r for r in seen if _warming(r)]
                shell = [r for r in seen if r not in warmed]
                first, first_n, warm = _bytes(shell), len(shell), _bytes(warmed)
                # The largest answers of the first load, to see what a growing shell is made of.
                largest = sorted(((_bytes([r]), ("worker " if r.service_worker else "") + r.url.replace(base, ""))
                                  for r in shell), reverse=True)[:6]
                worker_requests = sum(1 for r in shell if r.service_worker)

                seen.clear()
                page.goto(f"{base}/", wait_until="load")
                _settle(page, seen)
                # The worker may still be keeping her pages (it does so after install, at its own
                # pace): those fetches are not the visit's.
                visit = [r for r in seen if not _warming(r)]
                repeat = _bytes(visit)
                repeat_urls = sorted({r.url[len(base):] for r in visit})

                points_before = PatrolPoint.objects.filter(patrol__worker=worker).count()
                reports_before = Incident.objects.filter(reporter=worker, description__startswith="bench offline").count()
                urls = {"start": "/api/v1/patrols/", "points": "/api/v1/patrols/0/points/", "end": "/api/v1/patrols/0/end/",
                        "report": "/api/v1/incidents/"}
                # A patrol left running by an earlier run would take these points: end it first.
                Patrol.objects.filter(worker=worker, ended_at__isnull=True).update(ended_at=timezone.now())
                context.set_offline(True)
                queued = page.evaluate(DRAIN_SCRIPT, [lat, lng, POINTS, REPORTS, base64.b64encode(photo).decode(), urls])
                started = time.monotonic()
                context.set_offline(False)
                deadline = started + 120
                left = queued
                while time.monotonic() < deadline:
                    left = page.evaluate("() => GridgovOutbox.all().then(items => items.length)")
                    if left == 0:
                        break
                    page.wait_for_timeout(100)
                drained_s = time.monotonic() - started
                refused = page.evaluate("() => GridgovOutbox.all().then(items => items.filter(m => m.state === 'refused').map(m => m.error))")
                points = PatrolPoint.objects.filter(patrol__worker=worker).count() - points_before
                reports = Incident.objects.filter(reporter=worker, description__startswith="bench offline").count() - reports_before
                context.close()
            finally:
                browser.close()
    finally:
        if server:
            server.stop()
        shutil.rmtree(static_root, ignore_errors=True)
    bench.add(Row(
        "app shell transfer, first load (phone)", n=first_n, target="<= 300 KB gzipped", met=first <= SHELL_TARGET,
        note=f"{first / 1000:.1f} KB in {first_n} requests (home page, its scripts and styles, /sw.js and the "
             f"{worker_requests} requests of the worker's install); the worker then keeps her {len(warmed)} offline "
             f"pages: {warm / 1000:.1f} KB more; largest: " + ", ".join(f"{url} {size / 1000:.1f} KB" for size, url in largest),
        extra={"bytes": first, "warm_bytes": warm, "warm_pages": len(warmed), "largest": largest},
    ))
    bench.add(Row(
        "app shell transfer, repeat visit (phone)", n=len(repeat_urls), target="<= 20 KB", met=repeat <= REPEAT_TARGET,
        note=f"{repeat / 1000:.1f} KB: {', '.join(repeat_urls)} (the page itself network first; the shell's answers from the worker's cache are counted too, as Chromium reports them)",
        extra={"bytes": repeat, "urls": repeat_urls},
    ))
    bench.add(Row(
        "outbox drain after reconnect", median_ms=round(drained_s * 1000), n=queued, errors=len(refused) + left,
        target="200 patrol points + 5 reports with photos <= 30 s",
        met=drained_s <= DRAIN_TARGET_S and left == 0 and points == POINTS and reports == REPORTS,
        note=f"{drained_s:.1f} s for {queued} items ({POINTS} points in batches, {REPORTS} reports with a "
             f"{len(photo) / 1000:.0f} KB photo each, patrol start and end); the server has {points} new points and "
             f"{reports} new reports" + (f"; refused: {refused[:2]}" if refused else ""),
    ))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from dataclasses import asdict

    from bench.generate import generated_scale
    from bench.generate import SCALES
    from bench.harness import table
    from bench.recorder import Bench

    scale = generated_scale() or "small"
    bench = Bench(scale if scale in SCALES else "small", 0)
    measure(bench)
    from django.utils import timezone

    print(table({"scale": scale, "date": timezone.localtime().isoformat(timespec="seconds"), "machine": {"cpus": os.cpu_count()},
                 "data": {}, "duration_s": 0, "rows": [asdict(r) for r in bench.rows]}))


if __name__ == "__main__":
    main()

"""What opening the district map costs on the wire (issue 3: "≤ 1 MB in total").

A district user (``bench_dispatcher``, signed in with a session cookie) opens ``/map/`` in Debian's
Chromium, driven by Playwright, in a fresh browser context (cold cache), once on a phone
(390 × 844) and once on a desktop (1366 × 768). The page fits the district as it does for every
district user; we wait until the street offices' vector tiles are drawn and the network is idle,
then add up, for every request of the page (HTML, CSS, JS, fonts, images, tiles, API JSON), the
bytes Chromium received and sent: response body as transferred (compressed when it was) plus
request and response headers.

Static files are served as production serves them. With DEBUG off WhiteNoise serves only what
``collectstatic`` put in STATIC_ROOT (it never looks in the apps' folders), and the benchmark's
main server has none collected; so this measurement collects the static files into a temporary
STATIC_ROOT, gzips them with WhiteNoise's compressor (what production's
``CompressedManifestStaticFilesStorage`` does after hashing the names; no brotli, as the ``brotli``
package is not installed) and starts its own gunicorn like ``bench/run.py``'s ``Server``
(``--workers 3``, DEBUG off, ``bench.settings``, a cache prefix of its own so tiles are cold).

    DATABASE_URL=postgis://…/gridgov_bench .venv/bin/python bench/map_transfer.py   # alone
    BENCH_MAP_SCREENSHOTS=/tmp/shots …     # also keep a screenshot of each visit
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_BYTES = 1_000_000  # 1 MB, decimal: the stricter reading
TARGET = "<= 1 MB in total (1,000,000 bytes)"
USER = "bench_dispatcher"  # a district user (DISTRICT-level area)
CHROMIUM = os.environ.get("GRIDGOV_CHROMIUM", "/usr/bin/chromium")
VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1366, "height": 768}},
}
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def collect_static(root: Path) -> dict:
    """collectstatic into ``root`` and gzip what is worth it, as production's storage does."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings", GRIDGOV_STATIC_ROOT=str(root))
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "-m", "whitenoise.compress", "--quiet", str(root)], cwd=ROOT, env=env, check=True)
    files = [p for p in root.rglob("*") if p.is_file()]
    gzipped = sum(1 for p in files if p.suffix == ".gz")
    return {"files": sum(1 for p in files if p.suffix not in (".gz", ".br")), "gzipped": gzipped}


def kind(url: str, resource_type: str) -> str:
    path = url.split("?", 1)[0]
    if path.endswith(".mvt"):
        return "tile"
    if "/api/" in path:
        return "api"
    return resource_type


def open_map(browser, base: str, cookie: str, context_options: dict, screenshot: Path | None = None) -> dict:
    """One cold visit of /map/; every request with the bytes it cost."""
    name, _, value = cookie.partition("=")
    context = browser.new_context(**context_options)
    try:
        context.add_cookies([{"name": name, "value": value, "url": base}])
        page = context.new_page()
        finished, failed = [], []
        page.on("requestfinished", lambda r: finished.append(r))
        page.on("requestfailed", lambda r: failed.append(r))
        page.goto(f"{base}/map/", wait_until="load", timeout=120_000)
        page.wait_for_selector("#map[data-tiles=loaded]", state="attached", timeout=120_000)
        page.wait_for_selector(".leaflet-tile path", state="attached", timeout=60_000)
        # Idle: no request for 500 ms (Playwright's networkidle), then a second look that nothing
        # started since (a late label or tile would otherwise be missed).
        count = -1
        while count != len(finished) + len(failed):
            count = len(finished) + len(failed)
            page.wait_for_load_state("networkidle", timeout=60_000)
            page.wait_for_timeout(1000)
        zoom = page.evaluate("gridgovMap.getZoom()")
        if screenshot:
            page.screenshot(path=str(screenshot))
        paths = page.locator(".leaflet-tile path").count()
        resources = []
        for request in finished:
            sizes = request.sizes()
            response = request.response()
            try:
                decoded = len(response.body()) if response else 0
            except Exception:  # noqa: BLE001 - a body Chromium did not keep (redirects)
                decoded = sizes["responseBodySize"]
            resources.append({
                "url": request.url[len(base):] if request.url.startswith(base) else request.url,
                "kind": kind(request.url, request.resource_type),
                "status": response.status if response else None,
                "encoding": (response.headers.get("content-encoding", "") if response else ""),
                "body": sizes["responseBodySize"],
                "headers": sizes["responseHeadersSize"] + sizes["requestHeadersSize"] + sizes["requestBodySize"],
                "decoded": decoded,
            })
        errors = [f"{r['url']} {r['status']}" for r in resources if not r["status"] or r["status"] >= 400]
        errors += [f"{r.url} {r.failure}" for r in failed]
        return {"resources": resources, "failed": len(failed), "errors": errors, "zoom": zoom, "drawn_paths": paths}
    finally:
        context.close()


def summarise(visit: dict) -> dict:
    resources = visit["resources"]
    total = sum(r["body"] + r["headers"] for r in resources)
    by_kind: dict[str, int] = {}
    for r in resources:
        by_kind[r["kind"]] = by_kind.get(r["kind"], 0) + r["body"] + r["headers"]
    top = sorted(resources, key=lambda r: r["body"] + r["headers"], reverse=True)[:5]
    return {
        "total_bytes": total,
        "requests": len(resources) + visit["failed"],
        "body_bytes": sum(r["body"] for r in resources),
        "header_bytes": sum(r["headers"] for r in resources),
        "uncompressed_bytes": sum(r["decoded"] + r["headers"] for r in resources),
        "tiles": sum(1 for r in resources if r["kind"] == "tile"),
        "by_kind": by_kind,
        "top": [{"url": r["url"], "bytes": r["body"] + r["headers"], "encoding": r["encoding"]} for r in top],
        "zoom": visit["zoom"],
        "drawn_paths": visit["drawn_paths"],
        "errors": visit["errors"],
    }


def short(url: str) -> str:
    path = url.split("?", 1)[0]
    if path.endswith(".mvt"):
        return "tile " + "/".join(path.split("/")[-4:])
    return path.rstrip("/").rsplit("/", 1)[-1] if not path.endswith("/") else path


def measure(bench) -> None:
    """Add one row per viewport to a ``bench.recorder.Bench`` (the hook in ``bench/run.py``)."""
    from playwright.sync_api import sync_playwright

    from bench.harness import Row, Server, session_cookie

    cookie = session_cookie(USER)
    static_root = Path(tempfile.mkdtemp(prefix="bench-static-"))
    server = None
    try:
        collected = collect_static(static_root)
        # The benchmark's own server, serving the collected static files, with a cold tile cache.
        server = Server(
            extra_env={"GRIDGOV_STATIC_ROOT": str(static_root), "GRIDGOV_STATIC_COLLECTED": "1", "GRIDGOV_CACHE_PREFIX": f"bench-map-{int(time.time())}"},
            log_name="bench-map-gunicorn.log",
        )
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                shots = os.environ.get("BENCH_MAP_SCREENSHOTS")  # a folder: keep a picture of each visit
                visits = {
                    name: summarise(open_map(browser, server.base, cookie, options, shots and Path(shots) / f"map-{name}.png"))
                    for name, options in VIEWPORTS.items()
                }
            finally:
                browser.close()
    finally:
        if server:
            server.stop()
        shutil.rmtree(static_root, ignore_errors=True)
    for name, s in visits.items():
        size = VIEWPORTS[name]["viewport"]
        top = ", ".join(f"{short(t['url'])} {t['bytes'] / 1000:.1f}" + (" gz" if t["encoding"] else "") for t in s["top"])
        bench.add(Row(
            f"district map transfer ({name})", n=s["requests"], errors=len(s["errors"]),
            target=TARGET, met=s["total_bytes"] <= TARGET_BYTES and not s["errors"],
            note=f"{s['total_bytes'] / 1000:.1f} KB in {s['requests']} requests ({size['width']}×{size['height']}, z{s['zoom']}, "
                 f"{s['tiles']} tiles); largest (KB): {top}; static gzipped by WhiteNoise as in production "
                 f"(collectstatic + compress, {collected['gzipped']} of {collected['files']} files gzipped), "
                 f"{s['uncompressed_bytes'] / 1000:.1f} KB if nothing were compressed"
                 + (f"; FAILED: {', '.join(s['errors'][:3])}" if s["errors"] else ""),
            extra=s,
        ))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    sys.path.insert(0, str(ROOT))
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
    for row in bench.rows:
        print(row.name, row.extra["by_kind"])


if __name__ == "__main__":
    main()

"""The installable phone app: web app manifest, service worker and the outbox page.

The service worker is served from the site root (``/sw.js``) so that its scope covers every page;
it keeps the app shell (the scripts and styles the phone pages load, listed in ``SHELL``) and the
pages each user has marked ``offline`` in the navigation (gridgov.context_processors), and sends
the outbox (static/gridgov/outbox.js) when the connection returns. docs/offline.md explains it.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

WORKBOX = "vendor/workbox-7.4.1/"
# What every phone page needs, fetched when the service worker installs.
SHELL = [
    "css/app.css",
    "gridgov/fetch.js",
    "gridgov/exif.js",
    "gridgov/photos.js",
    "gridgov/outbox.js",
    "gridgov/outbox-ui.js",
    "gridgov/map.js",
    "gridgov/icon-192.png",
    "leaflet/leaflet.js",
    "leaflet/leaflet.css",
    "leaflet/images/marker-icon.png",
    "leaflet/images/marker-icon-2x.png",
    "leaflet/images/marker-shadow.png",
    "leaflet/images/layers.png",
    "incidents/incidents.css",
    "incidents/report.js",
    "incidents/patrol.js",
    "incidents/casemap.js",
    "incidents/pinmap.js",
    "incidents/homemap.js",
    "dispatch/dispatch.css",
    "dispatch/case.js",
    WORKBOX + "workbox-sw.js",
    WORKBOX + "workbox-core.prod.js",
    WORKBOX + "workbox-routing.prod.js",
    WORKBOX + "workbox-strategies.prod.js",
    WORKBOX + "workbox-expiration.prod.js",
]


def _shell_files() -> list[Path]:
    found = []
    for name in SHELL:
        path = finders.find(name)
        if path:
            found.append(Path(path))
    return found


@lru_cache(maxsize=8)
def _version_of(stamp: tuple) -> str:
    digest = hashlib.sha256()
    for path, _mtime in stamp:
        digest.update(Path(path).read_bytes())
    digest.update(render_to_string("offline/sw.js", {"version": "", "shell": "[]"}).encode())
    return digest.hexdigest()[:12]


def shell_version() -> str:
    """Changes when a shell file or the worker changes: the browser then installs the new worker,
    which fetches the shell again and drops the old caches."""
    return _version_of(tuple((str(p), p.stat().st_mtime_ns) for p in _shell_files()))


@require_GET
def service_worker(request):
    body = render_to_string("offline/sw.js", {
        "version": shell_version(),
        "shell": json.dumps([static(name) for name in SHELL]),
        "workbox": static(WORKBOX),
        "workbox_sw": static(WORKBOX + "workbox-sw.js"),
        "outbox": static("gridgov/outbox.js"),
        "static_prefix": static(""),
        "base_map": reverse("grids:base_layer"),
    })
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request):
    body = {
        "name": _("Grid governance"),
        "short_name": _("Grid"),
        "lang": "zh-Hans",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b3261e",
        "icons": [
            {"src": static("gridgov/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("gridgov/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any maskable"},
        ],
    }
    response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/manifest+json; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@login_required
def outbox_page(request):
    """What waits on this phone to be sent; drawn by outbox-ui.js from IndexedDB (works offline)."""
    return render(request, "offline/outbox.html")

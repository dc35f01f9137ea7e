"""Which requests read from the standby, and that without one nothing changes — without clusters
(the same behaviour on real clusters: test_standby_reads.py, under `make test-scale`)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from gridgov import dburl
from gridgov.replica import _reading_from_standby, read_alias, standby
from gridgov.replica.middleware import WROTE_COOKIE, StandbyReadsMiddleware, reads_from_standby
from gridgov.replica.router import StandbyRouter
from gridgov.replica.routes import STANDBY_VIEWS
from incidents.models import Incident

pytestmark = pytest.mark.scale
ROOT = Path(__file__).resolve().parents[2]
SERVING = standby.StandbyState(configured=True, serving_reads=True, lag_seconds=0.2)
BEHIND = standby.StandbyState(configured=True, serving_reads=False, lag_seconds=9.0, reason="9.0 s behind")


def _view_names(patterns, namespace: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _view_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(namespace + pattern.name)
    return names


def test_every_view_marked_for_the_standby_is_a_route_of_the_product():
    missing = STANDBY_VIEWS - _view_names(get_resolver().url_patterns)
    assert not missing, f"renamed or removed views still listed in gridgov/replica/routes.py: {sorted(missing)}"


def _request(method: str, path: str, cookies: dict | None = None):
    request = getattr(RequestFactory(), method.lower())(path)
    request.COOKIES.update(cookies or {})
    request.resolver_match = resolve(path)
    return request


@pytest.mark.parametrize("method,path,cookies,state,expected", [
    ("GET", "/public/case/abc/", {}, SERVING, True),
    ("HEAD", "/api/v1/tiles/cell/14/13492/6201.mvt", {}, SERVING, True),
    ("GET", "/dispatch/indicators/", {}, SERVING, True),
    ("GET", "/api/v1/residents/statistics/110101/", {}, SERVING, True),
    # a write to a listed view, the console (a dispatcher must see what they just did), a case
    ("POST", "/public/report/", {}, SERVING, False),
    ("GET", "/dispatch/", {}, SERVING, False),
    ("GET", "/api/v1/incidents/7/", {}, SERVING, False),
    # the browser wrote a moment ago; the standby is behind or down
    ("GET", "/public/case/abc/", {WROTE_COOKIE: "1"}, SERVING, False),
    ("GET", "/public/case/abc/", {}, BEHIND, False),
])
def test_a_request_reads_from_the_standby_only_for_a_listed_view_a_fresh_standby_and_no_recent_write(
        monkeypatch, method, path, cookies, state, expected):
    monkeypatch.setattr(standby, "state", lambda: state)
    assert reads_from_standby(_request(method, path, cookies)) is expected


def test_the_router_sends_a_marked_requests_reads_to_the_standby_and_every_write_sessions_and_migrations_to_the_primary():
    router = StandbyRouter()
    token = _reading_from_standby.set(True)
    try:
        assert read_alias() == "replica" and router.db_for_read(Incident) == "replica"
        assert router.db_for_read(Session) == "default"
        assert router.db_for_write(Incident) == "default"
    finally:
        _reading_from_standby.reset(token)
    assert router.db_for_read(Incident) == "default"
    assert router.allow_migrate("replica", "incidents") is False and router.allow_migrate("default", "incidents") is True


def test_a_write_leaves_the_read_your_writes_cookie_and_the_choice_ends_with_the_request(monkeypatch, settings):
    settings.GRIDGOV_REPLICA_STICKY_SECONDS = 15
    monkeypatch.setattr(standby, "configured", lambda: True)
    monkeypatch.setattr(standby, "state", lambda: SERVING)
    seen = []

    def view(request):
        seen.append(read_alias())
        return HttpResponse("ok")

    def handler(request):
        # What Django's handler does inside the middleware's __call__: process_view, then the view.
        return middleware.process_view(request, view, (), {}) or view(request)

    middleware = StandbyReadsMiddleware(handler)

    def run(method, path, cookies=None):
        return middleware(_request(method, path, cookies))

    written = run("POST", "/public/report/", {"csrftoken": "x" * 32})
    assert written.cookies[WROTE_COOKIE]["max-age"] == 15 and written.cookies[WROTE_COOKIE]["httponly"]
    # An API client signed in by token sends no cookie and gets none: an answer without a cookie is
    # what the hot paths in front of Django learn, so the phones' batches still take them.
    assert WROTE_COOKIE not in run("POST", "/api/v1/patrols/1/points/").cookies
    read = run("GET", "/public/case/abc/")
    assert WROTE_COOKIE not in read.cookies
    assert seen == ["default", "default", "replica"]
    assert read_alias() == "default", "the standby is chosen for one request only"


def test_without_a_standby_url_there_is_one_database_no_router_and_no_middleware_work(settings, client):
    assert set(settings.DATABASES) == {"default"} and not getattr(settings, "DATABASE_ROUTERS", [])
    with pytest.raises(MiddlewareNotUsed):
        StandbyReadsMiddleware(lambda request: HttpResponse())
    settings.GRIDGOV_HEALTH_TOKEN = "t" * 20
    assert "replica" not in client.get("/healthz", HTTP_X_HEALTH_TOKEN="t" * 20).json()["checks"]


def test_a_standby_url_adds_the_replica_alias_and_a_host_list_reaches_libpq():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gridgov.settings",
           "DATABASE_URL": "postgis://gridgov@10.0.0.1:5432,10.0.0.2:5433/gridgov?target_session_attrs=read-write",
           "GRIDGOV_REPLICA_URL": "postgis://gridgov@10.0.0.2:5433/gridgov"}
    code = ("import json; from django.conf import settings as s; "
            "print(json.dumps({'db': s.DATABASES, 'routers': s.DATABASE_ROUTERS}, default=str))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    default, replica = found["db"]["default"], found["db"]["replica"]
    assert (default["HOST"], default["PORT"]) == ("10.0.0.1,10.0.0.2", "5432,5433")
    assert default["OPTIONS"] == {"target_session_attrs": "read-write", "options": "-c plan_cache_mode=force_generic_plan"}
    assert (replica["HOST"], replica["PORT"]) == ("10.0.0.2", 5433)
    assert replica["OPTIONS"]["connect_timeout"] == 2 and replica["TEST"] == {"MIRROR": "default"}
    assert found["routers"] == ["gridgov.replica.router.StandbyRouter"]


@pytest.mark.parametrize("url,host,port", [
    ("postgis://u@a:1,b:2/db", "a,b", "1,2"),
    ("postgis://u@a,b/db", "a,b", ""),
    ("postgis://u@a:1/db", "a", 1),
])
def test_a_database_url_names_one_host_or_several(url, host, port):
    config = dburl.parse(url)
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == (host, port, "db", "u")


def test_a_database_url_with_an_empty_host_in_its_list_is_refused_saying_which():
    with pytest.raises(ValueError, match="a,:2"):
        dburl.parse("postgis://u@a,:2/db")

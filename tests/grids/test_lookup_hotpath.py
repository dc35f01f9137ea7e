"""The lookup's hot path (grids.hotpath) in front of Django: the same answers, faster.

Requests go through the production WSGI stack (the hot path wrapping Django's handler), so what
is checked here is what a phone or a dispatch system receives.
"""
import io
import json

import pytest

from accounts import fastauth
from grids.hotpath import LookupHotPath
from tests.counting_django import CountingDjango




@pytest.fixture
def world(committed_world):
    """Committed rows: the hot path, like Django's request signals, drops a connection left in a
    transaction, as a test's would be."""
    return committed_world


@pytest.fixture
def stack():
    fastauth.forget_tokens()
    django = CountingDjango()
    yield LookupHotPath(django), django
    fastauth.forget_tokens()


def call(app, *, query="", token=None, path="/api/v1/areas/lookup/", method="GET", **extra):
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "testserver",
        "SERVER_PORT": "80", "HTTP_HOST": "testserver", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""), "wsgi.errors": io.StringIO(),
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Token {token}"
    environ.update(extra)
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), headers

    chunks = app(environ, start_response)
    body = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return answer["status"], dict(answer["headers"]), body


def point_query(area):
    point = area.boundary.point_on_surface
    return f"lat={point.y:.7f}&lng={point.x:.7f}"


def token_of(user):
    from accounts.tokens import issue

    return issue(user).key


def test_after_the_first_answer_lookups_skip_django_with_the_same_headers_and_body(world, stack):
    app, django = stack
    key = token_of(world.grid_worker_a)
    first = call(app, query=point_query(world.cell_a), token=key)
    assert first[0] == 200 and django.calls == 1
    again = call(app, query=point_query(world.cell_a), token=key)
    other = call(app, query=point_query(world.cell_b), token=key)
    assert django.calls == 1, "the hot path answered neither"
    assert again == first
    assert other[0] == 200 and json.loads(other[2])["grid"]["code"] == world.cell_b.code
    # Every middleware's header is there, learned from Django's own answer.
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Content-Language"):
        assert other[1][header] == first[1][header]
    assert int(other[1]["Content-Length"]) == len(other[2])
    body = json.loads(first[2])
    assert body["grid"]["code"] == world.cell_a.code and body["community"]["code"] == world.community_1.code
    assert "id" not in body["grid"]


def test_behind_tls_the_fast_answer_carries_hsts_as_django_does(world, stack, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_SSL_REDIRECT = True
    fastauth.forget_tokens()
    app = LookupHotPath(CountingDjango())
    key = token_of(world.dispatcher)
    plain = call(app, query=point_query(world.cell_a), token=key)
    assert plain[0] == 301, "plain HTTP is still redirected by Django"
    tls = {"HTTP_X_FORWARDED_PROTO": "https"}
    first = call(app, query=point_query(world.cell_a), token=key, **tls)
    fast = call(app, query=point_query(world.cell_b), token=key, **tls)
    assert first[0] == fast[0] == 200
    assert fast[1]["Strict-Transport-Security"].startswith("max-age=31536000")
    assert call(app, query=point_query(world.cell_a), token=key)[0] == 301


@pytest.mark.parametrize(
    "query, status",
    [
        ("lat=north&lng=116.4", 400),
        ("lat=39.9", 400),
        ("lat=95&lng=116.4", 400),
        ("lat=1e1&lng=116.4", 404),
        ("lat=31.23&lng=121.47", 404),
        ("lat=39.9&lat=39.8&lng=116.4", 404),
    ],
)
def test_anything_unusual_is_answered_by_django_with_its_message(world, stack, query, status):
    app, django = stack
    key = token_of(world.dispatcher)
    call(app, query=point_query(world.cell_a), token=key)
    before = django.calls
    answer = call(app, query=query, token=key)
    assert answer[0] == status
    assert django.calls == before + 1
    assert json.loads(answer[2])["detail"]


def test_a_missing_or_unknown_token_or_another_host_is_refused_by_django(world, stack):
    app, django = stack
    key = token_of(world.dispatcher)
    query = point_query(world.cell_a)
    assert call(app, query=query, token=key)[0] == 200
    assert call(app, query=query)[0] == 401
    unknown = call(app, query=query, token="0" * 40)
    assert unknown[0] == 401 and json.loads(unknown[2])["detail"] == "认证令牌无效。"
    assert call(app, query=query, token=key, HTTP_HOST="evil.example")[0] == 400
    assert call(app, query=query, token=key, HTTP_HOST="evil.example")[0] == 400, "a refused host is never learned"


def test_behind_a_proxy_that_forwards_the_host_a_refused_forwarded_host_stays_refused(world, settings):
    settings.USE_X_FORWARDED_HOST = True
    fastauth.forget_tokens()
    app = LookupHotPath(CountingDjango())
    key = token_of(world.dispatcher)
    query = point_query(world.cell_a)
    assert call(app, query=query, token=key, HTTP_X_FORWARDED_HOST="testserver")[0] == 200
    assert call(app, query=query, token=key, HTTP_X_FORWARDED_HOST="testserver")[0] == 200
    assert call(app, query=query, token=key, HTTP_X_FORWARDED_HOST="evil.example")[0] == 400


def test_a_deactivated_user_is_refused_at_once(world, stack):
    app, _django = stack
    key = token_of(world.dispatcher)
    query = point_query(world.cell_a)
    assert call(app, query=query, token=key)[0] == 200
    assert call(app, query=query, token=key)[0] == 200
    world.dispatcher.is_active = False
    world.dispatcher.save(update_fields=["is_active"])
    assert call(app, query=query, token=key)[0] == 401


def test_a_browser_session_and_other_methods_go_through_django(world, stack, client):
    app, django = stack
    client.force_login(world.dispatcher)
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())
    answer = call(app, query=point_query(world.cell_a), HTTP_COOKIE=cookie)
    assert answer[0] == 200 and json.loads(answer[2])["grid"]["code"] == world.cell_a.code
    assert call(app, query=point_query(world.cell_a), token=token_of(world.dispatcher), method="POST")[0] == 405
    assert django.calls == 2


def test_a_retired_cell_is_not_found_on_the_hot_path(world, stack):
    from django.utils import timezone

    from grids.actions import refresh_fragments

    app, _django = stack
    key = token_of(world.dispatcher)
    query = point_query(world.cell_a)
    assert call(app, query=query, token=key)[0] == 200
    world.cell_a.valid_to = timezone.now()
    world.cell_a.save(update_fields=["valid_to"])
    refresh_fragments([world.cell_a.id])
    assert call(app, query=query, token=key)[0] == 404


def test_the_production_and_benchmark_servers_use_the_hot_path():
    import bench.wsgi
    import gridgov.wsgi

    from dispatch.hotpath import ConsolePollHotPath

    # the patrol points' hot path in front, the console polls' behind it, the lookup's, then Django
    for application in (gridgov.wsgi.application, bench.wsgi.application):
        assert isinstance(application.django, ConsolePollHotPath)
        assert isinstance(application.django.django, LookupHotPath)

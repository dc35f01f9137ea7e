"""A patrol's batch of points answered in front of Django (incidents/hotpath.py): the same answers
as the API's view, and every request that would be an error left to Django, which answers it as
it always has, with nothing stored.

Requests go through the production WSGI stack, so what is checked is what a phone receives.
Committed rows: the hot path, like Django's request signals, drops a connection left in a
transaction, as a test's would be."""
import io
import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tokens import issue
from incidents.hotpath import PatrolPointsHotPath
from incidents.models import Patrol, PatrolPoint
from tests.counting_django import CountingDjango




@pytest.fixture
def stack():
    django = CountingDjango()
    return PatrolPointsHotPath(django), django


@pytest.fixture
def patrol(committed_world):
    return Patrol.objects.create(worker=committed_world.grid_worker_a, cell=committed_world.cell_a,
                                 started_at=timezone.now() - timedelta(minutes=30))


def points(world, n=3, *, start=None):
    centre = world.cell_a.boundary.point_on_surface
    start = start or timezone.now() - timedelta(minutes=20)
    return [{"id": str(uuid.uuid4()), "at": (start + timedelta(seconds=10 * i)).isoformat(), "lat": centre.y + i * 1e-5,
             "lng": centre.x, "accuracy": 8} for i in range(n)]


def post(app, patrol_id, body, *, key=None, content_type="application/json", raw=False, **extra):
    """The answer's status, headers and JSON (``raw``: its bytes)."""
    sent = body if isinstance(body, bytes) else json.dumps(body).encode()
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": f"/api/v1/patrols/{patrol_id}/points/", "QUERY_STRING": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver", "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(sent), "wsgi.errors": io.StringIO(),
        "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(sent)),
    }
    if key:
        environ["HTTP_AUTHORIZATION"] = f"Token {key}"
    environ.update(extra)
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), dict(headers)

    chunks = app(environ, start_response)
    body = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return answer["status"], answer["headers"], body if raw else json.loads(body)


def test_after_the_first_batch_batches_skip_django_with_the_same_headers_and_answer(committed_world, stack, patrol):
    app, django = stack
    key = issue(committed_world.grid_worker_a).key
    first = post(app, patrol.pk, {"points": points(committed_world)}, key=key)
    assert first[0] == 200 and django.calls == 1
    batch = points(committed_world, 4, start=timezone.now() - timedelta(minutes=10))
    fast = post(app, patrol.pk, {"points": batch}, key=key)
    assert django.calls == 1, "the hot path answered"
    assert fast[0] == 200 and fast[2]["received"] == 4 and fast[2]["added"] == 4 and fast[2]["distance_m"] > 0
    for header in ("Content-Type", "Content-Security-Policy", "X-Frame-Options", "Content-Language", "Vary"):
        assert fast[1].get(header) == first[1].get(header)
    # the phone's outbox sends the batch again: nothing added, the same distance
    again = post(app, patrol.pk, {"points": batch}, key=key)
    assert again[2] == {"received": 4, "added": 0, "distance_m": fast[2]["distance_m"]}
    assert PatrolPoint.objects.filter(patrol=patrol).count() == 7
    patrol.refresh_from_db()
    assert patrol.point_count == 7


def _refusals(world, patrol):
    bad_time = points(world)
    bad_time[1]["at"] = "2026-13-01T00:00:00+08:00"
    nul_elsewhere = json.dumps({"points": points(world)})[:-2] + ', "note": "a\\u0000b"}]}'
    return [
        ("a bad point", {"points": bad_time}, {}, 400, "points.1.at"),
        ("a body of another shape", {"points": "many"}, {}, 400, None),
        ("a NUL in a field the action ignores", nul_elsewhere.encode(), {}, 400, None),
        ("far from every served district", {"points": [{**points(world, 1)[0], "lat": 0.0, "lng": 0.0}]}, {}, 400, "points.0.lat"),
        # 401 with WWW-Authenticate: Token (the token class comes first; tests/reliability/test_token_401.py)
        ("an unknown token", {"points": points(world)}, {"key": "0" * 40}, 401, None),
        ("another worker's patrol, out of her scope", {"points": points(world)}, {"worker": "b"}, 404, None),
    ]


@pytest.mark.parametrize("case", range(6))
def test_a_request_that_would_be_an_error_is_answered_by_django_and_stores_nothing(committed_world, stack, patrol, case):
    app, django = stack
    key = issue(committed_world.grid_worker_a).key
    post(app, patrol.pk, {"points": points(committed_world, 1, start=timezone.now() - timedelta(minutes=25))}, key=key)
    label, body, how, status, field = _refusals(committed_world, patrol)[case]
    before, calls = PatrolPoint.objects.filter(patrol=patrol).count(), django.calls
    if how.get("worker") == "b":
        key = issue(committed_world.grid_worker_b).key
    answer = post(app, patrol.pk, body, key=how.get("key", key), **{k: v for k, v in how.items() if k.startswith("HTTP_")})
    assert answer[0] == status, (label, answer)
    assert django.calls == calls + 1, label
    assert answer[2].get("detail"), label
    if field:
        assert field in answer[2]["errors"], (label, answer)
    assert PatrolPoint.objects.filter(patrol=patrol).count() == before, label


def test_a_deactivated_worker_or_a_temporary_password_is_refused_at_once(committed_world, stack, patrol):
    app, django = stack
    worker = committed_world.grid_worker_a
    key = issue(worker).key
    assert post(app, patrol.pk, {"points": points(committed_world)}, key=key)[0] == 200
    worker.must_change_password = True
    worker.save(update_fields=["must_change_password"])
    try:
        assert post(app, patrol.pk, {"points": points(committed_world, start=timezone.now() - timedelta(minutes=15))}, key=key)[0] == 403
        worker.must_change_password = False
        worker.is_active = False
        worker.save(update_fields=["must_change_password", "is_active"])
        assert post(app, patrol.pk, {"points": points(committed_world, start=timezone.now() - timedelta(minutes=14))}, key=key)[0] == 401
    finally:
        worker.is_active = True
        worker.save(update_fields=["is_active"])
    assert PatrolPoint.objects.filter(patrol=patrol).count() == 3


def test_a_request_with_a_cookie_goes_to_django_whose_session_and_csrf_rules_apply(committed_world, stack, patrol):
    app, django = stack
    key = issue(committed_world.grid_worker_a).key
    post(app, patrol.pk, {"points": points(committed_world, 1, start=timezone.now() - timedelta(minutes=25))}, key=key)
    answer = post(app, patrol.pk, {"points": points(committed_world)}, key=key, HTTP_COOKIE="sessionid=unknown")
    assert django.calls == 2 and answer[0] == 200 and answer[2]["added"] == 3


def test_a_body_too_big_or_nested_too_deep_is_refused_by_django(committed_world, stack, patrol, settings):
    app, django = stack
    key = issue(committed_world.grid_worker_a).key
    post(app, patrol.pk, {"points": points(committed_world, 1, start=timezone.now() - timedelta(minutes=25))}, key=key)
    deep = b'{"points": [' + b"[" * 100 + b"]" * 100 + b"]}"
    answer = post(app, patrol.pk, deep, key=key)
    assert answer[0] == 400 and django.calls == 2
    settings.GRIDGOV_API_JSON_MAX_BYTES = 300
    answer = post(app, patrol.pk, {"points": points(committed_world, 5)}, key=key)
    assert answer[0] == 413 and django.calls == 3
    assert PatrolPoint.objects.filter(patrol=patrol).count() == 1

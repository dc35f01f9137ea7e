"""The patrol page in the browser posts its batches with the session cookie and the CSRF header:
answered in front of Django too (incidents/hotpath.py), with Django's own rules — the session
store, the backend that signed her in, her password's hash, DRF's CSRF check — and every request
those rules would refuse answered by Django, which refuses it as always, with nothing stored.

The same production WSGI stack as tests/incidents/test_patrol_points_hotpath.py; ``django.calls``
counts the requests Django saw."""
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils import timezone

from accounts.tokens import issue
from incidents.actions import end_patrol
from incidents.hotpath import PatrolPointsHotPath
from incidents.models import Patrol, PatrolPoint

from .test_patrol_points_hotpath import CountingDjango, points, post

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def stack():
    django = CountingDjango()
    return PatrolPointsHotPath(django), django


@pytest.fixture
def patrol(committed_world):
    return Patrol.objects.create(worker=committed_world.grid_worker_a, cell=committed_world.cell_a,
                                 started_at=timezone.now() - timedelta(minutes=30))


def signed_in(user) -> dict:
    """The environ keys of the patrol page's fetch: session and CSRF cookies, the X-CSRFToken header."""
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    csrf = _get_new_csrf_string()
    return {"HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}",
            "HTTP_X_CSRFTOKEN": csrf, "session_key": session}


def page_post(app, patrol_id, body, browser: dict, **extra):
    environ = {k: v for k, v in browser.items() if k.startswith("HTTP_")}
    environ.update(extra)
    return post(app, patrol_id, body, **{k: v for k, v in environ.items() if v is not None})


def test_the_patrol_pages_batches_skip_django_with_the_same_headers_and_answer(committed_world, stack, patrol):
    app, django = stack
    browser = signed_in(committed_world.grid_worker_a)
    first = page_post(app, patrol.pk, {"points": points(committed_world)}, browser)
    assert first[0] == 200 and django.calls == 1, first
    batch = points(committed_world, 4, start=timezone.now() - timedelta(minutes=10))
    fast = page_post(app, patrol.pk, {"points": batch}, browser)
    assert django.calls == 1, "the hot path answered"
    assert fast[0] == 200 and (fast[2]["received"], fast[2]["added"]) == (4, 4) and fast[2]["distance_m"] > 0
    for header in ("Content-Type", "Content-Security-Policy", "X-Frame-Options", "Content-Language", "Vary"):
        assert fast[1].get(header) == first[1].get(header), header
    # The outbox sends the batch again, once to Django (a query string sends it there) and once
    # here: the same answer, byte for byte.
    by_django = page_post(app, patrol.pk, {"points": batch}, browser, QUERY_STRING="again=1", raw=True)
    assert django.calls == 2
    here = page_post(app, patrol.pk, {"points": batch}, browser, raw=True)
    assert django.calls == 2 and here == by_django and b'"added":0' in here[2]
    assert PatrolPoint.objects.filter(patrol=patrol).count() == 7
    patrol.refresh_from_db()
    assert patrol.point_count == 7


def _no_csrf(browser, world):
    return {**browser, "HTTP_X_CSRFTOKEN": None}


def _wrong_csrf(browser, world):
    return {**browser, "HTTP_X_CSRFTOKEN": _get_new_csrf_string()}


def _foreign_origin(browser, world):
    return {**browser, "HTTP_ORIGIN": "https://evil.example"}


def _unknown_session(browser, world):
    cookie = browser["HTTP_COOKIE"].replace(browser["session_key"], "x" * 32)
    return {**browser, "HTTP_COOKIE": cookie}


def _expired_session(browser, world):
    Session.objects.filter(session_key=browser["session_key"]).update(expire_date=timezone.now() - timedelta(seconds=1))
    return browser


def _password_changed(browser, world):
    worker = world.grid_worker_a
    worker.set_password("a new one, somewhere else")
    worker.save()
    return browser


def _deactivated(browser, world):
    world.grid_worker_a.__class__.objects.filter(pk=world.grid_worker_a.pk).update(is_active=False)
    return browser


def _temporary_password(browser, world):
    world.grid_worker_a.__class__.objects.filter(pk=world.grid_worker_a.pk).update(must_change_password=True)
    return browser


def _another_worker(browser, world):
    return signed_in(world.grid_worker_b)


# A session that no longer signs anyone in is 401 (not signed in: the outbox waits for her to sign in
# again); a signed-in request refused (CSRF, a temporary password) is 403.
REFUSALS = [(_no_csrf, 403), (_wrong_csrf, 403), (_foreign_origin, 403), (_unknown_session, 401), (_expired_session, 401),
            (_password_changed, 401), (_deactivated, 401), (_temporary_password, 403), (_another_worker, 404)]


@pytest.mark.parametrize("refusal", REFUSALS, ids=[r[0].__name__.strip("_") for r in REFUSALS])
def test_a_page_post_that_django_would_refuse_is_refused_by_django_and_stores_nothing(committed_world, stack, patrol, refusal):
    change, status = refusal
    app, django = stack
    worker = committed_world.grid_worker_a
    browser = signed_in(worker)
    assert page_post(app, patrol.pk, {"points": points(committed_world, 1, start=timezone.now() - timedelta(minutes=25))}, browser)[0] == 200
    before, calls = PatrolPoint.objects.filter(patrol=patrol).count(), django.calls
    try:
        answer = page_post(app, patrol.pk, {"points": points(committed_world)}, change(browser, committed_world))
    finally:
        worker.__class__.objects.filter(pk=worker.pk).update(is_active=True, must_change_password=False)
    assert answer[0] == status, answer
    assert django.calls == calls + 1, "Django answered"
    assert answer[2].get("detail")
    assert PatrolPoint.objects.filter(patrol=patrol).count() == before


def test_a_token_batch_for_an_ended_patrol_is_left_to_django_and_its_rule(committed_world, stack, patrol):
    app, django = stack
    worker = committed_world.grid_worker_a
    key = issue(worker).key
    assert post(app, patrol.pk, {"points": points(committed_world, 2, start=timezone.now() - timedelta(minutes=25))}, key=key)[0] == 200
    end_patrol(patrol, actor=worker)
    calls = django.calls
    # Recorded before the end, sent late by the outbox: stored, by Django (the kept line is drawn again).
    late = post(app, patrol.pk, {"points": points(committed_world, 2, start=timezone.now() - timedelta(minutes=20))}, key=key)
    assert late[0] == 200 and late[2]["added"] == 2 and django.calls == calls + 1
    # Recorded after the end: Django's 400 naming the point.
    after = post(app, patrol.pk, {"points": points(committed_world, 1, start=timezone.now() + timedelta(minutes=2))}, key=key)
    assert after[0] == 400 and "points.0.at" in after[2]["errors"] and django.calls == calls + 2

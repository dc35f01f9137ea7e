"""Attacks on the console polls' hot path (dispatch/hotpath.py), which serves a kept answer in
front of Django: a narrower seat never gets the district's answer nor a 304 for its ETag, and a
session Django would no longer honour — logged out, expired, forged, a changed password, an
inactive user, a temporary password, a role without the console, another area — gets exactly what
Django answers, from Django.

Through the production WSGI stack (tests/dispatch/poll_wsgi.py), on committed rows."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.models import User
from dispatch import poll_cache
from incidents.actions import register, report_incident
from incidents.models import Category

from tests.dispatch.conftest import inside
from tests.dispatch.poll_wsgi import INTAKE, QUEUE, by_django_and_here, poll, seat_cookie, session_of, stack


@pytest.fixture
def world(committed_world):
    return committed_world


@pytest.fixture(autouse=True)
def _long_intervals(monkeypatch):
    """Answers kept for a minute: on a loaded machine two requests of a test can be more than the
    pulse's second apart (tests/dispatch/test_console_poll_hotpath.py moves the clock instead)."""
    monkeypatch.setattr(poll_cache, "INTAKE_SECONDS", 60)
    monkeypatch.setattr(poll_cache, "QUEUE_SECONDS", 60)


def _case(world, cell, *, registered: bool = True):
    incident, _created = report_incident(
        reporter=world.dispatcher, category=Category.objects.get(code="C0102"), location=inside(cell), source="hotline"
    )
    if registered:
        register(incident, actor=world.dispatcher)
    return incident


def _same(alone, here) -> None:
    """What a console sees of an answer: its status, ETag and, for a 200, its body (a refusal's
    page may carry a fresh token of its own)."""
    assert (here.status, here.etag, here.headers.get("Location")) == (alone.status, alone.etag, alone.headers.get("Location"))
    if alone.status == 200:
        assert here.body == alone.body


def test_a_street_seat_never_gets_the_districts_answer_nor_honours_its_etag(world):
    mine, theirs = _case(world, world.cell_a), _case(world, world.cell_b)  # street 1, street 2
    _case(world, world.cell_b, registered=False)  # waiting in the intake, in street 2
    street_seat = User.objects.create(username="dispatcher_street_1", role=world.dispatcher.role, area=world.street_1)
    for path in (INTAKE, QUEUE):
        _street_seat_on(world, street_seat, path, mine, theirs)


def _street_seat_on(world, street_seat, path, mine, theirs):
    app, django = stack()
    district = poll(app, path, seat_cookie(world.dispatcher))
    assert poll(app, path, seat_cookie(world.dispatcher)).body == district.body and django.calls == 1  # kept, learned
    cookie = seat_cookie(street_seat)
    hers = poll(app, path, cookie, etag=district.etag)  # the district's ETag is not hers
    assert django.calls == 2, "her answer is not kept yet: Django's"
    assert hers.status == 200 and hers.etag != district.etag and hers.body != district.body
    for etag in (district.etag, None):  # hers, kept now, served in front of Django: never the district's
        alone, here, by_django = by_django_and_here(app, django, path, cookie, etag=etag)
        assert not by_django
        _same(alone, here)
        assert here.status == 200 and here.etag == hers.etag and here.body == hers.body
    if path == QUEUE:
        ids = [row["id"] for row in json.loads(poll(app, path, cookie).body)["results"]]
        assert mine.pk in ids and theirs.pk not in ids
        searched = json.loads(poll(app, path, cookie, query=f"q={theirs.number}").body)
        assert searched["results"] == [] and sum(searched["counts"].values()) == 0
        again = json.loads(poll(app, path, cookie, query=f"q={theirs.number}").body)
        assert again == searched


def _logged_out(seat, session, world):
    Session.objects.filter(session_key=session).delete()


def _expired(seat, session, world):
    Session.objects.filter(session_key=session).update(expire_date=timezone.now() - timedelta(seconds=1))


def _password_changed(seat, session, world):
    seat.set_password("a new one, chosen elsewhere")
    seat.save()


def _deactivated(seat, session, world):
    User.objects.filter(pk=seat.pk).update(is_active=False)


def _temporary_password(seat, session, world):
    User.objects.filter(pk=seat.pk).update(must_change_password=True)


def _no_longer_a_dispatcher(seat, session, world):
    User.objects.filter(pk=seat.pk).update(role=world.leader.role)


def _moved_to_a_street(seat, session, world):
    User.objects.filter(pk=seat.pk).update(area=world.street_1)


# What Django answers each: a session that signs nobody in goes to the login page (302), as does a
# temporary password (to the password change); a role without the console is refused (403); a
# seat moved to a street gets her street's answer (200, not the district's).
CHANGES = [(_logged_out, 302), (_expired, 302), (_password_changed, 302), (_deactivated, 302),
           (_temporary_password, 302), (_no_longer_a_dispatcher, 403), (_moved_to_a_street, 200)]


@pytest.mark.parametrize("change", CHANGES, ids=[c[0].__name__.strip("_") for c in CHANGES])
def test_a_session_django_no_longer_honours_as_before_gets_djangos_answer(world, change):
    change, status = change
    _case(world, world.cell_a)
    _case(world, world.cell_b)
    _case(world, world.cell_b, registered=False)  # in the district's intake, not in street 1's
    seat = User.objects.create(username="dispatcher_seat", role=world.dispatcher.role, area=world.district)
    app, django = stack()
    session = session_of(seat)
    cookie = seat_cookie(session=session)
    kept = {}
    for path in (INTAKE, QUEUE):
        kept[path] = poll(app, path, cookie)
        assert poll(app, path, cookie, etag=kept[path].etag).status == 304
        assert poll(app, path, cookie).body == kept[path].body and poll(app, path, cookie, etag=kept[path].etag).status == 304
    calls = django.calls  # 200 and 304 learned; both served here now
    assert calls == 4
    change(seat, session, world)
    for path in (INTAKE, QUEUE):
        for etag in (None, kept[path].etag):
            alone, here, by_django = by_django_and_here(app, django, path, cookie, etag=etag)
            _same(alone, here)
            assert here.status == status, (path, here.status, here.headers.get("Location"))
            if status == 200:
                assert here.etag != kept[path].etag and here.body != kept[path].body
    if status != 200:
        assert django.calls == calls + 4, "Django answered every one"


def test_a_forged_session_key_is_djangos(world):
    app, django = stack()
    poll(app, INTAKE, seat_cookie(world.dispatcher))
    alone, here, by_django = by_django_and_here(app, django, INTAKE, seat_cookie(session="x" * 32))
    assert by_django and here.status == alone.status == 302


def test_no_console_no_kept_answer_whatever_the_etag(world):
    _case(world, world.cell_a)
    app, django = stack()
    kept = poll(app, INTAKE, seat_cookie(world.dispatcher))
    poll(app, INTAKE, seat_cookie(world.dispatcher))
    for user in (world.department_handler, world.grid_worker_a, world.leader):
        alone, here, by_django = by_django_and_here(app, django, INTAKE, seat_cookie(user), etag=kept.etag)
        assert by_django and here.status == alone.status and here.status in (403, 404), user.username

"""The console's polls answered in front of Django once their shared answer is kept
(dispatch/hotpath.py): the same status, body, ETag and headers as Django gives the same request,
each language its own answer, a changed or expired answer left to Django, and anything unusual
answered by Django as always.

Through the production WSGI stack (tests/dispatch/poll_wsgi.py); committed rows, since the hot
path, like Django's request signals, drops a connection left in a transaction."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from accounts.models import User
from dispatch import poll_cache
from dispatch.hotpath import POLL_PATHS
from dispatch.kinds import CaseStatus
from incidents.models import Incident

from .poll_wsgi import INTAKE, QUEUE, by_django_and_here, poll, seat_cookie, stack


@pytest.fixture
def world(committed_world):
    return committed_world


@pytest.fixture(autouse=True)
def _long_intervals(monkeypatch):
    """Answers kept for a minute: on a loaded machine two requests of a test can be more than the
    pulse's second apart. How an interval ends is tested with a moved clock, below."""
    monkeypatch.setattr(poll_cache, "INTAKE_SECONDS", 60)
    monkeypatch.setattr(poll_cache, "QUEUE_SECONDS", 60)


@pytest.fixture
def second_dispatcher(world):
    """Another seat of the same district's command centre."""
    return User.objects.create(username="dispatcher_two", role=world.dispatcher.role, area=world.district)


def test_the_hot_path_answers_the_consoles_own_addresses():
    assert set(POLL_PATHS) == {reverse("dispatch:intake-json"), reverse("dispatch:queue-json")}
    assert POLL_PATHS[reverse("dispatch:intake-json")] == "intake" and POLL_PATHS[reverse("dispatch:queue-json")] == "queue"


@pytest.mark.parametrize("path", [INTAKE, QUEUE])
def test_a_kept_answer_is_served_in_front_of_django_exactly_as_django_serves_it(world, hotline_case, second_dispatcher, path):
    hotline_case(code="C0102")
    hotline_case(code="C0101", registered=False)
    app, django = stack()
    first = poll(app, path, seat_cookie(world.dispatcher))
    assert first.status == 200 and django.calls == 1  # computed and kept by the view
    alone, fast, by_django = by_django_and_here(app, django, path, seat_cookie(second_dispatcher))
    assert not by_django, "the hot path answered"
    assert fast == alone and fast.status == 200 and fast.body == first.body and fast.headers == first.headers
    for header in ("Content-Type", "ETag", "Cache-Control", "Vary", "Content-Language", "Content-Security-Policy",
                   "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
        assert fast.headers.get(header), header
    # Revalidation: Django's first 304 teaches its headers; the next 304 is the hot path's, the same.
    cookie = seat_cookie(second_dispatcher)
    assert poll(app, path, cookie, etag=fast.etag).status == 304 and django.calls == 2
    alone, fast_304, by_django = by_django_and_here(app, django, path, cookie, etag=fast.etag)
    assert not by_django and fast_304 == alone and fast_304.status == 304 and fast_304.body == b""
    assert fast_304.etag == fast.etag and "Content-Type" not in fast_304.headers
    # An ETag from another answer (or a weak match list) is compared as Django compares it.
    alone, listed, by_django = by_django_and_here(app, django, path, cookie, etag=f'"old", {fast.etag}')
    assert not by_django and listed == alone and listed.status == 304
    alone, stale, by_django = by_django_and_here(app, django, path, cookie, etag='"old"')
    assert not by_django and stale == alone and stale.status == 200 and stale.body == first.body


def test_the_queue_is_served_for_the_same_filters_in_any_order_and_only_for_them(world, hotline_case, second_dispatcher):
    case = hotline_case(code="C0102")
    app, django = stack()
    mine = poll(app, QUEUE, seat_cookie(world.dispatcher), query=f"stage=dispatch&q={case.number}")
    assert mine.status == 200 and [row["id"] for row in json.loads(mine.body)["results"]] == [case.pk]
    alone, fast, by_django = by_django_and_here(app, django, QUEUE, seat_cookie(second_dispatcher),
                                                query=f"q={case.number}&stage=dispatch")
    assert not by_django and fast == alone and fast.body == mine.body
    calls = django.calls
    other = poll(app, QUEUE, seat_cookie(second_dispatcher), query="q=no+case+says+this")
    assert django.calls == calls + 1, "another filter: not kept yet, Django's"
    assert json.loads(other.body)["results"] == []


LANGUAGES = [
    ("en", {}, "en"),
    (None, {}, "zh-hans"),
    ("zh-hans", {}, "zh-hans"),
    ("fr", {}, "zh-hans"),  # not one of ours: Chinese, as the locale middleware decides
    ("EN", {}, "zh-hans"),
    ("", {}, "zh-hans"),
    (None, {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}, "zh-hans"),  # the browser's wish is not followed
]


def test_every_language_gets_the_answer_django_gives_in_it(world, hotline_case, second_dispatcher):
    hotline_case(code="C0102")
    app, django = stack()
    kept = {
        "zh-hans": poll(app, QUEUE, seat_cookie(world.dispatcher)),
        "en": poll(app, QUEUE, seat_cookie(world.dispatcher, language="en")),
    }
    assert django.calls == 2 and kept["en"].body != kept["zh-hans"].body
    assert kept["en"].headers["Content-Language"] == "en" and kept["zh-hans"].headers["Content-Language"] == "zh-hans"
    cookie = {language: seat_cookie(second_dispatcher, language=language) for language, _extra, _expected in LANGUAGES}
    for language, extra, expected in LANGUAGES:
        alone, fast, by_django = by_django_and_here(app, django, QUEUE, cookie[language], **extra)
        assert not by_django and fast == alone, language
        assert fast.body == kept[expected].body and fast.headers["Content-Language"] == expected, language


def test_after_a_case_change_the_next_poll_is_djangos_fresh_answer(world, hotline_case, second_dispatcher):
    app, django = stack()
    before = poll(app, INTAKE, seat_cookie(world.dispatcher))
    hotline_case(code="C0101", registered=False)
    calls = django.calls
    after = poll(app, INTAKE, seat_cookie(second_dispatcher))
    assert django.calls == calls + 1
    assert json.loads(after.body)["intake"] == json.loads(before.body)["intake"] + 1 and after.etag != before.etag
    again = poll(app, INTAKE, seat_cookie(world.dispatcher), etag=before.etag)
    assert django.calls == calls + 1 and again.status == 200 and again.body == after.body


def test_an_answer_older_than_its_interval_is_left_to_django(world, hotline_case, second_dispatcher):
    case = hotline_case(code="C0102")
    app, django = stack()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert json.loads(poll(app, QUEUE, seat_cookie(world.dispatcher)).body)["counts"]["deferred"] == 0
        Incident.objects.filter(pk=case.pk).update(status=CaseStatus.DEFERRED)  # no signal, no counter
        clock.shift(timedelta(seconds=poll_cache.QUEUE_SECONDS - 0.1))
        calls = django.calls
        kept = poll(app, QUEUE, seat_cookie(second_dispatcher))
        assert django.calls == calls and json.loads(kept.body)["counts"]["deferred"] == 0
        clock.shift(timedelta(seconds=0.2))
        fresh = poll(app, QUEUE, seat_cookie(second_dispatcher))
        assert django.calls == calls + 1 and json.loads(fresh.body)["counts"]["deferred"] == 1


def _unknown_cookie(cookie):
    return {"cookie": f"{cookie}; _ga=GA1.2.3"}


def _a_token_too(cookie):
    return {"HTTP_AUTHORIZATION": "Token abc"}


def _head(cookie):
    return {"method": "HEAD"}


def _pulse_with_a_query(cookie):
    return {"query": "t=1"}


def _no_session(cookie):
    return {"cookie": f"{settings.CSRF_COOKIE_NAME}=" + "a" * 32}


def _csrf_cookie_django_renews(cookie):
    return {"cookie": re.sub(f"{settings.CSRF_COOKIE_NAME}=[^;]*", f"{settings.CSRF_COOKIE_NAME}=short", cookie)}


UNUSUAL = [(_unknown_cookie, 200), (_a_token_too, 200), (_head, 200), (_pulse_with_a_query, 200), (_no_session, 302),
           (_csrf_cookie_django_renews, 200)]


def test_anything_unusual_is_answered_by_django(world):
    app, django = stack()
    cookie = seat_cookie(world.dispatcher)
    assert poll(app, INTAKE, cookie).status == 200 and poll(app, INTAKE, cookie).status == 200
    assert django.calls == 1, "kept and learned"
    for change, status in UNUSUAL:
        request = {"cookie": cookie, **change(cookie)}
        calls = django.calls
        answer = poll(app, INTAKE, request.pop("cookie"), **request)
        assert django.calls == calls + 1 and answer.status == status, change.__name__
        if change is _csrf_cookie_django_renews:
            assert settings.CSRF_COOKIE_NAME in answer.headers.get("Set-Cookie", "")
    assert poll(app, INTAKE, cookie).status == 200 and django.calls == calls + 1, "the plain request is still served here"


def test_a_nul_in_the_queues_filters_is_djangos_400(world):
    app, django = stack()
    cookie = seat_cookie(world.dispatcher)
    poll(app, QUEUE, cookie, query="q=x")
    assert poll(app, QUEUE, cookie, query="q=x").status == 200 and django.calls == 1
    assert poll(app, QUEUE, cookie, query="q=x%00").status == 400 and django.calls == 2


def test_the_standbys_read_your_writes_cookie_changes_nothing(world, second_dispatcher):
    app, django = stack()
    poll(app, INTAKE, seat_cookie(world.dispatcher))
    alone, fast, by_django = by_django_and_here(app, django, INTAKE, seat_cookie(second_dispatcher, extra="gridgov_wrote=1"))
    assert not by_django and fast == alone


def test_with_redis_away_django_answers_from_the_database(world, second_dispatcher, monkeypatch):
    app, django = stack()
    kept = poll(app, INTAKE, seat_cookie(world.dispatcher))

    class Away:
        def get(self, *args, **kwargs):
            raise RedisConnectionError("away")

        set = add = incr = get

    monkeypatch.setattr(poll_cache, "cache", Away())
    monkeypatch.setattr("incidents.changes.cache", Away())
    calls = django.calls
    answer = poll(app, INTAKE, seat_cookie(second_dispatcher))
    assert django.calls == calls + 1 and answer.status == 200 and answer.body == kept.body

"""The console's polls: one answer per district kept for the poll's interval, fresh after any act,
and 304 without a body when nothing changed (dispatch/poll_cache.py)."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from dispatch.kinds import CaseStatus
from incidents.models import Incident

pytestmark = pytest.mark.django_db


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _case_reads(queries) -> int:
    """Statements that read the cases themselves (not the session, the user or her area)."""
    return sum(1 for q in queries if "incidents_incident" in q["sql"])


@pytest.fixture(autouse=True)
def clock():
    """The application's clock, stopped: a kept answer stays fresh however slow the machine is
    (the pulse's interval is one second); a test moves it to end an interval."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def second_dispatcher(world):
    """Another seat of the same district's command centre."""
    return User.objects.create(username="dispatcher_two", role=world.dispatcher.role, area=world.dispatcher.area)


@pytest.mark.parametrize("url", ["/dispatch/queue.json", "/dispatch/intake.json"])
def test_two_dispatchers_of_one_district_share_one_computation(world, hotline_case, second_dispatcher, url):
    hotline_case(code="C0102")
    hotline_case(code="C0101", registered=False)
    with CaptureQueriesContext(connection) as first:
        answer_one = _browser(world.dispatcher).get(url)
    with CaptureQueriesContext(connection) as second:
        answer_two = _browser(second_dispatcher).get(url)
    assert answer_one.status_code == answer_two.status_code == 200
    assert _case_reads(first.captured_queries) >= 1
    assert _case_reads(second.captured_queries) == 0  # the second seat is answered from the kept answer
    assert answer_two.content == answer_one.content and answer_two["ETag"] == answer_one["ETag"]


def test_other_filters_are_other_answers(world, hotline_case):
    case = hotline_case(code="C0102")
    client = _browser(world.dispatcher)
    everything = client.get("/dispatch/queue.json").json()
    assert case.pk in [row["id"] for row in everything["results"]]
    searched = client.get("/dispatch/queue.json", {"q": "no case says this"}).json()
    assert searched["results"] == []


def test_her_act_shows_in_her_next_poll_at_once(world, hotline_case):
    case = hotline_case(code="C0102")
    client = _browser(world.dispatcher)
    before = client.get("/dispatch/queue.json").json()
    assert before["counts"]["deferred"] == 0
    done = client.post(
        f"/dispatch/case/{case.pk}/act/defer/", {"note": "等", "version": case.version}, HTTP_ACCEPT="application/json"
    ).json()
    assert done["ok"]
    after = client.get("/dispatch/queue.json").json()  # within the 5 s the old answer would be kept
    assert after["counts"]["deferred"] == 1
    row = next(r for r in after["results"] if r["id"] == case.pk)
    assert row["status"] == CaseStatus.DEFERRED and row["version"] == case.version + 1


def test_a_new_report_shows_in_the_next_pulse_at_once(world, hotline_case):
    client = _browser(world.dispatcher)
    before = client.get("/dispatch/intake.json").json()
    hotline_case(code="C0101", registered=False)
    after = client.get("/dispatch/intake.json").json()
    assert after["intake"] == before["intake"] + 1 and after["stamp"] != before["stamp"]


@pytest.mark.parametrize("url", ["/dispatch/queue.json", "/dispatch/intake.json"])
def test_an_unchanged_poll_is_answered_304_without_a_body(world, hotline_case, url):
    case = hotline_case(code="C0102")
    client = _browser(world.dispatcher)
    first = client.get(url)
    etag = first["ETag"]
    assert first.status_code == 200 and etag and "no-cache" in first["Cache-Control"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    # Something changed: the full answer again, with a new ETag.
    client.post(f"/dispatch/case/{case.pk}/act/defer/", {"note": "等", "version": case.version}, HTTP_ACCEPT="application/json")
    hotline_case(code="C0101", registered=False)
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag and changed.json()


def test_the_kept_answer_expires_after_the_poll_interval(world, hotline_case, clock):
    """A write that bypasses the case machine (here a bulk UPDATE) shows once the interval has
    passed — by the application's clock, which the test moves (Redis's own expiry is a backstop)."""
    from dispatch import poll_cache

    case = hotline_case(code="C0102")
    client = _browser(world.dispatcher)
    assert client.get("/dispatch/queue.json").json()["counts"]["deferred"] == 0
    Incident.objects.filter(pk=case.pk).update(status=CaseStatus.DEFERRED)  # no signal, no counter
    clock.shift(timedelta(seconds=poll_cache.QUEUE_SECONDS - 0.1))
    assert client.get("/dispatch/queue.json").json()["counts"]["deferred"] == 0  # kept: at most one interval old
    clock.shift(timedelta(seconds=0.2))
    assert client.get("/dispatch/queue.json").json()["counts"]["deferred"] == 1


API_POLLS = ["/api/v1/dispatch/queue/", "/api/v1/dispatch/heat/"]


@pytest.mark.parametrize("url", API_POLLS)
def test_the_apis_queue_and_heat_map_share_one_answer_per_scope_too(world, hotline_case, second_dispatcher, api_as, url):
    hotline_case(code="C0102")
    with CaptureQueriesContext(connection) as first:
        answer_one = api_as(world.dispatcher).get(url, {"stage": "dispatch"})
    with CaptureQueriesContext(connection) as second:
        answer_two = api_as(second_dispatcher).get(url, {"stage": "dispatch"})
    assert answer_one.status_code == answer_two.status_code == 200
    assert _case_reads(first.captured_queries) >= 1 and _case_reads(second.captured_queries) == 0
    assert answer_two.content == answer_one.content and answer_two["ETag"] == answer_one["ETag"]
    assert "Authorization" in answer_two["Vary"] and "no-cache" in answer_two["Cache-Control"]
    again = api_as(second_dispatcher).get(url, {"stage": "dispatch"}, HTTP_IF_NONE_MATCH=answer_one["ETag"])
    assert again.status_code == 304 and again.content == b""
    # Another filter is another answer; a case changed, a fresh one.
    assert api_as(second_dispatcher).get(url, {"stage": "register"}).json() != answer_one.json()
    hotline_case(code="C0102")
    assert api_as(second_dispatcher).get(url, {"stage": "dispatch"})["ETag"] != answer_one["ETag"]


@pytest.mark.parametrize("url", API_POLLS)
def test_the_apis_kept_answer_is_what_drf_renders_and_the_browsable_api_still_answers(world, hotline_case, api_as, url):
    from rest_framework.renderers import JSONRenderer

    from dispatch.heat import heat_payload
    from dispatch.queries import queue_payload

    hotline_case(code="C0102")
    kept = api_as(world.dispatcher).get(url)
    computed = queue_payload(world.dispatcher, {}) if "queue" in url else heat_payload(world.dispatcher, {}, zoom=12)
    assert kept["Content-Type"] == "application/json"
    drf = json.loads(JSONRenderer().render(computed))
    assert {k: v for k, v in kept.json().items() if k != "now"} == {k: v for k, v in drf.items() if k != "now"}
    page = api_as(world.dispatcher).get(url, HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")

"""Attacks on the console's shared poll answers (dispatch/poll_cache.py): an answer kept for one
scope never reaches another — a narrower seat, another language, somebody without a console — and
an ETag taken from somebody else's answer buys nothing."""
from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from accounts.scope import scope_key
from incidents.actions import register, report_incident
from incidents.models import Category, Incident

from tests.dispatch.conftest import inside

pytestmark = pytest.mark.django_db
# The console's polls and the API's queue and heat map, all kept per scope.
POLLS = ("/dispatch/queue.json", "/dispatch/intake.json", "/api/v1/dispatch/queue/", "/api/v1/dispatch/heat/")


def _browser(user, **headers) -> Client:
    client = Client(**headers)
    client.force_login(user)
    return client


def _case(world, cell, *, registered: bool = True):
    incident, _created = report_incident(
        reporter=world.dispatcher, category=Category.objects.get(code="C0102"), location=inside(cell), source="hotline"
    )
    if registered:
        register(incident, actor=world.dispatcher)
    return incident


@pytest.fixture
def street_dispatcher(world):
    """A command-centre seat that answers for street 1 only (community 2 lies in street 2)."""
    return User.objects.create(username="dispatcher_street_1", role=world.dispatcher.role, area=world.street_1)


def test_a_narrower_seat_never_gets_the_districts_kept_answer(world, street_dispatcher):
    mine, theirs = _case(world, world.cell_a), _case(world, world.cell_b)  # street 1, street 2
    _case(world, world.cell_b, registered=False)  # waiting in the intake, in street 2
    for url in POLLS:
        district = _browser(world.dispatcher).get(url)  # computed and kept for the district first
        street = _browser(street_dispatcher).get(url, HTTP_IF_NONE_MATCH=district["ETag"])
        assert street.status_code == 200, url  # the district's ETag is not hers: a full answer
        assert street["ETag"] != district["ETag"] and street.content != district.content
    ids = [row["id"] for row in _browser(street_dispatcher).get("/dispatch/queue.json").json()["results"]]
    assert mine.pk in ids and theirs.pk not in ids
    searched = _browser(street_dispatcher).get("/dispatch/queue.json", {"q": theirs.number}).json()
    assert searched["results"] == [] and sum(searched["counts"].values()) == 0


def test_the_scope_names_differ_exactly_when_the_scopes_do(world, street_dispatcher):
    twin = User.objects.create(username="dispatcher_twin", role=world.dispatcher.role, area=world.district)
    assert scope_key(world.dispatcher, Incident) == scope_key(twin, Incident)
    assert scope_key(world.dispatcher, Incident) != scope_key(street_dispatcher, Incident)
    # Two departments of the same district see different cases (dispatched to each): never shared.
    assert scope_key(world.department_handler, Incident) != scope_key(world.other_department_handler, Incident)
    # A grid worker's scope is her cells, never a prefix of somebody else's list.
    assert scope_key(world.grid_worker_a, Incident) != scope_key(world.grid_worker_b, Incident)


def test_no_console_no_kept_answer(world):
    _case(world, world.cell_a)
    for url in POLLS:
        kept = _browser(world.dispatcher).get(url)
        assert kept.status_code == 200
        for user in (world.department_handler, world.grid_worker_a, world.leader):
            refused = _browser(user).get(url, HTTP_IF_NONE_MATCH=kept["ETag"])
            assert refused.status_code in (403, 404), (url, user.username)
        assert Client().get(url).status_code in (302, 401, 403)


def test_an_answer_in_one_language_is_not_kept_for_another(world, settings):
    _case(world, world.cell_a)
    chinese = _browser(world.dispatcher).get("/dispatch/queue.json").json()
    reader = _browser(world.dispatcher)
    reader.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch's cookie
    english = reader.get("/dispatch/queue.json").json()
    assert chinese["results"][0]["status_label"] != english["results"][0]["status_label"]

"""A full ID number in a URL (issue 13, item 6), and the masked numbers found by trying every value.

Pages, the export and the API refuse a full ID, passport or phone number in the query string by
one rule (residents.queries.identifier_in_address): the address would land in access logs. And
since the masks hide the last four, a search by them alone finds nobody; a name with the last
four, or a full number by POST, counts against a daily allowance.
"""
from __future__ import annotations

import uuid

import pytest

from residents import actions as resident_actions
from tests.residents.conftest import make_household, make_person, valid_id

ID_NUMBER = valid_id(sequence=21)
PHONE = "13812340000"


@pytest.fixture
def person(world, settings):
    caches = {name: dict(value) for name, value in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-addr-{uuid.uuid4().hex[:8]}"
    settings.CACHES = caches
    resident_actions.ensure_default_care_tags()
    return make_person(make_household(world.cell_a), name="钱七", id_number=ID_NUMBER, phones=[PHONE])


@pytest.mark.parametrize("url", ["/residents/people/", "/residents/people/export.xlsx", "/api/v1/residents/persons/"])
@pytest.mark.parametrize("number", [ID_NUMBER, PHONE, "E12345678"])
def test_a_full_number_in_the_query_string_is_refused_everywhere_without_being_echoed(url, number, person, world, client):
    client.force_login(world.community_staff)
    response = client.get(url, {"q": number})
    assert response.status_code == 400
    body = response.content.decode()
    assert number not in body and "钱七" not in body
    assert response.get("Content-Type", "").split(";")[0] != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_the_post_search_form_still_finds_the_person(person, world, client):
    client.force_login(world.community_staff)
    response = client.post("/residents/people/", {"exact": ID_NUMBER})
    assert response.status_code == 200 and f"/residents/people/{person.pk}/" in response.content.decode()


def test_the_last_four_alone_find_nobody_and_with_the_name_they_do(person, world, api_as):
    client = api_as(world.community_staff)
    assert client.get("/api/v1/residents/persons/", {"q": ID_NUMBER[-4:]}).json()["count"] == 0
    assert client.get("/api/v1/residents/persons/", {"q": f"钱七 {ID_NUMBER[-4:]}"}).json()["count"] == 1


def test_trying_every_value_runs_into_the_daily_allowance(person, world, api_as, client, settings):
    settings.GRIDGOV_IDENTIFIER_SEARCHES_PER_DAY = 5
    api = api_as(world.community_staff)
    answers = [api.get("/api/v1/residents/persons/", {"q": f"钱七 {n:04d}"}).status_code for n in range(6)]
    assert answers[:5] == [200] * 5 and answers[5] == 429
    # The same allowance holds for the page's POST search and the API's body search.
    assert api.post("/api/v1/residents/persons/search/", {"q": ID_NUMBER}, format="json").status_code == 429
    client.force_login(world.community_staff)
    response = client.post("/residents/people/", {"exact": PHONE})
    assert response.status_code == 429 and f"/residents/people/{person.pk}/" not in response.content.decode()
    # Other searches are not limited.
    assert api.get("/api/v1/residents/persons/", {"q": "钱七"}).json()["count"] == 1

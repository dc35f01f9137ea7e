"""Attacks on a hotline need's caller's phone (docs/needs.md#the-hotline): another jurisdiction's
need or household named in the body, NUL bytes, a huge value — a clear 400/404, nothing saved,
never a 500 — and the number never shown where it does not belong: the household's public page,
Open311, the markers, and the lists or workbooks of roles that do not call back."""
from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test import Client
from openpyxl import load_workbook

from incidents.errors import InvalidInput
from needs import actions
from needs.hotline import find_households
from needs.models import Need, NeedSource
from tests.needs.conftest import homes, kinds  # noqa: F401 - fixtures
from tests.reliability.test_needs_attacks import _open

pytestmark = pytest.mark.django_db

NUMBER, MASKED = "13912348765", "139****8765"


def _call(world, household, number=NUMBER, text="老人发烧，需要退烧药"):
    return actions.record_need(household=household, kind="medicine", source=NeedSource.HOTLINE, actor=world.dispatcher,
                               description=text, caller_phone=number)


def _text(response) -> str:
    body = response.content
    if body.startswith(b"PK"):
        workbook = load_workbook(io.BytesIO(body))
        return " ".join(str(c.value) for s in workbook.worksheets for r in s.iter_rows() for c in r if c.value is not None)
    return body.decode("utf-8", "replace")


def test_the_number_is_nowhere_in_clear_in_the_database(world, homes):
    _call(world, homes.in_b)
    with connection.cursor() as cursor:
        for table in ("needs_need", "needs_needevent"):
            cursor.execute(f"SELECT count(*) FROM {table} t WHERE t::text LIKE %s", [f"%{NUMBER}%"])
            assert cursor.fetchone()[0] == 0, f"the caller's number stands in clear in {table}"


def test_another_jurisdictions_need_id_in_the_url_or_the_body_shows_nothing_of_its_caller(world, homes, api_as):
    theirs = _call(world, homes.in_b)  # community 2: grid_worker_b's cell
    mine = actions.record_need(household=homes.in_a, kind="food", source=NeedSource.GRID_WORKER, actor=world.grid_worker_a)
    client = Client()
    for user in (world.grid_worker_a, world.community_staff):
        client.force_login(user)
        assert client.get(f"/needs/{theirs.pk}/").status_code == 404
        # Its id in the body of an act on a need of one's own is not read as the need acted on.
        answer = client.post(f"/needs/{mine.pk}/cancel/", {"need": theirs.pk, "pk": theirs.pk, "reason": "测试"}, follow=True)
        assert NUMBER not in _text(answer) and MASKED not in _text(answer)
        for url in ("/needs/", "/needs/board/", "/needs/board/markers.geojson", "/needs/board/export.xlsx"):
            seen = _text(client.get(url))
            assert NUMBER not in seen and MASKED not in seen, (user, url)
        listed = api_as(user).post(f"/api/v1/needs/{theirs.pk}/claim/", {"need": mine.pk}, format="json")
        assert listed.status_code == 404 and NUMBER not in listed.content.decode()
    assert Need.objects.get(pk=theirs.pk).status == "open"


def test_a_household_of_another_cell_in_the_body_records_no_call(world, homes, api_as):
    response = api_as(world.grid_worker_a).post("/api/v1/needs/", {
        "household": homes.in_b.pk, "kind": "food", "source": "hotline", "caller_phone": NUMBER}, format="json")
    assert response.status_code == 404 and not Need.objects.exists()


def test_the_hotline_search_by_number_finds_only_calls_the_reader_may_see(world, homes, client):
    _call(world, homes.in_b)
    assert [h.pk for h in find_households(world.dispatcher, NUMBER, by_number=True)] == [homes.in_b.pk]
    assert [h.pk for h in find_households(world.dispatcher, "+86 139-1234-8765", by_number=True)] == [homes.in_b.pk]
    # Community 1's staff may not see the household nor the need in community 2.
    assert list(find_households(world.community_staff, NUMBER, by_number=True)) == []
    # The page looks a number up from the POST body only: in a URL it would stay in the access logs.
    client.force_login(world.dispatcher)
    radio = f'name="household" value="{homes.in_b.pk}"'
    assert radio in client.post("/needs/hotline/", {"find": "1", "q": NUMBER}).content.decode()
    assert Need.objects.count() == 1  # a search records nothing
    assert radio not in client.get("/needs/hotline/", {"q": NUMBER}).content.decode()


@pytest.mark.parametrize("value", ["139\x0012348765", "\x00", "13912348765\x00"])
def test_nul_bytes_in_the_callers_number_are_400_and_save_nothing(world, homes, api_as, value):
    client = Client()
    client.force_login(world.dispatcher)
    response = client.post("/needs/hotline/", {"household": homes.in_b.pk, "kind": "food", "caller_phone": value})
    assert response.status_code == 400
    assert client.post("/needs/hotline/", {"find": "1", "q": value}).status_code == 400
    answer = api_as(world.grid_worker_b).post("/api/v1/needs/", {
        "household": homes.in_b.pk, "kind": "food", "source": "hotline", "caller_phone": value}, format="json")
    assert answer.status_code == 400
    # Behind the pages' guard, the act refuses it too, naming the field.
    with pytest.raises(InvalidInput) as refused:
        _call(world, homes.in_b, number=value)
    assert refused.value.field == "caller_phone"
    assert not Need.objects.exists()


@pytest.mark.parametrize("value", ["1" * 25, "1" * 200_000, "+86 " + "138 " * 40, "13812345678" * 3])
def test_a_huge_or_overlong_number_is_400_and_saves_nothing(world, homes, api_as, value):
    client = Client()
    client.force_login(world.dispatcher)
    response = client.post("/needs/hotline/", {"household": homes.in_b.pk, "kind": "food", "caller_phone": value})
    assert response.status_code == 400
    answer = api_as(world.grid_worker_b).post("/api/v1/needs/", {
        "household": homes.in_b.pk, "kind": "food", "source": "hotline", "caller_phone": value}, format="json")
    assert answer.status_code == 400
    assert client.post("/needs/hotline/", {"find": "1", "q": value}).status_code == 200  # a search: no 500
    with pytest.raises(InvalidInput) as refused:
        _call(world, homes.in_b, number=value)
    assert refused.value.field == "caller_phone"
    assert not Need.objects.exists()


def test_only_a_hotline_need_takes_a_callers_number(world, homes, api_as):
    answer = api_as(world.grid_worker_b).post("/api/v1/needs/", {
        "household": homes.in_b.pk, "kind": "food", "source": "grid", "caller_phone": NUMBER}, format="json")
    assert answer.status_code == 400 and "caller_phone" in answer.content.decode() and not Need.objects.exists()


def test_the_households_public_page_never_shows_the_callers_number(world, homes):
    _call(world, homes.in_b)
    code = actions.issue_code(household=homes.in_b, actor=world.grid_worker_b)
    client = Client()
    assert _open(client, homes.in_b.dwelling_id, code, "198.51.100.141").status_code == 302
    page = client.get("/public/needs/household/")
    assert page.status_code == 200
    assert NUMBER not in page.content.decode() and MASKED not in page.content.decode()


def test_open311_never_carries_a_need_or_its_caller(world, homes):
    _call(world, homes.in_b)
    for url in ("/open311/v2/requests.json", "/open311/v2/requests.xml", "/open311/v2/services.json"):
        body = Client().get(url).content.decode("utf-8", "replace")
        assert NUMBER not in body and MASKED not in body, url


def test_the_number_reaches_only_who_works_the_need_and_in_full_only_on_its_page(world, homes, client):
    need = _call(world, homes.in_b)
    actions.hand_on_need(need=need, actor=world.grid_worker_b, department=world.department)
    # Who works it: full on the need's page, masked on the board and in the workbook.
    for user in (world.grid_worker_b, world.dispatcher):
        client.force_login(user)
        assert f'href="tel:{NUMBER}"' in client.get(f"/needs/{need.pk}/").content.decode()
        workbook = _text(client.get("/needs/board/export.xlsx"))
        assert MASKED in workbook and NUMBER not in workbook
        board = _text(client.get("/needs/board/"))
        assert MASKED in board and NUMBER not in board
    # The department it was handed to delivers it: no caller's number on any surface.
    client.force_login(world.department_handler)
    for url in (f"/needs/{need.pk}/", "/needs/department/", "/api/v1/needs/"):
        seen = _text(client.get(url))
        assert NUMBER not in seen and MASKED not in seen, url
    # The leader reads figures: the board and the workbook, without a phone.
    client.force_login(world.leader)
    for url in ("/needs/board/", "/needs/board/export.xlsx", "/needs/board/markers.geojson", "/needs/overview/"):
        seen = _text(client.get(url))
        assert NUMBER not in seen and MASKED not in seen, url

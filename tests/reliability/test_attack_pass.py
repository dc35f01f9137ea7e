"""The second attack pass on issue 13 (as an outsider and as each low-privilege role of the demo,
against a running demo server), each finding reproduced here and now failing:

- a leader (read-only) and a department handler filed cases through the API: the capability to
  report was only a menu entry, nobody asked it when a case was filed;
- a page's date in the address (``/incidents/inbox/?date=2026-13-45``, ``9999-12-31``) was a 500,
  though the API's same parameter was bounded;
- a department's extension request with ``deadline=2026-13-45`` or ``2026-12-31T25:99`` was a 500;
- a phone's track point or check-in dated ``0001-01-01T00:00:00`` (no offset: Asia/Shanghai) was
  a 500 — its UTC form is no PostgreSQL timestamp — and one dated 9999 was stored;
- a caller's phone and ID number typed into an Open311 description were published verbatim to
  anybody in ``requests.json``.
"""
from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tokens import issue
from dispatch import actions as dispatch_actions
from incidents.models import Incident, Patrol, PatrolCheckIn, PatrolPoint
from residents import privacy
from tests.dispatch.conftest import category, dispatched_case, hotline_case, inside  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue(user).key}")
    return client


def _page(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("persona", ["leader", "department_handler"])
def test_a_role_that_does_not_report_files_no_case_on_any_channel(world, persona):
    user = getattr(world, persona)
    point = inside(world.cell_a)
    before = Incident.objects.count()
    answer = _api(user).post("/api/v1/incidents/", {"category": "C0102", "lat": point.y, "lng": point.x}, format="json")
    assert answer.status_code == 403, answer.content
    assert _page(user).get("/incidents/report/").status_code == 403  # the page that posts to the API
    assert Incident.objects.count() == before


def test_the_roles_that_report_still_do(world):
    point = inside(world.cell_a)
    for persona in ("grid_worker_a", "community_staff", "dispatcher", "gis_admin"):
        answer = _api(getattr(world, persona)).post(
            "/api/v1/incidents/", {"category": "C0102", "lat": point.y, "lng": point.x}, format="json")
        assert answer.status_code == 201, (persona, answer.content)


@pytest.mark.parametrize("date", ["2026-13-45", "9999-12-31", "0001-01-01", "2026-02-30"])
def test_a_bad_date_in_the_inbox_address_is_a_400_naming_it(world, date):
    answer = _page(world.community_staff).get(f"/incidents/inbox/?date={date}")
    assert answer.status_code == 400
    assert date in answer.content.decode() or "date" in answer.content.decode()  # what was wrong, in the page's words


def test_a_good_date_in_the_inbox_address_still_shows_that_day(world):
    answer = _page(world.community_staff).get("/incidents/inbox/?date=2026-03-02")
    assert answer.status_code == 200


@pytest.mark.parametrize("deadline", ["2026-13-45", "2026-12-31T25:99", "0001-01-01T00:00", "9999-12-31"])
def test_a_bad_extension_deadline_is_a_400_naming_it_on_both_channels(world, dispatched_case, deadline):
    incident = dispatched_case()
    dispatch_actions.accept(incident, actor=world.department_handler)
    before = Incident.objects.get(pk=incident.pk).version
    api = _api(world.department_handler).post(
        f"/api/v1/dispatch/incidents/{incident.pk}/request_extension/", {"deadline": deadline, "note": "配件需订购"}, format="json")
    assert api.status_code == 400 and "deadline" in api.json()["errors"], api.content
    console = _page(world.department_handler).post(
        f"/dispatch/case/{incident.pk}/act/request_extension/", {"deadline": deadline, "note": "配件需订购"},
        HTTP_ACCEPT="application/json")
    assert console.status_code == 400 and console.json()["field"] == "deadline", console.content
    assert Incident.objects.get(pk=incident.pk).version == before


@pytest.fixture
def patrol(world):
    answer = _api(world.grid_worker_a).post("/api/v1/patrols/", {}, format="json")
    assert answer.status_code == 201, answer.content
    return Patrol.objects.get(pk=answer.json()["id"])


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59", "1999-12-31T23:59:59"])
def test_a_track_point_or_check_in_from_a_broken_clock_is_refused_naming_it(world, patrol, at):
    point = inside(world.cell_a)
    client = _api(world.grid_worker_a)
    answer = client.post(f"/api/v1/patrols/{patrol.pk}/points/",
                         {"points": [{"id": str(uuid.uuid4()), "at": at, "lat": point.y, "lng": point.x}]}, format="json")
    assert answer.status_code == 400 and "at" in str(answer.json()["errors"]), answer.content
    answer = client.post(f"/api/v1/patrols/{patrol.pk}/checkins/", {"lat": point.y, "lng": point.x, "at": at}, format="json")
    assert answer.status_code == 400 and "at" in answer.json()["errors"], answer.content
    assert not PatrolPoint.objects.filter(patrol=patrol).exists() and not PatrolCheckIn.objects.filter(patrol=patrol).exists()


def test_a_track_point_of_today_is_still_taken(world, patrol):
    point = inside(world.cell_a)
    answer = _api(world.grid_worker_a).post(f"/api/v1/patrols/{patrol.pk}/points/", {"points": [
        {"id": str(uuid.uuid4()), "at": timezone.now().isoformat(), "lat": point.y, "lng": point.x}]}, format="json")
    assert answer.status_code == 200 and answer.json()["added"] == 1, answer.content


def test_numbers_typed_into_an_open311_description_are_not_published(world):
    client, key = dispatch_actions.create_open311_client(name="城市App", district=world.district)
    point = inside(world.cell_a)
    phone, id_number = "13812345678", "110101198005011171"
    text = f"井盖丢了，请联系我 {phone}，身份证{id_number}，邮箱 zhang@example.com，2026-12-01 发现，3号楼旁"
    filed = Client().post("/open311/v2/requests.json", {
        "api_key": key, "service_code": "C0101", "lat": point.y, "long": point.x, "description": text,
        "address_string": f"东华门大街12号 {phone}",
    })
    assert filed.status_code == 201, filed.content
    rid = filed.json()[0]["service_request_id"]
    for url in ("/open311/v2/requests.json", f"/open311/v2/requests/{rid}.json", "/open311/v2/requests.xml"):
        body = Client().get(url).content.decode()
        for secret in (phone, id_number, "zhang@example.com", "5678，身份证110101198005"):
            assert secret not in body, (url, secret)
        assert privacy.mask(privacy.PHONE, phone) in body and "2026-12-01" in body and "3号楼旁" in body, url
        assert "东华门大街12号" in body
    # Inside, the case keeps what the caller wrote (the command centre calls back).
    assert Incident.objects.get(pk=int(rid)).description == text

"""Open311 lists the public cases of every channel and follows GeoReport v2 where it used to
differ: addresses without a position, 4,000 characters, start_date alone, errors[] everywhere."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from dispatch import actions
from incidents.models import Incident, Source
from residents.models import Building
from tests.dispatch.conftest import inside
from tests.dispatch.public_helpers import file_as_resident

from .test_open311 import BASE, errors_of, file

pytestmark = pytest.mark.urls("tests.dispatch.urls_open311")


@pytest.fixture
def app_key(world):
    return actions.create_open311_client(name="城市App", district=world.district)[1]


def _ids(answer) -> list[str]:
    return [item["service_request_id"] for item in answer.json()]


def test_requests_list_the_public_cases_of_every_channel(world, hotline_case, app_key):
    from incidents.actions import report_incident

    patrol, _ = report_incident(reporter=world.grid_worker_a, category=hotline_case(registered=False).category,
                                location=inside(world.cell_a))
    hotline = Incident.objects.filter(source=Source.HOTLINE).get()
    file_as_resident(where=world.cell_a, description="小区门口垃圾堆积")
    resident = Incident.objects.get(source=Source.RESIDENT)
    open311 = file(Client(), app_key, world).json()[0]["service_request_id"]
    listed = _ids(Client().get(f"{BASE}/requests.json"))
    assert set(listed) == {str(patrol.pk), str(hotline.pk), str(resident.pk), open311}
    [item] = Client().get(f"{BASE}/requests/{resident.pk}.json").json()
    assert item["description"] == "小区门口垃圾堆积" and item["media_url"] == ""


def test_filing_by_address_string_or_address_id_is_placed_by_the_building_registry(world, app_key):
    point = inside(world.cell_a)
    Building.objects.create(code="B-0001", address="东四北大街 12 号", location=point, cell=world.cell_a)
    by_string = file(Client(), app_key, world, lat=None, long=None, address_string="东四北大街12号")
    assert by_string.status_code == 201, by_string.content
    incident = Incident.objects.get(pk=int(by_string.json()[0]["service_request_id"]))
    assert incident.cell == world.cell_a and incident.location.distance(point) < 1e-9
    by_id = file(Client(), app_key, world, lat=None, long=None, address_string=None, address_id="B-0001")
    assert by_id.status_code == 201 and Incident.objects.get(pk=int(by_id.json()[0]["service_request_id"])).address == "东四北大街 12 号"
    by_area = file(Client(), app_key, world, lat=None, long=None, address_string=world.cell_a.name)
    assert by_area.status_code == 201, by_area.content


def test_an_address_not_in_the_registry_is_a_400_naming_it(world, app_key):
    before = Incident.objects.count()
    for fmt in ("json", "xml"):
        answer = file(Client(), app_key, world, fmt=fmt, lat=None, long=None, address_string="火星路99号")
        assert answer.status_code == 400
        [error] = errors_of(answer)
        assert "火星路99号" in error["description"]
    assert Incident.objects.count() == before


def test_a_description_may_be_four_thousand_characters(world, app_key):
    assert file(Client(), app_key, world, description="井" * 4000).status_code == 201
    too_long = file(Client(), app_key, world, description="井" * 4001)
    assert too_long.status_code == 400 and "4,000" in errors_of(too_long)[0]["description"]


def test_start_date_alone_returns_everything_since_it_up_to_now(world, app_key):
    with time_machine.travel(timezone.now() - timedelta(days=200)):
        old = file(Client(), app_key, world).json()[0]["service_request_id"]
    with time_machine.travel(timezone.now() - timedelta(days=100)):
        middle = file(Client(), app_key, world).json()[0]["service_request_id"]
    recent = file(Client(), app_key, world).json()[0]["service_request_id"]
    since = (timezone.localdate() - timedelta(days=150)).isoformat()
    assert _ids(Client().get(f"{BASE}/requests.json", {"start_date": since})) == [recent, middle]
    assert _ids(Client().get(f"{BASE}/requests.json")) == [recent]  # no dates: the last 90 days
    assert old not in _ids(Client().get(f"{BASE}/requests.json", {"start_date": since}))


@pytest.mark.parametrize("path", ["requests.html", "requests", "nothing.json", "services.csv", "requests/1/extra.json", ""])
def test_an_unknown_path_or_format_answers_the_specs_error_list(world, path):
    answer = Client().get(f"{BASE}/{path}")
    assert answer.status_code == 404 and answer["Content-Type"].startswith("application/json")
    [error] = answer.json()
    assert error["code"] == 404 and error["description"]

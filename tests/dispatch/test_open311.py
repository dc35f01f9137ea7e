"""Open311 GeoReport v2: a city app lists the services, files a request, gets its id,
and follows its status — with the specification's field names, in JSON and XML, and its errors."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.utils import timezone

from dispatch import actions
from dispatch.models import Open311Request
from incidents.models import Incident, Source, Status

from .conftest import inside, photo
from incidents import actions as case_acts

pytestmark = pytest.mark.urls("tests.dispatch.urls_open311")

BASE = "/open311/v2"
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {
    "service_request_id",
    "case_number",
    "photo_notice",  # our extension: a photo filed with the request is still being processed
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@pytest.fixture
def app_key(world):
    _client, key = actions.create_open311_client(name="城市App", district=world.district)
    return key


@pytest.fixture
def city_app():
    return Client()


def file(city_app, key, world, fmt="json", **fields):
    point = inside(world.cell_a)
    data = {
        "api_key": key,
        "service_code": "C0101",
        "lat": point.y,
        "long": point.x,
        "description": "井盖不见了",
        "address_string": "东四北大街1号",
        "email": "resident@example.cn",
        "first_name": "小明",
        "phone": "13800000000",
        "media_url": "https://img.example.cn/cover.jpg",
        **fields,
    }
    return city_app.post(f"{BASE}/requests.{fmt}", {k: v for k, v in data.items() if v is not None})


def errors_of(response) -> list[dict]:
    if response["Content-Type"].startswith("text/xml"):
        root = ElementTree.fromstring(response.content)
        assert root.tag == "errors"
        return [{"code": int(e.findtext("code")), "description": e.findtext("description")} for e in root.findall("error")]
    return response.json()


def test_discovery_names_the_specification_and_both_formats(city_app, world):
    body = city_app.get(f"{BASE}/discovery.json").json()
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(body)
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and set(endpoint["formats"]) == {"application/json", "text/xml"}
    root = ElementTree.fromstring(city_app.get(f"{BASE}/discovery.xml").content)
    assert root.tag == "discovery" and root.find("endpoints/endpoint/specification").text == endpoint["specification"]
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["application/json", "text/xml"]


def test_categories_are_the_services_with_their_definition(city_app, world):
    services = city_app.get(f"{BASE}/services.json").json()
    by_code = {s["service_code"]: s for s in services}
    assert "C0101" in by_code and "C01" not in by_code  # minor classes only
    assert set(by_code["C0101"]) == SERVICE_FIELDS
    assert by_code["C0101"]["service_name"] == "井盖缺失或破损" and by_code["C0101"]["group"] == "公用设施"
    assert by_code["C0101"]["metadata"] is True and by_code["C0101"]["type"] == "realtime"
    xml = ElementTree.fromstring(city_app.get(f"{BASE}/services.xml").content)
    assert xml.tag == "services" and xml.find("service/metadata").text == "true"
    assert len(xml.findall("service")) == len(services)
    definition = city_app.get(f"{BASE}/services/C0101.json").json()
    assert definition["service_code"] == "C0101"
    attribute = definition["attributes"][0]
    assert {"variable", "code", "datatype", "required", "datatype_description", "order", "description", "values"} <= set(
        attribute
    )
    assert attribute["code"] == "urgency" and attribute["datatype"] == "singlevaluelist"
    assert [v["key"] for v in attribute["values"]] == ["normal", "urgent"]
    xml = ElementTree.fromstring(city_app.get(f"{BASE}/services/C0101.xml").content)
    assert xml.tag == "service_definition" and xml.find("attributes/attribute/values/value/key").text == "normal"


def test_an_unknown_service_is_a_404_in_the_error_format(city_app, world):
    for fmt in ("json", "xml"):
        response = city_app.get(f"{BASE}/services/NOPE.{fmt}")
        assert response.status_code == 404
        assert errors_of(response)[0]["code"] == 404 and "NOPE" in errors_of(response)[0]["description"]


def test_a_request_enters_the_same_workflow_and_answers_its_id_without_a_token(city_app, world, app_key):
    response = file(city_app, app_key, world, **{"attribute[urgency]": "urgent"})
    assert response.status_code == 201, response.content
    [answer] = response.json()
    # The spec: service_request_id or token — the case exists at once, so the id alone (and our case number).
    assert set(answer) >= {"service_request_id", "case_number", "service_notice"} and "token" not in answer
    incident = Incident.objects.get(pk=int(answer["service_request_id"]))
    # Routed like every report: an urgent manhole cover goes to the command centre's intake at once.
    assert (incident.source, incident.status, incident.level, incident.cell) == (
        Source.OPEN311,
        Status.REPORTED,
        "district",
        world.cell_a,
    )
    assert answer["case_number"] == incident.number
    assert incident.category.code == "C0101" and incident.urgency == "urgent" and incident.address == "东四北大街1号"
    assert incident.timeline.get(version=1).action == "report"
    stored = Open311Request.objects.get(incident=incident)
    assert stored.media_url == "https://img.example.cn/cover.jpg"
    # A token kept from an earlier answer still leads to its request.
    token = city_app.get(f"{BASE}/tokens/{stored.token}.json").json()
    assert token == [{"service_request_id": answer["service_request_id"], "token": str(stored.token)}]
    xml = ElementTree.fromstring(file(city_app, app_key, world, fmt="xml").content)
    assert xml.tag == "service_requests" and xml.find("request/service_request_id").text.isdigit()


@pytest.mark.parametrize(
    "fields, status, word",
    [
        ({"api_key": None}, 403, "api_key"),
        ({"api_key": "not-a-key-at-all"}, 403, "api_key"),
        ({"service_code": "ZZ99"}, 404, "ZZ99"),
        ({"service_code": ""}, 400, "service_code"),
        ({"lat": None, "long": None}, 400, "lat"),
        ({"lat": "north"}, 400, "lat"),
        ({"lat": "31.23", "long": "121.47"}, 400, "31.23"),  # Shanghai: outside the district
        ({"attribute[urgency]": "very"}, 400, "urgency"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ],
)
def test_bad_requests_get_the_specs_error_and_nothing_is_filed(city_app, world, app_key, fields, status, word):
    before = Incident.objects.count()
    for fmt in ("json", "xml"):
        response = file(city_app, app_key, world, fmt=fmt, **fields)
        assert response.status_code == status
        [error] = errors_of(response)
        assert error["code"] == status and word in error["description"]
    assert Incident.objects.count() == before


def test_a_withdrawn_or_replaced_key_stops_working(city_app, world):
    client, key = actions.create_open311_client(name="旧App", district=world.district)
    assert file(city_app, key, world).status_code == 201
    new_key = actions.rotate_open311_key(client)
    assert file(city_app, key, world).status_code == 403
    assert file(city_app, new_key, world).status_code == 201
    client.active = False
    client.save()
    assert file(city_app, new_key, world).status_code == 403


def test_the_app_follows_its_request_to_closing_with_the_centres_notes(city_app, world, app_key):
    [answer] = file(city_app, app_key, world).json()
    pk = answer["service_request_id"]
    [item] = city_app.get(f"{BASE}/requests/{pk}.json").json()
    assert set(item) == REQUEST_FIELDS
    assert item["status"] == "open" and item["service_code"] == "C0101" and item["description"] == "井盖不见了"
    incident = Incident.objects.get(pk=int(pk))
    assert item["expected_datetime"] == timezone.localtime(incident.deadline).isoformat()
    # Rounded to a 50 m grid: near, never the exact point.
    assert item["lat"] == pytest.approx(incident.location.y, abs=3e-4) and item["media_url"] == "https://img.example.cn/cover.jpg"
    assert "resident@example.cn" not in str(item) and "13800000000" not in str(item)

    # Routed to the centre's intake at once (no three "ask for help" clicks): registered, dispatched to 市政.
    from incidents import actions as case_actions

    assert incident.level == "district"
    case_actions.register(incident, actor=world.dispatcher)
    actions.dispatch(incident, actor=world.dispatcher, departments=[world.department])
    [item] = city_app.get(f"{BASE}/requests/{pk}.json").json()
    assert item["agency_responsible"] == "市政" and item["expected_datetime"] == timezone.localtime(incident.deadline).isoformat()
    actions.feedback(incident, actor=world.department_handler, photos=[photo()])
    case_acts.verify(incident, actor=world.grid_worker_a, passed=True)
    case_acts.close(incident, actor=world.dispatcher, note="内部：施工队王师傅")
    actions.publish(Incident.objects.get(pk=incident.pk), actor=world.dispatcher, public_note="井盖已更换，感谢反映")
    [item] = city_app.get(f"{BASE}/requests/{pk}.json").json()
    assert item["status"] == "closed" and item["status_notes"] == "井盖已更换，感谢反映"
    assert "王师傅" not in str(item)  # the closing note is internal
    xml = ElementTree.fromstring(city_app.get(f"{BASE}/requests/{pk}.xml").content)
    assert xml.find("request/status").text == "closed" and xml.find("request/service_request_id").text == pk


def test_the_request_list_takes_the_specs_filters_and_limits(city_app, world, app_key, hotline_case):
    first = file(city_app, app_key, world).json()[0]["service_request_id"]
    second = file(city_app, app_key, world, service_code="E0101").json()[0]["service_request_id"]
    hotline = hotline_case(description="张先生来电：楼下路灯坏了")  # every public case is listed, its words are not
    answer = city_app.get(f"{BASE}/requests.json").json()
    listed = [r["service_request_id"] for r in answer]
    assert listed == [str(hotline.pk), second, first] and "张先生" not in str(answer)
    assert [r["service_request_id"] for r in city_app.get(f"{BASE}/requests.json", {"service_code": "E0101"}).json()] == [second]
    assert city_app.get(f"{BASE}/requests.json", {"status": "closed"}).json() == []
    assert len(city_app.get(f"{BASE}/requests.json", {"status": "open,closed"}).json()) == 3
    assert [
        r["service_request_id"]
        for r in city_app.get(f"{BASE}/requests.json", {"service_request_id": f"{first},999999999"}).json()
    ] == [first]
    today = timezone.localdate()
    window = {"start_date": (today - timedelta(days=1)).isoformat() + "T00:00:00+08:00", "end_date": today.isoformat()}
    assert len(city_app.get(f"{BASE}/requests.json", window).json()) == 3
    old = {"start_date": (today - timedelta(days=30)).isoformat(), "end_date": (today - timedelta(days=10)).isoformat()}
    assert city_app.get(f"{BASE}/requests.json", old).json() == []
    xml = ElementTree.fromstring(city_app.get(f"{BASE}/requests.xml").content)
    assert xml.tag == "service_requests" and len(xml.findall("request")) == 3
    assert set(child.tag for child in xml.find("request")) == REQUEST_FIELDS


@pytest.mark.parametrize(
    "params, status, word",
    [
        ({"start_date": "2025-01-01", "end_date": "2025-06-01"}, 400, "90"),
        ({"start_date": "yesterday"}, 400, "start_date"),
        ({"start_date": "2025-03-02", "end_date": "2025-03-01"}, 400, "start_date"),
        ({"status": "pending"}, 400, "status"),
        ({"service_code": "XX1"}, 404, "XX1"),
        ({"jurisdiction_id": "123456"}, 404, "123456"),
    ],
)
def test_bad_list_queries_get_the_specs_error(city_app, world, params, status, word):
    for fmt in ("json", "xml"):
        response = city_app.get(f"{BASE}/requests.{fmt}", params)
        assert response.status_code == status
        [error] = errors_of(response)
        assert error["code"] == status and word in error["description"]


def test_unknown_requests_and_tokens_are_404(city_app, world):
    for path in ("requests/999999999", "tokens/00000000-0000-0000-0000-000000000000", "tokens/abc"):
        response = city_app.get(f"{BASE}/{path}.json")
        assert response.status_code == 404 and errors_of(response)[0]["code"] == 404


def test_the_list_returns_at_most_a_thousand_requests(city_app, world, app_key, monkeypatch):
    from dispatch.open311 import listing

    monkeypatch.setattr(listing, "MAX_RESULTS", 2)
    for _ in range(3):
        file(city_app, app_key, world)
    assert len(city_app.get(f"{BASE}/requests.json").json()) == 2

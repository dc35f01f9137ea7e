"""Issue 13, item 10: the smaller attacks, each reproduced and now failing.

- a description with control characters made the whole Open311 requests.xml ill-formed;
- ``POST /api/v1/notifications/read/`` with the body ``[1]`` marked every notification read;
- a report at (0, 0) or in Sydney was filed under the district; JSON ``"lat": true`` read as 1.0;
- a 1 MB note was accepted;
- a department read resident and household counts of any cell through /api/v1/areas/<cell>/;
- "this ID number is already registered" told anybody whether a number was registered anywhere;
- /healthz told anonymous callers the PostGIS version and the workers' names.
"""
from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.tokens import issue
from dispatch import actions as dispatch_actions
from incidents.models import Incident, Notification
from residents.models import Person
from tests.residents.conftest import make_household, make_person, valid_id


def _api(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue(user).key}")
    return client


@pytest.fixture
def case(world):
    point = world.cell_a.boundary.point_on_surface
    response = _api(world.grid_worker_a).post("/api/v1/incidents/", {"category": "E0103", "lat": point.y, "lng": point.x}, format="json")
    assert response.status_code == 201, response.content
    return Incident.objects.get(pk=response.json()["id"])


def test_control_characters_in_a_description_keep_requests_xml_well_formed(world):
    client, key = dispatch_actions.create_open311_client(name="城市App", district=world.district)
    point = world.cell_a.boundary.point_on_surface
    nasty = "井盖\x01不见\x08了\x0b\x0c\x1b[31m\ufffe\ufffftab\there"
    response = Client().post("/open311/v2/requests.json", {
        "api_key": key, "service_code": "C0101", "lat": point.y, "long": point.x, "description": nasty,
    })
    assert response.status_code == 201, response.content
    xml = Client().get("/open311/v2/requests.xml")
    root = ElementTree.fromstring(xml.content)  # raises on an ill-formed document
    assert root.find("request/description").text == "井盖不见了[31mtab\there"
    assert Client().get("/open311/v2/requests.json").json()[0]["description"] == nasty, "JSON keeps the text as sent"


@pytest.mark.parametrize("body", [[1], [], "1", {"ids": [True]}, {"ids": ["²"]}, {"ids": [2**70]}, {"ids": 5}])
def test_a_notification_body_that_is_not_a_list_of_ids_marks_nothing(world, case, body):
    for _n in range(3):
        Notification.objects.create(user=world.grid_worker_a, incident=case, kind="escalated")
    response = _api(world.grid_worker_a).post("/api/v1/notifications/read/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and "ids" in response.json()["errors"], response.content
    assert Notification.objects.filter(user=world.grid_worker_a, read_at__isnull=True).count() == 3


def test_marking_chosen_notifications_still_works(world, case):
    first, second = (Notification.objects.create(user=world.grid_worker_a, incident=case, kind="escalated") for _n in range(2))
    response = _api(world.grid_worker_a).post("/api/v1/notifications/read/", {"ids": [first.pk, str(second.pk)]}, format="json")
    assert response.status_code == 200 and response.json()["marked"] == 2


@pytest.mark.parametrize(
    "lat, lng",
    [(0, 0), (-33.8688, 151.2093), (116.704, 39.603), (39.603, -116.704), (39.7, 116.9)],
    ids=["null-island", "sydney", "swapped", "west", "30km-away"],
)
def test_a_report_far_outside_the_served_districts_is_refused(world, lat, lng):
    before = Incident.objects.count()
    for who, path, body in (
        (world.grid_worker_a, "/api/v1/incidents/", {"category": "E0103", "lat": lat, "lng": lng}),
    ):
        response = _api(who).post(path, body, format="json")
        assert response.status_code == 400, (lat, lng, response.content)
        assert {"location", "lat"} & set(response.json()["errors"]), response.json()
    page = Client(raise_request_exception=False)
    page.force_login(world.dispatcher)
    hotline = page.post("/incidents/hotline/", {"category": "E0103", "lat": lat, "lng": lng, "description": "来电"})
    assert hotline.status_code == 200 and ("服务的辖区" in hotline.content.decode() or "90" in hotline.content.decode())
    assert Incident.objects.count() == before


def test_a_report_just_across_the_district_border_is_still_taken(world):
    # GPS error at the border: 100 m outside the district is still ours.
    west, south, _east, _north = world.district.boundary.extent
    response = _api(world.grid_worker_a).post("/api/v1/incidents/", {"category": "E0103", "lat": south + 0.001, "lng": west - 0.001},
                                              format="json")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("value", [True, False, "nan", "inf", None, [39.6], {"v": 39.6}])
def test_a_coordinate_that_is_not_a_number_is_refused_naming_it(world, value):
    point = world.cell_a.boundary.point_on_surface
    response = _api(world.grid_worker_a).post("/api/v1/incidents/", {"category": "E0103", "lat": value, "lng": point.x}, format="json")
    assert response.status_code == 400 and ("lat" in response.json()["errors"] or "location" in response.json()["errors"])


def test_a_megabyte_note_is_refused_by_the_api(world, case):
    note = "很长" * 500_000
    response = _api(world.grid_worker_a).post(f"/api/v1/incidents/{case.pk}/add_info/", {"note": note}, format="json")
    assert response.status_code in (400, 413) and ("note" in response.json().get("errors", {}) or response.status_code == 413)
    response = _api(world.grid_worker_a).post(f"/api/v1/incidents/{case.pk}/add_info/", {"note": "x" * 2001}, format="json")
    assert response.status_code == 400 and "note" in response.json()["errors"]
    assert not case.timeline.filter(action="add_info").exists()
    dispatcher = _api(world.dispatcher).post(f"/api/v1/dispatch/incidents/{case.pk}/supervise/", {"note": "x" * 2001}, format="json")
    assert dispatcher.status_code == 400 and "note" in dispatcher.json()["errors"]
    assert not case.timeline.filter(action="supervise").exists()


def test_a_department_sees_no_resident_counts_of_a_cell(world):
    make_person(make_household(world.cell_a), name="王五", id_number=valid_id(sequence=777))
    seen = _api(world.department_handler).get(f"/api/v1/areas/{world.cell_a.code}/")
    assert seen.status_code == 200
    assert "residents" not in seen.json()["contents"] and "households" not in seen.json()["contents"]
    staff = _api(world.community_staff).get(f"/api/v1/areas/{world.cell_a.code}/").json()
    assert staff["contents"]["residents"] >= 1 and staff["contents"]["households"] >= 1


def _register(client: Client, world, household, id_number: str):
    return client.post(f"/residents/households/{household.pk}/people/new/", {
        "name": "赵六", "id_type": "resident_id", "id_number": id_number, "phones": "13800001234",
        "relation_to_head": "other", "resident_type": "registered", "ethnicity": "汉族",
    })


def test_an_id_number_registered_elsewhere_is_not_confirmed_and_probing_is_cut_off(world, settings):
    settings.GRIDGOV_ID_CONFLICTS_PER_DAY = 3
    elsewhere = make_household(world.cell_b)
    taken = valid_id("440103", sequence=41)
    make_person(elsewhere, name="钱七", id_number=taken)
    mine = make_household(world.cell_a)
    worker = Client()
    worker.force_login(world.grid_worker_a)
    first = _register(worker, world, mine, taken).content.decode()
    assert elsewhere.number not in first and "已登记" not in first and "already registered" not in first
    assert "街道" in first or "street office" in first
    for _n in range(3):
        _register(worker, world, mine, taken)
    free = valid_id("110101", sequence=42)
    cut_off = _register(worker, world, mine, free).content.decode()
    assert "街道" in cut_off or "street office" in cut_off, "past the limit the form answers no more numbers"
    assert not Person.objects.filter(name="赵六").exists()


def test_an_id_number_registered_in_my_own_cells_says_where(world):
    household = make_household(world.cell_a)
    taken = valid_id("110101", sequence=43)
    make_person(household, name="孙八", id_number=taken)
    worker = Client()
    worker.force_login(world.grid_worker_a)
    answer = _register(worker, world, make_household(world.cell_a), taken).content.decode()
    assert household.number in answer


def test_healthz_tells_anonymous_callers_only_what_is_up(db):
    body = Client().get("/healthz").json()
    text = json.dumps(body)
    assert set(body) == {"status", "checks"}
    for check in body["checks"].values():
        assert set(check) == {"ok"}, check
    assert "postgis" not in text and "workers" not in text and "@" not in text and "error" not in text


def test_an_import_does_not_confirm_numbers_registered_elsewhere(world, settings):
    """The same oracle through an upload of many rows: neutral, and cut off past the day's limit."""
    from residents.importer import validate_file
    from tests.residents.test_import import HEADERS, family, xlsx

    settings.GRIDGOV_ID_CONFLICTS_PER_DAY = 2
    elsewhere = make_household(world.cell_b)
    for sequence in (51, 52, 53):
        make_person(elsewhere, name=f"外{sequence}", id_number=valid_id("440103", sequence=sequence), relation="other")
    column = HEADERS.index("证件号码")
    probes = [list(r) for r in family(world.cell_a)[:3]]
    for probe, sequence in zip(probes, (51, 52, 53)):
        probe[column] = valid_id("440103", sequence=sequence)
    plan = validate_file("居民.xlsx", xlsx(probes), actor=world.community_staff)
    reasons = [e.reason for e in plan.errors if e.column == "证件号码"]
    assert len(reasons) == 3 and all(elsewhere.number not in r and "已登记" not in r for r in reasons), reasons
    assert any("过多" in r for r in reasons), "past the day's limit the import answers no more numbers"

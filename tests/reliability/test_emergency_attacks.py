"""Attacks on the emergencies API: other jurisdictions' ids in the body, anonymous calls, masked
names, formula injection in the export, huge and nested JSON, NUL bytes, year 0 / 9999 dates."""
from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from emergencies.models import Emergency, Task
from residents.models import Building
from tests.emergencies.conftest import build_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(world):
    return build_scenario(world)


def _declare_body(world, **extra):
    body = {"kind": "epidemic", "title": "测试", "area": world.district.code,
            "zones": [{"name": "z", "measure": "lockdown", "areas": [world.cell_a.code]}]}
    return body | extra


def test_anonymous_callers_are_refused_everywhere(scenario):
    from rest_framework.test import APIClient

    client = APIClient()
    task = Task.objects.filter(campaign=scenario.campaign).first()
    for method, url in [("get", "/api/v1/emergencies/"), ("post", "/api/v1/emergencies/"),
                        ("get", f"/api/v1/emergencies/campaigns/{scenario.campaign.pk}/progress/"),
                        ("post", f"/api/v1/emergencies/tasks/{task.pk}/outcome/")]:
        assert getattr(client, method)(url, {}, format="json").status_code in (401, 403)


def test_a_zone_naming_another_districts_area_is_refused(world, api_as):
    response = api_as(world.dispatcher).post("/api/v1/emergencies/", _declare_body(
        world, zones=[{"name": "z", "measure": "lockdown", "areas": ["990102001001001"]}]), format="json")
    assert response.status_code == 400 and "zones[0]" in response.json()["errors"]
    assert not Emergency.objects.exists()


def test_a_street_cannot_declare_and_a_dispatcher_cannot_declare_over_another_district(world, api_as):
    assert api_as(world.street_staff).post("/api/v1/emergencies/", _declare_body(world), format="json").status_code == 403
    other = api_as(world.dispatcher).post("/api/v1/emergencies/", _declare_body(world, area="990102"), format="json")
    assert other.status_code == 400


def test_handing_tasks_of_another_community_moves_nothing(scenario, api_as):
    world = scenario.world
    b_task = Task.objects.create(campaign=scenario.campaign, cell=world.cell_b, building=scenario.b_household.dwelling.building,
                                 household=scenario.b_household, deadline=scenario.campaign.deadline)
    response = api_as(world.community_staff).post(f"/api/v1/emergencies/campaigns/{scenario.campaign.pk}/hand/",
                                                  {"tasks": [b_task.pk], "volunteer": scenario.volunteer.pk}, format="json")
    assert response.status_code == 200 and response.json()["handed"] == 0
    assert Task.objects.get(pk=b_task.pk).assignee is None


def test_a_grid_worker_recording_another_cells_task_is_told_no_such_task(scenario, api_as):
    task = Task.objects.get(campaign=scenario.campaign, household=scenario.a2_household)
    response = api_as(scenario.world.grid_worker_b).post(f"/api/v1/emergencies/tasks/{task.pk}/outcome/",
                                                         {"outcome": "done", "client_id": str(uuid.uuid4())}, format="json")
    assert response.status_code == 400 and "task" in response.json()["errors"]
    assert Task.objects.get(pk=task.pk).outcome == "pending"


def test_the_leader_gets_masked_names_and_cannot_rebuild_them_from_the_task_list(scenario, api_as):
    response = api_as(scenario.world.leader).get(f"/api/v1/emergencies/campaigns/{scenario.campaign.pk}/progress/")
    assert response.status_code == 200
    assert "王奶奶" not in response.content.decode()
    assert api_as(scenario.world.leader).get("/api/v1/emergencies/tasks/").status_code == 403


def test_the_export_writes_formula_like_text_as_text(scenario, client):
    Building.objects.filter(pk=scenario.care_household.dwelling.building_id).update(address='=HYPERLINK("http://evil.example","x")')
    client.force_login(scenario.world.community_staff)
    response = client.get(f"/api/v1/emergencies/campaigns/{scenario.campaign.pk}/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    values = [cell.value for sheet in book for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert any(v.startswith("'=HYPERLINK") for v in values)
    assert not any(v.startswith("=") for v in values)


def test_huge_and_nested_zone_lists_are_refused(world, api_as):
    client = api_as(world.dispatcher)
    many = [{"name": f"z{i}", "measure": "lockdown", "areas": [world.cell_a.code]} for i in range(51)]
    assert client.post("/api/v1/emergencies/", _declare_body(world, zones=many), format="json").status_code == 400
    nested: dict = {"type": "Polygon", "coordinates": []}
    for _ in range(200):
        nested = {"type": "Polygon", "coordinates": [nested]}
    response = client.post("/api/v1/emergencies/", _declare_body(world, zones=[{"name": "z", "measure": "lockdown", "geometry": nested}]),
                           format="json")
    assert response.status_code == 400
    assert not Emergency.objects.exists()


def test_nul_bytes_in_a_title_are_refused(world, api_as):
    response = api_as(world.dispatcher).post("/api/v1/emergencies/", _declare_body(world, title="封控\x00区"), format="json")
    assert response.status_code == 400
    assert not Emergency.objects.exists()


@pytest.mark.parametrize("deadline", ["0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2020-01-01T00:00:00+08:00", "tomorrow"])
def test_impossible_deadlines_are_refused_naming_the_field(scenario, api_as, deadline):
    zone = scenario.emergency.zones.first()
    response = api_as(scenario.world.dispatcher).post(f"/api/v1/emergencies/zones/{zone.pk}/campaigns/",
                                                      {"title": "t", "unit": "household", "deadline": deadline}, format="json")
    assert response.status_code == 400 and "deadline" in response.json()["errors"]


def test_a_care_deadline_after_the_campaigns_is_refused(scenario, api_as):
    zone = scenario.emergency.zones.first()
    later = timezone.now() + timedelta(hours=2)
    response = api_as(scenario.world.dispatcher).post(f"/api/v1/emergencies/zones/{zone.pk}/campaigns/", {
        "title": "t", "unit": "household", "deadline": later.isoformat(), "care_deadline": (later + timedelta(hours=1)).isoformat(),
    }, format="json")
    assert response.status_code == 400 and "care_deadline" in response.json()["errors"]


def test_the_phone_posts_an_outcome_twice_and_it_counts_once(scenario, api_as):
    client = api_as(scenario.world.grid_worker_a)
    task = Task.objects.get(campaign=scenario.campaign, household=scenario.care_household)
    body = {"outcome": "done", "client_id": str(uuid.uuid4())}
    first = client.post(f"/api/v1/emergencies/tasks/{task.pk}/outcome/", body, format="json")
    again = client.post(f"/api/v1/emergencies/tasks/{task.pk}/outcome/", body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert task.outcomes.count() == 1

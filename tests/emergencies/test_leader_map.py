"""The leader's map of an emergency: zones by measure, areas shaded by households reached, needs as
markers — each layer only what the reader's jurisdiction holds."""
from __future__ import annotations

import uuid

import pytest

from emergencies.actions.outcomes import record_outcome
from emergencies.models import Task
from needs import actions as needs
from needs.models import NeedSource
from needs.seeds import ensure_kinds

pytestmark = pytest.mark.django_db


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_the_dispatcher_sees_every_zone_with_its_measure(scenario, client):
    body = _get(client, scenario.world.dispatcher, f"/emergencies/{scenario.emergency.pk}/map/zones.geojson").json()
    zones = {f["properties"]["name"]: f["properties"]["measure"] for f in body["features"]}
    assert zones == {"一号封控区": "lockdown", "二号防范区": "precaution"}
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in body["features"])


def test_community_staff_see_only_the_part_of_the_zones_in_their_community(scenario, client):
    body = _get(client, scenario.world.community_staff, f"/emergencies/{scenario.emergency.pk}/map/zones.geojson").json()
    assert [f["properties"]["name"] for f in body["features"]] == ["一号封控区"]  # 二号防范区 lies in another street


def test_areas_are_shaded_by_the_share_of_households_reached(scenario, client):
    world = scenario.world
    care_task = Task.objects.get(household=scenario.care_household)
    record_outcome(actor=world.grid_worker_a, task_id=care_task.pk, outcome="done", client_id=uuid.uuid4())
    body = _get(client, world.dispatcher, f"/emergencies/{scenario.emergency.pk}/map/areas.geojson?level=community").json()
    by_code = {f["properties"]["code"]: f["properties"] for f in body["features"]}
    community = by_code[world.community_1.code]
    assert (community["total"], community["reached"], community["care_reached"]) == (3, 1, 1)  # A: 2 households, A2: 1
    assert community["percent"] == 33
    cells = _get(client, world.dispatcher, f"/emergencies/{scenario.emergency.pk}/map/areas.geojson?level=grid").json()
    assert {f["properties"]["code"]: f["properties"]["percent"] for f in cells["features"]} == {
        world.cell_a.code: 50, world.cell_a2.code: 0}


def test_a_grid_worker_sees_her_cells_only(scenario, client):
    body = _get(client, scenario.world.grid_worker_a, f"/emergencies/{scenario.emergency.pk}/map/areas.geojson").json()
    assert [f["properties"]["code"] for f in body["features"]] == [scenario.world.cell_a.code]
    assert body["features"][0]["properties"]["total"] == 2


def test_an_area_shows_its_open_and_overdue_needs(scenario, client):
    ensure_kinds()
    world = scenario.world
    needs.record_need(household=scenario.plain_household, kind="food", source=NeedSource.GRID_WORKER, actor=world.grid_worker_a,
                      emergency=scenario.emergency)
    body = _get(client, world.community_staff, f"/emergencies/{scenario.emergency.pk}/map/areas.geojson?level=community").json()
    (community,) = body["features"]
    assert (community["properties"]["needs_open"], community["properties"]["needs_overdue"]) == (1, 0)


def test_roles_without_progress_and_other_emergencies_are_refused(scenario, client, world):
    url = f"/emergencies/{scenario.emergency.pk}/map/areas.geojson"
    assert _get(client, world.volunteer, url).status_code == 403
    assert _get(client, world.department_handler, url).status_code == 403
    assert _get(client, world.leader, url).status_code == 200
    assert _get(client, world.dispatcher, f"/emergencies/{scenario.emergency.pk + 999}/map/zones.geojson").status_code == 404
    assert _get(client, world.dispatcher, f"{url}?campaign={scenario.campaign.pk + 999}").status_code == 404
    assert _get(client, world.dispatcher, f"{url}?level=nation").status_code == 404


def test_the_map_page_names_its_layers_and_campaigns(scenario, client):
    page = _get(client, scenario.world.leader, f"/emergencies/{scenario.emergency.pk}/map/")
    text = page.content.decode()
    assert page.status_code == 200 and "核酸检测通知" in text
    assert f"/needs/board/markers.geojson?emergency={scenario.emergency.pk}" in text


def test_the_page_and_its_layers_refuse_alike(scenario, client, world):
    """One gate, filter and refusal for the three (gridgov.filtered_views): a signed-out reader is
    sent to sign in, a POST is 405, a role without progress 403, a filter naming nothing 404."""
    base = f"/emergencies/{scenario.emergency.pk}/map/"
    urls = (base, f"{base}zones.geojson", f"{base}areas.geojson")
    for url in urls:
        assert client.get(url).status_code == 302
        client.force_login(world.dispatcher)
        assert client.post(url).status_code == 405
        assert _get(client, world.volunteer, url).status_code == 403
        assert _get(client, world.leader, url).status_code == 200
        client.logout()
    for url in (base, f"{base}areas.geojson"):
        for query in ("?campaign=abc", f"?campaign={scenario.campaign.pk + 999}", "?level=nation"):
            assert _get(client, world.leader, url + query).status_code == 404, (url, query)
    assert _get(client, world.leader, f"{base}zones.geojson?campaign=abc").status_code == 200  # zones take no filter

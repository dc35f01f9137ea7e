"""What the map reads: areas as GeoJSON, label points for a tier, a cell's details and revisions, scoped."""
from __future__ import annotations

from grids.actions import publish_draft, split_draft_cell, start_draft

from .conftest import draft_cell_of, interior_cell
from .test_publish_redraw import split_line


def test_areas_answer_geojson_with_the_geo_json_media_type(world, api_as):
    response = api_as(world.community_staff).get("/api/v1/areas/", {"level": "grid", "parent": world.community_1.code})
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert {f["properties"]["parent"] for f in body["features"]} == {world.community_1.code}


def test_areas_outside_the_jurisdiction_are_left_out(world, api_as):
    response = api_as(world.community_staff).get("/api/v1/areas/", {"level": "grid", "parent": world.community_2.code})
    assert response.json()["features"] == []


def test_labels_give_a_point_and_box_for_each_child(world, api_as):
    body = api_as(world.dispatcher).get("/api/v1/areas/labels/", {"parent": world.district.code}).json()
    assert body["parent"]["code"] == world.district.code
    assert [c["code"] for c in body["children"]] == [world.street_1.code, world.street_2.code]
    street = body["children"][0]
    west, south, east, north = street["bbox"]
    assert west <= street["point"][0] <= east and south <= street["point"][1] <= north
    assert street["name"] == world.street_1.name


def test_labels_of_an_area_outside_the_jurisdiction_are_404(world, api_as):
    response = api_as(world.community_staff).get("/api/v1/areas/labels/", {"parent": world.street_2.code})
    assert response.status_code == 404


def test_a_cells_details_count_what_is_in_it(world, api_as):
    body = api_as(world.community_staff).get(f"/api/v1/areas/{world.cell_a.code}/").json()
    assert body["grid_workers"] == [world.grid_worker_a.display_name]
    assert body["contents"]["grid_worker_assignments"] == 1
    assert body["content_labels"]["grid_worker_assignments"]
    assert len(body["bbox"]) == 4


def test_a_retired_cell_can_be_read_as_of_a_past_moment_and_its_history_listed(world, api_as):
    cell = interior_cell(world.community_1)
    draft = start_draft(community=world.community_1, actor=world.gis_admin)
    split_draft_cell(draft=draft, cell_id=draft_cell_of(draft, cell).id, line=split_line(cell), actor=world.gis_admin)
    revision = publish_draft(draft=draft, actor=world.gis_admin, reason="split").revision
    client = api_as(world.community_staff)

    assert client.get(f"/api/v1/areas/{cell.code}/").status_code == 404
    past = client.get(f"/api/v1/areas/{cell.code}/", {"as_of": cell.valid_from.isoformat()})
    assert past.status_code == 200 and past.json()["valid_to"] is not None
    history = client.get(f"/api/v1/areas/{cell.code}/revisions/").json()
    assert [r["number"] for r in history["revisions"]][0] == revision.number


def test_revisions_of_a_community_outside_the_jurisdiction_are_404(world, api_as):
    assert api_as(world.community_staff).get(f"/api/v1/areas/{world.community_2.code}/revisions/").status_code == 404


def test_a_malformed_as_of_is_a_400_naming_the_parameter(world, api_as):
    response = api_as(world.dispatcher).get("/api/v1/areas/", {"level": "street", "as_of": "last tuesday"})
    assert response.status_code == 400 and "as_of" in response.json()["errors"]


def test_the_editor_page_is_for_gis_administrators(world, client):
    client.force_login(world.community_staff)
    assert client.get(f"/map/edit/{world.community_1.code}/").status_code == 403
    client.force_login(world.gis_admin)
    page = client.get(f"/map/edit/{world.community_1.code}/")
    assert page.status_code == 200 and world.community_1.code in page.content.decode()
    assert client.get(f"/map/edit/{world.cell_a.code}/").status_code == 404  # a cell is not a community


def test_the_map_page_can_show_a_past_day(world, client):
    client.force_login(world.dispatcher)
    page = client.get("/map/", {"as_of": "2020-01-01"}).content.decode()
    assert 'data-as-of="2020-01-01"' in page and "2020-01-01" in page
    assert 'data-as-of=""' in client.get("/map/", {"as_of": "not a day"}).content.decode()


def test_an_impossible_time_zone_in_as_of_is_a_clear_400(world, api_as):
    response = api_as(world.dispatcher).get(f"/api/v1/areas/{world.cell_a.code}/", {"as_of": "1894-01-28T06:19:51+23:48"})
    assert response.status_code == 400
    assert "as_of" in response.json()["errors"]

"""The editor's API: only GIS administrators draft, validation answers with shapes to draw,
publish refuses errors (400) and a stale draft (409), and revisions are listed per community."""
from __future__ import annotations

import json

from accounts.models import Role, User

from .conftest import interior_cell, neighbours_of


def geometry(geom) -> dict:
    return json.loads(geom.geojson)


def start(client, community):
    response = client.post(f"/api/v1/areas/{community.code}/draft/")
    assert response.status_code in (200, 201), response.content
    return response.json()


def cell_id(draft: dict, code: str) -> int:
    return next(f["id"] for f in draft["cells"]["features"] if f["properties"]["code"] == code)


def test_only_gis_administrators_may_start_a_draft(world, api_as):
    for user in (world.grid_worker_a, world.community_staff, world.dispatcher, world.leader):
        assert api_as(user).post(f"/api/v1/areas/{world.community_1.code}/draft/").status_code == 403
    body = start(api_as(world.gis_admin), world.community_1)
    assert len(body["cells"]["features"]) == world.community_1.children.filter(valid_to__isnull=True).count()
    assert body["stale"] is False


def test_an_administrator_of_another_district_sees_no_such_community(world, api_as):
    elsewhere = User.objects.create(username="gis_elsewhere", role=Role.GIS_ADMIN, area=None)
    assert api_as(elsewhere).post(f"/api/v1/areas/{world.community_1.code}/draft/").status_code == 404


def test_someone_elses_draft_is_not_found(world, api_as):
    draft = start(api_as(world.gis_admin), world.community_1)
    other = User.objects.create(username="gis_other", role=Role.GIS_ADMIN, area=world.district)
    assert api_as(other).get(f"/api/v1/drafts/{draft['id']}/").status_code == 404


def test_an_overlap_is_drawn_and_listed_and_publish_is_refused_until_it_is_fixed(world, api_as):
    client = api_as(world.gis_admin)
    cell = interior_cell(world.community_1)
    neighbour = neighbours_of(cell)[0]
    draft = start(client, world.community_1)
    strip = neighbour.boundary.intersection(cell.boundary.buffer(0.0001))

    response = client.put(
        f"/api/v1/drafts/{draft['id']}/cells/{cell_id(draft, cell.code)}/",
        {"geometry": geometry(cell.boundary.union(strip))},
        format="json",
    )
    assert response.status_code == 200
    report = client.get(f"/api/v1/drafts/{draft['id']}/validation/").json()
    assert report["publishable"] is False
    (overlap,) = report["errors"]
    assert overlap["kind"] == "overlap" and overlap["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert cell.code in overlap["message"] and neighbour.code in overlap["message"]

    refused = client.post(f"/api/v1/drafts/{draft['id']}/publish/", {"reason": "扩建"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["problems"][0]["kind"] == "overlap"

    client.put(
        f"/api/v1/drafts/{draft['id']}/cells/{cell_id(draft, neighbour.code)}/",
        {"geometry": geometry(neighbour.boundary.difference(strip))},
        format="json",
    )
    assert client.get(f"/api/v1/drafts/{draft['id']}/validation/").json()["publishable"] is True
    impact = client.get(f"/api/v1/drafts/{draft['id']}/impact/").json()
    assert sorted(impact["reshaped"]) == sorted([cell.code, neighbour.code])
    published = client.post(f"/api/v1/drafts/{draft['id']}/publish/", {"reason": "扩建"}, format="json")
    assert published.status_code == 201, published.content

    history = client.get(f"/api/v1/areas/{world.community_1.code}/revisions/").json()
    newest = history["revisions"][0]
    assert newest["number"] == published.json()["revision"]
    assert (newest["reason"], newest["created"], newest["retired"]) == ("扩建", 2, 2)
    assert newest["published_by"] == world.gis_admin.display_name
    assert history["revisions"][-1]["number"] < newest["number"]  # the initial load is listed too


def test_split_and_merge_go_through_the_api(world, api_as):
    client = api_as(world.gis_admin)
    cell = interior_cell(world.community_1)
    draft = start(client, world.community_1)
    x0, y0, x1, y1 = cell.boundary.extent
    line = {"type": "LineString", "coordinates": [[(x0 + x1) / 2, y1 + 0.0003], [(x0 + x1) / 2, y0 - 0.0003]]}

    split = client.post(f"/api/v1/drafts/{draft['id']}/split/", {"cell": cell_id(draft, cell.code), "line": line}, format="json")
    assert split.status_code == 200
    pieces = [f["id"] for f in split.json()["cells"]["features"] if f["properties"]["code"] is None]
    assert len(pieces) == 2

    merged = client.post(f"/api/v1/drafts/{draft['id']}/merge/", {"cells": pieces}, format="json")
    assert merged.status_code == 200
    assert len(merged.json()["cells"]["features"]) == len(draft["cells"]["features"])


def test_a_line_that_misses_the_cell_is_refused_with_a_message(world, api_as):
    client = api_as(world.gis_admin)
    draft = start(client, world.community_1)
    x0, y0, x1, y1 = world.cell_a.boundary.extent
    inside = {"type": "LineString", "coordinates": [[x0 + 0.0001, y0 + 0.0001], [x0 + 0.0002, y0 + 0.0002]]}
    response = client.post(
        f"/api/v1/drafts/{draft['id']}/split/", {"cell": cell_id(draft, world.cell_a.code), "line": inside}, format="json"
    )
    assert response.status_code == 400
    assert world.cell_a.code in response.json()["detail"]


def test_the_second_publisher_gets_409_and_keeps_the_draft(world, api_as):
    other = User.objects.create(username="gis_admin_b", role=Role.GIS_ADMIN, area=world.district)
    first, second = api_as(world.gis_admin), api_as(other)
    draft_1, draft_2 = start(first, world.community_1), start(second, world.community_1)
    for client, draft in ((first, draft_1), (second, draft_2)):
        client.delete(f"/api/v1/drafts/{draft['id']}/cells/{cell_id(draft, world.cell_a.code)}/")
        client.post(f"/api/v1/drafts/{draft['id']}/cells/", {"geometry": geometry(world.cell_a.boundary)}, format="json")

    assert first.post(f"/api/v1/drafts/{draft_1['id']}/publish/", {"reason": "重新编号"}, format="json").status_code == 201
    response = second.post(f"/api/v1/drafts/{draft_2['id']}/publish/", {"reason": "重新编号"}, format="json")

    assert response.status_code == 409
    assert "r" + str(response.json()["current_revision"]) in response.json()["detail"]
    kept = second.get(f"/api/v1/drafts/{draft_2['id']}/")
    assert kept.status_code == 200 and kept.json()["stale"] is True

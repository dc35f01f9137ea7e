"""One scoping function: each role sees its own subtree; anything else is 404, never 403."""
from __future__ import annotations

import pytest

from accounts.models import Role, User
from accounts.scope import scoped
from grids.models import Area


def codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {feature["properties"]["code"] for feature in response.json()["features"]}


def test_a_grid_worker_reads_their_own_cell(world, api_as):
    response = api_as(world.grid_worker_a).get(f"/api/v1/areas/{world.cell_a.code}/")
    assert response.status_code == 200
    assert response.json()["ancestors"][-1]["code"] == world.community_1.code


def test_a_grid_worker_cannot_read_another_cell_not_even_next_door(world, api_as):
    client = api_as(world.grid_worker_a)
    for other in (world.cell_b, world.cell_a2, world.community_1):
        response = client.get(f"/api/v1/areas/{other.code}/")
        assert response.status_code == 404, other.code


def test_a_grid_worker_lists_only_their_cells(world, api_as):
    assert codes(api_as(world.grid_worker_a).get("/api/v1/areas/", {"level": "grid"})) == {world.cell_a.code}


def test_community_staff_see_their_community_subtree_only(world, api_as):
    client = api_as(world.community_staff)
    cells = codes(client.get("/api/v1/areas/", {"level": "grid"}))
    assert world.cell_a.code in cells and world.cell_a2.code in cells
    assert all(code.startswith(world.community_1.code) for code in cells)
    assert client.get(f"/api/v1/areas/{world.cell_b.code}/").status_code == 404


def test_street_staff_see_their_street_but_not_the_other(world, api_as):
    client = api_as(world.street_staff)
    assert codes(client.get("/api/v1/areas/", {"parent": world.street_1.code})) == set(
        Area.objects.current().filter(parent=world.street_1).values_list("code", flat=True)
    )
    assert codes(client.get("/api/v1/areas/", {"parent": world.street_2.code})) == set()
    assert client.get(f"/api/v1/areas/{world.street_2.code}/").status_code == 404


@pytest.mark.parametrize("persona", ["dispatcher", "leader", "gis_admin"])
def test_district_roles_see_the_whole_district(world, api_as, persona):
    client = api_as(getattr(world, persona))
    assert codes(client.get("/api/v1/areas/", {"parent": world.district.code})) == {world.street_1.code, world.street_2.code}
    assert client.get(f"/api/v1/areas/{world.cell_b.code}/").status_code == 200


def test_a_user_without_jurisdiction_sees_nothing(world, api_as):
    stray = User.objects.create(username="stray", role=Role.COMMUNITY)
    assert scoped(Area.objects.all(), stray).count() == 0
    assert api_as(stray).get(f"/api/v1/areas/{world.cell_a.code}/").status_code == 404


def test_a_grid_worker_whose_assignment_ended_loses_the_cell(world, api_as):
    from django.utils import timezone

    world.grid_worker_a.assignments.update(ended_at=timezone.now())
    assert api_as(world.grid_worker_a).get(f"/api/v1/areas/{world.cell_a.code}/").status_code == 404


def test_models_that_never_declared_their_area_cannot_be_scoped(world):
    from accounts.models import Department

    with pytest.raises(TypeError):
        scoped(Department.objects.all(), world.dispatcher)


def test_area_list_without_a_level_or_parent_is_a_clear_400(world, api_as):
    response = api_as(world.dispatcher).get("/api/v1/areas/")
    assert response.status_code == 400
    assert "level" in response.json()["errors"]


def test_area_list_answers_geojson(world, api_as):
    response = api_as(world.dispatcher).get("/api/v1/areas/", {"parent": world.community_1.code})
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["features"][0]["geometry"]["type"] == "MultiPolygon"


def test_the_scope_of_a_district_user_reads_her_area_code_and_not_its_outline(world, django_assert_num_queries):
    # Every console poll asks the scope: a real district's outline is hundreds of KB of geometry.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.scope import scope_codes

    expected = [Area.objects.get(pk=world.dispatcher.area_id).code]
    dispatcher = User.objects.get(pk=world.dispatcher.pk)  # fresh: no area loaded on it
    with CaptureQueriesContext(connection) as seen:
        assert scope_codes(dispatcher) == expected
        assert scope_codes(dispatcher) == expected  # kept for the request
    assert len(seen.captured_queries) == 1 and "boundary" not in seen.captured_queries[0]["sql"]

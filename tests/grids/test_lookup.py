"""Point lookup: the four tiers that contain a point, from the API."""
import pytest

from grids.queries import lookup_point


def test_lookup_answers_all_four_tiers_for_a_point_inside_a_cell(world, api_as):
    point = world.cell_a.boundary.point_on_surface
    response = api_as(world.grid_worker_a).get("/api/v1/areas/lookup", {"lat": point.y, "lng": point.x})
    assert response.status_code == 200
    body = response.json()
    assert body["grid"]["code"] == world.cell_a.code
    assert body["community"]["code"] == world.community_1.code
    assert body["street"]["code"] == world.street_1.code
    assert body["district"] == {"code": "990101", "name": "测试区", "area_m2": pytest.approx(world.district.area_m2, abs=0.1)}
    assert 5_000 < body["grid"]["area_m2"] < 20_000


def test_lookup_outside_every_cell_is_404_with_a_message(world, api_as):
    response = api_as(world.dispatcher).get("/api/v1/areas/lookup/", {"lat": 31.23, "lng": 121.47})
    assert response.status_code == 404
    assert "31.23" in response.json()["detail"]


@pytest.mark.parametrize(
    "params, field",
    [({"lat": "north", "lng": "116.4"}, "lat"), ({"lat": "39.9"}, "lng"), ({"lat": "95", "lng": "116.4"}, "lat")],
)
def test_lookup_rejects_a_malformed_coordinate_naming_it(world, api_as, params, field):
    response = api_as(world.dispatcher).get("/api/v1/areas/lookup", params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_lookup_needs_a_signed_in_user(world, api_as):
    assert api_as(None).get("/api/v1/areas/lookup", {"lat": 39.9, "lng": 116.4}).status_code in (401, 403)


def test_lookup_ignores_retired_cells(world):
    from django.utils import timezone

    from grids.actions import refresh_fragments

    point = world.cell_a.boundary.point_on_surface
    world.cell_a.valid_to = timezone.now()
    world.cell_a.save(update_fields=["valid_to"])
    refresh_fragments([world.cell_a.id])
    assert "grid" not in lookup_point(point.x, point.y)


def test_lookup_with_an_unknown_token_is_refused_with_the_reason(world, api_as):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = client.get("/api/v1/areas/lookup", {"lat": 39.6036, "lng": 116.707})
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"] == "认证令牌无效。"


def test_a_deactivated_user_loses_the_lookup_at_once(world, api_as):
    point = world.cell_a.boundary.point_on_surface
    client = api_as(world.grid_worker_a)
    assert client.get("/api/v1/areas/lookup", {"lat": point.y, "lng": point.x}).status_code == 200
    world.grid_worker_a.is_active = False
    world.grid_worker_a.save()
    assert client.get("/api/v1/areas/lookup", {"lat": point.y, "lng": point.x}).status_code == 401


def test_lookup_works_for_a_signed_in_browser_and_errors_are_in_chinese(world, client):
    client.force_login(world.grid_worker_a)
    point = world.cell_a.boundary.point_on_surface
    assert client.get("/api/v1/areas/lookup/", {"lat": point.y, "lng": point.x}).json()["grid"]["code"] == world.cell_a.code
    body = client.get("/api/v1/areas/lookup/", {"lat": "north", "lng": point.x}).json()
    assert body["detail"] == "输入无效。"
    [message] = body["errors"]["lat"]
    assert "north" in message and "数字" in message

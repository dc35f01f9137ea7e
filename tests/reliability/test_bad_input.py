"""Issue 13, item 9: bad input gets a clear 4xx naming what is wrong — never a server error.

The attacks, each of which answered 500: JSON nested a hundred thousand levels deep (on the token
endpoint and every JSON endpoint); Open311 dates that are well formed but impossible
(``9999-99-99T99:99``) or at the end of the calendar (``0001-01-01``); NUL characters in Open311
fields, the hotline caller and a patrol note; a draft cell given as a GeoJSON Feature or an empty
polygon; ``/api/v1/patrols/coverage/?date=2026-13-45``; the indicators for year 1.
"""
from __future__ import annotations

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.tokens import issue
from dispatch import actions as dispatch_actions
from incidents.models import Incident, Patrol

DEEP = "[" * 100_000 + "]" * 100_000


def _api(user=None) -> APIClient:
    # A server error comes back as a 500 answer, not as an exception in the test.
    client = APIClient(raise_request_exception=False)
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {issue(user).key}")
    return client


def _page(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _named(response, word: str) -> bool:
    return word in response.content.decode()


# --- JSON: depth, size, NUL -------------------------------------------------------------------

JSON_ENDPOINTS = [
    ("/api/v1/auth/token/", None),
    ("/api/v1/auth/token/refresh/", None),
    ("/api/v1/incidents/", "grid_worker_a"),
    ("/api/v1/notifications/read/", "grid_worker_a"),
    ("/api/v1/residents/persons/search/", "community_staff"),
    ("/api/v1/patrols/", "grid_worker_a"),
]


@pytest.mark.parametrize("path, persona", JSON_ENDPOINTS)
def test_deeply_nested_json_is_refused_with_a_400(world, path, persona):
    user = getattr(world, persona) if persona else None
    just_over = {"q": 1}
    for _level in range(33):
        just_over = [just_over]
    for body in (DEEP, '{"a":' * 50_000 + "1" + "}" * 50_000, json.dumps(just_over)):
        response = _api(user).post(path, body, content_type="application/json")
        assert response.status_code == 400, (path, response.status_code, response.content[:200])
        assert "32" in response.json()["detail"], response.json()


def test_json_nested_within_the_limit_and_brackets_inside_strings_are_fine(world):
    deep_text = "[" * 10_000  # inside a string: not nesting
    response = _api(world.grid_worker_a).post("/api/v1/notifications/read/", json.dumps({"ids": [], "x": deep_text}),
                                              content_type="application/json")
    assert response.status_code == 200, response.content[:200]


def test_a_json_body_over_the_size_limit_is_refused_with_413(world, settings):
    settings.GRIDGOV_API_JSON_MAX_BYTES = 64 * 1024
    before = Incident.objects.count()
    point = world.cell_a.boundary.point_on_surface
    body = json.dumps({"category": "E0103", "lat": point.y, "lng": point.x, "description": "x" * 70_000})
    response = _api(world.grid_worker_a).post("/api/v1/incidents/", body, content_type="application/json")
    assert response.status_code == 413 and "64" in response.json()["detail"]
    assert Incident.objects.count() == before


@pytest.mark.parametrize("text", ["井盖\u0000破损", "bad \ud800 half"], ids=["nul", "lone-surrogate"])
def test_nul_and_broken_characters_in_json_are_refused_naming_the_field(world, text):
    before = Incident.objects.count()
    point = world.cell_a.boundary.point_on_surface
    body = json.dumps({"category": "E0103", "lat": point.y, "lng": point.x, "description": text})
    response = _api(world.grid_worker_a).post("/api/v1/incidents/", body, content_type="application/json")
    assert response.status_code == 400 and "description" in response.json()["errors"], response.content[:300]
    assert Incident.objects.count() == before


@pytest.mark.parametrize("content_type", ["json", "form"])
def test_a_patrol_note_with_a_nul_is_refused(world, content_type):
    client = _api(world.grid_worker_a)
    started = client.post("/api/v1/patrols/", {}, format="json")
    assert started.status_code in (200, 201)
    pk = started.json()["id"]
    if content_type == "json":
        response = client.post(f"/api/v1/patrols/{pk}/end/", json.dumps({"note": "走完\u0000了"}), content_type="application/json")
    else:
        response = client.post(f"/api/v1/patrols/{pk}/end/", {"note": "走完\x00了"})
    assert response.status_code == 400 and _named(response, "note"), response.content[:300]
    assert Patrol.objects.get(pk=pk).ended_at is None, "nothing half-written"


def test_the_hotline_caller_with_a_nul_is_refused(world):
    before = Incident.objects.count()
    point = world.cell_a.boundary.point_on_surface
    response = _page(world.dispatcher).post("/incidents/hotline/", {
        "category": "E0103", "lat": point.y, "lng": point.x, "description": "占道", "contact": "王先生\x00 13800000000",
    })
    assert response.status_code == 400 and _named(response, "contact"), response.content[:300]
    assert Incident.objects.count() == before


# --- Open311 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["description", "first_name", "address_string", "phone", "service_code"])
def test_open311_fields_with_a_nul_are_refused_naming_the_field(world, field):
    _client, key = dispatch_actions.create_open311_client(name="城市App", district=world.district)
    point = world.cell_a.boundary.point_on_surface
    data = {"api_key": key, "service_code": "C0101", "lat": point.y, "long": point.x, "description": "井盖不见了"}
    data[field] = (data.get(field) or "值") + "\x00"
    before = Incident.objects.count()
    response = _page().post("/open311/v2/requests.json", data)
    assert response.status_code == 400, response.content[:300]
    [error] = response.json()
    assert error["code"] == 400 and field in error["description"]
    assert Incident.objects.count() == before


@pytest.mark.parametrize(
    "params, word",
    [({"start_date": "9999-99-99T99:99"}, "start_date"), ({"end_date": "0001-01-01"}, "end_date"),
     ({"start_date": "0001-01-01T00:00:00+08:00"}, "start_date"), ({"end_date": "9999-12-31"}, "end_date"),
     ({"start_date": "2026-02-30"}, "start_date")],
)
def test_open311_dates_out_of_range_get_the_specs_400(world, params, word):
    for fmt in ("json", "xml"):
        response = _page().get(f"/open311/v2/requests.{fmt}", params)
        assert response.status_code == 400 and _named(response, word), (fmt, response.status_code, response.content[:300])


# --- dates in the API and the dashboard ---------------------------------------------------------


@pytest.mark.parametrize("date", ["2026-13-45", "0001-01-01", "9999-12-31", "yesterday"])
def test_the_coverage_of_an_impossible_day_is_a_400_naming_date(world, date):
    response = _api(world.community_staff).get("/api/v1/patrols/coverage/", {"date": date})
    assert response.status_code == 400 and "date" in response.json()["errors"], response.content[:300]


@pytest.mark.parametrize("params", [{"from": "0001-01-01", "to": "0001-01-31"}, {"to": "0001-01-01"}, {"from": "9999-12-01", "to": "9999-12-31"}])
def test_the_indicators_of_year_1_are_refused_not_a_server_error(world, params):
    api = _api(world.leader).get("/api/v1/indicators/", {"area": world.district.code, **params})
    assert api.status_code == 400, api.content[:300]
    export = _page(world.leader).get("/dispatch/indicators/export.xlsx", {"area": world.district.code, **params})
    assert export.status_code == 200, export.status_code  # the dashboard's own period, with the message
    page = _page(world.leader).get("/dispatch/indicators/", {"area": world.district.code, **params})
    assert page.status_code == 200 and "2000-01-01" in page.content.decode()


# --- the boundary editor ------------------------------------------------------------------------


@pytest.fixture
def draft(world):
    client = _api(world.gis_admin)
    response = client.post(f"/api/v1/areas/{world.community_1.code}/draft/")
    assert response.status_code in (200, 201), response.content[:300]
    return client, response.json()


def _square(x: float, y: float, d: float = 0.0005) -> list:
    return [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": _square(116.7, 39.6)}},
        {"type": "FeatureCollection", "features": []},
        {"type": "Polygon", "coordinates": []},
        {"type": "MultiPolygon", "coordinates": []},
        {"type": "Polygon", "coordinates": [[]]},
        {"type": "Point", "coordinates": [116.7, 39.6]},
        {"type": "Polygon"},
        "POLYGON EMPTY",
        {"type": "Polygon", "coordinates": [[[1e400, 0], [1, 1], [0, 1], [1e400, 0]]]},
    ],
    ids=["feature", "collection", "empty", "empty-multi", "empty-ring", "point", "no-coordinates", "wkt-empty", "infinite"],
)
def test_a_draft_cell_that_is_not_a_polygon_is_refused_naming_geometry(world, draft, geometry):
    client, body = draft
    cell = body["cells"]["features"][0]["id"]
    for method, url in (("post", f"/api/v1/drafts/{body['id']}/cells/"), ("put", f"/api/v1/drafts/{body['id']}/cells/{cell}/")):
        payload = json.dumps({"geometry": geometry}).replace("Infinity", "1e400")
        response = getattr(client, method)(url, payload, content_type="application/json")
        assert response.status_code == 400, (method, geometry, response.status_code, response.content[:300])
        assert _named(response, "geometry"), response.content[:300]


def test_a_split_line_that_is_empty_is_refused_naming_line(world, draft):
    client, body = draft
    cell = body["cells"]["features"][0]["id"]
    for line in ({"type": "LineString", "coordinates": []}, {"type": "Feature", "geometry": None}):
        response = client.post(f"/api/v1/drafts/{body['id']}/split/", {"cell": cell, "line": line}, format="json")
        assert response.status_code == 400 and _named(response, "line"), response.content[:300]

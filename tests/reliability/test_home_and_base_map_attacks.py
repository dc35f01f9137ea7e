"""Attacks on the grid worker's home (her cells' cases on a map) and the base map.

Home lists and maps cases: only those filed in her own cells, never a neighbour's cell of the same
community, another worker's, or a cell she handed over. The base map is public geography, but of
her own districts only, and only for a signed-in user."""
from __future__ import annotations

import json

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone

from grids.demo import build_district
from incidents.actions import report_incident
from incidents.models import Category

from .matrix import OUTSIDE_DISTRICT_BOUNDARY, OUTSIDE_DISTRICT_CODE

pytestmark = pytest.mark.django_db


def _file(reporter, cell, marker: str):
    point = cell.boundary.point_on_surface
    incident, _ = report_incident(reporter=reporter, category=Category.objects.get(code="E0103"),
                                  location=Point(point.x, point.y, srid=4326), description=marker)
    return incident


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _home_cases(client) -> tuple[str, list[dict]]:
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    start = html.index('<script id="home-cases" type="application/json">') + len('<script id="home-cases" type="application/json">')
    return html, json.loads(html[start:html.index("</script>", start)])


def test_home_shows_her_cells_cases_and_nobody_elses(world):
    mine = _file(world.grid_worker_a, world.cell_a, "MINE-A")
    neighbour = _file(world.community_staff, world.cell_a2, "MARK-A2-neighbour")
    other = _file(world.grid_worker_b, world.cell_b, "MARK-B-other")
    html, markers = _home_cases(_signed_in(world.grid_worker_a))
    assert {marker["id"] for marker in markers} == {mine.pk}
    assert "MARK-" not in html
    assert f"/incidents/{neighbour.pk}/" not in html and f"/incidents/{other.pk}/" not in html
    # Her cells' outlines in the page are hers alone.
    assert world.cell_a.code in html and world.cell_a2.code not in html and world.cell_b.code not in html


def test_a_handed_over_cell_leaves_home_at_once(world):
    from accounts.models import GridAssignment

    _file(world.grid_worker_a, world.cell_a, "MARK-A-handed-over")
    GridAssignment.objects.filter(user=world.grid_worker_a, cell=world.cell_a).update(ended_at=timezone.now())
    page = _signed_in(world.grid_worker_a).get("/")
    assert page.status_code == 200
    html = page.content.decode()
    # No cell left: home says so, with no map and no case.
    assert 'id="home-map"' not in html and "MARK-A-handed-over" not in html


def test_cells_mine_is_the_callers_cells_whatever_the_query_says(world):
    _file(world.grid_worker_b, world.cell_b, "MARK-B-cells")
    for query in ("cells=mine", f"cells={world.cell_b.code}", "cells=mine&cells=" + world.cell_b.code):
        page = _signed_in(world.grid_worker_a).get(f"/incidents/?{query}")
        assert page.status_code == 200, query
        assert "MARK-B-cells" not in page.content.decode(), query
    # A NUL byte is refused as bad input (the project's middleware), never a list.
    assert _signed_in(world.grid_worker_a).get("/incidents/?cells=%00mine").status_code == 400
    # A role without cells has none: cells=mine is an empty list, not an error, not everything.
    page = _signed_in(world.dispatcher).get("/incidents/?cells=mine")
    assert page.status_code == 200 and page.context["page"].paginator.count == 0
    api = _signed_in(world.dispatcher).get("/api/v1/incidents/?cells=mine")
    assert api.status_code == 200 and api.json()["count"] == 0


def test_base_map_needs_a_signed_in_user(world):
    response = Client().get("/map/base.geojson")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_base_map_holds_only_her_districts_areas(world):
    build_district(OUTSIDE_DISTRICT_CODE, name="界外区MARK-X-district", boundary=OUTSIDE_DISTRICT_BOUNDARY,
                   streets=1, communities_per_street=1, seed=11)
    body = _signed_in(world.grid_worker_a).get("/map/base.geojson")
    assert body.status_code == 200 and body["Content-Type"] == "application/geo+json"
    features = body.json()["features"]
    codes = {feature["properties"]["code"] for feature in features}
    assert world.community_1.code in codes and world.street_2.code in codes  # the whole district, to orient by
    assert all(code.startswith(world.district.code) for code in codes)
    assert not any(feature["properties"]["level"] == "grid" for feature in features)  # no cells: not who holds what
    assert "MARK-X" not in body.content.decode()


def test_base_map_revalidation_answers_not_modified_and_ignores_junk(world):
    client = _signed_in(world.grid_worker_a)
    first = client.get("/map/base.geojson")
    again = client.get("/map/base.geojson", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    for junk in ('"' + "x" * 5000 + '"', "\x00", "*"):
        assert client.get("/map/base.geojson", HTTP_IF_NONE_MATCH=junk).status_code == 200


def test_base_map_of_a_user_with_no_area_is_empty(world):
    from accounts.models import Role, User

    nobody = User.objects.create_user("no_area_worker", password="x-Unused-123", role=Role.GRID_WORKER)
    body = _signed_in(nobody).get("/map/base.geojson")
    assert body.status_code == 200 and body.json()["features"] == []

"""A GIS administrator redraws a boundary in the browser: an overlap is flagged and publishing is
refused, the administrator fixes it, publishes, and sees the new revision with the moved building."""
from __future__ import annotations

import math

import pytest
from django.contrib.gis.geos import Point
from playwright.sync_api import expect

from accounts.models import Role
from grids.models import Area
from tests.grids.conftest import SampleBuilding, committed_buildings, interior_cell, neighbours_of  # noqa: F401
from tests.world import _user

pytestmark = pytest.mark.browser


def shared_vertex(cell: Area, neighbour: Area) -> tuple[float, float]:
    """A vertex of the cell in the middle of the edge it shares with this neighbour only (not a corner)."""
    others = [a for a in Area.objects.current().filter(level="grid", boundary__dwithin=(cell.boundary, 0.0001)) if a.pk not in (cell.pk, neighbour.pk)]
    shared = cell.boundary.intersection(neighbour.boundary)
    middle = shared.centroid
    candidates = []
    for x, y in cell.boundary[0][0]:
        point = Point(x, y, srid=4326)
        if point.distance(neighbour.boundary) < 1e-9 and all(point.distance(o.boundary) > 1e-6 for o in others):
            candidates.append((point.distance(middle), (x, y)))
    assert candidates, "no vertex shared with the neighbour alone"
    return min(candidates)[1]


def pixel(page, lng: float, lat: float) -> tuple[float, float]:
    """The page coordinates of a map position."""
    point = page.evaluate(
        "([lat, lng]) => { const m = gridgovEditor.map; const p = m.latLngToContainerPoint([lat, lng]);"
        " const r = m.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }",
        [lat, lng],
    )
    return point[0], point[1]


def position(page, x: float, y: float) -> tuple[float, float]:
    lnglat = page.evaluate(
        "([x, y]) => { const m = gridgovEditor.map; const r = m.getContainer().getBoundingClientRect();"
        " const ll = m.containerPointToLatLng([x - r.left, y - r.top]); return [ll.lng, ll.lat]; }",
        [x, y],
    )
    return lnglat[0], lnglat[1]


def drag(page, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=12)
    page.mouse.up()


def towards(origin: tuple[float, float], target: tuple[float, float], distance: float) -> tuple[float, float]:
    dx, dy = target[0] - origin[0], target[1] - origin[1]
    length = math.hypot(dx, dy)
    return origin[0] + dx / length * distance, origin[1] + dy / length * distance


def test_admin_drags_a_vertex_into_a_neighbour_is_refused_then_fixes_and_publishes(
    committed_world, committed_buildings, live_server, login, page
):
    community = committed_world.community_1
    cell = interior_cell(community)
    neighbour = neighbours_of(cell)[0]
    vx, vy = shared_vertex(cell, neighbour)

    # `admin`, the demo's GIS administrator, as the journey names it.
    login(page, _user("admin", Role.GIS_ADMIN, committed_world.district, is_staff=True))
    page.goto(f"{live_server.url}/map/edit/{community.code}/")
    expect(page.locator("body")).to_have_attribute("data-editor-ready", "1")
    page.evaluate("([lat, lng]) => gridgovEditor.map.setView([lat, lng], 19, {animate: false})", [vy, vx])

    vertex = pixel(page, vx, vy)
    into_neighbour = towards(vertex, pixel(page, *neighbour.boundary.centroid.coords), 45)
    into_cell = towards(vertex, pixel(page, *cell.boundary.centroid.coords), 60)
    # A building just inside the neighbour, in the triangle the moved vertex will take from it.
    building = SampleBuilding.objects.create(cell=neighbour, location=Point(*position(page, *towards(vertex, into_neighbour, 15)), srid=4326))

    # 1. Select the cell and drag its vertex into the neighbour: the overlap is flagged.
    page.mouse.click(*into_cell)
    expect(page.locator(".marker-icon").first).to_be_visible()
    drag(page, vertex, into_neighbour)
    expect(page.locator("#problems li[data-kind=overlap]")).to_have_count(1)
    expect(page.locator("#problems li[data-kind=overlap]")).to_contain_text(cell.code)
    expect(page.locator("#publish")).to_be_disabled()
    expect(page.locator("#map path.problem-overlap")).to_have_count(1)  # the overlap is drawn on the map
    # The server refuses too, whatever the button says.
    refused = page.evaluate(
        "async () => { const s = gridgovEditor.state; const r = await fetch(`/api/v1/drafts/${s.draft.id}/publish/`, {method: 'POST',"
        " headers: {'Content-Type': 'application/json', 'X-CSRFToken': gridgov.http.csrfToken()},"
        " body: JSON.stringify({reason: 'try'})}); return r.status; }"
    )
    assert refused == 400

    # 2. Fix it: select the neighbour and drag its vertex onto the moved one (it snaps).
    page.mouse.click(*towards(vertex, into_neighbour, 120))
    expect(page.locator(".marker-icon").first).to_be_visible()
    drag(page, vertex, into_neighbour)
    expect(page.locator("#map")).to_have_attribute("data-errors", "0")
    expect(page.locator("#publish")).to_be_enabled()
    expect(page.locator(".impact-occupant[data-key=sample_buildings]")).to_have_attribute("data-moves", "1")

    # 3. Publish with a reason: the new revision is listed with the moved building counted.
    page.fill("#reason", "围墙外移，楼栋划入相邻网格")
    page.click("#publish")
    expect(page.locator("#published")).to_be_visible()
    expect(page.locator("#published .impact-occupant[data-key=sample_buildings]")).to_have_attribute("data-moves", "1")
    number = page.locator("#published").get_attribute("data-revision")
    row = page.locator(f".revisions tr[data-revision='{number}']")
    expect(row).to_contain_text("围墙外移")
    expect(row).to_contain_text("Sample buildings 1")

    building.refresh_from_db()
    assert building.cell_id == Area.objects.current().get(code=cell.code).pk
    assert Area.objects.get(pk=neighbour.pk).valid_to is not None

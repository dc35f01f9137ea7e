"""The editor snaps to the community's outer edge and to the neighbouring communities' cells
(read-only), so a redrawn border cell fits without a gap or an overlap; cells carry their
codes on the map."""
from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from playwright.sync_api import expect

from accounts.models import Role
from grids.models import Area, DraftCell
from tests.browser.test_grids_redraw import drag, pixel, towards
from tests.world import _user

pytestmark = pytest.mark.browser


def border_vertex(community: Area) -> tuple[Area, Area, tuple[float, float]]:
    """A cell of the community, a cell of the next community sharing an edge with it, and a vertex
    of the first on that edge and on the community's outline, away from any other cell."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.id, b.id FROM grids_area a JOIN grids_area b
              ON b.level = 'grid' AND b.valid_to IS NULL AND b.parent_id <> a.parent_id AND b.boundary && a.boundary
            WHERE a.parent_id = %s AND a.valid_to IS NULL
              AND ST_Length(ST_Intersection(a.boundary, b.boundary)::geography) > 60
            ORDER BY ST_Length(ST_Intersection(a.boundary, b.boundary)::geography) DESC LIMIT 1
            """,
            [community.id],
        )
        cell_id, other_id = cursor.fetchone()
    cell, other = Area.objects.get(pk=cell_id), Area.objects.get(pk=other_id)
    shared = cell.boundary.intersection(other.boundary)
    near = [a for a in Area.objects.current().filter(level="grid", boundary__dwithin=(cell.boundary, 0.0002)) if a.pk not in (cell.pk, other.pk)]
    best = None
    for x, y in cell.boundary[0][0]:
        point = Point(x, y, srid=4326)
        if point.distance(shared) < 1e-9 and all(point.distance(o.boundary) > 0.00015 for o in near):
            score = point.distance(shared.centroid)
            if best is None or score < best[0]:
                best = (score, (x, y))
    assert best, "no vertex on the shared border away from other cells"
    return cell, other, best[1]


def test_a_border_vertex_dropped_a_few_pixels_off_snaps_back_onto_the_community_edge(committed_world, live_server, login, page):
    community = committed_world.community_1
    cell, other, (vx, vy) = border_vertex(community)
    login(page, _user("admin", Role.GIS_ADMIN, committed_world.district, is_staff=True))
    page.goto(f"{live_server.url}/map/edit/{community.code}/")
    expect(page.locator("body")).to_have_attribute("data-editor-ready", "1")
    page.evaluate("([lat, lng]) => gridgovEditor.map.setView([lat, lng], 17, {animate: false})", [vy, vx])

    # Codes are written on the cells, the neighbours' too (read-only).
    expect(page.locator(f".cell-label[data-code='{cell.code}']")).to_have_count(1)
    expect(page.locator(f".cell-label.neighbour[data-code='{other.code}']")).to_have_count(1)

    vertex = pixel(page, vx, vy)
    outward = towards(vertex, pixel(page, *other.boundary.centroid.coords), 6)  # 6 px into the next community
    page.mouse.click(*towards(vertex, pixel(page, *cell.boundary.centroid.coords), 50))
    expect(page.locator(".marker-icon").first).to_be_visible()
    drag(page, vertex, outward)
    expect(page.locator("#map")).to_have_attribute("data-errors", "0")
    page.screenshot(path="var/editor-snapping.png")
    moved = DraftCell.objects.get(draft__community=community, origin=cell).geometry
    # The vertex is back on the outline: nothing outside the community, no gap, no overlap.
    assert moved.difference(community.boundary).area < 1e-12
    assert abs(moved.area - cell.boundary.area) / cell.boundary.area < 1e-6


def test_a_border_cell_drawn_again_with_every_corner_three_pixels_off_fits_exactly(committed_world, live_server, login, page):
    community = committed_world.community_1
    cell, other, (vx, vy) = border_vertex(community)
    login(page, _user("admin", Role.GIS_ADMIN, committed_world.district, is_staff=True))
    page.goto(f"{live_server.url}/map/edit/{community.code}/")
    expect(page.locator("body")).to_have_attribute("data-editor-ready", "1")
    centre = cell.boundary.centroid
    page.evaluate("([lat, lng]) => gridgovEditor.map.setView([lat, lng], 17, {animate: false})", [centre.y, centre.x])
    cells = page.locator("#map")
    total = int(cells.get_attribute("data-cells"))

    page.mouse.click(*pixel(page, centre.x, centre.y))
    page.click("#tool-delete")
    expect(cells).to_have_attribute("data-cells", str(total - 1))
    page.click("#tool-draw")
    middle = pixel(page, centre.x, centre.y)
    # The cell's corners (its edges carry extra vertices every 20 m from the cutting).
    corners = cell.boundary.simplify(0.000001, preserve_topology=True)
    ring = list((corners[0] if corners.geom_type == "Polygon" else corners[0][0]))[:-1]
    for x, y in ring + ring[:1]:
        corner = pixel(page, x, y)
        # 3 px off: Geoman snaps to the nearest vertex of the nearest edge, and a border cell's edge
        # carries vertices every few metres (the cutting's densified edges), ~8 px apart here.
        page.mouse.click(*towards(middle, corner, ((corner[0] - middle[0]) ** 2 + (corner[1] - middle[1]) ** 2) ** 0.5 + 3))
    expect(cells).to_have_attribute("data-cells", str(total))
    expect(cells).to_have_attribute("data-errors", "0")
    page.screenshot(path="var/editor-snapping-drawn.png")
    drawn = DraftCell.objects.get(draft__community=community, origin=None).geometry
    assert drawn.difference(community.boundary).area < 2e-11  # under 0.2 m²: no overlap with the next community
    assert abs(drawn.area - cell.boundary.area) / cell.boundary.area < 1e-4  # no gap either

"""Anyone signed in drills down the map on a phone: street offices and communities from vector
tiles, labelled with name and code, then a community's cells, and a cell's details."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_dispatcher_drills_down_from_the_district_to_a_cell_on_a_phone(committed_world, live_server, login, phone_context):
    world = committed_world
    page = phone_context.new_page()
    tiles = []
    page.on("response", lambda r: tiles.append(r) if ".mvt" in r.url else None)
    login(page, world.dispatcher)
    page.goto(f"{live_server.url}/map/")

    the_map = page.locator("#map")
    expect(the_map).to_have_attribute("data-mode", "tiles")
    expect(the_map).to_have_attribute("data-loaded", "2")
    street_label = page.locator(".area-label", has_text=world.street_1.code)
    expect(street_label).to_contain_text(world.street_1.name)
    expect(page.locator(".leaflet-tile path").first).to_be_attached()
    assert tiles and all(r.status == 200 for r in tiles)

    expect(the_map).to_have_attribute("data-tiles", "loaded")
    street_label.click(force=True)  # labels let clicks through to the tile underneath
    community_label = page.locator(".area-label", has_text=world.community_1.code)
    expect(community_label).to_contain_text(world.community_1.name)
    expect(page.locator("#crumbs")).to_contain_text(world.street_1.name)

    expect(the_map).to_have_attribute("data-tiles", "loaded")
    community_label.click(force=True)
    expect(the_map).to_have_attribute("data-mode", "geojson")
    count = world.community_1.children.filter(valid_to__isnull=True).count()
    expect(the_map).to_have_attribute("data-loaded", str(count))

    page.evaluate("([lat, lng]) => gridgovMap.setView([lat, lng], 18, {animate: false})", [world.cell_a.boundary.point_on_surface.y, world.cell_a.boundary.point_on_surface.x])
    page.mouse.click(195, 500)  # the middle of the map on a 390 px wide phone
    expect(page.locator("#details")).to_contain_text(world.cell_a.code)
    expect(page.locator("#details")).to_contain_text("m²")
    expect(page.locator(".area-label", has_text=world.cell_a.code)).to_be_visible()

"""The shared front-end helpers (static/gridgov/map.js and fetch.js) as a user meets them: a base map
appears on every map page once one is configured, and none is asked for when it is not (the maps draw
their boundaries alone); a page left open while the user signs in again elsewhere still acts, because
the CSRF token is read when sending, not when the page was drawn."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from playwright.sync_api import expect

from incidents.actions import report_incident
from incidents.models import Category, Incident, Status
from incidents.seeds import ensure_reference_data

pytestmark = pytest.mark.browser

# Any image the server has will do as a tile: django-leaflet's own.
TILE_URL = "/static/leaflet/images/layers.png?z={z}&x={x}&y={y}"


@pytest.fixture
def hotline_case(committed_world):
    ensure_reference_data()
    spot = committed_world.cell_a.boundary.point_on_surface
    incident, _ = report_incident(
        reporter=committed_world.dispatcher,
        category=Category.objects.get(code="C0102"),
        location=Point(spot.x, spot.y, srid=4326),
        description="路灯不亮",
        source="hotline",
    )
    return incident


def test_a_configured_base_map_is_drawn_and_credited_on_the_map_pages(committed_world, live_server, login, browser, settings, hotline_case):
    settings.GRIDGOV_TILE_URL = TILE_URL
    settings.GRIDGOV_TILE_ATTRIBUTION = "测试底图"
    page = browser.new_context(viewport={"width": 1600, "height": 900}).new_page()
    login(page, committed_world.dispatcher)
    for path, box in [
        ("/dispatch/", "#console-map"),
        (f"/dispatch/case/{hotline_case.pk}/", "#case-map"),
        (f"/incidents/{hotline_case.pk}/", "#casemap"),
        ("/incidents/hotline/", "#pinpick"),
        ("/map/", "#map"),
    ]:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator(f"{box} img.leaflet-tile").first).to_be_attached()
        expect(page.locator(f"{box} .leaflet-control-attribution")).to_contain_text("测试底图")


def test_without_a_base_map_the_pages_draw_boundaries_and_ask_for_no_tile(committed_world, live_server, login, phone_context, settings):
    settings.GRIDGOV_TILE_URL = ""
    point = committed_world.cell_a.boundary.point_on_surface
    phone_context.set_geolocation({"latitude": point.y, "longitude": point.x, "accuracy": 8})
    page = phone_context.new_page()
    images = []
    page.on("request", lambda r: images.append(r.url) if r.resource_type == "image" else None)
    login(page, committed_world.grid_worker_a)
    page.goto(f"{live_server.url}/incidents/report/")
    expect(page.locator("#cell")).to_contain_text(committed_world.cell_a.code)  # located, and the cell found
    expect(page.locator("#pinmap path.leaflet-interactive").first).to_be_attached()  # the worker's cells
    expect(page.locator("#pinmap .leaflet-marker-pane .leaflet-marker-icon")).to_have_count(1)  # the pin at the phone's position (names are in their own pane)
    page.goto(f"{live_server.url}/residents/cells/{committed_world.cell_a.code}/buildings/new/")
    expect(page.locator("#pinmap path").first).to_be_attached()  # the cell's outline
    assert page.locator(".leaflet-tile").count() == 0
    assert not [url for url in images if "z=" in url or "/tiles/" in url]


def test_a_console_left_open_acts_after_the_dispatcher_signs_in_again(committed_world, live_server, login, browser, hotline_case):
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    console = context.new_page()
    login(console, committed_world.dispatcher)
    console.goto(f"{live_server.url}/dispatch/")
    expect(console.locator(f'.case-row[data-id="{hotline_case.pk}"]')).to_have_class("case-row selected")

    # Signing out and in again in another tab of the same browser gives the session a new CSRF token.
    other = context.new_page()
    other.goto(f"{live_server.url}/")
    other.get_by_role("button", name="退出").click()
    # Signing out first empties the phone's kept pages, then posts the form: wait for the sign-in page.
    other.wait_for_url("**/accounts/login/**")
    login(other, committed_world.dispatcher)

    console.bring_to_front()
    console.locator("#queue").focus()
    console.keyboard.press("r")
    expect(console.locator("#console-message")).to_contain_text("立案")
    expect(console.locator("#console-message")).not_to_have_class("console-message error")
    assert Incident.objects.get(pk=hotline_case.pk).status == Status.REGISTERED

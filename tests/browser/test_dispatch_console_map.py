"""The console's map in a browser: the queue's cases gathered in a cluster that shows their number,
the keyboard's selection opening the cluster to show its marker, and the heat map switched on in
the layer control, drawn from the heat API."""

from __future__ import annotations

import re

import pytest
from django.contrib.gis.geos import Point
from playwright.sync_api import expect

from incidents.actions import report_incident
from incidents.models import Category
from incidents.seeds import ensure_reference_data

pytestmark = pytest.mark.browser


@pytest.fixture
def three_calls_at_one_address(committed_world):
    """Three 12345 calls about one spot of cell A."""
    ensure_reference_data()
    spot = committed_world.cell_a.boundary.point_on_surface
    return [
        report_incident(
            reporter=committed_world.dispatcher,
            category=Category.objects.get(code="C0102"),
            location=Point(spot.x, spot.y, srid=4326),
            description=f"路灯不亮 {n}",
            source="hotline",
        )[0]
        for n in range(3)
    ]


def test_the_console_map_clusters_the_queue_and_switches_on_the_heat(
    committed_world, live_server, login, browser, three_calls_at_one_address
):
    page = browser.new_context(viewport={"width": 1600, "height": 900}).new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    login(page, committed_world.dispatcher)
    page.goto(f"{live_server.url}/dispatch/")

    cluster = page.locator("#console-map .marker-cluster")
    expect(cluster).to_have_count(1)
    expect(cluster).to_have_text("3")
    expect(cluster).to_have_class(re.compile(r"\bmarker-cluster-green\b.*\bhas-selected\b"))  # the worst light; the selection inside

    # j selects the next case: the cluster opens (zoom in, then spiderfy: the three share one spot)
    # and the selected marker is drawn, outlined in blue.
    page.locator("#queue").focus()
    page.keyboard.press("j")
    expect(page.locator('#console-map path.leaflet-interactive[stroke="#0b57d0"]')).to_be_visible()

    # The heat map: off at first, on from the layer control, with every case of the queue counted.
    expect(page.locator("canvas.leaflet-heatmap-layer")).to_have_count(0)
    with page.expect_response(lambda r: "/api/v1/dispatch/heat/" in r.url) as heat:
        page.locator(".leaflet-control-layers").get_by_label("热力图").check()
    assert heat.value.status == 200 and heat.value.json()["total"] == 3
    expect(page.locator("canvas.leaflet-heatmap-layer")).to_be_attached()
    expect(page.locator("#queue-status")).to_contain_text("热力图：3 件案件")
    assert not errors


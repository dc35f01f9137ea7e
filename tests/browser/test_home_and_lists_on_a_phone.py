"""A grid worker's home on a phone (390 × 844 and 360 px): her cells on a map with their open cases
coloured by light, the red count equal to the red dots, the report button one tap away in the
bottom bar; the department inbox as cards whose accept button is whole and big enough to tap;
names on the case and editor maps over the project's own base map; home opening offline."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from playwright.sync_api import expect

from incidents.actions import report_incident
from incidents.models import Category, Incident
from incidents.seeds import ensure_reference_data
from tests.browser.conftest import PHONE
from tests.waiting import wait_for

from .test_offline_outbox import _online_with_worker

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-home")
WIDTHS = [390, 360]


def _file(world, reporter, cell, description: str) -> Incident:
    point = cell.boundary.point_on_surface
    incident, _ = report_incident(reporter=reporter, category=Category.objects.get(code="E0103"),
                                  location=Point(point.x, point.y, srid=4326), description=description)
    return incident


def _red(incident, **held):
    past = timezone.now() - timedelta(hours=2)
    Incident.objects.filter(pk=incident.pk).update(deadline=past, deadline_started_at=past - timedelta(days=1),
                                                   warn_at=past - timedelta(hours=5), **held)


@pytest.fixture
def her_cells(committed_world):
    ensure_reference_data()
    world = committed_world
    green = _file(world, world.grid_worker_a, world.cell_a, "绿灯案件")
    red = _file(world, world.grid_worker_a, world.cell_a, "红灯案件")
    _red(red)
    climbed = _file(world, world.grid_worker_a, world.cell_a, "已上报社区的红灯案件")
    _red(climbed, level="community", area=world.community_1)
    elsewhere = _file(world, world.grid_worker_b, world.cell_b, "别人网格的案件")
    _red(elsewhere)
    return {"green": green, "red": [red, climbed], "elsewhere": elsewhere}


def _phone(browser, width: int):
    return browser.new_context(**{**PHONE, "viewport": {"width": width, "height": 844 if width == 390 else 740}})


def _shot(page, name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))


def _fully_visible_and_tappable(page, locator, width: int):
    box = locator.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, box
    assert box["height"] >= 44 and box["width"] >= 44, box
    # Nothing covers it: the element at its centre is the control itself (or inside it).
    covered = locator.evaluate(
        "(el) => { const r = el.getBoundingClientRect(); const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);"
        " return !(top && (top === el || el.contains(top))); }"
    )
    assert not covered


@pytest.mark.parametrize("width", WIDTHS)
def test_home_shows_her_cells_and_their_cases_with_the_red_count_of_the_red_dots(committed_world, her_cells, live_server, login,
                                                                                  browser, width):
    context = _phone(browser, width)
    page = context.new_page()
    login(page, committed_world.grid_worker_a)
    home_map = page.locator("#home-map")
    expect(home_map).to_be_visible()
    expect(home_map).to_have_attribute("data-cells", "1")
    expect(home_map).to_have_attribute("data-cases", "3")  # her cell's three open cases, not the other worker's
    assert home_map.bounding_box()["height"] >= 200
    expect(home_map.locator("path.case-dot")).to_have_count(3)
    red_count = page.locator('#home-lights [data-light="red"] b')
    expect(red_count).to_have_text("2")
    expect(home_map.locator("path.case-dot.red")).to_have_count(2)
    # Her cell is named on the map, over the base map of her district's communities.
    expect(home_map).to_have_attribute("data-base-map", "6")  # 2 street offices + 4 communities
    expect(home_map.locator(".map-label:not([hidden]) > span").first).to_be_visible()
    expect(page.locator("#home-cases-list")).to_contain_text("红灯案件")
    expect(page.locator("body")).not_to_contain_text("别人网格的案件")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    _shot(page, f"test-home-{width}.png")

    # The red count opens the list of exactly those cases.
    page.locator('#home-lights [data-light="red"]').click()
    expect(page.locator("#cases > li")).to_have_count(2)

    # The report button is one tap away in the bottom bar, on every page.
    report = page.locator('#phone-bar [data-nav="incidents:report"]')
    expect(report).to_be_visible()
    _fully_visible_and_tappable(page, report, width)
    report.click()
    page.wait_for_url(f"{live_server.url}/incidents/report/")
    expect(page.locator('#phone-bar [data-nav="incidents:report"]')).to_have_attribute("aria-current", "page")
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_department_inbox_is_cards_with_a_whole_accept_button(committed_world, live_server, login, browser, width):
    from dispatch import actions as dispatch_actions
    from incidents.actions import register

    ensure_reference_data()
    world = committed_world
    point = world.cell_a.boundary.point_on_surface
    incident, _ = report_incident(reporter=world.dispatcher, category=Category.objects.get(code="C0102"), source="hotline",
                                  location=Point(point.x, point.y, srid=4326), description="井盖破损，路口东侧", address="测试路1号")
    register(incident, actor=world.dispatcher)
    incident.refresh_from_db()
    dispatch_actions.dispatch(incident, actor=world.dispatcher, departments=[world.department])

    context = _phone(browser, width)
    page = context.new_page()
    login(page, world.department_handler)
    page.goto(f"{live_server.url}/dispatch/inbox/")
    row = page.locator(f'#inbox tr[data-id="{incident.pk}"]')
    expect(row).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing wider than the screen
    assert row.evaluate("(el) => getComputedStyle(el).display") == "block"  # a card, not a table row
    # Each detail is labelled on the card: the table's headings are not shown.
    expect(row.locator('td[data-label="办理时限"]')).to_be_visible()
    accept = row.get_by_role("button", name="签收")
    accept.scroll_into_view_if_needed()
    _fully_visible_and_tappable(page, accept, width)
    _fully_visible_and_tappable(page, row.get_by_role("link", name="打开"), width)
    _shot(page, f"test-department-inbox-{width}.png")
    accept.click()
    # The accept goes through the phone's outbox: it is in once the server has it.
    wait_for(lambda: incident.assignments.get().status == "accepted", timeout=20, what="the accept")
    context.close()


def test_the_case_map_names_the_cells_around_the_case_over_the_base_map(committed_world, her_cells, live_server, login,
                                                                         phone_context):
    page = phone_context.new_page()
    login(page, committed_world.grid_worker_a)
    page.goto(f"{live_server.url}/incidents/{her_cells['green'].pk}/")
    casemap = page.locator("#casemap")
    expect(casemap).to_have_attribute("data-base-map", "6")
    label = casemap.locator(".map-label:not([hidden]) > span", has_text=committed_world.cell_a.code[-3:])
    expect(label).to_be_visible()
    _shot(page, "test-case-map-390.png")


def test_the_editor_map_names_the_communities_around(committed_world, live_server, login, page):
    login(page, committed_world.gis_admin)
    page.goto(f"{live_server.url}/map/edit/{committed_world.community_1.code}/")
    expect(page.locator("#map")).to_have_attribute("data-base-map", "6")
    expect(page.locator("#map .map-label:not([hidden]) > span", has_text=committed_world.community_1.name).first).to_be_visible()
    # The editor's own labels: each cell's code where the cells are big enough on screen.
    expect(page.locator(f'#map .cell-label[data-code="{committed_world.cell_a.code}"]')).to_be_visible()
    _shot(page, "test-editor-map.png")


def test_home_opens_offline_with_its_map_and_the_kept_base_map(committed_world, her_cells, live_server, login, phone_context):
    page = phone_context.new_page()
    login(page, committed_world.grid_worker_a)
    _online_with_worker(page, live_server)
    page.wait_for_function("() => caches.open('gridgov-api').then(c => c.match('/map/base.geojson')).then(r => !!r)")
    phone_context.set_offline(True)
    page.goto(f"{live_server.url}/")
    home_map = page.locator("#home-map")
    expect(home_map).to_have_attribute("data-cells", "1")
    expect(home_map.locator("path.case-dot.red")).to_have_count(2)
    expect(home_map).to_have_attribute("data-base-map", "6")
    _shot(page, "test-home-offline-390.png")
    phone_context.set_offline(False)


def test_a_map_without_its_base_map_says_so(committed_world, her_cells, live_server, login, browser):
    # No service worker here (it would answer from its own fetch): the base map's request fails.
    context = browser.new_context(**PHONE, service_workers="block")
    context.route("**/map/base.geojson", lambda route: route.abort("internetdisconnected"))
    page = context.new_page()
    login(page, committed_world.grid_worker_a)
    home_map = page.locator("#home-map")
    expect(home_map).to_have_attribute("data-base-map", "missing")
    expect(home_map.locator(".map-note")).to_contain_text("底图")
    expect(home_map.locator("path.case-dot")).to_have_count(3)  # her cells and cases still drawn
    _shot(page, "test-home-no-base-map-390.png")
    context.close()


def test_a_real_tile_server_replaces_the_base_map(committed_world, her_cells, live_server, login, browser, settings):
    import io

    from PIL import Image

    settings.GRIDGOV_TILE_URL = "https://tiles.example.test/{z}/{x}/{y}.png"
    settings.GRIDGOV_TILE_ATTRIBUTION = "Example tiles"
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (200, 220, 200)).save(buffer, "PNG")
    tiles, base = [], []
    context = browser.new_context(**PHONE, service_workers="block")
    context.route("https://tiles.example.test/**", lambda route: (tiles.append(route.request.url),
                                                                   route.fulfill(body=buffer.getvalue(), content_type="image/png")))
    context.on("request", lambda request: base.append(request.url) if "/map/base.geojson" in request.url else None)
    page = context.new_page()
    login(page, committed_world.grid_worker_a)
    expect(page.locator("#home-map .leaflet-tile-loaded").first).to_be_attached()  # home's map too
    page.goto(f"{live_server.url}/incidents/{her_cells['green'].pk}/")
    expect(page.locator("#casemap .leaflet-tile-loaded").first).to_be_attached()
    expect(page.locator("#casemap .leaflet-control-attribution")).to_contain_text("Example tiles")
    # The cells are still named over the real tiles; the project's own base map is not asked for.
    expect(page.locator("#casemap .map-label:not([hidden]) > span", has_text=committed_world.cell_a.code[-3:])).to_be_visible()
    assert tiles and not base
    assert page.locator("#casemap").get_attribute("data-base-map") is None
    context.close()

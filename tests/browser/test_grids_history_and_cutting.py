"""The history map of a day shows that day's areas with their labels, or says that nothing
existed then; the cutting page shows its progress, the cells on a map, and publishes them."""
from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect
from shapely.geometry import Polygon, mapping

from grids import cutting_views, tasks
from grids.imports import import_boundaries
from grids.models import Area, Level

pytestmark = pytest.mark.browser


def test_todays_date_draws_the_map_with_labels_and_an_old_date_says_nothing_existed(committed_world, live_server, login, page):
    world = committed_world
    login(page, world.dispatcher)
    page.goto(f"{live_server.url}/map/?as_of={timezone.localdate().isoformat()}")
    the_map = page.locator("#map")
    expect(the_map).to_have_attribute("data-loaded", "2")
    expect(page.locator(".area-label", has_text=world.street_1.code)).to_contain_text(world.street_1.name)
    expect(page.locator(".asof-banner")).to_contain_text("结束时")
    page.screenshot(path="var/history-map-today.png")

    page.goto(f"{live_server.url}/map/?as_of=2020-01-01")
    expect(page.locator(".asof-empty")).to_contain_text("尚未发布")
    expect(page.locator("#details")).to_contain_text("尚无任何边界")
    page.screenshot(path="var/history-map-empty.png")


def test_an_administrator_cuts_an_imported_street_on_the_page(committed_world, live_server, login, page, tmp_path, monkeypatch):
    world = committed_world
    # The worker's part runs at commit in the server's thread (a real worker in production).
    monkeypatch.setattr(cutting_views.plan_cut, "delay", lambda job_id: tasks.plan_cut(job_id))
    monkeypatch.setattr(cutting_views.publish_cut, "delay", lambda job_id: tasks.publish_cut(job_id))
    outline = Polygon([(116.420, 39.900), (116.430, 39.9003), (116.4305, 39.9062), (116.4198, 39.9058)])
    path = tmp_path / "district.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "990102", "name": "新区"}, "geometry": mapping(outline)}]}), encoding="utf-8")
    assert import_boundaries(path, level="district").ok
    call_command("cut_cells", "990102", "--parts", "--count", "2", stdout=StringIO(), stderr=StringIO())
    call_command("cut_cells", "990102001", "--parts", "--count", "2", stdout=StringIO(), stderr=StringIO())
    admin = world.gis_admin
    admin.area = Area.objects.current().get(code="990102")
    admin.save(update_fields=["area"])

    login(page, admin)
    page.goto(f"{live_server.url}/map/cut/?area=990102001")
    page.click("#cut-all")
    page.click("#cut-form button[type=submit]")
    expect(page.locator("#cut-totals")).to_contain_text("2 个社区")
    expect(page.locator("#map")).to_have_attribute("data-cells", re.compile(r"^[1-9][0-9]*$"))  # drawn
    cells = int(page.locator("#map").get_attribute("data-cells"))
    assert cells > 20
    expect(page.locator("#cut-summary tbody tr")).to_have_count(2)
    page.screenshot(path="var/cut-preview.png", full_page=True)
    page.fill("#cut-reason", "首次划分网格")
    page.click("#cut-publish button")
    expect(page.locator("#cut-published")).to_be_visible()
    assert Area.objects.current().subtree("990102001").filter(level=Level.GRID).count() == cells

"""The assignment map in a browser at 1920×1080: the community's cells coloured by who covers
them, the uncovered ones flagged; a cell selected on the map and assigned to a worker moves to
them, and the worker's load in the table grows."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import GridAssignment

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_a_community_assigns_an_uncovered_cell_on_the_map(committed_world, live_server, login, browser):
    world = committed_world
    page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    login(page, world.community_staff)
    page.goto(f"{live_server.url}/dispatch/workload/?area={world.community_1.code}")
    paths = page.locator("#workload-map path.leaflet-interactive")
    expect(paths.first).to_be_visible()
    cells = paths.count()
    assert cells > 10
    expect(page.locator("#wl-totals")).to_contain_text(str(cells))
    worker_row = page.locator("#wl-workers tbody tr", has_text="worker_a")
    expect(worker_row.locator("td").nth(1)).to_have_text("1")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "workload-before.png"))
    # Cell A2 — nobody's — is drawn in red; select it by its outline, choose worker A, assign.
    target = page.locator("#workload-map path.leaflet-interactive[stroke='#b2182b']").first
    target.click(force=True)
    expect(page.locator("#wl-selected")).to_have_text("1")
    page.select_option("#wl-worker", str(world.grid_worker_a.pk))
    page.click("#wl-do-assign")
    expect(page.locator("#wl-message")).to_have_text("已保存。")
    expect(worker_row.locator("td").nth(1)).to_have_text("2")
    page.screenshot(path=str(SHOTS / "workload-after.png"))
    assert GridAssignment.objects.active().filter(user=world.grid_worker_a).count() == 2

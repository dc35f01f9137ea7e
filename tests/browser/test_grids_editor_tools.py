"""The editor's tools in the browser: split a cell along a drawn line, merge the pieces back,
delete a cell (the gap is flagged), draw it again with corners snapping to the neighbours, and
undo that drawing with Ctrl+Z."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_grids_redraw import pixel
from tests.grids.conftest import interior_cell, neighbours_of

pytestmark = pytest.mark.browser


def test_split_merge_delete_and_draw_change_the_draft(committed_world, live_server, login, page):
    community = committed_world.community_1
    cell = interior_cell(community)
    neighbour = neighbours_of(cell)[0]
    login(page, committed_world.gis_admin)
    page.goto(f"{live_server.url}/map/edit/{community.code}/")
    expect(page.locator("body")).to_have_attribute("data-editor-ready", "1")
    cells = page.locator("#map")
    total = int(cells.get_attribute("data-cells"))
    centre = cell.boundary.centroid
    page.evaluate("([lat, lng]) => gridgovEditor.map.setView([lat, lng], 17, {animate: false})", [centre.y, centre.x])
    x0, y0, x1, y1 = cell.boundary.extent

    # Split: select the cell, draw a north–south line across it, click its last point to finish.
    page.mouse.click(*pixel(page, centre.x, centre.y))
    page.click("#tool-split")
    top, bottom = pixel(page, (x0 + x1) / 2, y1 + 0.0002), pixel(page, (x0 + x1) / 2, y0 - 0.0002)
    page.mouse.click(*top)
    page.mouse.click(*bottom)
    page.mouse.click(*bottom)
    expect(cells).to_have_attribute("data-cells", str(total + 1))

    # Merge the two halves back.
    page.click("#tool-merge")
    page.mouse.click(*pixel(page, x0 + (x1 - x0) * 0.25, centre.y))
    page.mouse.click(*pixel(page, x0 + (x1 - x0) * 0.75, centre.y))
    page.click("#do-merge")
    expect(cells).to_have_attribute("data-cells", str(total))

    # Delete the neighbour: its place is a gap.
    page.mouse.click(*pixel(page, *neighbour.boundary.centroid.coords))
    page.click("#tool-delete")
    expect(cells).to_have_attribute("data-cells", str(total - 1))
    expect(page.locator("#problems li[data-kind=gap]")).to_have_count(1)
    expect(page.locator("#publish")).to_be_disabled()

    # Draw it again: the corners snap to the surrounding cells and the gap closes.
    page.click("#tool-draw")
    nx0, ny0, nx1, ny1 = neighbour.boundary.extent
    corners = [(nx0, ny1), (nx1, ny1), (nx1, ny0), (nx0, ny0)]
    for corner in corners + corners[:1]:
        page.mouse.click(*pixel(page, *corner))
    expect(cells).to_have_attribute("data-cells", str(total))
    expect(cells).to_have_attribute("data-errors", "0")
    expect(page.locator("#publish")).to_be_enabled()

    # Ctrl+Z takes the drawing back: the gap is there again; the button undoes the deletion too.
    page.keyboard.press("Control+z")
    expect(cells).to_have_attribute("data-cells", str(total - 1))
    expect(page.locator("#problems li[data-kind=gap]")).to_have_count(1)
    page.click("#tool-undo")
    expect(cells).to_have_attribute("data-cells", str(total))
    expect(cells).to_have_attribute("data-errors", "0")

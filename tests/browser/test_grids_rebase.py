"""Two administrators redraw one community: the one who publishes second sees the conflict, carries
the draft's changes over to the newly published cells with one button, and publishes."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import Role, User
from grids.actions import publish_draft, split_draft_cell, start_draft
from grids.models import Area
from tests.grids.conftest import draft_cell_of, interior_cell
from tests.grids.test_publish_redraw import split_line
from tests.grids.test_rebase import far_neighbour

pytestmark = pytest.mark.browser


def test_a_stale_draft_is_carried_over_and_published(committed_world, live_server, login, page):
    community = committed_world.community_1
    mine = interior_cell(community)
    theirs = far_neighbour(mine)
    colleague = User.objects.create(username="gis_admin_2", role=Role.GIS_ADMIN, area=committed_world.district)
    my_draft = start_draft(community=community, actor=committed_world.gis_admin)
    split_draft_cell(draft=my_draft, cell_id=draft_cell_of(my_draft, mine).id, line=split_line(mine), actor=committed_world.gis_admin)
    their_draft = start_draft(community=community, actor=colleague)
    split_draft_cell(draft=their_draft, cell_id=draft_cell_of(their_draft, theirs).id, line=split_line(theirs), actor=colleague)
    theirs_published = publish_draft(draft=their_draft, actor=colleague, reason="同事先发布")

    login(page, committed_world.gis_admin)
    page.goto(f"{live_server.url}/map/edit/{community.code}/")
    expect(page.locator("body")).to_have_attribute("data-editor-ready", "1")
    cells = page.locator("#map")
    before = int(cells.get_attribute("data-cells"))
    expect(page.locator("#draft-status")).to_contain_text(f"r{theirs_published.revision.number}")
    expect(page.locator("#publish")).to_be_disabled()

    page.click("#rebase")
    expect(page.locator("#published")).to_have_attribute("data-rebased", str(theirs_published.revision.number))
    expect(page.locator("#published")).to_contain_text("纳入 2 个网格")
    expect(cells).to_have_attribute("data-cells", str(before + 1))  # their two halves in, their old cell out
    expect(page.locator("#rebase")).to_be_hidden()
    expect(cells).to_have_attribute("data-errors", "0")

    page.fill("#reason", "合并同事的修改后发布")
    page.click("#publish")
    expect(page.locator("#published")).to_have_attribute("data-revision", str(theirs_published.revision.number + 1))
    current = set(Area.objects.current().filter(parent=community, level="grid").values_list("code", flat=True))
    assert {a.code for a in theirs_published.areas} <= current
    assert mine.code not in current and theirs.code not in current

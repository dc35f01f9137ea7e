"""A redraw moves the needs not yet met with their households (to the new cell's grid worker's list);
a settled need keeps the cell it was met in."""
from __future__ import annotations

from grids.actions import publish_draft, split_draft_cell, start_draft
from needs import actions
from needs.models import NeedSource
from accounts.models import GridAssignment
from needs.queries import worklist
from tests.grids.conftest import draft_cell_of
from tests.grids.test_publish_redraw import split_line


def test_an_open_need_follows_its_household_and_a_settled_one_stays(world, homes, kinds):
    old_cell = world.cell_a
    open_need = actions.record_need(household=homes.in_a, kind="food", source=NeedSource.GRID_WORKER, actor=world.grid_worker_a)
    met = actions.record_need(household=homes.in_a, kind="medicine", source=NeedSource.GRID_WORKER, actor=world.grid_worker_a)
    met = actions.cancel_need(need=met, actor=world.community_staff, reason="已由家属送达")

    draft = start_draft(community=world.community_1, actor=world.gis_admin)
    split_draft_cell(draft=draft, cell_id=draft_cell_of(draft, old_cell).id, line=split_line(old_cell), actor=world.gis_admin)
    publish_draft(draft=draft, actor=world.gis_admin, reason="新路把网格一分为二")

    open_need.refresh_from_db()
    met.refresh_from_db()
    homes.in_a.refresh_from_db()
    assert open_need.cell_id == homes.in_a.cell_id != old_cell.pk
    assert open_need.area_id == open_need.cell_id  # still held at the grid: by its new cell
    assert met.cell_id == old_cell.pk
    covering = GridAssignment.objects.filter(cell_id=open_need.cell_id, ended_at__isnull=True).order_by("started_at").first()
    assert covering is not None and worklist(covering.user).filter(pk=open_need.pk).exists()

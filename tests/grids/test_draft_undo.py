"""Undo in the editor: every edit of a draft can be taken back, the last 30 of them, in order."""
from __future__ import annotations

import pytest

from grids.actions import (
    UNDO_STEPS,
    delete_draft_cell,
    merge_draft_cells,
    publish_draft,
    rebase_draft,
    split_draft_cell,
    start_draft,
    undo_draft_edit,
    undo_steps,
    update_draft_cell,
)
from grids.models import DraftCell, DraftStep
from grids.validation import AreaValidationError

from .conftest import draft_cell_of, interior_cell, neighbours_of
from .test_publish_redraw import split_line
from .test_rebase import nudged


def cells_of(draft) -> list[tuple[int | None, str]]:
    return sorted((c.origin_id or 0, c.geometry.wkt) for c in DraftCell.objects.filter(draft=draft))


def test_a_split_is_undone_and_the_cell_comes_back_with_its_code(world):
    cell = interior_cell(world.community_1)
    draft = start_draft(community=world.community_1, actor=world.gis_admin)
    before = cells_of(draft)
    split_draft_cell(draft=draft, cell_id=draft_cell_of(draft, cell).id, line=split_line(cell), actor=world.gis_admin)
    assert undo_steps(draft) == 1 and len(cells_of(draft)) == len(before) + 1

    undo_draft_edit(draft=draft, actor=world.gis_admin)

    assert cells_of(draft) == before
    assert draft_cell_of(draft, cell).geometry.equals_exact(cell.boundary, 0)  # full precision, same origin
    assert undo_steps(draft) == 0


def test_edits_are_undone_newest_first_then_there_is_nothing_to_undo(world):
    cell = interior_cell(world.community_1)
    neighbour = neighbours_of(cell)[0]
    draft = start_draft(community=world.community_1, actor=world.gis_admin)
    original = cells_of(draft)
    update_draft_cell(draft=draft, cell_id=draft_cell_of(draft, cell).id, geometry=nudged(cell, 0.00002), actor=world.gis_admin)
    after_move = cells_of(draft)
    merge_draft_cells(draft=draft, cell_ids=[draft_cell_of(draft, neighbour).id, draft_cell_of(draft, neighbours_of(neighbour)[0]).id],
                      actor=world.gis_admin)
    delete_draft_cell(draft=draft, cell_id=DraftCell.objects.filter(draft=draft, origin=None).get().id, actor=world.gis_admin)

    undo_draft_edit(draft=draft, actor=world.gis_admin)  # the deletion
    assert DraftCell.objects.filter(draft=draft, origin=None).count() == 1
    undo_draft_edit(draft=draft, actor=world.gis_admin)  # the merge
    assert cells_of(draft) == after_move
    undo_draft_edit(draft=draft, actor=world.gis_admin)  # the move
    assert cells_of(draft) == original
    with pytest.raises(AreaValidationError, match="没有可撤销"):
        undo_draft_edit(draft=draft, actor=world.gis_admin)


def test_a_refused_edit_leaves_nothing_to_undo(world):
    cell = interior_cell(world.community_1)
    draft = start_draft(community=world.community_1, actor=world.gis_admin)
    x0, y0, x1, y1 = cell.boundary.extent
    from django.contrib.gis.geos import LineString

    short = LineString(((x0 + x1) / 2, (y0 + y1) / 2), ((x0 + x1) / 2, y1 - 0.00001), srid=4326)  # does not cross the cell
    with pytest.raises(AreaValidationError):
        split_draft_cell(draft=draft, cell_id=draft_cell_of(draft, cell).id, line=short, actor=world.gis_admin)
    assert undo_steps(draft) == 0


def test_only_the_last_edits_are_kept(world):
    cell = interior_cell(world.community_1)
    draft = start_draft(community=world.community_1, actor=world.gis_admin)
    for n in range(UNDO_STEPS + 3):
        update_draft_cell(draft=draft, cell_id=draft_cell_of(draft, cell).id, geometry=nudged(cell, 0.000001 * (n + 1)),
                          actor=world.gis_admin)
    assert undo_steps(draft) == UNDO_STEPS
    for _ in range(UNDO_STEPS):
        undo_draft_edit(draft=draft, actor=world.gis_admin)
    # The oldest kept state is after the third move, not the original cell.
    assert draft_cell_of(draft, cell).geometry.equals_exact(nudged(cell, 0.000003), 1e-12)


def test_carrying_a_draft_over_starts_the_history_afresh(world, second_admin):
    community = world.community_1
    cell = interior_cell(community)
    colleague = second_admin
    mine = start_draft(community=community, actor=world.gis_admin)
    theirs = start_draft(community=community, actor=colleague)
    update_draft_cell(draft=mine, cell_id=draft_cell_of(mine, cell).id, geometry=cell.boundary, actor=world.gis_admin)
    split_draft_cell(draft=theirs, cell_id=draft_cell_of(theirs, cell).id, line=split_line(cell), actor=colleague)
    publish_draft(draft=theirs, actor=colleague, reason="split")

    rebase_draft(draft=mine, actor=world.gis_admin)

    assert undo_steps(mine) == 0 and not DraftStep.objects.filter(draft=mine).exists()


def test_the_api_undoes_and_says_how_many_edits_are_left(world, api_as):
    cell = interior_cell(world.community_1)
    client = api_as(world.gis_admin)
    draft = client.post(f"/api/v1/areas/{world.community_1.code}/draft/").json()
    assert client.get(f"/api/v1/drafts/{draft['id']}/").json()["undo_steps"] == 0
    cell_id = next(f["id"] for f in client.get(f"/api/v1/drafts/{draft['id']}/").json()["cells"]["features"]
                   if f["properties"]["code"] == cell.code)
    assert client.delete(f"/api/v1/drafts/{draft['id']}/cells/{cell_id}/").status_code in (200, 204)

    undone = client.post(f"/api/v1/drafts/{draft['id']}/undo/")

    assert undone.status_code == 200
    body = undone.json()
    assert body["undo_steps"] == 0
    assert cell.code in {f["properties"]["code"] for f in body["cells"]["features"]}
    nothing = client.post(f"/api/v1/drafts/{draft['id']}/undo/")
    assert nothing.status_code == 400 and nothing.json()["problems"][0]["kind"] == "undo"
    assert api_as(world.dispatcher).post(f"/api/v1/drafts/{draft['id']}/undo/").status_code in (403, 404)

"""Two administrators redraw one community: the second, refused at publish, carries the draft's
changes over to the newly published cells instead of redrawing them (a three-way merge by cell)."""
from __future__ import annotations

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from grids.actions import (
    RevisionConflict,
    community_revision,
    publish_draft,
    rebase_draft,
    split_draft_cell,
    start_draft,
    update_draft_cell,
)
from grids.models import Area, DraftCell, DraftRevision
from grids.validation import AreaValidationError, check_draft

from .conftest import draft_cell_of, interior_cell, neighbours_of
from .test_publish_redraw import split_line


def far_neighbour(cell: Area) -> Area:
    """A cell of the same community sharing no edge or corner with this one."""
    near = {c.pk for c in neighbours_of(cell)} | {cell.pk}
    return next(
        c for c in Area.objects.current().filter(parent=cell.parent, level="grid").order_by("code")
        if c.pk not in near and not c.boundary.touches(cell.boundary)
    )


def nudged(area: Area, dx: float) -> MultiPolygon:
    """The cell with its whole outline shifted east (an edit that makes it differ from the original)."""
    ring = [(x + dx, y) for x, y in area.boundary[0][0]]
    return MultiPolygon(Polygon(ring), srid=4326)


def test_the_second_editor_carries_a_split_over_to_the_newly_published_cells(world, second_admin):
    community = world.community_1
    first_cell = interior_cell(community)
    second_cell = far_neighbour(first_cell)
    first = start_draft(community=community, actor=world.gis_admin)
    second = start_draft(community=community, actor=second_admin)
    split_draft_cell(draft=first, cell_id=draft_cell_of(first, first_cell).id, line=split_line(first_cell), actor=world.gis_admin)
    split_draft_cell(draft=second, cell_id=draft_cell_of(second, second_cell).id, line=split_line(second_cell), actor=second_admin)
    published = publish_draft(draft=first, actor=world.gis_admin, reason="first")
    with pytest.raises(RevisionConflict):
        publish_draft(draft=second, actor=second_admin, reason="second")

    result = rebase_draft(draft=second, actor=second_admin)

    assert result.base_revision == published.revision.number == community_revision(community)
    assert result.taken == sorted(a.code for a in published.areas)
    assert result.dropped == [first_cell.code]
    second.refresh_from_db()
    assert second.base_revision == published.revision.number
    origins = set(second.cells.exclude(origin=None).values_list("origin__code", flat=True))
    assert first_cell.code not in origins and set(result.taken) <= origins
    assert second.cells.filter(origin=None).count() == 2  # the second editor's own split is kept
    assert not [p for p in check_draft(second.id) if p.is_error]

    again = publish_draft(draft=second, actor=second_admin, reason="second, carried over")
    current = Area.objects.current().filter(parent=community, level="grid")
    assert set(result.taken) <= set(current.values_list("code", flat=True)), "the first editor's cells survive"
    assert not current.filter(code__in=[first_cell.code, second_cell.code]).exists()
    assert len(again.areas) == 2


def test_a_cell_reshaped_meanwhile_comes_into_the_draft_in_its_new_shape_and_same_code(world, second_admin):
    community = world.community_1
    cell = interior_cell(community)
    neighbour = neighbours_of(cell)[0]
    other = far_neighbour(cell)
    if other.pk == neighbour.pk or other.boundary.touches(neighbour.boundary):
        other = next(c for c in Area.objects.current().filter(parent=community, level="grid").order_by("-code")
                     if not c.boundary.touches(neighbour.boundary) and not c.boundary.touches(cell.boundary))
    strip = neighbour.boundary.intersection(cell.boundary.buffer(0.0001))
    first = start_draft(community=community, actor=world.gis_admin)
    second = start_draft(community=community, actor=second_admin)
    update_draft_cell(draft=first, cell_id=draft_cell_of(first, cell).id, geometry=cell.boundary.union(strip), actor=world.gis_admin)
    update_draft_cell(draft=first, cell_id=draft_cell_of(first, neighbour).id, geometry=neighbour.boundary.difference(strip), actor=world.gis_admin)
    split_draft_cell(draft=second, cell_id=draft_cell_of(second, other).id, line=split_line(other), actor=second_admin)
    publish_draft(draft=first, actor=world.gis_admin, reason="围墙外移")

    result = rebase_draft(draft=second, actor=second_admin)

    assert result.taken == result.dropped == sorted([cell.code, neighbour.code])
    for code in (cell.code, neighbour.code):
        successor = Area.objects.current().get(code=code)
        assert DraftCell.objects.get(draft=second, origin=successor).geometry.equals(successor.boundary)
    assert not [p for p in check_draft(second.id) if p.is_error]
    published = publish_draft(draft=second, actor=second_admin, reason="split, carried over")
    assert Area.objects.current().get(code=cell.code).area_m2 > cell.area_m2  # the first editor's move stands
    assert len(published.areas) == 2


def test_a_cell_changed_on_both_sides_is_named_and_nothing_changes(world, second_admin):
    community = world.community_1
    cell = interior_cell(community)
    first = start_draft(community=community, actor=world.gis_admin)
    second = start_draft(community=community, actor=second_admin)
    split_draft_cell(draft=first, cell_id=draft_cell_of(first, cell).id, line=split_line(cell), actor=world.gis_admin)
    update_draft_cell(draft=second, cell_id=draft_cell_of(second, cell).id, geometry=nudged(cell, 0.00005), actor=second_admin)
    publish_draft(draft=first, actor=world.gis_admin, reason="first")
    before = sorted(second.cells.values_list("id", "origin_id"))

    with pytest.raises(AreaValidationError) as refused:
        rebase_draft(draft=second, actor=second_admin)

    assert [p.code for p in refused.value.problems] == [cell.code]
    assert cell.code in refused.value.problems[0].message and "重新绘制" in refused.value.problems[0].message
    second.refresh_from_db()
    assert sorted(second.cells.values_list("id", "origin_id")) == before
    with pytest.raises(RevisionConflict):
        publish_draft(draft=second, actor=second_admin, reason="still refused")


def test_a_draft_already_on_the_current_revision_is_left_as_it_is(world):
    draft = start_draft(community=world.community_1, actor=world.gis_admin)
    cells = sorted(draft.cells.values_list("id", flat=True))
    result = rebase_draft(draft=draft, actor=world.gis_admin)
    assert (result.taken, result.dropped) == ([], [])
    assert sorted(draft.cells.values_list("id", flat=True)) == cells


def test_the_api_carries_a_stale_draft_over_and_hides_other_editors_drafts(world, second_admin, api_as):
    community = world.community_1
    cell = interior_cell(community)
    first = start_draft(community=community, actor=world.gis_admin)
    second = start_draft(community=community, actor=second_admin)
    split_draft_cell(draft=first, cell_id=draft_cell_of(first, cell).id, line=split_line(cell), actor=world.gis_admin)
    publish_draft(draft=first, actor=world.gis_admin, reason="first")

    assert api_as(world.gis_admin).post(f"/api/v1/drafts/{second.id}/rebase/").status_code == 404
    detail = api_as(second_admin).get(f"/api/v1/drafts/{second.id}/").json()
    assert detail["stale"] is True

    response = api_as(second_admin).post(f"/api/v1/drafts/{second.id}/rebase/")

    assert response.status_code == 200
    body = response.json()
    assert body["stale"] is False and body["base_revision"] == body["current_revision"]
    assert body["dropped"] == [cell.code] and len(body["taken"]) == 2
    assert {f["properties"]["code"] for f in body["cells"]["features"]} >= set(body["taken"])
    assert DraftRevision.objects.get(pk=second.pk).base_revision == body["current_revision"]

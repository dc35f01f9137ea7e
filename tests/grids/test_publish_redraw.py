"""Publishing a redraw: a new revision, retired cells kept, codes kept or newly numbered, things
moved to their new cells in the same transaction, and the second of two concurrent editors refused."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.gis.geos import LineString
from django.utils import timezone

from accounts.models import GridAssignment, Role, User
from grids.actions import (
    RevisionConflict,
    impact_preview,
    merge_draft_cells,
    publish_draft,
    split_draft_cell,
    start_draft,
    update_draft_cell,
)
from grids.models import Area, DraftRevision, Revision
from grids.queries import lookup_point
from grids.validation import AreaValidationError

from .conftest import draft_cell_of, interior_cell, neighbours_of


def split_line(cell: Area) -> LineString:
    """A north–south line through the middle of the cell, reaching beyond its edges."""
    x0, y0, x1, y1 = cell.boundary.extent
    middle = (x0 + x1) / 2
    return LineString((middle, y1 + 0.0002), (middle, y0 - 0.0002), srid=4326)


def highest_sequence(community: Area) -> int:
    return max(int(code[-3:]) for code in Area.objects.filter(code__startswith=community.code, level="grid").values_list("code", flat=True))


def test_it_splits_a_cell_into_two_new_codes_and_retires_the_old_one(world):
    community = world.community_1
    cell = interior_cell(community)
    before = highest_sequence(community)
    untouched = Area.objects.current().filter(parent=community).exclude(pk=cell.pk)
    untouched_ids = set(untouched.values_list("id", flat=True))
    draft = start_draft(community=community, actor=world.gis_admin)

    pieces = split_draft_cell(draft=draft, cell_id=draft_cell_of(draft, cell).id, line=split_line(cell), actor=world.gis_admin)
    result = publish_draft(draft=draft, actor=world.gis_admin, reason="新路把网格一分为二")

    assert len(pieces) == 2
    new_codes = sorted(a.code for a in result.areas)
    assert new_codes == [f"{community.code}{before + 1:03d}", f"{community.code}{before + 2:03d}"]
    cell.refresh_from_db()
    assert cell.valid_to is not None and cell.retired_by == result.revision  # retired, not deleted
    assert set(Area.objects.current().filter(parent=community).exclude(code__in=new_codes).values_list("id", flat=True)) == untouched_ids
    assert sum(a.area_m2 for a in result.areas) == pytest.approx(cell.area_m2, rel=1e-6)
    assert lookup_point(*cell.boundary.point_on_surface.coords)["grid"]["code"] in new_codes
    assert not DraftRevision.objects.filter(pk=draft.pk).exists()


def test_it_never_reuses_a_retired_code(world):
    community = world.community_1
    cell = interior_cell(community)
    draft = start_draft(community=community, actor=world.gis_admin)
    split_draft_cell(draft=draft, cell_id=draft_cell_of(draft, cell).id, line=split_line(cell), actor=world.gis_admin)
    first = publish_draft(draft=draft, actor=world.gis_admin, reason="split")

    draft = start_draft(community=community, actor=world.gis_admin)
    merge_draft_cells(draft=draft, cell_ids=[draft_cell_of(draft, a).id for a in first.areas], actor=world.gis_admin)
    second = publish_draft(draft=draft, actor=world.gis_admin, reason="merge back")

    (merged,) = second.areas
    used = {cell.code, *(a.code for a in first.areas)}
    assert merged.code not in used
    assert int(merged.code[-3:]) == max(int(c[-3:]) for c in used) + 1
    assert merged.boundary.equals_exact(cell.boundary, 1e-9) or merged.boundary.difference(cell.boundary).area < 1e-12


def test_a_reshaped_cell_keeps_its_code_in_a_new_generation(world):
    community = world.community_1
    cell = interior_cell(community)
    neighbour = neighbours_of(cell)[0]
    strip = neighbour.boundary.intersection(cell.boundary.buffer(0.0001))
    draft = start_draft(community=community, actor=world.gis_admin)
    update_draft_cell(draft=draft, cell_id=draft_cell_of(draft, cell).id, geometry=cell.boundary.union(strip), actor=world.gis_admin)
    update_draft_cell(
        draft=draft, cell_id=draft_cell_of(draft, neighbour).id, geometry=neighbour.boundary.difference(strip), actor=world.gis_admin
    )

    result = publish_draft(draft=draft, actor=world.gis_admin, reason="围墙外移")

    assert sorted(a.code for a in result.areas) == sorted([cell.code, neighbour.code])
    for old in (cell, neighbour):
        old.refresh_from_db()
        assert old.valid_to is not None
        successor = Area.objects.current().get(code=old.code)
        assert successor.pk != old.pk and successor.valid_from == old.valid_to
    assert Area.objects.current().get(code=cell.code).area_m2 > cell.area_m2


def test_the_map_as_of_yesterday_shows_the_old_cells(world, api_as):
    community = world.community_1
    cell = interior_cell(community)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        draft = start_draft(community=community, actor=world.gis_admin)
        split_draft_cell(draft=draft, cell_id=draft_cell_of(draft, cell).id, line=split_line(cell), actor=world.gis_admin)
        publish_draft(draft=draft, actor=world.gis_admin, reason="split")
        client = api_as(world.dispatcher)
        today = client.get("/api/v1/areas/", {"parent": community.code}).json()
        yesterday = client.get("/api/v1/areas/", {"parent": community.code, "as_of": (timezone.now() - timedelta(days=1)).isoformat()}).json()

    codes_today = {f["properties"]["code"] for f in today["features"]}
    codes_yesterday = {f["properties"]["code"] for f in yesterday["features"]}
    assert cell.code in codes_yesterday and cell.code not in codes_today
    assert len(codes_today) == len(codes_yesterday) + 1


def test_publishing_moves_current_things_and_leaves_history_alone(world, buildings):
    community = world.community_1
    cell = interior_cell(community)
    neighbour = neighbours_of(cell)[0]
    strip = neighbour.boundary.intersection(cell.boundary.buffer(0.0002))  # ~17 m of the neighbour
    in_strip = strip.point_on_surface
    elsewhere = neighbour.boundary.difference(strip.buffer(0.0001)).point_on_surface
    moving = buildings.objects.create(cell=neighbour, location=in_strip)
    staying = buildings.objects.create(cell=neighbour, location=elsewhere)
    demolished = buildings.objects.create(cell=neighbour, location=in_strip, demolished=True)  # history: not moved
    worker = User.objects.create(username="worker_n", role=Role.GRID_WORKER, area=community)
    GridAssignment.objects.create(user=worker, cell=neighbour)

    draft = start_draft(community=community, actor=world.gis_admin)
    update_draft_cell(draft=draft, cell_id=draft_cell_of(draft, cell).id, geometry=cell.boundary.union(strip), actor=world.gis_admin)
    update_draft_cell(
        draft=draft, cell_id=draft_cell_of(draft, neighbour).id, geometry=neighbour.boundary.difference(strip), actor=world.gis_admin
    )
    preview = impact_preview(draft).as_dict()
    result = publish_draft(draft=draft, actor=world.gis_admin, reason="小区扩建")

    by_key = {o["key"]: o for o in preview["occupants"]}
    assert by_key["sample_buildings"]["moves"] == 1
    assert {"from": neighbour.code, "to": cell.code, "count": 1, "same_code": False} in by_key["sample_buildings"]["pairs"]
    assert by_key["grid_worker_assignments"]["moves"] == 0  # follows the largest overlap: its own cell
    new_cell = Area.objects.current().get(code=cell.code)
    new_neighbour = Area.objects.current().get(code=neighbour.code)
    moving.refresh_from_db(), staying.refresh_from_db(), demolished.refresh_from_db()
    assert moving.cell_id == new_cell.pk
    assert staying.cell_id == new_neighbour.pk
    assert demolished.cell_id == neighbour.pk  # the retired generation, as it was
    # The worker still answers for the same cell: now its new generation.
    assert GridAssignment.objects.active().get(user=worker).cell_id == new_neighbour.pk
    assert Revision.objects.get(pk=result.revision.pk).impact["occupants"] == preview["occupants"]


def test_a_merge_moves_the_grid_workers_assignment_to_the_merged_cell(world):
    community = world.community_1
    cell = world.cell_a
    neighbour = neighbours_of(cell)[0]
    draft = start_draft(community=community, actor=world.gis_admin)
    merge_draft_cells(draft=draft, cell_ids=[draft_cell_of(draft, cell).id, draft_cell_of(draft, neighbour).id], actor=world.gis_admin)
    result = publish_draft(draft=draft, actor=world.gis_admin, reason="两格合一")

    (merged,) = result.areas
    assert GridAssignment.objects.active().get(user=world.grid_worker_a).cell_id == merged.pk


def test_publish_is_refused_while_errors_remain_and_the_draft_is_kept(world):
    cell = interior_cell(world.community_1)
    draft = start_draft(community=world.community_1, actor=world.gis_admin)
    update_draft_cell(draft=draft, cell_id=draft_cell_of(draft, cell).id, geometry=cell.boundary.buffer(0.0001), actor=world.gis_admin)
    with pytest.raises(AreaValidationError) as error:
        publish_draft(draft=draft, actor=world.gis_admin, reason="bad")
    assert any(p.kind == "overlap" for p in error.value.problems)
    assert Area.objects.get(pk=cell.pk).valid_to is None
    assert DraftRevision.objects.filter(pk=draft.pk).exists()


def test_a_draft_that_changes_nothing_is_not_published(world):
    draft = start_draft(community=world.community_1, actor=world.gis_admin)
    with pytest.raises(AreaValidationError, match="没有任何改动"):
        publish_draft(draft=draft, actor=world.gis_admin, reason="no-op")


def test_the_second_of_two_editors_is_refused_with_a_conflict_and_keeps_the_draft(world):
    community = world.community_1
    cell = interior_cell(community)
    other_admin = User.objects.create(username="gis_admin_2", role=Role.GIS_ADMIN, area=world.district)
    first = start_draft(community=community, actor=world.gis_admin)
    second = start_draft(community=community, actor=other_admin)
    split_draft_cell(draft=first, cell_id=draft_cell_of(first, cell).id, line=split_line(cell), actor=world.gis_admin)
    neighbour = neighbours_of(cell)[0]
    split_draft_cell(draft=second, cell_id=draft_cell_of(second, neighbour).id, line=split_line(neighbour), actor=other_admin)

    published = publish_draft(draft=first, actor=world.gis_admin, reason="first")
    with pytest.raises(RevisionConflict) as conflict:
        publish_draft(draft=second, actor=other_admin, reason="second")

    assert f"r{published.revision.number}" in str(conflict.value)
    assert DraftRevision.objects.filter(pk=second.pk).exists()
    assert second.cells.filter(origin__isnull=True).count() == 2  # the other editor's split is still there
    assert Area.objects.get(pk=neighbour.pk).valid_to is None


def test_a_worker_holding_both_merged_cells_keeps_one_assignment(world):
    community = world.community_1
    cell = world.cell_a
    neighbour = neighbours_of(cell)[0]
    GridAssignment.objects.get_or_create(user=world.grid_worker_a, cell=neighbour, ended_at=None)
    draft = start_draft(community=community, actor=world.gis_admin)
    merge_draft_cells(draft=draft, cell_ids=[draft_cell_of(draft, cell).id, draft_cell_of(draft, neighbour).id], actor=world.gis_admin)

    (merged,) = publish_draft(draft=draft, actor=world.gis_admin, reason="两格合一").areas  # refused today, with a message

    assert list(GridAssignment.objects.active().filter(user=world.grid_worker_a).values_list("cell_id", flat=True)) == [merged.pk]


def test_a_move_an_app_refuses_is_reported_and_nothing_is_published(world):
    neighbour = neighbours_of(world.cell_a)[0]
    GridAssignment.objects.get_or_create(user=world.grid_worker_a, cell=neighbour, ended_at=None)
    draft = start_draft(community=world.community_1, actor=world.gis_admin)
    merge_draft_cells(draft=draft, cell_ids=[draft_cell_of(draft, world.cell_a).id, draft_cell_of(draft, neighbour).id], actor=world.gis_admin)
    try:
        publish_draft(draft=draft, actor=world.gis_admin, reason="两格合一")
    except AreaValidationError as error:
        assert error.problems[0].kind == "move"
        assert Area.objects.get(pk=world.cell_a.pk).valid_to is None
    else:  # accounts has its move hook: the merge went through
        assert GridAssignment.objects.active().filter(user=world.grid_worker_a).count() == 1

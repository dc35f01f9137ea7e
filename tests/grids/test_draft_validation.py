"""A draft redraw is checked in PostGIS before it may be published: overlaps, gaps, containment,
valid shapes (errors) and unusual cell sizes (warnings)."""
from __future__ import annotations

import pytest
from django.contrib.gis.geos import GEOSGeometry, Polygon

from grids.actions import start_draft, update_draft_cell, validate_draft

from .conftest import draft_cell_of, interior_cell, neighbours_of

STRIP = 0.00006  # about 5 m


def kinds(problems):
    return sorted({p.kind for p in problems if p.is_error})


@pytest.fixture
def draft(world):
    return start_draft(community=world.community_1, actor=world.gis_admin)


def test_it_accepts_the_current_cells_unchanged(world, draft):
    problems = validate_draft(draft)
    assert kinds(problems) == []


def test_it_flags_an_overlap_between_two_cells_with_its_area_and_shape(world, draft):
    cell = interior_cell(world.community_1)
    neighbour = neighbours_of(cell)[0]
    grown = cell.boundary.union(neighbour.boundary.intersection(cell.boundary.buffer(STRIP)))
    update_draft_cell(draft=draft, cell_id=draft_cell_of(draft, cell).id, geometry=grown, actor=world.gis_admin)

    problems = validate_draft(draft)

    overlaps = [p for p in problems if p.kind == "overlap"]
    assert len(overlaps) == 1 and kinds(problems) == ["overlap"]
    assert cell.code in overlaps[0].message and neighbour.code in overlaps[0].message
    assert overlaps[0].geometry.intersects(neighbour.boundary.point_on_surface.buffer(0.001))
    assert set(overlaps[0].cells) == {draft_cell_of(draft, cell).id, draft_cell_of(draft, neighbour).id}
    assert "m²" in overlaps[0].message


def test_it_flags_a_gap_left_inside_the_community(world, draft):
    cell = interior_cell(world.community_1)
    neighbour = neighbours_of(cell)[0]
    shrunk = cell.boundary.difference(neighbour.boundary.buffer(STRIP))
    update_draft_cell(draft=draft, cell_id=draft_cell_of(draft, cell).id, geometry=shrunk, actor=world.gis_admin)

    problems = validate_draft(draft)

    assert kinds(problems) == ["gap"]
    gap = problems[0]
    assert world.community_1.code in gap.message
    assert 100 < gap.geometry.transform(32650, clone=True).area < 2000


def test_it_ignores_slivers_below_one_square_metre(world, draft):
    cell = interior_cell(world.community_1)
    neighbour = neighbours_of(cell)[0]
    # A strip of ~1 cm along a 100 m edge covers about 1 m²: numeric noise, not an error.
    tiny = cell.boundary.union(neighbour.boundary.intersection(cell.boundary.buffer(0.00000005)))
    update_draft_cell(draft=draft, cell_id=draft_cell_of(draft, cell).id, geometry=tiny, actor=world.gis_admin)
    assert kinds(validate_draft(draft)) == []


def test_it_flags_a_cell_reaching_outside_the_community(world, draft):
    edge_cell = world.cell_a  # the north-west corner of community 1
    pushed = edge_cell.boundary.union(edge_cell.boundary.buffer(0.0002))
    update_draft_cell(draft=draft, cell_id=draft_cell_of(draft, edge_cell).id, geometry=pushed, actor=world.gis_admin)

    problems = validate_draft(draft)

    outside = [p for p in problems if p.kind == "outside_parent"]
    assert len(outside) == 1
    assert edge_cell.code in outside[0].message and "m²" in outside[0].message


def test_it_flags_a_self_intersecting_cell_and_says_where(world, draft):
    x0, y0, x1, y1 = world.cell_a.boundary.extent
    bow_tie = Polygon(((x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0)), srid=4326)
    update_draft_cell(draft=draft, cell_id=draft_cell_of(draft, world.cell_a).id, geometry=bow_tie, actor=world.gis_admin)

    problems = validate_draft(draft)

    invalid = [p for p in problems if p.kind == "invalid"]
    assert len(invalid) == 1
    assert "Self-intersection" in invalid[0].message
    assert invalid[0].geometry.geom_type == "Point"


def test_it_warns_but_does_not_block_on_an_unusually_small_cell(world, draft, settings):
    settings.GRIDGOV_CELL_AREA_MIN_M2, settings.GRIDGOV_CELL_AREA_MAX_M2 = 20_000, 50_000
    problems = validate_draft(draft)
    assert kinds(problems) == []
    assert any(p.kind == "cell_size" and not p.is_error for p in problems)


def test_the_editor_refuses_a_line_where_a_cell_is_expected(world, draft):
    from grids.validation import AreaValidationError

    with pytest.raises(AreaValidationError) as error:
        update_draft_cell(
            draft=draft,
            cell_id=draft_cell_of(draft, world.cell_a).id,
            geometry=GEOSGeometry("SRID=4326;LINESTRING(116.40 39.90, 116.41 39.905)"),
            actor=world.gis_admin,
        )
    assert "LineString" in str(error.value)

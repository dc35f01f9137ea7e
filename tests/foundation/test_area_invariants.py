"""The hierarchy's rules hold on every save: inside the parent, no overlap, codes as paths."""
from __future__ import annotations

import pytest
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon

from grids.actions import AreaSpec, create_area, create_areas
from grids.models import Area, Level
from grids.validation import AreaValidationError, check_coverage

# About 100 m in degrees at latitude 39.9.
DX, DY = 0.0011705, 0.0008993


def square(x: float, y: float, dx: float = DX, dy: float = DY, srid: int = 4326) -> MultiPolygon:
    return MultiPolygon(Polygon(((x, y), (x + dx, y), (x + dx, y + dy), (x, y + dy), (x, y))), srid=srid)


def kinds(excinfo) -> list[str]:
    return [p.kind for p in excinfo.value.problems if p.is_error]


@pytest.fixture
def street(world) -> Area:
    """A fresh, empty street office in a free corner, to build communities and cells in."""
    from grids.models import Area

    # Retire street 2's subtree from the picture by using a new district-level parent instead.
    district = create_area(code="990102", name="空白区", level=Level.DISTRICT, boundary=square(116.50, 39.90, 10 * DX, 10 * DY))
    return create_area(code="990102001", name="空白街道", level=Level.STREET, parent=district, boundary=district.boundary)


def test_area_is_measured_in_square_metres_on_the_ellipsoid(street):
    community = create_area(code="990102001001", name="甲社区", level=Level.COMMUNITY, parent=street, boundary=square(116.50, 39.90))
    assert community.area_m2 == pytest.approx(10_000, rel=0.01)
    assert Area.objects.get(pk=community.pk).area_m2 == pytest.approx(community.area_m2)


def test_a_child_outside_its_parent_is_refused_and_nothing_is_saved(street):
    with pytest.raises(AreaValidationError) as excinfo:
        create_area(code="990102001001", name="越界社区", level=Level.COMMUNITY, parent=street, boundary=square(116.495, 39.90))
    assert kinds(excinfo) == ["outside_parent"]
    assert "990102001001" in str(excinfo.value)
    assert not Area.objects.filter(code="990102001001").exists()


def test_overlapping_siblings_are_refused(street):
    create_area(code="990102001001", name="甲社区", level=Level.COMMUNITY, parent=street, boundary=square(116.50, 39.90, 2 * DX, 2 * DY))
    with pytest.raises(AreaValidationError) as excinfo:
        create_area(code="990102001002", name="乙社区", level=Level.COMMUNITY, parent=street, boundary=square(116.50 + DX, 39.90, 2 * DX, 2 * DY))
    assert kinds(excinfo) == ["overlap"]
    problem = excinfo.value.problems[0]
    assert problem.geometry is not None and problem.geometry.area > 0
    assert "990102001001" in problem.message


def test_siblings_that_only_touch_are_accepted(street):
    create_area(code="990102001001", name="甲社区", level=Level.COMMUNITY, parent=street, boundary=square(116.50, 39.90))
    create_area(code="990102001002", name="乙社区", level=Level.COMMUNITY, parent=street, boundary=square(116.50 + DX, 39.90))
    assert street.children.count() == 2


def test_a_batch_with_one_bad_area_saves_none_of_it(street):
    specs = [
        AreaSpec(code="990102001001", name="甲", level=Level.COMMUNITY, parent=street, boundary=square(116.50, 39.90)),
        AreaSpec(code="990102001002", name="乙", level=Level.COMMUNITY, parent=street, boundary=square(116.40, 39.90), feature_index=1),
    ]
    with pytest.raises(AreaValidationError) as excinfo:
        create_areas(specs)
    assert [(p.kind, p.feature_index) for p in excinfo.value.problems] == [("outside_parent", 1)]
    assert not street.children.exists()


@pytest.mark.parametrize(
    "code, expected",
    [("99010200100", "code"), ("99010200100A", "code"), ("990199001001", "code"), ("", "code")],
)
def test_malformed_codes_are_refused_with_the_reason(street, code, expected):
    with pytest.raises(AreaValidationError) as excinfo:
        create_area(code=code, name="社区", level=Level.COMMUNITY, parent=street, boundary=square(116.50, 39.90))
    assert expected in kinds(excinfo)


def test_a_code_already_in_use_is_refused(world):
    with pytest.raises(AreaValidationError) as excinfo:
        create_area(code=world.cell_a.code, name="重复", level=Level.GRID, parent=world.community_1, boundary=world.cell_a.boundary)
    assert "duplicate" in kinds(excinfo)
    assert world.cell_a.code in str(excinfo.value)


def test_a_level_must_sit_under_the_level_above(world):
    with pytest.raises(AreaValidationError) as excinfo:
        create_area(code=world.street_1.code + "999999", name="跳级网格", level=Level.GRID, parent=world.street_1, boundary=world.cell_a.boundary)
    assert "parent" in kinds(excinfo)


def test_a_self_intersecting_boundary_is_refused_naming_the_problem(street):
    bowtie = GEOSGeometry("SRID=4326;MULTIPOLYGON(((116.50 39.90, 116.501 39.901, 116.501 39.90, 116.50 39.901, 116.50 39.90)))")
    with pytest.raises(AreaValidationError) as excinfo:
        create_area(code="990102001001", name="蝴蝶", level=Level.COMMUNITY, parent=street, boundary=bowtie)
    assert kinds(excinfo) == ["invalid"]
    assert "Self-intersection" in str(excinfo.value)


def test_an_empty_boundary_is_refused(street):
    with pytest.raises(AreaValidationError) as excinfo:
        create_area(code="990102001001", name="空", level=Level.COMMUNITY, parent=street, boundary=MultiPolygon(srid=4326))
    assert kinds(excinfo) == ["empty"]


def test_a_boundary_in_another_reference_system_is_refused(street):
    with pytest.raises(AreaValidationError) as excinfo:
        create_area(code="990102001001", name="墨卡托", level=Level.COMMUNITY, parent=street, boundary=square(12958000, 4852000, 100, 100, srid=3857))
    assert kinds(excinfo) == ["srid"]


def test_the_seeded_cells_cover_their_community_and_a_missing_cell_is_a_gap(world):
    assert check_coverage([world.community_1.id]) == []
    Area.objects.filter(pk=world.cell_a2.pk).update(valid_to=world.cell_a2.valid_from)
    gaps = check_coverage([world.community_1.id])
    assert [g.kind for g in gaps] == ["gap"]
    assert gaps[0].geometry.equals_exact(world.cell_a2.boundary[0], tolerance=1e-6) or gaps[0].geometry.area == pytest.approx(
        world.cell_a2.boundary.area, rel=0.01
    )


def test_a_cell_far_from_ten_thousand_square_metres_is_a_warning_not_a_block(world):
    community = world.community_1
    Area.objects.filter(pk=world.cell_a.pk).update(valid_to=world.cell_a.valid_from)
    result = create_areas(
        [AreaSpec(code=community.code + "900", name="大网格", level=Level.GRID, parent=community, boundary=world.cell_a.boundary)]
    )
    assert result.warnings == [] or all(not w.is_error for w in result.warnings)
    inside = world.cell_a.boundary.point_on_surface
    tiny = square(inside.x - DX / 16, inside.y - DY / 16, DX / 8, DY / 8)
    Area.objects.filter(code=community.code + "900").update(valid_to=world.cell_a.valid_from)
    result = create_areas([AreaSpec(code=community.code + "901", name="小网格", level=Level.GRID, parent=community, boundary=tiny)])
    assert [w.kind for w in result.warnings] == ["cell_size"]
    assert Area.objects.current().filter(code=community.code + "901").exists()

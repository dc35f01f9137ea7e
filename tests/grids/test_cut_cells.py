"""Setting up a district from its files: imported boundaries cut into ~100 m cells (and, without
files for them, street offices and communities cut automatically) — boundaries only, one
revision, cells numbered in reading order, every point found."""
from __future__ import annotations

import json
import random
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from shapely.geometry import Polygon, mapping

from accounts.models import User
from grids.imports import import_boundaries
from grids.models import Area, Level, Revision
from grids.queries import lookup_point

# A new district beside the test world: an irregular pentagon of about 1.1 km².
OUTLINE = Polygon([(116.420, 39.900), (116.433, 39.9005), (116.4345, 39.9068), (116.427, 39.9093), (116.4195, 39.9070)])


def write(tmp_path: Path, features: list[dict], name: str) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def imported_district(world, tmp_path) -> Area:
    path = write(tmp_path, [{"type": "Feature", "properties": {"code": "990102", "name": "新区"}, "geometry": mapping(OUTLINE)}],
                 "district.geojson")
    report = import_boundaries(path, level="district", reason="新区成立")
    assert report.ok, report.problems
    return report.created[0]


def run(*args) -> str:
    out = StringIO()
    call_command("cut_cells", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_a_district_without_files_for_its_parts_is_cut_into_streets_communities_then_cells(imported_district):
    users, revisions = User.objects.count(), Revision.objects.count()
    run("990102", "--parts", "--count", "2")
    streets = list(Area.objects.current().filter(parent=imported_district).order_by("code"))
    assert [s.code for s in streets] == ["990102001", "990102002"]
    assert streets[0].name == "新区第1街道"
    for street in streets:
        run(street.code, "--parts", "--count", "2")
    assert Area.objects.current().subtree("990102").filter(level=Level.COMMUNITY).count() == 4

    output = run("990102")

    cells = Area.objects.current().subtree("990102").filter(level=Level.GRID)
    total = sum(cells.values_list("area_m2", flat=True))
    assert total == pytest.approx(imported_district.area_m2, rel=1e-4)  # full coverage, no overlap (create_areas checks both)
    assert 8_000 <= total / cells.count() <= 12_000
    assert f"{cells.count()} cells" in output and "4 communities" in output
    # One revision for the cells, and nothing but boundaries.
    assert Revision.objects.count() == revisions + 3 + 1
    assert User.objects.count() == users
    # Every point of the district is in exactly one cell of the right community.
    rng = random.Random(5)
    min_x, min_y, max_x, max_y = OUTLINE.bounds
    for _ in range(60):
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if not OUTLINE.buffer(-0.00001).contains(Polygon.from_bounds(x, y, x, y).centroid):
            continue
        found = lookup_point(x, y)
        assert found["grid"]["code"].startswith(found["community"]["code"])


def test_cells_are_numbered_north_to_south_then_west_to_east(imported_district):
    run("990102", "--parts", "--count", "2")
    run("990102001", "--parts", "--count", "2")
    run("990102001")
    community = Area.objects.current().get(code="990102001001")
    cells = list(Area.objects.current().filter(parent=community).order_by("code"))
    assert cells[0].code == "990102001001001" and cells[0].name == f"{community.name}第1网格"
    first, last = cells[0].boundary.centroid, cells[-1].boundary.centroid
    assert first.y > last.y
    rows = [c.boundary.centroid for c in cells]
    same_row = [b for a, b in zip(rows, rows[1:]) if abs(a.y - b.y) < 0.0003]
    assert same_row, "a community of ~25 cells has cells side by side"
    for a, b in zip(rows, rows[1:]):
        if abs(a.y - b.y) < 0.0003:
            assert a.x < b.x


def test_a_dry_run_writes_nothing_and_a_community_with_cells_is_left_alone(imported_district):
    run("990102", "--parts", "--count", "2")
    run("990102001", "--parts", "--count", "2")
    revisions = Revision.objects.count()
    assert "Dry run" in run("990102001", "--dry-run")
    assert Revision.objects.count() == revisions
    assert not Area.objects.current().subtree("990102").filter(level=Level.GRID).exists()
    run("990102001001")
    before = Area.objects.current().subtree("990102001001").filter(level=Level.GRID).count()
    output = run("990102001")  # the other community is cut, the first one kept
    assert "990102001001" in output and "already has cells" in output
    assert Area.objects.current().subtree("990102001001").filter(level=Level.GRID).count() == before
    with pytest.raises(CommandError, match="already has cells"):
        run("990102001")


def test_seed_demo_refuses_an_imported_district_that_has_no_cells(imported_district):
    with pytest.raises(CommandError, match="cut_cells 990102"):
        call_command("seed_demo", "--district", "990102", stdout=StringIO(), verbosity=0)


def test_unknown_codes_and_cells_are_refused_by_name(imported_district):
    with pytest.raises(CommandError, match="990199"):
        run("990199")
    with pytest.raises(CommandError, match="No current community"):
        run("990102")

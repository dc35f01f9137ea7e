"""Importing boundaries from GeoJSON or a Shapefile: all or nothing, every problem named with the
feature's index and properties, nothing written in a dry run."""
from __future__ import annotations

import io
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pyproj import Transformer
from shapely.geometry import box, mapping

from accounts.models import User
from grids.imports import import_boundaries
from grids.models import Area, Revision

# A new district next to the test world's: 990102, about 1 km × 0.8 km.
WEST, SOUTH, EAST, NORTH = 116.420, 39.900, 116.432, 39.9072
MIDDLE = (WEST + EAST) / 2


def feature(geometry, **properties) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry if isinstance(geometry, dict) else mapping(geometry)}


def write(tmp_path: Path, features: list[dict], name: str = "areas.geojson", **extra) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", **extra, "features": features}, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def district(world, tmp_path) -> Area:
    path = write(tmp_path, [feature(box(WEST, SOUTH, EAST, NORTH), code="990102", name="新区")], "district.geojson")
    report = import_boundaries(path, level="district", reason="新区成立")
    assert report.ok, report.problems
    return report.created[0]


def streets(*, west_box=None, east_box=None) -> list[dict]:
    return [
        feature(west_box or box(WEST, SOUTH, MIDDLE, NORTH), code="990102001", name="西街道"),
        feature(east_box or box(MIDDLE, SOUTH, EAST, NORTH), code="990102002", name="东街道"),
    ]


def test_it_imports_a_district_then_its_streets_as_revisions(district, tmp_path):
    assert district.code == "990102" and 750_000 < district.area_m2 < 900_000
    report = import_boundaries(write(tmp_path, streets()), level="street", parent_code="990102", reason="划分街道")
    assert report.ok, report.problems
    assert sorted(a.code for a in report.created) == ["990102001", "990102002"]
    assert Area.objects.current().get(code="990102001").parent == district
    assert report.revision.reason == "划分街道" and report.revision.scope == district


def test_a_dry_run_checks_everything_and_writes_nothing(district, tmp_path):
    revisions = Revision.objects.count()
    report = import_boundaries(write(tmp_path, streets()), level="street", parent_code="990102", dry_run=True)
    assert report.ok and len(report.created) == 2
    assert not Area.objects.filter(code__startswith="990102", level="street").exists()
    assert Revision.objects.count() == revisions


def test_a_gap_in_a_full_set_is_refused_and_nothing_is_written(district, tmp_path):
    narrow = box(MIDDLE + 0.001, SOUTH, EAST, NORTH)  # leaves a strip of ~85 m uncovered
    report = import_boundaries(write(tmp_path, streets(east_box=narrow)), level="street", parent_code="990102")
    assert [p.kind for p in report.errors] == ["gap"]
    assert "990102" in report.errors[0].message
    assert not Area.objects.filter(code__startswith="990102", level="street").exists()


def test_a_polygon_outside_the_district_is_named_with_its_feature(district, tmp_path):
    sticking_out = box(MIDDLE, SOUTH, EAST + 0.002, NORTH)
    report = import_boundaries(write(tmp_path, streets(east_box=sticking_out)), level="street", parent_code="990102")
    (problem,) = report.errors
    assert problem.kind == "outside_parent"
    assert problem.feature_index == 1 and problem.properties == {"code": "990102002", "name": "东街道"}
    assert "990102002" in problem.message


def test_a_self_intersection_is_named_with_its_feature(district, tmp_path):
    bow_tie = {"type": "Polygon", "coordinates": [[[MIDDLE, SOUTH], [EAST, NORTH], [EAST, SOUTH], [MIDDLE, NORTH], [MIDDLE, SOUTH]]]}
    report = import_boundaries(write(tmp_path, streets()[:1] + [feature(bow_tie, code="990102002", name="东街道")]), level="street", parent_code="990102")
    (problem,) = report.errors
    assert problem.kind == "invalid" and problem.feature_index == 1
    assert "Self-intersection" in problem.message
    assert not Area.objects.filter(code__startswith="990102", level="street").exists()


def test_malformed_geojson_is_refused_with_line_and_column(world, tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [ {"type": "Feature" "properties": {}} ]}')
    report = import_boundaries(path, level="district")
    (problem,) = report.errors
    assert "GeoJSON 格式错误" in problem.message and "第 2 行" in problem.message  # Chinese by default


def test_projected_coordinates_without_a_crs_are_refused(world, tmp_path):
    to_utm = Transformer.from_crs(4326, 32650, always_xy=True)
    x0, y0 = to_utm.transform(WEST, SOUTH)
    x1, y1 = to_utm.transform(EAST, NORTH)
    path = write(tmp_path, [feature(box(x0, y0, x1, y1), code="990102", name="新区")])
    report = import_boundaries(path, level="district")
    (problem,) = report.errors
    assert problem.kind == "coordinates" and problem.feature_index == 0
    assert problem.properties["code"] == "990102"


def test_a_declared_projected_crs_is_transformed_to_wgs84(world, tmp_path):
    to_utm = Transformer.from_crs(4326, 32650, always_xy=True)
    x0, y0 = to_utm.transform(WEST, SOUTH)
    x1, y1 = to_utm.transform(EAST, NORTH)
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32650"}}
    path = write(tmp_path, [feature(box(x0, y0, x1, y1), code="990102", name="新区")], crs=crs)
    report = import_boundaries(path, level="district")
    assert report.ok, report.problems
    imported = report.created[0].boundary
    assert imported.centroid.x == pytest.approx((WEST + EAST) / 2, abs=1e-4)
    assert imported.centroid.y == pytest.approx((SOUTH + NORTH) / 2, abs=1e-4)


def test_an_unknown_crs_is_refused(world, tmp_path):
    crs = {"type": "name", "properties": {"name": "EPSG:999999"}}
    report = import_boundaries(write(tmp_path, [feature(box(WEST, SOUTH, EAST, NORTH), code="990102", name="新区")], crs=crs), level="district")
    assert "EPSG:999999" in report.errors[0].message


def shapefile(tmp_path: Path, features: list[dict], *, prj: bool) -> Path:
    source = write(tmp_path, features, "source.geojson")
    target = tmp_path / "shape" / "areas.shp"
    target.parent.mkdir()
    subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", str(target), str(source)], check=True)
    if not prj:
        target.with_suffix(".prj").unlink()
    return target


def test_a_shapefile_is_read_through_gdal(district, tmp_path):
    report = import_boundaries(shapefile(tmp_path, streets(), prj=True), level="street", parent_code="990102")
    assert report.ok, report.problems
    assert sorted(a.name for a in report.created) == ["东街道", "西街道"]


def test_a_shapefile_without_its_prj_is_refused(district, tmp_path):
    report = import_boundaries(shapefile(tmp_path, streets(), prj=False), level="street", parent_code="990102")
    (problem,) = report.errors
    assert ".prj" in problem.message and "areas.shp" in problem.message


def test_cells_of_a_community_that_already_has_cells_are_refused(world, tmp_path):
    cell = world.cell_a
    report = import_boundaries(write(tmp_path, [feature(json.loads(cell.boundary.geojson))]), level="grid", parent_code=world.community_1.code)
    assert "编辑器" in report.errors[0].message  # redraw them in the editor instead


def test_the_command_reports_every_problem_and_exits_with_an_error(district, tmp_path):
    sticking_out = box(MIDDLE, SOUTH, EAST + 0.002, NORTH)
    path = write(tmp_path, [feature(box(WEST, SOUTH, MIDDLE, NORTH), code="99010200X", name="西街道"), streets(east_box=sticking_out)[1]])
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_boundaries", str(path), "--level", "street", "--parent", "990102", stderr=err, stdout=io.StringIO())
    output = err.getvalue()
    assert 'feature 0 {"code": "99010200X", "name": "西街道"}' in output
    assert "99010200X" in output.split(":", 1)[1]  # the message names the bad code


def test_the_command_dry_run_says_what_it_would_do(district, tmp_path):
    out = io.StringIO()
    call_command("import_boundaries", str(write(tmp_path, streets())), "--level", "street", "--parent", "990102", "--dry-run", stdout=out)
    assert "2 street area(s) would be imported" in out.getvalue()
    assert not Area.objects.filter(code="990102001").exists()


def test_an_administrator_imports_a_zipped_shapefile_from_the_browser(district, tmp_path, client):
    shp = shapefile(tmp_path, streets(), prj=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in shp.parent.iterdir():
            archive.write(part, part.name)
    buffer.seek(0)
    buffer.name = "streets.zip"
    from accounts.models import Role

    # The district's own GIS administrator (the world's one answers for 990101, not 990102).
    client.force_login(User.objects.create(username="gis_990102", role=Role.GIS_ADMIN, area=district))
    response = client.post("/map/import/", {"file": buffer, "level": "street", "parent": "990102", "reason": "浏览器导入"})
    assert response.status_code == 200
    assert Area.objects.current().filter(code__in=["990102001", "990102002"]).count() == 2
    assert "990102001" in response.content.decode()


def test_the_import_page_is_for_gis_administrators_only(world, client):
    client.force_login(world.dispatcher)
    assert client.get("/map/import/").status_code == 403


def test_an_administrator_cannot_import_outside_their_district(district, tmp_path, client):
    client.force_login(User.objects.get(username="gis_admin"))
    path = write(tmp_path, streets())
    with open(path, "rb") as handle:
        response = client.post("/map/import/", {"file": handle, "level": "street", "parent": "990102"})
    assert response.status_code == 404
    with open(path, "rb") as handle:
        response = client.post("/map/import/", {"file": handle, "level": "street", "parent": ""})
    assert response.status_code == 200 and "parent" in response.content.decode()
    assert not Area.objects.filter(code="990102001").exists()

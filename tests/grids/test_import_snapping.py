"""Tolerant, honest imports: a district exported from the areas API (6 decimals) imports again
tier by tier, its rounding slivers snapped and reported per feature; more than the tolerance is
refused as before; an export imported back unchanged is a no-op that succeeds."""
from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from grids.imports import import_boundaries
from grids.models import Area, Level, Revision

SHIFT = 0.0213  # degrees east: clear of the test world, and rounded to 6 decimals afresh


def export(client, **query) -> dict:
    response = client.get("/api/v1/areas/", query)
    assert response.status_code == 200
    return response.json()


def moved(collection: dict, old: str, new: str) -> dict:
    """The export as another district's file: codes renamed, every coordinate moved and rounded."""
    def shift(coords):
        if isinstance(coords[0], (int, float)):
            return [round(coords[0] + SHIFT, 6), coords[1]]
        return [shift(c) for c in coords]

    features = []
    for f in collection["features"]:
        props = {"code": f["properties"]["code"].replace(old, new, 1), "name": f["properties"]["name"]}
        features.append({"type": "Feature", "properties": props, "geometry": {"type": f["geometry"]["type"], "coordinates": shift(f["geometry"]["coordinates"])}})
    return {"type": "FeatureCollection", "features": features}


def save(tmp_path: Path, name: str, collection: dict) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path


def test_an_exported_district_imports_again_tier_by_tier_with_its_slivers_snapped(world, api_as, tmp_path):
    client = api_as(world.gis_admin)
    old, new = world.district.code, "990103"
    report = import_boundaries(save(tmp_path, "d.geojson", moved(export(client, level="district"), old, new)), level="district")
    assert report.ok, [str(p) for p in report.errors]
    snapped = 0
    for level, parents in (("street", [world.district]), ("community", [world.street_1, world.street_2])):
        for parent in parents:
            children = moved(export(client, parent=parent.code), old, new)
            report = import_boundaries(save(tmp_path, f"{parent.code}.geojson", children), level=level,
                                       parent_code=parent.code.replace(old, new, 1))
            assert report.ok, [str(p) for p in report.errors]
            snapped += len(report.snapped)
    community = world.community_1
    cells = moved(export(client, parent=community.code), old, new)
    report = import_boundaries(save(tmp_path, "cells.geojson", cells), level="grid", parent_code=community.code.replace(old, new, 1))
    assert report.ok, [str(p) for p in report.errors]
    snapped += len(report.snapped)
    assert snapped > 0  # 6-decimal rounding leaves slivers; each is reported, feature by feature
    one = report.snapped[0] if report.snapped else None
    if one is not None:
        assert one.feature_index is not None and one.properties["code"].startswith(new) and "m²" in one.message
    assert Area.objects.current().filter(code__startswith=new, level=Level.GRID).count() == len(cells["features"])


def test_without_a_tolerance_the_same_files_are_refused_as_before(world, api_as, tmp_path, settings):
    settings.GRIDGOV_SNAP_TOLERANCE_M = 0
    client = api_as(world.gis_admin)
    old, new = world.district.code, "990103"
    assert import_boundaries(save(tmp_path, "d.geojson", moved(export(client, level="district"), old, new)), level="district").ok
    refused = []
    for level, parent in (("street", world.district), ("community", world.street_1), ("community", world.street_2),
                          ("grid", world.community_1)):
        report = import_boundaries(save(tmp_path, f"{parent.code}.geojson", moved(export(client, parent=parent.code), old, new)),
                                   level=level, parent_code=parent.code.replace(old, new, 1))
        refused += [p.kind for p in report.errors]
        if not report.ok:
            break
    assert set(refused) & {"outside_parent", "gap", "overlap"}


def test_a_street_three_metres_outside_its_district_is_still_refused(world, api_as, tmp_path):
    client = api_as(world.gis_admin)
    old, new = world.district.code, "990103"
    assert import_boundaries(save(tmp_path, "d.geojson", moved(export(client, level="district"), old, new)), level="district").ok
    streets = moved(export(client, parent=old), old, new)
    ring = streets["features"][0]["geometry"]["coordinates"][0][0]
    north = max(y for _, y in ring)
    for point in ring:
        if point[1] == north:
            point[1] = round(north + 3 / 110_574, 6)  # 3 m beyond the district's northern edge
    report = import_boundaries(save(tmp_path, "s.geojson", streets), level="street", parent_code=new)
    assert not report.ok and any(p.kind == "outside_parent" for p in report.errors)


def test_an_export_imported_back_unchanged_is_a_no_op_that_succeeds(world, api_as, tmp_path):
    client = api_as(world.gis_admin)
    revisions = Revision.objects.count()
    streets = save(tmp_path, "streets.geojson", export(client, parent=world.district.code))
    out = StringIO()
    call_command("import_boundaries", str(streets), "--level", "street", "--parent", world.district.code, stdout=out, stderr=StringIO())
    assert "Nothing to change" in out.getvalue()
    cells = save(tmp_path, "cells.geojson", export(client, parent=world.community_1.code))
    out = StringIO()
    call_command("import_boundaries", str(cells), "--level", "grid", "--parent", world.community_1.code, "--replace",
                 "--by", world.gis_admin.username, "--dry-run", stdout=out, stderr=StringIO())
    assert "Nothing to change" in out.getvalue()
    call_command("import_boundaries", str(cells), "--level", "grid", "--parent", world.community_1.code, "--replace",
                 "--by", world.gis_admin.username, stdout=StringIO(), stderr=StringIO())
    assert Revision.objects.count() == revisions
    # A file that really differs under a filled parent is still refused with the reason.
    other = save(tmp_path, "other.geojson", export(client, parent=world.street_1.code))
    with pytest.raises(CommandError):
        call_command("import_boundaries", str(other), "--level", "street", "--parent", world.district.code, stdout=StringIO(), stderr=StringIO())

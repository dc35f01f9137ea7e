"""Replacing a community's cells from a file (import --replace): the same outcome as a redraw
published in the editor — codes kept, cells retired not deleted, things moved — all or nothing."""
from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from grids.actions import start_draft
from grids.imports import import_boundaries
from grids.models import Area, DraftRevision, Revision

from .conftest import interior_cell, neighbours_of
from .test_import_boundaries import feature, write


def exported(api_as, user, community) -> list[dict]:
    """The community's cells as the areas API exports them (6 decimals), code and name kept."""
    body = api_as(user).get("/api/v1/areas/", {"level": "grid", "parent": community.code}).json()
    return [feature(f["geometry"], code=f["properties"]["code"], name=f["properties"]["name"]) for f in body["features"]]


def merged_file(api_as, world, tmp_path):
    """The exported cells with one cell and its neighbour merged into a new, uncoded cell."""
    community = world.community_1
    cell = interior_cell(community)
    neighbour = neighbours_of(cell)[0]
    features = [f for f in exported(api_as, world.gis_admin, community) if f["properties"]["code"] not in (cell.code, neighbour.code)]
    union = cell.boundary.union(neighbour.boundary)
    features.append(feature(json.loads(union.geojson), name="合并后的网格"))
    return write(tmp_path, features), cell, neighbour


def test_a_file_with_two_cells_merged_retires_them_and_moves_what_was_filed(world, api_as, tmp_path, buildings):
    path, cell, neighbour = merged_file(api_as, world, tmp_path)
    inside = buildings.objects.create(cell=neighbour, location=neighbour.boundary.point_on_surface)
    untouched = set(Area.objects.current().filter(parent=world.community_1).exclude(pk__in=[cell.pk, neighbour.pk]).values_list("id", flat=True))

    report = import_boundaries(path, level="grid", parent_code=world.community_1.code, actor=world.gis_admin, reason="两格合一", replace=True)

    assert report.ok, [p.message for p in report.errors]
    assert report.retired == sorted([cell.code, neighbour.code])
    (merged,) = report.created
    assert merged.code.startswith(world.community_1.code) and merged.code not in (cell.code, neighbour.code)
    assert merged.name == "合并后的网格"  # the file's name
    assert report.revision.reason == "两格合一" and report.revision.published_by == world.gis_admin
    for old in (cell, neighbour):
        old.refresh_from_db()
        assert old.valid_to is not None and old.retired_by == report.revision  # retired, not deleted
    # The cells the file left as they were keep their rows, although the file rounded them to 6 decimals.
    assert set(Area.objects.current().filter(parent=world.community_1).exclude(pk=merged.pk).values_list("id", flat=True)) == untouched
    inside.refresh_from_db()
    assert inside.cell_id == merged.id
    moves = {o["key"]: o["moves"] for o in report.impact["occupants"]}
    assert moves["sample_buildings"] == 1
    assert not DraftRevision.objects.filter(community=world.community_1).exists()


def test_a_dry_run_reports_the_same_outcome_and_writes_nothing(world, api_as, tmp_path):
    path, cell, neighbour = merged_file(api_as, world, tmp_path)
    revisions = Revision.objects.count()

    report = import_boundaries(path, level="grid", parent_code=world.community_1.code, actor=world.gis_admin, replace=True, dry_run=True)

    assert report.ok and report.revision is None
    assert report.retired == sorted([cell.code, neighbour.code]) and len(report.created) == 1
    assert Revision.objects.count() == revisions
    assert Area.objects.current().filter(pk__in=[cell.pk, neighbour.pk]).count() == 2
    assert not DraftRevision.objects.exists()


def test_the_unchanged_export_changes_nothing_and_says_so(world, api_as, tmp_path):
    path = write(tmp_path, exported(api_as, world.gis_admin, world.community_1))
    report = import_boundaries(path, level="grid", parent_code=world.community_1.code, actor=world.gis_admin, replace=True)
    # Issue 16: an export imported back unchanged is a no-op that succeeds (it was an error).
    assert report.ok and report.unchanged and report.revision is None and not report.created
    assert not DraftRevision.objects.exists()


def test_unknown_and_repeated_codes_are_named_with_their_features(world, api_as, tmp_path):
    features = exported(api_as, world.gis_admin, world.community_1)
    features[0]["properties"]["code"] = world.community_1.code + "999"
    features[2]["properties"]["code"] = features[1]["properties"]["code"]
    report = import_boundaries(write(tmp_path, features), level="grid", parent_code=world.community_1.code, actor=world.gis_admin, replace=True)
    by_feature = {p.feature_index: p.message for p in report.errors}
    assert world.community_1.code + "999" in by_feature[0]
    assert "1" in by_feature[2] and "2" in by_feature[2]  # features 1 and 2 share a code
    assert not Revision.objects.filter(published_by=world.gis_admin).exists()


def test_an_overlap_between_features_is_named_by_feature_and_nothing_is_written(world, api_as, tmp_path):
    community = world.community_1
    cell = interior_cell(community)
    features = exported(api_as, world.gis_admin, community)
    grown = cell.boundary.buffer(0.0003)
    features.append(feature(json.loads(grown.intersection(community.boundary).geojson), name="越界"))
    index = len(features) - 1

    report = import_boundaries(write(tmp_path, features), level="grid", parent_code=community.code, actor=world.gis_admin, replace=True)

    overlaps = [p for p in report.errors if p.kind == "overlap"]
    assert overlaps and all(p.message.count(f"要素 {index} ") == 1 for p in overlaps), [p.message for p in overlaps]
    assert all(p.feature_index is not None for p in overlaps)
    assert not any("#" in p.message for p in overlaps), "draft cell ids mean nothing to the file's author"
    assert Area.objects.current().get(pk=cell.pk)
    assert not DraftRevision.objects.exists()


def test_only_a_communitys_cells_can_be_replaced_and_only_in_someones_name(world, api_as, tmp_path):
    path = write(tmp_path, exported(api_as, world.gis_admin, world.community_1))
    street = import_boundaries(path, level="community", parent_code=world.street_1.code, actor=world.gis_admin, replace=True)
    assert street.errors[0].kind == "replace"
    anonymous = import_boundaries(path, level="grid", parent_code=world.community_1.code, replace=True)
    assert anonymous.errors[0].kind == "replace"


def test_an_open_editor_draft_of_the_importer_stops_the_replacement(world, api_as, tmp_path):
    path, _cell, _neighbour = merged_file(api_as, world, tmp_path)
    start_draft(community=world.community_1, actor=world.gis_admin)
    report = import_boundaries(path, level="grid", parent_code=world.community_1.code, actor=world.gis_admin, replace=True)
    assert report.errors[0].kind == "draft" and world.community_1.code in report.errors[0].message


def test_the_command_replaces_in_someones_name_and_prints_what_moved(world, api_as, tmp_path):
    path, cell, neighbour = merged_file(api_as, world, tmp_path)
    code = world.community_1.code
    with pytest.raises(CommandError, match="--by"):
        call_command("import_boundaries", str(path), "--level", "grid", "--parent", code, "--replace", stdout=io.StringIO())
    out = io.StringIO()
    call_command("import_boundaries", str(path), "--level", "grid", "--parent", code, "--replace", "--by", "gis_admin", "--reason", "合并", stdout=out)
    printed = out.getvalue()
    assert f"Retired: {min(cell.code, neighbour.code)}, {max(cell.code, neighbour.code)}" in printed
    assert "Imported 1 grid area(s)" in printed


def test_an_administrator_replaces_cells_from_the_browser(world, api_as, tmp_path, client):
    path, cell, neighbour = merged_file(api_as, world, tmp_path)
    client.force_login(world.gis_admin)
    with open(path, "rb") as handle:
        response = client.post("/map/import/", {"file": handle, "level": "grid", "parent": world.community_1.code, "reason": "合并", "replace": "on"})
    page = response.content.decode()
    assert response.status_code == 200 and 'id="import-retired"' in page
    assert cell.code in page and neighbour.code in page
    assert not Area.objects.current().filter(pk__in=[cell.pk, neighbour.pk]).exists()


def test_a_cell_outside_the_size_range_is_a_warning_named_by_feature_and_the_import_goes_through(world, api_as, tmp_path, settings):
    path, cell, neighbour = merged_file(api_as, world, tmp_path)
    merged_area = cell.area_m2 + neighbour.area_m2
    settings.GRIDGOV_CELL_AREA_MIN_M2, settings.GRIDGOV_CELL_AREA_MAX_M2 = 2_000, merged_area - 100
    report = import_boundaries(path, level="grid", parent_code=world.community_1.code, actor=world.gis_admin, replace=True)
    assert report.ok and len(report.created) == 1
    warnings = [p for p in report.problems if not p.is_error]
    assert len(warnings) == 1 and warnings[0].feature_index == report.features - 1, [p.message for p in warnings]

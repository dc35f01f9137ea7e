"""Fixtures of the boundary tests: a private tile cache, a test-only occupant with a point (a
"building"), and helpers that find neighbouring cells of the shared world."""
from __future__ import annotations

import uuid

import pytest
from django.contrib.gis.db import models
from django.db import connection

from grids.models import Area, DraftCell
from grids.registry import register_cell_occupant, unregister_cell_occupant


class SampleBuilding(models.Model):
    """Stands in for residents' buildings until that app registers its own occupant."""

    cell = models.ForeignKey(Area, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    location = models.PointField(srid=4326)
    demolished = models.BooleanField(default=False)

    class Meta:
        app_label = "gridgov_tests"  # not an installed app: no migration, not flushed
        db_table = "test_grids_samplebuilding"


@pytest.fixture(autouse=True)
def _private_tile_cache(settings):
    # Tests share one Redis with other checkouts; a private prefix keeps their tiles apart.
    caches = {name: dict(value) for name, value in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-grids-{uuid.uuid4().hex[:8]}"
    settings.CACHES = caches


def _create_buildings_table() -> None:
    with connection.schema_editor() as editor:
        editor.create_model(SampleBuilding)


def _drop_buildings_table() -> None:
    with connection.schema_editor() as editor:
        editor.delete_model(SampleBuilding)


def _register_buildings() -> None:
    register_cell_occupant(
        key="sample_buildings",
        label="Sample buildings",
        queryset=lambda: SampleBuilding.objects.filter(demolished=False),
        cell_field="cell",
        point_field="location",
    )


@pytest.fixture
def buildings(world):
    """The building occupant, inside the test's transaction (the table goes with the rollback)."""
    _create_buildings_table()
    _register_buildings()
    yield SampleBuilding
    unregister_cell_occupant("sample_buildings")


@pytest.fixture
def committed_buildings(committed_world):
    """The same, committed, for a live server; the table is dropped before the database is flushed."""
    _create_buildings_table()
    _register_buildings()
    yield SampleBuilding
    unregister_cell_occupant("sample_buildings")
    _drop_buildings_table()


def neighbours_of(cell: Area, *, same_parent: bool = True) -> list[Area]:
    """Current cells sharing at least 50 m of edge with this one (longest shared edge first)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT b.id FROM grids_area a JOIN grids_area b
              ON b.level = a.level AND b.id <> a.id AND b.valid_to IS NULL AND b.boundary && a.boundary
            WHERE a.id = %s AND (NOT %s OR b.parent_id = a.parent_id)
              AND ST_Length(ST_Intersection(a.boundary, b.boundary)::geography) > 50
            ORDER BY ST_Length(ST_Intersection(a.boundary, b.boundary)::geography) DESC, b.code
            """,
            [cell.id, same_parent],
        )
        ids = [row[0] for row in cursor.fetchall()]
    found = Area.objects.in_bulk(ids)
    return [found[i] for i in ids]


def interior_cell(community: Area) -> Area:
    """A cell of the community whose every edge is shared with a cell of the same community."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.id FROM grids_area a
            WHERE a.parent_id = %s AND a.valid_to IS NULL
              AND ST_Length(ST_Difference(
                  ST_Boundary(a.boundary),
                  (SELECT ST_Union(b.boundary) FROM grids_area b
                   WHERE b.parent_id = a.parent_id AND b.valid_to IS NULL AND b.id <> a.id AND b.boundary && a.boundary)
              )::geography) < 1
            ORDER BY a.code LIMIT 1
            """,
            [community.id],
        )
        row = cursor.fetchone()
    assert row, f"no interior cell in {community.code}"
    return Area.objects.get(pk=row[0])


def draft_cell_of(draft, area: Area) -> DraftCell:
    return DraftCell.objects.get(draft=draft, origin=area)


@pytest.fixture
def second_admin(world):
    """Another GIS administrator of the district, for two editors of one community."""
    from accounts.models import Role, User

    return User.objects.create(username="gis_admin_2", role=Role.GIS_ADMIN, area=world.district)

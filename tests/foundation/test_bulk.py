"""gridgov.bulk writes what bulk_create / bulk_update would: the rows read back the same."""
from __future__ import annotations

from django.contrib.gis.geos import Point

from gridgov.bulk import insert_rows, update_rows
from residents.models import Building, ChangeHistory


def test_insert_rows_writes_points_foreign_keys_json_and_defaults_and_sets_the_ids(world):
    buildings = [Building(code=f"BULK-{n}", address=f"测试路{n}号", location=Point(116.701 + n / 10_000, 39.601, srid=4326),
                          cell=world.cell_a, floors=None if n else 6) for n in range(3)]
    insert_rows(Building, buildings)
    assert all(b.pk for b in buildings) and len({b.pk for b in buildings}) == 3
    stored = Building.objects.get(pk=buildings[0].pk)
    assert (stored.code, stored.address, stored.cell_id, stored.floors) == ("BULK-0", "测试路0号", world.cell_a.pk, 6)
    assert stored.location.coords == (116.701, 39.601) and stored.created_at is not None
    assert Building.objects.get(pk=buildings[1].pk).floors is None
    # A JSON field keeps a dict as a dict and a bare string as a JSON string; tabs and quotes survive COPY.
    rows = insert_rows(ChangeHistory, [
        ChangeHistory(model="building", object_id=buildings[0].pk, cell=world.cell_a, action="create", changes={"name": [None, 'a\t"b"']}),
        ChangeHistory(model="building", object_id=buildings[1].pk, cell=world.cell_a, action="note", changes="plain"),
    ])
    assert ChangeHistory.objects.get(pk=rows[0].pk).changes == {"name": [None, 'a\t"b"']}
    assert ChangeHistory.objects.get(pk=rows[1].pk).changes == "plain"


def test_update_rows_writes_each_objects_own_values(world):
    buildings = insert_rows(Building, [Building(code=f"UPD-{n}", address="x", location=Point(116.701, 39.601, srid=4326),
                                                cell=world.cell_a) for n in range(3)])
    for n, building in enumerate(buildings):
        building.floors, building.address = n + 1, f"新地址{n}"
    assert update_rows(Building, buildings[:2], ["floors", "address"], batch_size=1) == 2
    assert list(Building.objects.filter(code__startswith="UPD-").order_by("code").values_list("floors", "address")) == [
        (1, "新地址0"), (2, "新地址1"), (None, "x")]

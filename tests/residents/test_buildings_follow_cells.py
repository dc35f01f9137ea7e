"""A building's cell is found by its point; households and people follow when it changes."""
from django.db import connection

from grids.registry import Move, cell_occupants
from residents import actions
from residents.models import Building, ChangeHistory, Household, Person


def test_a_building_gets_the_cell_under_its_point(people, world):
    building = people.in_a.household.dwelling.building
    assert building.cell == world.cell_a
    assert people.in_a.cell == world.cell_a and people.in_a.household.cell == world.cell_a


def test_relocation_re_finds_cells_and_moves_households_and_people(people, world):
    building = people.in_a.household.dwelling.building
    # As after a redraw: the stored cell no longer matches the point.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE residents_building SET cell_id = %s WHERE id = %s", [world.cell_b.pk, building.pk])
        cursor.execute("UPDATE residents_household SET cell_id = %s WHERE id = %s", [world.cell_b.pk, people.in_a.household_id])
        cursor.execute("UPDATE residents_person SET cell_id = %s WHERE id = %s", [world.cell_b.pk, people.in_a.pk])
    moved = actions.relocate_buildings_to_current_cells([building.pk, people.in_b.household.dwelling.building_id])
    assert moved == {building.pk: (world.cell_b.pk, world.cell_a.pk)}
    assert Building.objects.get(pk=building.pk).cell_id == world.cell_a.pk
    assert Household.objects.get(pk=people.in_a.household_id).cell_id == world.cell_a.pk
    assert Person.objects.get(pk=people.in_a.pk).cell_id == world.cell_a.pk
    assert ChangeHistory.objects.filter(action="relocate", object_id=building.pk).count() == 1


def test_moving_a_building_moves_its_people_into_the_new_cells_scope(people, world, api_as):
    building = people.in_a.household.dwelling.building
    actions.update_building(actor=world.dispatcher, building=building, location=world.cell_b.boundary.point_on_surface)
    assert Person.objects.get(pk=people.in_a.pk).cell == world.cell_b
    assert api_as(world.grid_worker_a).get(f"/api/v1/residents/persons/{people.in_a.pk}/").status_code == 404
    assert api_as(world.grid_worker_b).get(f"/api/v1/residents/persons/{people.in_a.pk}/").status_code == 200


def test_the_boundary_redraw_hooks_move_buildings_and_their_people(people, world):
    occupants = {o.key: o for o in cell_occupants()}
    assert {"buildings", "households", "residents"} <= set(occupants)
    building = people.in_a.household.dwelling.building
    occupants["buildings"].apply([Move(building.pk, world.cell_a.pk, world.cell_a2.pk)])
    occupants["residents"].apply([Move(people.in_a.pk, world.cell_a.pk, world.cell_a2.pk)])
    assert Person.objects.get(pk=people.in_a.pk).cell_id == world.cell_a2.pk
    assert Household.objects.get(pk=people.in_a.household_id).cell_id == world.cell_a2.pk


def test_the_map_counts_buildings_households_and_residents_per_cell(people, world, api_as):
    from grids.registry import count_in_cells

    counts = count_in_cells([world.cell_a.pk])
    assert counts["buildings"][world.cell_a.pk] == 1
    assert counts["households"][world.cell_a.pk] == 1
    assert counts["residents"][world.cell_a.pk] == 1

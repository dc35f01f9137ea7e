"""Staff register a new building from the cell page and a family that moved in from the building page."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from residents import actions
from residents.models import Building, ChangeHistory, Dwelling, Household

from .conftest import make_household


def _building_post(point, **extra) -> dict:
    return {
        "code": "NEW-A-1", "address": "新建路1号楼", "floors": "6", "units": "2", "property_manager": "安居物业",
        "location_lat": f"{point.y:.6f}", "location_lng": f"{point.x:.6f}", **extra,
    }


# --- a new building -----------------------------------------------------------------------

def test_the_cell_page_links_to_the_new_building_form_which_starts_at_the_cells_centre(world, client):
    client.force_login(world.grid_worker_a)
    cell_page = client.get(f"/residents/cells/{world.cell_a.code}/").content.decode()
    url = f"/residents/cells/{world.cell_a.code}/buildings/new/"
    assert url in cell_page and "新建楼栋" in cell_page

    page = client.get(url).content.decode()
    centre = world.cell_a.boundary.point_on_surface
    # Without JavaScript the two number boxes are the whole location control, already filled.
    assert f'name="location_lat" value="{round(centre.y, 6)}"' in page
    assert f'name="location_lng" value="{round(centre.x, 6)}"' in page
    assert "leaflet/leaflet.js" in page and "cdn" not in page.lower()


def test_a_grid_worker_registers_a_building_in_their_cell(world, client):
    client.force_login(world.grid_worker_a)
    point = world.cell_a.boundary.point_on_surface
    response = client.post(f"/residents/cells/{world.cell_a.code}/buildings/new/", _building_post(point), follow=True)

    building = Building.objects.get(code="NEW-A-1")
    assert response.redirect_chain[-1][0] == f"/residents/buildings/{building.pk}/"
    assert "楼栋 NEW-A-1 已登记" in response.content.decode()
    assert (building.cell, building.address, building.floors, building.units, building.property_manager) == (
        world.cell_a, "新建路1号楼", 6, 2, "安居物业"
    )
    assert building.location.distance(point) < 1e-6
    history = ChangeHistory.objects.get(model="building", object_id=building.pk, action="create")
    assert history.actor == world.grid_worker_a and history.changes["cell"] == [None, world.cell_a.code]


def test_a_location_outside_the_workers_cells_is_refused_on_the_location_field(world, client):
    client.force_login(world.grid_worker_a)
    # Cell A2 is in the same community, but grid_worker_a holds only cell A.
    response = client.post(
        f"/residents/cells/{world.cell_a.code}/buildings/new/", _building_post(world.cell_a2.boundary.point_on_surface)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["location"] == ["该位置不在您的管辖范围内。"]
    assert not Building.objects.filter(code="NEW-A-1").exists()
    assert not ChangeHistory.objects.filter(model="building", action="create", actor=world.grid_worker_a).exists()


def test_a_building_code_in_use_is_shown_on_the_code_field(world, client):
    client.force_login(world.grid_worker_a)
    taken = make_household(world.cell_a).dwelling.building.code
    response = client.post(
        f"/residents/cells/{world.cell_a.code}/buildings/new/", _building_post(world.cell_a.boundary.point_on_surface, code=taken)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [f"楼栋编码 {taken} 已被使用。"]
    assert Building.objects.filter(code=taken).count() == 1


def test_a_cell_outside_the_scope_has_no_new_building_page(world, client):
    client.force_login(world.grid_worker_a)
    url = f"/residents/cells/{world.cell_b.code}/buildings/new/"
    assert client.get(url).status_code == 404
    assert client.post(url, _building_post(world.cell_b.boundary.point_on_surface)).status_code == 404
    assert not Building.objects.filter(code="NEW-A-1").exists()


# --- a new household ----------------------------------------------------------------------

@pytest.fixture
def building(world) -> Building:
    return make_household(world.cell_a, number="OLD-1").dwelling.building


def test_the_building_page_offers_registering_a_household_and_lists_its_dwellings(world, building, client):
    client.force_login(world.grid_worker_a)
    assert f"/residents/buildings/{building.pk}/households/new/" in client.get(f"/residents/buildings/{building.pk}/").content.decode()
    Dwelling.objects.create(building=building, unit="2", floor=3, room="301")

    page = client.get(f"/residents/buildings/{building.pk}/households/new/").content.decode()
    occupied = building.dwellings.get(households__number="OLD-1")
    assert f"{occupied.label} · 自住 · 已有住户" in page
    assert "2单元 301室 · 自住 · 暂无住户" in page


def test_registering_a_household_in_a_new_dwelling_creates_both(world, building, client):
    client.force_login(world.grid_worker_a)
    response = client.post(f"/residents/buildings/{building.pk}/households/new/", {
        "number": "NEW-HH-1", "dwelling": "", "unit": "3", "floor": "5", "room": "502", "use": "rented",
    }, follow=True)

    household = Household.objects.get(number="NEW-HH-1")
    assert response.redirect_chain[-1][0] == f"/residents/households/{household.pk}/"
    page = response.content.decode()
    assert "户 NEW-HH-1 已登记" in page and f"/residents/households/{household.pk}/people/new/" in page
    dwelling = household.dwelling
    assert (dwelling.building, dwelling.unit, dwelling.floor, dwelling.room, dwelling.use) == (building, "3", 5, "502", "rented")
    assert household.cell == world.cell_a
    assert set(ChangeHistory.objects.filter(actor=world.grid_worker_a, action="create").values_list("model", "object_id")) == {
        ("dwelling", dwelling.pk), ("household", household.pk)
    }


def test_registering_a_household_in_an_existing_dwelling_adds_no_dwelling(world, building, client):
    client.force_login(world.grid_worker_a)
    empty = Dwelling.objects.create(building=building, unit="1", floor=4, room="401")
    before = Dwelling.objects.count()
    response = client.post(f"/residents/buildings/{building.pk}/households/new/", {"number": "NEW-HH-2", "dwelling": empty.pk, "use": "residential"})
    assert response.status_code == 302
    assert Household.objects.get(number="NEW-HH-2").dwelling == empty
    assert Dwelling.objects.count() == before


def test_a_household_number_in_use_is_shown_and_no_dwelling_is_left_behind(world, building, client):
    client.force_login(world.grid_worker_a)
    before = Dwelling.objects.count()
    response = client.post(f"/residents/buildings/{building.pk}/households/new/", {
        "number": "OLD-1", "dwelling": "", "unit": "3", "floor": "5", "room": "503", "use": "residential",
    })
    assert response.status_code == 200
    assert response.context["form"].errors["number"] == ["户号 OLD-1 已被使用。"]
    assert Dwelling.objects.count() == before
    assert not Dwelling.objects.filter(building=building, room="503").exists()
    assert not ChangeHistory.objects.filter(model="dwelling", actor=world.grid_worker_a).exists()


def test_the_action_writes_the_dwelling_and_household_together_or_not_at_all(world, building):
    before = Dwelling.objects.count()
    with pytest.raises(ValidationError) as refused:
        actions.register_household(actor=world.grid_worker_a, building=building, number="OLD-1", room="601", unit="1", floor=6)
    # The dwelling was written before the household was refused; the transaction took it back.
    assert set(refused.value.message_dict) == {"number"}
    assert Dwelling.objects.count() == before


def test_a_new_dwelling_without_a_room_is_refused_on_the_room_field(world, building, client):
    client.force_login(world.grid_worker_a)
    response = client.post(f"/residents/buildings/{building.pk}/households/new/", {"number": "NEW-HH-3", "dwelling": "", "room": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["room"] == ["房屋需要房号。"]
    assert not Household.objects.filter(number="NEW-HH-3").exists()


def test_a_building_outside_the_scope_is_404(world, client):
    client.force_login(world.grid_worker_a)
    elsewhere = make_household(world.cell_a2).dwelling.building  # same community, not grid_worker_a's cell
    url = f"/residents/buildings/{elsewhere.pk}/households/new/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"number": "NEW-HH-4", "room": "101"}).status_code == 404
    assert not Household.objects.filter(number="NEW-HH-4").exists()


# --- who may ------------------------------------------------------------------------------

def test_community_staff_may_register_in_any_cell_of_their_community(world, client):
    client.force_login(world.community_staff)
    point = world.cell_a2.boundary.point_on_surface
    response = client.post(f"/residents/cells/{world.cell_a2.code}/buildings/new/", _building_post(point, code="NEW-A2-1"))
    assert response.status_code == 302
    assert Building.objects.get(code="NEW-A2-1").cell == world.cell_a2


@pytest.mark.parametrize("persona", ["department_handler", "leader"])
def test_a_role_without_resident_records_gets_403(world, client, persona):
    building = make_household(world.cell_a).dwelling.building
    client.force_login(getattr(world, persona))
    cell_url = f"/residents/cells/{world.cell_a.code}/buildings/new/"
    household_url = f"/residents/buildings/{building.pk}/households/new/"
    assert client.get(cell_url).status_code == 403
    assert client.post(cell_url, _building_post(world.cell_a.boundary.point_on_surface)).status_code == 403
    assert client.get(household_url).status_code == 403
    assert client.post(household_url, {"number": "NEW-HH-5", "room": "101"}).status_code == 403
    assert not Building.objects.filter(code="NEW-A-1").exists()
    assert not Household.objects.filter(number="NEW-HH-5").exists()


def test_an_existing_dwelling_with_a_new_dwellings_floor_is_refused_not_silently_changed(world, building):
    empty = Dwelling.objects.create(building=building, unit="1", floor=4, room="402")
    with pytest.raises(ValidationError) as refused:
        actions.register_household(actor=world.grid_worker_a, building=building, number="NEW-HH-9", dwelling=empty, floor=7)
    assert set(refused.value.message_dict) == {"dwelling"}
    assert not Household.objects.filter(number="NEW-HH-9").exists()

"""A grid worker on a phone registers a new building on the map, then the family that moved into it."""
import pytest
from playwright.sync_api import expect

from residents.models import Building, Household

pytestmark = pytest.mark.browser


def test_grid_worker_registers_a_building_and_a_household_on_a_phone(committed_world, live_server, login, phone_context):
    world = committed_world
    here = world.cell_a.boundary.point_on_surface
    phone_context.set_geolocation({"latitude": here.y, "longitude": here.x})
    page = phone_context.new_page()
    login(page, world.grid_worker_a)

    page.goto(f"{live_server.url}/residents/cells/{world.cell_a.code}/")
    page.get_by_role("link", name="新建楼栋").click()
    expect(page.locator("#pinmap .leaflet-marker-pane .leaflet-marker-icon")).to_be_visible()
    page.get_by_label("楼栋编码").fill("PH-B-1")
    page.get_by_label("地址").fill("手机路8号楼")
    page.get_by_label("纬度").fill("")
    page.get_by_role("button", name="使用我的位置").click()
    expect(page.get_by_text("图钉已放在您的位置", exact=False)).to_be_visible()
    expect(page.get_by_label("纬度")).to_have_value(f"{here.y:.6f}")
    page.get_by_role("button", name="登记楼栋").click()

    expect(page.get_by_text("楼栋 PH-B-1 已登记")).to_be_visible()
    assert Building.objects.get(code="PH-B-1").cell == world.cell_a
    page.get_by_role("link", name="登记住户").click()
    page.get_by_label("户号").fill("PH-HH-1")
    page.get_by_label("单元").fill("1")
    page.get_by_label("楼层").fill("3")
    page.get_by_label("房号").fill("302")
    page.get_by_role("button", name="登记住户").click()

    expect(page.get_by_text("户 PH-HH-1 已登记，请继续添加家庭成员。")).to_be_visible()
    household = Household.objects.get(number="PH-HH-1")
    assert page.url == f"{live_server.url}/residents/households/{household.pk}/"
    assert (household.dwelling.building.code, household.dwelling.room, household.cell) == ("PH-B-1", "302", world.cell_a)
    expect(page.get_by_role("link", name="添加成员")).to_be_visible()

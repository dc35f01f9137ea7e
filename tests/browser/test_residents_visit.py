"""A grid worker on a phone walks cell → building → household and records a visit in a few taps."""
import pytest
from playwright.sync_api import expect

from residents.actions import ensure_default_care_tags
from residents.models import CareTag, Visit
from tests.residents.conftest import make_household, make_person, valid_id

pytestmark = pytest.mark.browser


def test_grid_worker_records_a_visit_on_a_phone(committed_world, live_server, login, phone_context):
    world = committed_world
    ensure_default_care_tags()  # an earlier transactional test may have flushed them
    household = make_household(world.cell_a, number="PH-001")
    make_person(household, name="陈奶奶", id_number=valid_id(sequence=82), tags=[CareTag.objects.get(code="elderly_alone")])
    page = phone_context.new_page()
    login(page, world.grid_worker_a)
    expect(page.get_by_text("1 位关怀对象超过 30 天未走访", exact=False)).to_be_visible()

    page.goto(f"{live_server.url}/residents/")
    page.get_by_role("link", name=world.cell_a.name).click()
    page.get_by_role("link", name=household.dwelling.building.address).click()
    page.get_by_role("link", name=household.dwelling.label).click()
    expect(page.locator(".r-title", has_text="陈奶奶")).to_be_visible()
    expect(page.get_by_text(valid_id(sequence=82))).to_have_count(0)  # masked on the phone too

    page.get_by_label("备注").fill("老人身体不错，需要帮忙换灯泡")
    page.get_by_text("需要跟进").click()
    page.get_by_role("button", name="保存走访").click()

    # The visit goes through the phone's outbox; the page shows it once the server has it.
    expect(page.locator(".r-meta", has_text="老人身体不错，需要帮忙换灯泡")).to_be_visible(timeout=15000)
    visit = Visit.objects.get(household=household)
    assert visit.worker == world.grid_worker_a and visit.follow_up_needed
    page.goto(f"{live_server.url}/residents/visits/due/")
    expect(page.get_by_text("没有待走访的人", exact=False)).to_be_visible()

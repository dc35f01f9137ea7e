"""Needs on phones (390 × 844): the grid worker gives a household its code and records a need
through the outbox; the household files a need itself on the public page; a volunteer claims and
delivers it; the grid worker confirms it was received."""
import re

import pytest
from playwright.sync_api import expect

from needs.models import Need, NeedStatus
from needs.seeds import ensure_kinds
from tests.residents.conftest import make_household, make_person, valid_id
from tests.waiting import wait_for

pytestmark = pytest.mark.browser
SHOTS = "/tmp/shots-needs"


def test_a_need_from_the_household_to_the_volunteer_and_back(committed_world, live_server, login, phone_context, browser):
    world = committed_world
    ensure_kinds()
    household = make_household(world.cell_a, number="ND-001")
    make_person(household, name="赵大爷", id_number=valid_id(sequence=71), phones=["13811112222"])

    # The grid worker, on her phone: records a need (outbox → API) and gives the household a code.
    worker = phone_context.new_page()
    login(worker, world.grid_worker_a)
    worker.goto(f"{live_server.url}/needs/new/?household={household.pk}")
    worker.select_option("#kind", "food")
    worker.fill("#description", "两天没有蔬菜")
    worker.screenshot(path=f"{SHOTS}/1-worker-records.png", full_page=True)
    worker.get_by_role("button", name="登记", exact=True).click()
    expect(worker.get_by_text("已保存在本机", exact=False)).to_be_visible()
    # The outbox sends it by itself; leave the page only once the server has it.
    wait_for(lambda: Need.objects.filter(household=household, kind__code="food", client_id__gt="").exists(), what="the outbox's need")
    worker.goto(f"{live_server.url}/needs/")
    expect(worker.locator(".need", has_text="食品")).to_be_visible(timeout=15000)
    worker.goto(f"{live_server.url}/needs/new/?household={household.pk}")
    worker.get_by_role("button", name="给这一户发住户码").click()
    dwelling = worker.locator("#dwelling-number").inner_text()
    code = worker.locator("#household-code").inner_text()
    worker.screenshot(path=f"{SHOTS}/2-worker-code.png", full_page=True)

    # The household, on its own phone, without an account.
    home_context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    home = home_context.new_page()
    home.goto(f"{live_server.url}/public/needs/")
    home.fill("#dwelling", dwelling)
    home.fill("#code", code)
    a, b = re.search(r"(\d+)\s*\+\s*(\d+)", home.locator("label[for=answer]").inner_text()).groups()
    home.fill("#answer", str(int(a) + int(b)))
    home.screenshot(path=f"{SHOTS}/3-household-opens.png", full_page=True)
    home.get_by_role("button", name="打开").click()
    home.select_option("#kind", "medicine")
    home.fill("#description", "胰岛素快用完了")
    home.get_by_role("button", name="提交").click()
    expect(home.get_by_text("诉求已登记", exact=False)).to_be_visible()
    home.screenshot(path=f"{SHOTS}/4-household-filed.png", full_page=True)
    medicine = Need.objects.get(household=household, kind__code="medicine")
    assert medicine.source == "household" and medicine.urgency == "urgent"

    # The volunteer of the community: sees the address and a masked phone, claims, delivers.
    volunteer_context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    volunteer = volunteer_context.new_page()
    login(volunteer, world.volunteer)
    volunteer.goto(f"{live_server.url}/needs/mine/")
    card = volunteer.locator(f'[data-need="{medicine.pk}"]')
    expect(card).to_contain_text(household.dwelling.building.address)
    expect(card).to_contain_text("138****2222")
    expect(volunteer.get_by_text("13811112222")).to_have_count(0)
    expect(volunteer.get_by_text("赵大爷")).to_have_count(0)
    volunteer.screenshot(path=f"{SHOTS}/5-volunteer-list.png", full_page=True)
    card.get_by_role("button", name="我来认领").click()
    mine = volunteer.locator(f'#mine [data-need="{medicine.pk}"]')
    expect(mine).to_be_visible()
    mine.get_by_role("button", name="已送达").click()
    expect(volunteer.locator(f'#mine [data-need="{medicine.pk}"]')).to_contain_text("已送达，待确认")
    volunteer.screenshot(path=f"{SHOTS}/6-volunteer-delivered.png", full_page=True)

    # The grid worker confirms the household received it.
    worker.goto(f"{live_server.url}/needs/")
    row = worker.locator(f'[data-need="{medicine.pk}"]')
    expect(row).to_contain_text("已送达，待确认")
    row.get_by_role("button", name="确认已收到").click()
    worker.goto(f"{live_server.url}/needs/{medicine.pk}/")
    expect(worker.locator("#status")).to_contain_text("居民已确认收到")
    worker.screenshot(path=f"{SHOTS}/7-worker-confirmed.png", full_page=True)
    medicine.refresh_from_db()
    assert medicine.status == NeedStatus.CONFIRMED
    for context in (home_context, volunteer_context):
        for page in context.pages:
            page.close()
        context.close()

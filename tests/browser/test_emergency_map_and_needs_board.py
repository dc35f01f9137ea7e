"""The leader's evening on a console screen (1920 × 1080): the emergency's zones, the communities
shaded by households reached, the needs as dots, a community's figures on a tap; and community
staff on a 390 × 844 phone: the needs board filtered to what is overdue, then on its map."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from emergencies.actions.outcomes import record_outcome
from emergencies.models import Task
from needs import actions as needs
from needs.models import NeedSource
from needs.seeds import ensure_kinds
from tests.emergencies.conftest import build_scenario

pytestmark = pytest.mark.browser

SHOTS = "/tmp/shots-emapui"


def _needs(scenario):
    ensure_kinds()
    world = scenario.world
    late = timezone.now() - timedelta(hours=5)
    needs.record_need(household=scenario.care_household, kind="medicine", urgency="urgent", source=NeedSource.GRID_WORKER,
                      actor=world.grid_worker_a, emergency=scenario.emergency, description="胰岛素只剩一天", now=late)
    needs.record_need(household=scenario.plain_household, kind="food", source=NeedSource.GRID_WORKER, actor=world.grid_worker_a,
                      emergency=scenario.emergency, description="蔬菜吃完了")
    needs.record_need(household=scenario.a2_household, kind="daily_necessities", source=NeedSource.GRID_WORKER,
                      actor=world.community_staff, emergency=scenario.emergency, description="纸尿裤")


def test_the_leader_sees_it_all_on_a_map(committed_world, live_server, login, browser):
    scenario = build_scenario(committed_world)
    _needs(scenario)
    care_task = Task.objects.get(household=scenario.care_household)
    record_outcome(actor=committed_world.grid_worker_a, task_id=care_task.pk, outcome="done", client_id=uuid.uuid4())
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        login(page, committed_world.leader)
        page.goto(f"{live_server.url}/emergencies/")
        page.get_by_role("link", name="一张图").first.click()
        board = page.locator("#emergency-map")
        expect(board).to_have_attribute("data-zones", "2", timeout=15000)
        expect(board).to_have_attribute("data-areas", "1")  # the campaign's community
        expect(board).to_have_attribute("data-needs", "3")
        expect(page.locator("path.need-dot.overdue")).to_have_count(1)  # the medicine, five hours old
        expect(page.locator("#needs-legend li")).to_have_count(3)
        # A tap on the community shows its figures beside the map.
        area = page.locator("#emergency-map path.leaflet-interactive:not(.need-dot)").first
        area.dispatch_event("click")
        figures = page.locator("#area-figures")
        expect(figures).to_contain_text(committed_world.community_1.name)
        expect(figures).to_contain_text("1 (33%)")
        page.screenshot(path=f"{SHOTS}/leader-map-1920.png")
    finally:
        page.close()
        context.close()


def test_community_staff_filter_the_needs_board_on_a_phone(committed_world, live_server, login, phone_context):
    scenario = build_scenario(committed_world)
    _needs(scenario)
    page = phone_context.new_page()
    login(page, committed_world.community_staff)
    page.goto(f"{live_server.url}/needs/board/")
    expect(page.locator("li.need")).to_have_count(3)
    page.screenshot(path=f"{SHOTS}/needs-board-390.png", full_page=True)
    page.select_option("#state", "overdue")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("li.need")).to_have_count(1)
    expect(page.locator("li.need")).to_contain_text("药品")
    assert "state=overdue" in page.locator("#export-link").get_attribute("href")
    page.get_by_role("tab", name="地图").click()
    expect(page.locator("#board-map")).to_have_attribute("data-needs", "1", timeout=15000)
    expect(page.locator("path.need-dot.overdue")).to_have_count(1)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the board is wider than the phone ({width}px)"
    page.screenshot(path=f"{SHOTS}/needs-board-map-390.png", full_page=True)


def test_the_dispatcher_records_a_need_from_a_call(committed_world, live_server, login, browser):
    scenario = build_scenario(committed_world)
    ensure_kinds()
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        login(page, committed_world.dispatcher)
        page.goto(f"{live_server.url}/needs/hotline/")
        page.fill("#q", scenario.b_household.number)
        page.get_by_role("button", name="查找住户").click()
        expect(page.locator("#hotline-form input[name=household]")).to_have_count(1)
        page.select_option("#kind", "medicine")
        page.fill("#caller_phone", "13812345678")
        page.fill("#description", "楼上老人发烧，没有退烧药")
        page.screenshot(path=f"{SHOTS}/hotline-1920.png")
        page.get_by_role("button", name="登记", exact=True).click()
        expect(page.locator("#recorded")).to_be_visible()
        need = scenario.b_household.needs.get()
        assert need.source == "hotline" and need.emergency_id == scenario.emergency.pk
        assert need.description == "楼上老人发烧，没有退烧药" and need.caller_phone_hash
    finally:
        page.close()
        context.close()

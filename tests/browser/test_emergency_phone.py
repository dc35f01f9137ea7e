"""Emergencies in the browser: a grid worker taps outcomes on a 390 × 844 phone without signal and
they arrive once when the network returns; the dispatcher declares an emergency on the map and
issues a campaign at 1920 × 1080."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from emergencies.models import CellProgress, Emergency, Task, TaskOutcome
from tests.browser.test_offline_outbox import _online_with_worker
from tests.emergencies.conftest import build_scenario
from tests.waiting import wait_for

pytestmark = pytest.mark.browser

SHOTS = "/tmp/shots-emergency"


def test_outcomes_tapped_offline_arrive_once_after_reconnect(committed_world, live_server, login, phone_context):
    scenario = build_scenario(committed_world)
    page = phone_context.new_page()
    login(page, committed_world.grid_worker_a)
    _online_with_worker(page, live_server)
    page.goto(f"{live_server.url}/emergencies/tasks/")
    cards = page.locator("li.task")
    expect(cards).to_have_count(2)
    expect(cards.first).to_have_class("card task care")  # the care-tagged household first
    phone_context.set_offline(True)
    page.reload()  # from the phone's copy
    cards.first.locator("button.tap-done").click()
    expect(page.locator("#outbox-badge .count")).to_have_text("1")
    page.locator("li.task").nth(1).locator("button.tap-nobody_home").click()
    expect(page.locator("#outbox-badge .count")).to_have_text("2")
    page.screenshot(path=f"{SHOTS}/phone-offline.png", full_page=True)
    assert not TaskOutcome.objects.exists()
    phone_context.set_offline(False)
    expect(page.locator("#outbox-badge")).to_be_hidden(timeout=30000)
    wait_for(lambda: TaskOutcome.objects.count() == 2, timeout=10)
    page.goto(f"{live_server.url}/emergencies/tasks/")
    page.screenshot(path=f"{SHOTS}/phone-after.png", full_page=True)
    progress = CellProgress.objects.get(campaign=scenario.campaign, cell=committed_world.cell_a)
    assert (progress.reached, progress.care_reached, progress.nobody_home) == (1, 1, 1)
    assert Task.objects.get(household=scenario.care_household).outcome == "done"


def test_the_dispatcher_declares_on_the_map_and_issues_a_campaign(committed_world, live_server, login, browser):
    build_scenario(committed_world)
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        login(page, committed_world.dispatcher)
        page.goto(f"{live_server.url}/emergencies/declare/")
        community = page.locator("#declare-map path.leaflet-interactive").first
        expect(community).to_be_attached(timeout=15000)
        page.fill("#title", "暴雨内涝")
        page.select_option("#kind", "flood")
        page.fill("#zone-name", "低洼片区")
        page.select_option("#measure", "controlled")
        community.click(force=True)
        expect(page.locator("#chosen")).not_to_have_text("—")
        page.click("#declare-form button[type=submit]")
        expect(page.locator("#declare-result")).to_contain_text("户", timeout=15000)
        page.fill("#campaign-title", "逐户排查")
        page.fill("#deadline", "2099-01-02T18:00")
        page.fill("#care-deadline", "2099-01-02T12:00")
        page.click("#issue-form button[type=submit]")
        expect(page.locator("#issue-result")).to_contain_text("已下派", timeout=15000)
        page.screenshot(path=f"{SHOTS}/declare.png")
        emergency = Emergency.objects.get(title="暴雨内涝")
        assert emergency.zones.get().measure == "controlled"
        assert emergency.campaigns.get().title == "逐户排查"
    finally:
        page.close()
        context.close()


def test_health_questions_are_answered_with_done_offline_and_kept_as_yes_or_no(committed_world, live_server, login, phone_context):
    from emergencies.models import Campaign

    scenario = build_scenario(committed_world)
    Campaign.objects.filter(pk=scenario.campaign.pk).update(health_questions=["fever", "tested_today"])
    page = phone_context.new_page()
    login(page, committed_world.grid_worker_a)
    _online_with_worker(page, live_server)
    page.goto(f"{live_server.url}/emergencies/tasks/")
    card = page.locator("li.task").first
    expect(card.locator("fieldset.health .question")).to_have_count(2)
    phone_context.set_offline(True)
    page.reload()  # from the phone's copy: the questions are there without signal too
    card = page.locator("li.task").first
    card.locator('input[name="answer_fever"][value="yes"]').check()
    card.locator('input[name="answer_tested_today"][value="no"]').check()
    page.screenshot(path=f"{SHOTS}/phone-health-questions.png", full_page=True)
    card.locator("button.tap-done").click()
    expect(page.locator("#outbox-badge .count")).to_have_text("1")
    phone_context.set_offline(False)
    expect(page.locator("#outbox-badge")).to_be_hidden(timeout=30000)
    wait_for(lambda: TaskOutcome.objects.count() == 1, timeout=10)
    assert Task.objects.get(household=scenario.care_household).answers == {"fever": True, "tested_today": False}
    assert CellProgress.objects.get(campaign=scenario.campaign, cell=committed_world.cell_a).fever == 1

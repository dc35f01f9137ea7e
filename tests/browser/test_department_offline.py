"""A department handler on a 390 × 844 phone with no signal: the inbox and a case open from the
phone (kept by the service worker), accepting the case and reporting it done with a photo wait in
the same outbox as the grid worker's items, and each arrives exactly once when the signal returns.
An act the server refuses (the case was taken from her department meanwhile) stays visible with
the server's message until she discards it."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from dispatch import actions as dispatch_acts
from dispatch.models import Assignment
from incidents import actions
from incidents.models import Category, Incident, IncidentPhoto, TimelineEntry
from incidents.seeds import ensure_reference_data
from tests.browser.test_offline_outbox import _online_with_worker
from tests.waiting import wait_for

pytestmark = pytest.mark.browser

SCREENS = "var/screenshots"


def _jpeg(path):
    Image.new("RGB", (800, 600), (70, 110, 150)).save(path, "JPEG", quality=85)
    return path


def _dispatched(world, description: str) -> Incident:
    ensure_reference_data()
    incident, _ = actions.report_incident(reporter=world.dispatcher, category=Category.objects.get(code="C0102"),
                                          location=world.cell_a.boundary.point_on_surface, description=description,
                                          source="hotline")
    actions.register(incident, actor=world.dispatcher)
    incident.refresh_from_db()
    dispatch_acts.dispatch(incident, actor=world.dispatcher, departments=[world.department])
    incident.refresh_from_db()
    return incident


def _case_kept(page, url: str) -> bool:
    return page.evaluate("(url) => caches.open('gridgov-pages').then(c => c.match(url, {ignoreVary: true})).then(r => !!r)", url)


@pytest.fixture
def handler(committed_world, live_server, login, phone_context, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    page = phone_context.new_page()
    login(page, committed_world.department_handler)
    _online_with_worker(page, live_server, pages_expected=3)
    return page


def _badge(page):
    return page.locator("#outbox-badge .count")


def _open_inbox_until_the_case_is_kept(page, live_server, incident):
    case_path = f"/dispatch/case/{incident.pk}/"
    page.goto(f"{live_server.url}/dispatch/inbox/")
    wait_for(lambda: _case_kept(page, case_path), timeout=30, what="the inbox's case page was not kept on the phone")
    return case_path


def test_a_handler_accepts_and_reports_done_offline_and_both_arrive_once(committed_world, live_server, handler, phone_context, tmp_path):
    world, page = committed_world, handler
    incident = _dispatched(world, "人行道井盖缺失")
    case_path = _open_inbox_until_the_case_is_kept(page, live_server, incident)

    phone_context.set_offline(True)
    page.reload()  # the inbox, from the phone
    row = page.locator(f"#inbox tr[data-id='{incident.pk}']")
    row.get_by_role("button", name="签收").click()
    expect(row.locator(".outbox-mark")).to_be_visible()
    expect(row.locator("form")).to_be_hidden()
    expect(_badge(page)).to_have_text("1")
    page.screenshot(path=f"{SCREENS}/department-inbox-offline-390.png", full_page=True)

    # The case, never opened on this phone, opens with no signal; she reports the work done.
    page.goto(f"{live_server.url}{case_path}")
    expect(page.locator("h1")).to_contain_text(incident.category.name)
    expect(page.locator("[data-outbox-card='accept-%d'] .outbox-mark" % incident.pk)).to_be_visible()
    page.fill("#feedback-note", "已补装井盖")
    page.set_input_files("#feedback-photos", str(_jpeg(tmp_path / "after.jpg")))
    page.locator("[data-outbox-card='feedback-%d'] button[type=submit]" % incident.pk).click()
    expect(_badge(page)).to_have_text("2")
    page.reload()  # still offline: both still wait, marked on the kept page
    expect(page.locator("[data-outbox-card='feedback-%d'] .outbox-mark" % incident.pk)).to_be_visible()
    page.screenshot(path=f"{SCREENS}/department-case-offline-390.png", full_page=True)
    assert Assignment.objects.get(incident=incident, department=world.department).status == "pending"

    phone_context.set_offline(False)
    page.goto(f"{live_server.url}/dispatch/inbox/")
    expect(page.locator("#outbox-badge")).to_be_hidden(timeout=30000)
    page.reload()  # a second drain finds nothing to send
    page.wait_for_timeout(500)

    share = Assignment.objects.get(incident=incident, department=world.department)
    assert share.status == "handled" and share.feedback == "已补装井盖"
    assert TimelineEntry.objects.filter(incident=incident, action="accept").count() == 1
    assert TimelineEntry.objects.filter(incident=incident, action="feedback").count() == 1
    assert IncidentPhoto.objects.filter(incident=incident, stage="after").count() == 1


def test_an_act_on_a_case_taken_away_meanwhile_stays_with_the_servers_message_until_discarded(
        committed_world, live_server, handler, phone_context):
    world, page = committed_world, handler
    incident = _dispatched(world, "路灯不亮")
    _open_inbox_until_the_case_is_kept(page, live_server, incident)
    phone_context.set_offline(True)
    page.reload()
    page.locator(f"#inbox tr[data-id='{incident.pk}']").get_by_role("button", name="签收").click()
    expect(_badge(page)).to_have_text("1")
    # Meanwhile the centre gives the case to another department: hers is withdrawn.
    dispatch_acts.correct_dispatch(incident, actor=world.dispatcher, departments=[world.other_department])

    phone_context.set_offline(False)
    page.goto(f"{live_server.url}/offline/outbox/")
    item = page.locator("#outbox-list .outbox-item[data-kind=accept]")
    expect(item).to_have_attribute("data-state", "refused", timeout=30000)
    reason = item.locator(".state").text_content()
    assert reason.startswith("服务器拒收：") and len(reason) > len("服务器拒收：") + 2, reason
    expect(page.locator("#outbox-badge")).to_be_visible()  # counted, not lost silently
    page.screenshot(path=f"{SCREENS}/department-refused-390.png", full_page=True)
    assert not TimelineEntry.objects.filter(incident=incident, action="accept").exists()

    page.on("dialog", lambda dialog: dialog.accept())
    item.get_by_role("button", name="丢弃").last.click()
    expect(item).to_have_count(0)
    expect(page.locator("#outbox-badge")).to_be_hidden()

"""A grid worker's morning without signal, on a 390 × 844 phone with the service worker active:
the pages open from the phone, a report (with a photo), a patrol and an on-site check made offline
wait in the outbox — also through a reload with no network — and each arrives exactly once when
the connection returns, sent from whatever page is open; a refused item stays with its reason."""
from __future__ import annotations

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import expect

from incidents import actions
from incidents.models import Category, Incident, Patrol, PatrolCheckIn, PatrolPoint, Status, TimelineEntry
from incidents.seeds import ensure_reference_data
from tests.waiting import wait_for

pytestmark = pytest.mark.browser

SCREENS = "var/screenshots"


def _jpeg(width=1200, height=900) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (90, 120, 60)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _handled_case(world, description: str) -> Incident:
    """A case in her cell reported fixed: it waits for her on-site check."""
    here = world.cell_a.boundary.point_on_surface
    incident, _ = actions.report_incident(reporter=world.grid_worker_a, category=Category.objects.get(code="E0103"),
                                          location=here, description=description)
    actions.register(incident, actor=world.grid_worker_a)
    incident.refresh_from_db()
    actions.handle(incident, actor=world.grid_worker_a, note="已清理",
                   photos=[SimpleUploadedFile("after.jpg", _jpeg(400, 300), content_type="image/jpeg")])
    incident.refresh_from_db()
    return incident


def _online_with_worker(page, live_server, pages_expected: int = 4):
    """Wait until the service worker controls the page and has kept her offline pages."""
    deadline = time.monotonic() + 60  # install and warm-up, on a machine shared with other work
    reload_at = time.monotonic() + 10
    while time.monotonic() < deadline:
        if time.monotonic() > reload_at and not page.evaluate("() => !!(navigator.serviceWorker && navigator.serviceWorker.controller)"):
            page.reload()  # a page loaded before its worker activated is controlled from its next load
            reload_at = deadline
        controlled = page.evaluate("() => !!(navigator.serviceWorker && navigator.serviceWorker.controller)")
        kept = page.evaluate("() => caches.open('gridgov-pages').then(c => c.keys()).then(k => k.length)")
        if controlled and kept >= pages_expected:
            return kept
        page.wait_for_timeout(200)
    raise AssertionError(f"the service worker did not keep the offline pages (controlled {controlled}, kept {kept})")


@pytest.fixture
def phone(committed_world, live_server, login, phone_context, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    ensure_reference_data()
    here = committed_world.cell_a.boundary.point_on_surface
    phone_context.set_geolocation({"latitude": here.y, "longitude": here.x, "accuracy": 8})
    page = phone_context.new_page()
    login(page, committed_world.grid_worker_a)
    _online_with_worker(page, live_server)
    return page


def _badge(page):
    return page.locator("#outbox-badge .count")


def test_a_morning_without_signal_loses_nothing_and_files_nothing_twice(committed_world, live_server, phone, phone_context):
    world, page = committed_world, phone
    incident = _handled_case(world, "楼道堆物")
    here = world.cell_a.boundary.point_on_surface
    page.goto(f"{live_server.url}/dispatch/checks/")  # seen once online: kept with the case to check
    expect(page.locator(f"[data-id='{incident.pk}']")).to_be_visible()

    phone_context.set_offline(True)
    # A report with a photo, on the report page opened with no signal.
    page.goto(f"{live_server.url}/incidents/report/")
    expect(page.locator("#loc")).to_contain_text("±8")
    page.set_input_files("#photo", files=[{"name": "scene.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}])
    expect(page.locator("#thumbs img")).to_have_count(1)
    page.get_by_role("button", name="市容环境").click()
    page.get_by_role("button", name="暴露垃圾").click()
    page.fill("#description", "离线上报：路口垃圾")
    page.set_viewport_size({"width": 360, "height": 780})
    page.screenshot(path=f"{SCREENS}/report-offline-360.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="提交上报").click()
    expect(_badge(page)).to_have_text("1")

    # A patrol: started, two points, a check-in, all with no signal.
    page.goto(f"{live_server.url}/incidents/patrol/")
    page.get_by_role("button", name="开始巡查").click()
    expect(page.locator("#count")).to_have_text("1")
    box = page.locator("#trackmap").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 200  # drawn at its size from the first second
    page.wait_for_timeout(10_500)  # the page keeps at most one point per 10 s
    phone_context.set_geolocation({"latitude": here.y, "longitude": here.x + 0.0002, "accuracy": 5})
    expect(page.locator("#count")).to_have_text("2", timeout=15000)
    page.get_by_role("button", name="在此签到").click()
    expect(page.locator("#message")).to_contain_text("签到", timeout=20000)

    # Reloaded with no network: the page opens from the phone and the whole track is drawn again,
    # its points marked as waiting.
    page.reload()
    expect(page.locator("#running")).to_be_visible()
    expect(page.locator("#count")).not_to_have_text("0")
    expect(page.locator("#pending")).not_to_have_text("0")
    expect(page.locator("#trackmap path.leaflet-interactive").first).to_be_attached()
    expect(page.locator("#trackmap .point-waiting").first).to_be_attached()
    page.screenshot(path=f"{SCREENS}/patrol-reloaded-offline-390.png", full_page=True)
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="结束巡查").click()
    expect(page.locator("#message")).to_contain_text("恢复", timeout=10000)

    # The on-site check, on the kept checks page; after a reload the case shows it waits.
    page.goto(f"{live_server.url}/dispatch/checks/")
    card = page.locator(f"[data-id='{incident.pk}']")
    card.locator("input[name=note]").first.fill("已修好，复核通过")
    card.get_by_role("button", name="已解决：核查通过").click()
    expect(card.locator(".outbox-mark")).to_be_visible()
    expect(card.locator("form")).to_have_count(2)
    expect(card.locator("form").first).to_be_hidden()  # not a second time
    page.reload()
    expect(page.locator(f"[data-id='{incident.pk}'] .outbox-mark")).to_be_visible()

    # Nothing reached the server yet; the outbox page lists every item.
    assert not Incident.objects.filter(description="离线上报：路口垃圾").exists()
    assert not Patrol.objects.filter(worker=world.grid_worker_a).exists()
    page.goto(f"{live_server.url}/offline/outbox/")
    expect(page.locator("#outbox-list .outbox-item[data-kind=report]")).to_have_count(1)
    expect(page.locator("#outbox-list .outbox-item[data-kind=check]")).to_have_count(1)
    expect(page.locator("#outbox-list .outbox-item[data-kind=patrol-end]")).to_have_count(1)
    waiting = int(_badge(page).text_content())
    assert waiting >= 6  # report, start, ≥ 2 points, check-in, end, check
    page.set_viewport_size({"width": 360, "height": 780})
    page.screenshot(path=f"{SCREENS}/outbox-offline-360.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})

    # The signal returns on the home page: everything goes, in order, once.
    page.goto(f"{live_server.url}/")
    expect(_badge(page)).to_have_text(str(waiting))
    phone_context.set_offline(False)
    expect(page.locator("#outbox-badge")).to_be_hidden(timeout=30000)
    assert page.evaluate("() => GridgovOutbox.all().then(items => items.length)") == 0
    page.reload()  # a second drain after the reload finds nothing to send
    page.wait_for_timeout(500)

    report = Incident.objects.get(description="离线上报：路口垃圾")
    assert report.photos.count() == 1 and report.location_accuracy_m == 8 and report.located_at is not None
    patrol = Patrol.objects.get(worker=world.grid_worker_a)
    assert patrol.ended_at is not None
    assert PatrolPoint.objects.filter(patrol=patrol).count() >= 2
    assert PatrolCheckIn.objects.filter(patrol=patrol).count() == 1
    incident.refresh_from_db()
    assert incident.status == Status.VERIFIED
    assert TimelineEntry.objects.filter(incident=incident, action="verify").count() == 1
    assert Incident.objects.filter(reporter=world.grid_worker_a, description="离线上报：路口垃圾").count() == 1


def test_a_refused_item_stays_with_the_servers_reason_until_it_is_discarded(committed_world, live_server, phone, phone_context):
    world, page = committed_world, phone
    incident = _handled_case(world, "井盖松动")
    page.goto(f"{live_server.url}/dispatch/checks/")
    phone_context.set_offline(True)
    page.reload()
    card = page.locator(f"[data-id='{incident.pk}']")
    card.locator("input[name=note]").nth(1).fill("还在晃")
    card.get_by_role("button", name="退回返工").click()
    expect(_badge(page)).to_have_text("1")
    # Meanwhile the case was checked from another device: the phone's copy is out of date.
    actions.verify(incident, actor=world.grid_worker_a, passed=True, note="另一台设备")

    phone_context.set_offline(False)
    page.goto(f"{live_server.url}/offline/outbox/")
    item = page.locator("#outbox-list .outbox-item[data-kind=check]")
    expect(item).to_have_attribute("data-state", "refused", timeout=20000)
    expect(item.locator(".state")).to_contain_text(f"#{incident.pk}")
    expect(page.locator("#outbox-badge")).to_be_visible()  # not lost silently: still counted
    page.screenshot(path=f"{SCREENS}/outbox-refused-390.png", full_page=True)
    incident.refresh_from_db()
    assert incident.status == Status.VERIFIED
    assert not TimelineEntry.objects.filter(incident=incident, action="rework").exists()

    page.on("dialog", lambda dialog: dialog.accept())
    item.get_by_role("button", name="丢弃").last.click()
    expect(item).to_have_count(0)
    expect(page.locator("#outbox-badge")).to_be_hidden()

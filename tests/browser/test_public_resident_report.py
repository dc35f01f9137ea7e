"""A resident on a phone (390 × 844) reports a broken street lamp without an account, follows the
link the page answers, sees the case closed with the staff's public note, and is not satisfied:
the case is reopened for rework. Screenshots of each step go to var/screenshots/."""
from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from dispatch import actions as dispatch_actions
from dispatch.models import Verdict
from incidents import actions
from incidents.models import Incident, Status
from incidents.seeds import ensure_reference_data

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), (60, 60, 70)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _fits(page) -> None:
    """Nothing sticks out sideways on the phone."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def _close_at_the_centre(world, incident: Incident) -> None:
    """A resident's report lands in the command centre's intake: registered and handled there,
    checked on site by the cell's grid worker, closed by a colleague (separation of duties)."""
    from tests.dispatch.public_helpers import colleague_dispatcher

    actions.register(Incident.objects.get(pk=incident.pk), actor=world.dispatcher)
    actions.handle(Incident.objects.get(pk=incident.pk), actor=world.dispatcher, photos=[io.BytesIO(_jpeg())], note="内部：已更换灯泡")
    actions.verify(Incident.objects.get(pk=incident.pk), actor=world.grid_worker_a, passed=True)
    actions.close(Incident.objects.get(pk=incident.pk), actor=colleague_dispatcher(world))
    dispatch_actions.publish(Incident.objects.get(pk=incident.pk), actor=world.dispatcher, public_note="路灯已修好，感谢您的反映")


@pytest.fixture
def resident_phone(committed_world, live_server, phone_context, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    caches = {name: dict(value) for name, value in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-browser-{uuid.uuid4().hex[:8]}"
    settings.CACHES = caches
    ensure_reference_data()
    point = committed_world.cell_a.boundary.point_on_surface
    phone_context.set_geolocation({"latitude": point.y, "longitude": point.x, "accuracy": 8})
    SHOTS.mkdir(parents=True, exist_ok=True)
    return phone_context.new_page()


def test_a_resident_reports_follows_and_judges_a_case_from_a_phone(committed_world, live_server, resident_phone):
    page = resident_phone
    page.goto(f"{live_server.url}/public/report/")
    expect(page.locator("h1")).to_contain_text("随手拍")
    page.select_option("#category", "C0102")
    page.set_input_files("#photos", files=[{"name": "lamp.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}])
    page.get_by_role("button", name="使用我的位置").click()
    expect(page.locator("#where")).to_have_text(re.compile(r"^\d+\.\d{6}, \d+\.\d{6}$"))
    page.fill("#description", "小区东门的路灯坏了，晚上很黑")
    page.fill("#phone", "13812345678")
    a, b = map(int, re.findall(r"\d+", page.locator("label[for=answer]").inner_text())[:2])
    page.fill("#answer", str(a + b))
    _fits(page)
    page.screenshot(path=str(SHOTS / "public-1-report.png"), full_page=True)
    page.get_by_role("button", name="提交").click()

    expect(page.locator("#received")).to_contain_text("谢谢")
    incident = Incident.objects.get(source="resident")
    expect(page.locator("#case-number")).to_have_text(str(getattr(incident, "number", "") or incident.pk))
    expect(page.locator("#public-status")).to_have_text("已受理")
    _fits(page)
    page.screenshot(path=str(SHOTS / "public-2-received.png"), full_page=True)
    link = page.locator("#case-link").get_attribute("href")

    _close_at_the_centre(committed_world, incident)
    page.goto(link)
    expect(page.locator("#public-status")).to_have_text("已结案")
    expect(page.locator("#steps")).to_contain_text("路灯已修好，感谢您的反映")
    assert "内部" not in page.content() and "grid_worker_a" not in page.content()
    _fits(page)
    page.screenshot(path=str(SHOTS / "public-3-closed.png"), full_page=True)

    page.get_by_role("radio", name="不满意").check()
    page.fill("#verdict-note", "路灯晚上还是不亮")
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator(".messages")).to_contain_text("评价已记录")
    expect(page.locator("#public-status")).to_have_text("返工处置中")
    expect(page.locator("#verdict-given")).to_contain_text("不满意")
    _fits(page)
    page.screenshot(path=str(SHOTS / "public-4-reopened.png"), full_page=True)

    incident.refresh_from_db()
    assert incident.status == Status.REWORK
    assert Verdict.objects.get(incident=incident).reason == "路灯晚上还是不亮"

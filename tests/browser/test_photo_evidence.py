"""Photo evidence on a phone: a gallery photo from last week, filed from the report page, shows
the reviewer a "photo older than …" mark on the case page; the phone read its EXIF before
shrinking it (the shrunk copy it sends has none)."""
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import Incident, IncidentPhoto
from incidents.seeds import ensure_reference_data
from tests.photo_jpeg import camera_jpeg

pytestmark = pytest.mark.browser


def test_a_photo_from_last_week_is_marked_old_on_the_case_page(committed_world, live_server, login, phone_context, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    ensure_reference_data()
    point = committed_world.cell_a.boundary.point_on_surface
    phone_context.set_geolocation({"latitude": point.y, "longitude": point.x, "accuracy": 8})
    page = phone_context.new_page()
    login(page, committed_world.grid_worker_a)
    page.goto(f"{live_server.url}/incidents/report/")
    expect(page.locator("#cell")).to_contain_text(committed_world.cell_a.code)

    last_week = camera_jpeg(taken_at=timezone.now() - timedelta(days=7), lat=point.y, lng=point.x, size=(2400, 1800))
    page.set_input_files("#photo", files=[{"name": "gallery.jpg", "mimeType": "image/jpeg", "buffer": last_week}])
    expect(page.locator("#thumbs img")).to_have_count(1)
    page.get_by_role("button", name="市容环境").click()
    page.get_by_role("button", name="暴露垃圾").click()
    page.fill("#description", "上周的照片")
    page.get_by_role("button", name="提交上报").click()
    expect(page.locator("#result a")).to_contain_text("已发送")

    incident = Incident.objects.get(description="上周的照片")
    stored = IncidentPhoto.objects.get(incident=incident)
    assert stored.exif_source == "browser" and stored.flags == ["old"] and stored.stamped

    page.goto(f"{live_server.url}/incidents/{incident.pk}/")
    mark = page.locator(".photo-mark")
    expect(mark).to_contain_text("照片早于 30 分钟")
    expect(page.locator(".photo-hash")).to_contain_text(stored.original_sha256[:12])
    page.screenshot(path="/tmp/shots-photo/case-photo-old-390.png", full_page=True)

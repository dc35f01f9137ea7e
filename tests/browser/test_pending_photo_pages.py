"""Between the answer and the processed photo: the resident's status page on a phone (390 × 844)
and the command centre's case page on a console (1920 × 1080) say the photo is being processed,
in Chinese, and show no picture; a photo that could not be read is shown as such to staff.
Screenshots go to var/screenshots/."""
from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import expect

from incidents.actions import photo_queue
from incidents.models import IncidentPhoto
from incidents.seeds import ensure_reference_data
from tests.dispatch.public_helpers import file_as_resident

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _jpeg(size=(1600, 1200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (60, 60, 70)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def test_pending_and_failed_photos_on_the_status_page_and_the_console(
    committed_world, live_server, phone_context, browser, login, settings, tmp_path, photos_left_pending
):
    settings.MEDIA_ROOT = tmp_path / "media"
    caches = {name: dict(value) for name, value in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-browser-{uuid.uuid4().hex[:8]}"  # the per-address limit starts at none
    settings.CACHES = caches
    ensure_reference_data()
    SHOTS.mkdir(parents=True, exist_ok=True)
    broken = _jpeg((800, 600))[:4000]  # the header promises 800×600, the body stops early
    _response, token = file_as_resident(where=committed_world.cell_a, photos=[
        SimpleUploadedFile("lamp.jpg", _jpeg(), content_type="image/jpeg"),
        SimpleUploadedFile("cut-off.jpg", broken, content_type="image/jpeg"),
    ])
    pending, failing = IncidentPhoto.objects.order_by("id")
    photo_queue.process_pending_photo(failing.pk)

    phone = phone_context.new_page()
    phone.goto(f"{live_server.url}/public/case/{token}/")
    expect(phone.locator("#photo-pending")).to_contain_text("照片处理中")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "pending-photo-status-phone.png"), full_page=True)

    console = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN").new_page()
    login(console, committed_world.dispatcher)
    console.goto(f"{live_server.url}/dispatch/case/{pending.incident_id}/")
    expect(console.locator(".photo-pending").first).to_contain_text("照片处理中")
    expect(console.locator(".photo-failed").first).to_contain_text("这张照片无法读取")
    assert console.locator(f"img[src$='/photos/{pending.pk}/']").count() == 0
    console.screenshot(path=str(SHOTS / "pending-photo-console.png"), full_page=True)

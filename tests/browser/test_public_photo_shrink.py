"""A resident on a phone (390 × 844) picks the camera's 12-megapixel photo: the page sends it
made smaller (1600 px on the longer side, static/gridgov/photos.js, as the grid worker's report
page does), and the photo's own time and position, read from the original before shrinking,
still reach the server. Screenshot: var/screenshots/public-photo-shrunk.png."""
from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.core.signals import request_started
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from incidents.models import Incident
from incidents.seeds import ensure_reference_data
from tests.photo_jpeg import _dms

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _camera_photo(lat: float, lng: float) -> bytes:
    """4032 × 3024, noise over a gradient (compresses as a real scene does: ≈ 2.5 MB), with the
    camera's EXIF time and GPS position."""
    rng = np.random.default_rng(5)
    gradient = np.linspace(40, 200, 4032, dtype=np.float32)[None, :, None].repeat(3024, 0).repeat(3, 2)
    pixels = np.clip(gradient + rng.normal(0, 6, (3024, 4032, 3)).astype(np.float32), 0, 255).astype("uint8")
    exif = Image.Exif()
    taken = timezone.localtime(timezone.now() - timedelta(minutes=5))
    exif[0x8769] = {0x9003: taken.strftime("%Y:%m:%d %H:%M:%S")}
    exif[0x8825] = {1: "N", 2: _dms(lat), 3: "E", 4: _dms(lng)}
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=90, exif=exif)
    return buffer.getvalue()


@pytest.fixture
def resident_phone(committed_world, live_server, phone_context, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    caches = {name: dict(value) for name, value in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-browser-{uuid.uuid4().hex[:8]}"
    settings.CACHES = caches
    ensure_reference_data()
    SHOTS.mkdir(parents=True, exist_ok=True)
    return phone_context.new_page()


def test_the_page_sends_a_large_photo_made_smaller_with_its_exif(committed_world, live_server, resident_phone):
    page = resident_phone
    point = committed_world.cell_a.boundary.point_on_surface
    original = _camera_photo(point.y, point.x)
    assert len(original) > 2_000_000
    page.goto(f"{live_server.url}/public/report/")
    page.select_option("#category", "C0102")
    page.set_input_files("#photos", files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": original}])
    page.get_by_role("button", name="使用我的位置").click()
    expect(page.locator("#where")).to_have_text(re.compile(r"^\d+\.\d{6}, \d+\.\d{6}$"))
    page.fill("#description", "楼下井盖松动")
    a, b = map(int, re.findall(r"\d+", page.locator("label[for=answer]").inner_text())[:2])
    page.fill("#answer", str(a + b))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The smaller photo is in the form's file box once the page has made it.
    expect(page.locator("#photos-status")).to_have_text("")
    chosen = page.evaluate("Array.from(document.getElementById('photos').files, f => [f.name, f.size, f.type])")
    assert len(chosen) == 1 and chosen[0][0] == "IMG_0001.jpg" and chosen[0][2] == "image/jpeg"
    assert chosen[0][1] < 800_000, chosen
    # What the server received: the whole form, photo included, is a fraction of the camera's file
    # (the browser does not report a file upload's body, the server's request does).
    received = []

    def note_upload(sender, environ, **kwargs):
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO") == "/public/report/":
            received.append(int(environ.get("CONTENT_LENGTH") or 0))

    request_started.connect(note_upload)
    try:
        page.get_by_role("button", name="提交").click()
        expect(page.locator("#received")).to_contain_text("谢谢")
    finally:
        request_started.disconnect(note_upload)
    assert len(received) == 1 and 0 < received[0] < 800_000, received
    page.screenshot(path=str(SHOTS / "public-photo-shrunk.png"), full_page=True)

    stored = Incident.objects.get(source="resident").photos.get()
    assert (stored.width, stored.height) == (1600, 1200)
    # The time and position came from the original's EXIF, read on the phone before shrinking.
    assert stored.exif_source == "browser" and stored.exif_taken_at is not None
    assert stored.exif_location is not None and abs(stored.exif_location.y - point.y) < 1e-4

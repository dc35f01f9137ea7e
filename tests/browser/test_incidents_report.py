"""A grid worker on a phone files a report with a photo and a GPS position, and sees it on the map;
a report made without a connection waits on the phone, marked, and goes by itself when it returns."""
import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from incidents.models import Incident
from incidents.seeds import ensure_reference_data

pytestmark = pytest.mark.browser


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2400, 1800), (90, 120, 60)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture
def reporting_phone(committed_world, live_server, login, phone_context, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    ensure_reference_data()
    point = committed_world.cell_a.boundary.point_on_surface
    phone_context.set_geolocation({"latitude": point.y, "longitude": point.x, "accuracy": 8})
    page = phone_context.new_page()
    login(page, committed_world.grid_worker_a)
    page.goto(f"{live_server.url}/incidents/report/")
    # The GPS position is filled in and its cell found without a tap.
    expect(page.locator("#cell")).to_contain_text(committed_world.cell_a.code)
    return page


def _fill(page, description: str):
    page.set_input_files("#photo", files=[{"name": "scene.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}])
    expect(page.locator("#thumbs img")).to_have_count(1)
    page.get_by_role("button", name="市容环境").click()
    page.get_by_role("button", name="暴露垃圾").click()
    expect(page.locator("#picked")).to_contain_text("暴露垃圾")
    page.fill("#description", description)


def test_a_grid_worker_files_a_report_with_a_photo_and_gps_and_sees_it_on_the_map(committed_world, live_server, reporting_phone):
    page = reporting_phone
    _fill(page, "路口有一堆生活垃圾")
    page.get_by_role("button", name="提交上报").click()
    expect(page.locator("#result a")).to_contain_text("已发送")

    incident = Incident.objects.get(description="路口有一堆生活垃圾")
    assert incident.cell == committed_world.cell_a and incident.category.code == "E0101"
    photo = incident.photos.get()
    assert max(photo.width, photo.height) == 1600  # made smaller on the phone before sending

    page.goto(f"{live_server.url}/incidents/?view=map")
    expect(page.locator("#cases")).to_contain_text(f"{incident.number} 暴露垃圾")
    expect(page.locator("#casemap")).to_have_attribute("data-loaded", "1")
    page.locator("#casemap path.leaflet-interactive").first.click(force=True)
    expect(page.locator(".leaflet-popup-content")).to_contain_text(incident.number)


def test_a_report_made_offline_waits_on_the_phone_and_goes_when_the_connection_returns(reporting_phone, phone_context):
    page = reporting_phone
    _fill(page, "地下车库入口堆放垃圾")
    phone_context.set_offline(True)
    page.get_by_role("button", name="提交上报").click()
    expect(page.locator("#outbox-badge")).to_be_visible()
    expect(page.locator("#outbox-badge .count")).to_have_text("1")
    assert not Incident.objects.filter(description="地下车库入口堆放垃圾").exists()

    phone_context.set_offline(False)
    expect(page.locator("#result a")).to_contain_text("已发送", timeout=30000)
    expect(page.locator("#outbox-badge")).to_be_hidden()
    assert Incident.objects.filter(description="地下车库入口堆放垃圾").count() == 1


def test_a_minor_matter_settled_on_the_spot_is_reported_closed_at_grid_level(reporting_phone):
    page = reporting_phone
    _fill(page, "绿化带里的饮料瓶已捡走")  # before-photo, 暴露垃圾 (a minor class)
    page.get_by_label("我已自行处置").check()
    page.set_input_files("#after-photo", files=[{"name": "after.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}])
    expect(page.locator("#after-thumbs img")).to_have_count(1)
    page.get_by_role("button", name="提交上报").click()
    expect(page.locator("#result a")).to_contain_text("已发送")
    incident = Incident.objects.get(description="绿化带里的饮料瓶已捡走")
    assert incident.status == "closed" and incident.resolved_at_grid
    assert sorted(incident.photos.values_list("stage", flat=True)) == ["after", "before"]

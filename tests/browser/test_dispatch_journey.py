"""The command centre's loop in a browser: the dispatcher registers and dispatches a hotline case
from the keyboard, 市政 returns it with a reason, the dispatcher re-dispatches to 水务, 水务
reports it handled with a photo, the cell's grid worker checks on site, the dispatcher closes —
and the evaluation counts one return and one closure on time."""

from __future__ import annotations

import io
import threading
import uuid

import pytest
from PIL import Image
from playwright.sync_api import expect

from dispatch.models import Assignment, DepartmentCategory
from incidents.actions import report_incident
from incidents.models import Category, Incident, Status
from incidents.seeds import ensure_reference_data
from tests.waiting import wait_for

pytestmark = pytest.mark.browser


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (60, 90, 120)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _until(predicate, what: str, timeout: float = 15.0) -> None:
    """Wait for the live server (another thread) to have committed what the page did."""
    pause = threading.Event()
    for _ in range(int(timeout / 0.1)):
        if predicate():
            return
        pause.wait(0.1)
    raise AssertionError(f"Timed out waiting for {what}")


@pytest.fixture
def hotline_case(committed_world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The evaluation keeps answers for a minute: start with none (several runs may share one Redis).
    caches = {name: dict(value) for name, value in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-dispatch-journey-{uuid.uuid4().hex[:8]}"
    settings.CACHES = caches
    ensure_reference_data()
    cover = Category.objects.get(code="C0101")
    DepartmentCategory.objects.get_or_create(category=cover, department=committed_world.department)  # 井盖 → 市政
    point = committed_world.cell_a.boundary.point_on_surface
    from django.contrib.gis.geos import Point

    incident, _ = report_incident(
        reporter=committed_world.dispatcher,
        category=cover,
        location=Point(point.x, point.y, srid=4326),
        description="东四北大街井盖缺失",
        source="hotline",
        address="东四北大街12号",
    )
    return incident


def _status(pk: int) -> str:
    return Incident.objects.get(pk=pk).status


def test_a_case_goes_round_the_loop_and_the_dashboard_counts_the_return(
    committed_world, live_server, login, browser, phone_context, hotline_case
):
    world, pk = committed_world, hotline_case.pk
    centre = browser.new_context(viewport={"width": 1600, "height": 900}).new_page()
    login(centre, world.dispatcher)

    # The console: the case is in the queue; r registers it, d dispatches it to its category's department.
    centre.get_by_role("link", name="指挥中心").first.click()
    row = centre.locator(f'.case-row[data-id="{pk}"]')
    expect(row).to_be_visible()
    expect(row).to_have_class("case-row selected")
    centre.locator("#queue").focus()
    centre.keyboard.press("r")
    expect(centre.locator("#console-message")).to_contain_text("立案")
    _until(lambda: _status(pk) == Status.REGISTERED, "registration")
    centre.wait_for_function(f"""() => {{
        const r = document.querySelector('.case-row[data-id="{pk}"]');
        return r && !r.textContent.includes('{hotline_case.get_status_display()}');
    }}""")
    centre.keyboard.press("d")
    dialog = centre.locator("#dispatch-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("市政")).to_be_checked()
    centre.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    _until(lambda: Assignment.objects.filter(incident_id=pk, department=world.department, status="pending").exists(), "dispatch")
    expect(row).to_contain_text("市政")

    # 市政 says it is not theirs, with a reason.
    shizheng = browser.new_context().new_page()
    login(shizheng, world.department_handler)
    shizheng.goto(f"{live_server.url}/dispatch/inbox/")
    shizheng.get_by_role("link", name=f"{hotline_case.number} 井盖缺失或破损").click()
    shizheng.fill("#return-note", "井盖属于水务公司")
    shizheng.get_by_role("button", name="退回", exact=True).click()
    # A department's acts go through the phone's outbox: the act is in once the server has it.
    wait_for(lambda: Assignment.objects.get(incident_id=pk, department=world.department).status == "returned", timeout=20,
             what="the return")
    assert _status(pk) == Status.REGISTERED

    # The dispatcher re-dispatches from the case page, by keyboard: 市政, which returned it, is not
    # ticked again and is marked; d, tick 水务 (1), Enter.
    centre.goto(f"{live_server.url}/dispatch/case/{pk}/")
    expect(centre.locator(".timeline")).to_contain_text("井盖属于水务公司")
    form = centre.locator("#dispatch-form")
    expect(form.get_by_label("市政")).not_to_be_checked()
    expect(form.locator("label.returned")).to_contain_text("退回过")
    centre.keyboard.press("d")
    centre.keyboard.press("1")
    centre.keyboard.press("Enter")
    expect(centre.locator(".messages")).to_contain_text("派遣")
    assert Assignment.objects.get(incident_id=pk, department=world.other_department).status == "pending"

    # 水务 reports it handled with an after-photo.
    shuiwu = browser.new_context().new_page()
    login(shuiwu, world.other_department_handler)
    shuiwu.goto(f"{live_server.url}/dispatch/case/{pk}/")
    shuiwu.fill("#feedback-note", "已更换井盖")
    shuiwu.set_input_files("#feedback-photos", files=[{"name": "after.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}])
    shuiwu.get_by_role("button", name="反馈", exact=True).click()
    wait_for(lambda: _status(pk) == Status.HANDLED, timeout=20, what="the report of the fix")
    assert Incident.objects.get(pk=pk).photos.filter(stage="after").count() == 1

    # The centre asks the cell's grid worker to check; she passes it from her phone.
    centre.goto(f"{live_server.url}/dispatch/case/{pk}/")
    centre.keyboard.press("v")
    expect(centre.locator(".messages")).to_contain_text("已完成")
    phone = phone_context.new_page()
    login(phone, world.grid_worker_a)
    phone.goto(f"{live_server.url}/dispatch/checks/")
    card = phone.locator(f'section[data-id="{pk}"]')
    card.get_by_role("button", name="已解决：核查通过").click()
    # The check goes through the phone's outbox (sent at once when there is signal).
    wait_for(lambda: _status(pk) == Status.VERIFIED, timeout=20, what="the on-site check to arrive")
    phone.reload()
    expect(phone.get_by_text("没有等待您核查的案件")).to_be_visible()

    # The dispatcher closes it with c.
    centre.goto(f"{live_server.url}/dispatch/case/{pk}/")
    centre.keyboard.press("c")
    expect(centre.locator(".messages")).to_contain_text("已完成")
    assert _status(pk) == Status.CLOSED

    # The evaluation: one return (市政), one closure on time.
    centre.get_by_role("link", name="考核评价").first.click()
    expect(centre.locator('.kpi[data-key="returned"] .value')).to_have_text("1")
    expect(centre.locator('.kpi[data-key="closed_on_time"] .value')).to_have_text("1")
    expect(centre.locator('.kpi[data-key="closed"] .value')).to_have_text("1")
    shizheng_row = centre.locator(f'#departments-table tr[data-key="{world.department.pk}"]')
    expect(shizheng_row).to_contain_text("市政")
    expect(centre.locator("#chart-departments canvas")).to_have_count(1)  # ECharts drew the ranking

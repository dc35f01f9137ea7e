"""An urgent report filed by a grid worker lands in the command centre's intake at once (no
"ask for help" three times), urgent first, and the dispatcher registers and dispatches it to the
suggested department with two keys: d, Enter. The console runs on a 1920 × 1080 screen."""

from __future__ import annotations

import threading
import time

import pytest
from playwright.sync_api import expect

from dispatch.models import Assignment, DepartmentCategory
from dispatch.kinds import CaseStatus
from incidents.models import Category, Incident
from incidents.seeds import ensure_reference_data
from tests.conftest import api_client_for

pytestmark = pytest.mark.browser


def _until(predicate, what: str, timeout: float = 15.0) -> None:
    pause = threading.Event()
    for _ in range(int(timeout / 0.1)):
        if predicate():
            return
        pause.wait(0.1)
    raise AssertionError(f"Timed out waiting for {what}")


def test_an_urgent_report_appears_in_the_intake_and_is_dispatched_in_two_keys(committed_world, live_server, login, browser):
    world = committed_world
    ensure_reference_data()
    cover = Category.objects.get(code="C0101")
    DepartmentCategory.objects.get_or_create(category=cover, department=world.department)  # 井盖 → 市政
    centre = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    login(centre, world.dispatcher)
    centre.goto(f"{live_server.url}/dispatch/")
    expect(centre.locator("#queue .empty")).to_be_visible()  # nothing waits yet

    # The grid worker files an urgent missing manhole cover from her phone's API.
    point = world.cell_a.boundary.point_on_surface
    filed_at = time.monotonic()
    answer = api_client_for(world.grid_worker_a).post(
        "/api/v1/incidents/",
        {"category": "C0101", "lat": point.y, "lng": point.x, "urgency": "urgent", "description": "人行道井盖缺失"},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    pk, number = answer.json()["id"], answer.json()["number"]
    assert answer.json()["level"] == "district"

    # It shows in the intake within the one-second pulse (well before the five-second poll), on top.
    row = centre.locator(f'.case-row[data-id="{pk}"]')
    expect(row).to_be_visible(timeout=3000)
    assert time.monotonic() - filed_at < 4
    expect(centre.locator(".case-row").first).to_have_attribute("data-id", str(pk))
    expect(row).to_contain_text(number)
    expect(row).to_contain_text("紧急")
    expect(row).to_have_class("case-row selected")

    # d registers it and opens the dispatch form with 市政 ticked; Enter dispatches.
    centre.locator("#queue").focus()
    centre.keyboard.press("d")
    dialog = centre.locator("#dispatch-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("市政")).to_be_checked()
    expect(dialog.get_by_label("水务")).not_to_be_checked()
    centre.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    _until(lambda: Assignment.objects.filter(incident_id=pk, department=world.department, status="pending").exists(), "dispatch")
    incident = Incident.objects.get(pk=pk)
    assert incident.status == CaseStatus.DISPATCHED
    assert [e.action for e in incident.timeline.order_by("version")] == ["report", "register", "dispatch"]
    expect(row).to_contain_text("市政")

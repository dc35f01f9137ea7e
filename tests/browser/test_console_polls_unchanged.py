"""The console in a browser while nothing changes: its polls are answered 304 without a body, the
queue stays drawn and says when it was last checked; a new report still shows within seconds."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from playwright.sync_api import expect

from incidents.actions import report_incident
from incidents.models import Category
from incidents.seeds import ensure_reference_data

pytestmark = pytest.mark.browser


def _call(world, text: str):
    spot = world.cell_a.boundary.point_on_surface
    return report_incident(
        reporter=world.dispatcher, category=Category.objects.get(code="C0102"),
        location=Point(spot.x, spot.y, srid=4326), description=text, source="hotline",
    )[0]


def test_unchanged_polls_are_304_and_the_queue_stays_drawn(committed_world, live_server, login, browser):
    ensure_reference_data()
    _call(committed_world, "路灯不亮")
    page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    errors, answers = [], []
    page.on("pageerror", lambda error: errors.append(error))
    page.on("response", lambda r: answers.append((r.url.split("?")[0].rsplit("/", 1)[-1], r.status)))
    login(page, committed_world.dispatcher)
    page.goto(f"{live_server.url}/dispatch/")
    rows = page.locator("#queue .case-row")
    expect(rows).to_have_count(1)

    # The pulse asks every second, the queue every 5 s: within 7 s both have been told "unchanged".
    page.wait_for_timeout(7000)
    assert ("intake.json", 304) in answers and ("queue.json", 304) in answers, answers
    expect(rows).to_have_count(1)
    status = page.locator("#queue-status")
    expect(status).not_to_have_class("error")
    expect(status).to_contain_text(":")  # "更新于 HH:MM:SS", kept current by the 304s

    # A new report: the next pulse is a full answer, and the queue is reloaded with it.
    _call(committed_world, "井盖缺失")
    expect(rows).to_have_count(2, timeout=5000)
    page.screenshot(path="var/console-polls-1920.png")
    assert not errors, errors

"""The leader's Monday: the evaluation dashboard on a large screen (1920 × 1080) and on a phone
(390 × 844), on its default period (this month to date): every figure has last period beside it
and a signed change, coloured when a direction is better (fewer overdue cases is better, more
returns is worse), and no table is cut off — each fits in its box or scrolls inside it.

Screenshots go to $GRIDGOV_SCREENSHOTS when set (to look at them), else to the test's own folder."""

from __future__ import annotations

import os
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from playwright.sync_api import expect

from dispatch import actions
from dispatch.indicators import parse_period
from incidents import actions as case_acts
from incidents.models import Category, Incident

pytestmark = pytest.mark.browser

GREEN, RED = "rgb(46, 125, 50)", "rgb(198, 40, 40)"


def _point(cell) -> Point:
    point = cell.boundary.point_on_surface
    return Point(point.x, point.y, srid=4326)


def _earlier_case(world, code, *, created, deadline, closed=None):
    """A case of last period, as it stands: written directly (its acts lie in the past)."""
    return Incident.objects.create(
        cell=world.cell_a, filed_area=world.cell_a, location=_point(world.cell_a), category=Category.objects.get(code=code),
        description="上期案件", status="closed" if closed else "registered", level="district", area=world.district,
        deadline=deadline, deadline_started_at=created, reporter=world.grid_worker_a, source="patrol",
        created_at=created, updated_at=created, closed_at=closed,
    )


@pytest.fixture
def two_periods(committed_world, settings, tmp_path):
    """Last period: three cases due — one closed on time, one closed late, one still open (it is
    carried over into this period). This period: a hotline case closed on time through the
    actions, and one that 市政 returned."""
    world = committed_world
    settings.MEDIA_ROOT = tmp_path / "media"
    caches = {name: dict(value) for name, value in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-dashboard-{uuid.uuid4().hex[:8]}"
    settings.CACHES = caches
    before = parse_period(None, None).previous()
    start = before.start
    _earlier_case(world, "C0102", created=start + timedelta(hours=2), deadline=start + timedelta(hours=20),
                  closed=start + timedelta(hours=5))
    _earlier_case(world, "E0101", created=start + timedelta(hours=3), deadline=start + timedelta(hours=4),
                  closed=start + timedelta(hours=9))
    _earlier_case(world, "E0404", created=start + timedelta(hours=3), deadline=start + timedelta(hours=6))
    for code, returned in (("C0101", False), ("C0102", True)):
        incident, _created = case_acts.report_incident(
            reporter=world.dispatcher, category=Category.objects.get(code=code), location=_point(world.cell_b), source="hotline"
        )
        case_acts.register(incident, actor=world.dispatcher)
        actions.dispatch(incident, actor=world.dispatcher, departments=[world.department])
        if returned:
            actions.return_case(incident, actor=world.department_handler, reason="不归我们")
            continue
        actions.accept(incident, actor=world.department_handler)
        from .test_dispatch_journey import _jpeg  # noqa: PLC0415
        from django.core.files.uploadedfile import SimpleUploadedFile

        actions.feedback(incident, actor=world.department_handler, note="已处理",
                         photos=[SimpleUploadedFile("a.jpg", _jpeg(), content_type="image/jpeg")])
        incident = Incident.objects.get(pk=incident.pk)
        case_acts.verify(incident, actor=world.dispatcher, passed=True)
        case_acts.close(Incident.objects.get(pk=incident.pk), actor=world.dispatcher)
    return world


def _shots() -> Path | None:
    folder = os.environ.get("GRIDGOV_SCREENSHOTS")
    return Path(folder) if folder else None


def _no_table_cut_off(page) -> None:
    """Nothing sticks out of the page sideways, and every table either fits its box or scrolls in it,
    its last column reachable inside the box."""
    wide = page.evaluate(
        """() => document.documentElement.scrollWidth <= window.innerWidth + 1 ? [] :
            [...document.querySelectorAll('body *')].filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
                && !el.closest('.table-scroll'))
                .slice(0, 8).map(el => el.tagName + '#' + el.id + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))
                .concat(['scrollWidth ' + document.documentElement.scrollWidth])
                .concat([...document.querySelectorAll('.table-scroll')].slice(0, 1).flatMap(el => {
                    const out = []; for (let e = el; e; e = e.parentElement) { const cs = getComputedStyle(e);
                    out.push(e.tagName + '.' + e.className + ' w=' + e.clientWidth + ' sw=' + e.scrollWidth + ' ox=' + cs.overflowX + ' d=' + cs.display); }
                    return out; }))"""
    )
    assert wide == [], f"the page scrolls sideways: {wide}"
    boxes = page.locator(".table-scroll")
    assert boxes.count() >= 3
    for index in range(boxes.count()):
        box = boxes.nth(index)
        fits = box.evaluate(
            """el => {
                const r = el.getBoundingClientRect();
                if (r.right > window.innerWidth + 1) return 'the box is wider than the screen';
                const style = getComputedStyle(el);
                if (el.scrollWidth > el.clientWidth + 1 && !['auto', 'scroll'].includes(style.overflowX)) return 'cut off';
                el.scrollLeft = el.scrollWidth;
                const last = el.querySelector('thead th:last-child').getBoundingClientRect();
                const inside = last.right <= r.right + 1 && last.left >= r.left - 1;
                el.scrollLeft = 0;
                return inside ? '' : 'the last column cannot be reached';
            }"""
        )
        assert fits == "", f"table {index}: {fits}"


def _colour(page, selector: str) -> str:
    return page.locator(selector).first.evaluate("el => getComputedStyle(el).color")


@pytest.mark.parametrize("size", [(1920, 1080), (390, 844)], ids=["desktop", "phone"])
def test_the_default_period_compares_every_figure_with_last_period(two_periods, live_server, login, browser, size):
    width, height = size
    phone = width < 600
    context = browser.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=2 if phone else 1, is_mobile=phone, has_touch=phone
    )
    page = context.new_page()
    login(page, two_periods.leader)
    page.goto(f"{live_server.url}/dispatch/indicators/")  # the default period: this month to date
    expect(page.locator("h1")).to_contain_text("考核")

    # Every figure has a last-period value, none of them "—" (last period had cases due).
    for key in ("accepted", "due", "closed", "overdue", "returned", "closure_rate", "on_time_rate"):
        card = page.locator(f'.kpi[data-key="{key}"]')
        expect(card.locator(".before")).to_contain_text("上期")
        assert not card.locator(".before").inner_text().strip().endswith("—"), key
    # This period: 2 due (the case closed on time, and the one carried over), 1 overdue; last
    # period: 3 due, 2 overdue. Fewer overdue is better: green, with its sign.
    expect(page.locator('.kpi[data-key="due"] .value')).to_have_text("2")
    expect(page.locator('.kpi[data-key="overdue"] .before')).to_contain_text("2")
    overdue = page.locator('.kpi[data-key="overdue"] .change')
    expect(overdue).to_have_text(re.compile(r"^▼-1"))
    assert _colour(page, '.kpi[data-key="overdue"] .change') == GREEN
    # One return against none: worse, red, signed.
    expect(page.locator('.kpi[data-key="returned"] .change')).to_have_text(re.compile(r"^▲\+1"))
    assert _colour(page, '.kpi[data-key="returned"] .change') == RED
    # On-time closure 50 % against 33.33 %: +16.67 points, better.
    expect(page.locator('.kpi[data-key="on_time_rate"] .change')).to_contain_text("+16.67")
    assert _colour(page, '.kpi[data-key="on_time_rate"] .change') == GREEN
    # How many cases came in is neither better nor worse: signed, not coloured.
    expect(page.locator('.kpi[data-key="accepted"] .change')).to_have_text("▼-1")
    # Cases by channel, with the hotline's row.
    expect(page.locator("#sources-table")).to_contain_text("12345")

    _no_table_cut_off(page)
    folder = _shots()
    if folder:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"dashboard-{width}x{height}.png"), full_page=True)
        page.locator("#categories-table").scroll_into_view_if_needed()
        page.screenshot(path=str(folder / f"dashboard-{width}x{height}-categories.png"))
        box = page.locator(".table-scroll:has(#categories-table)")
        box.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
        box.screenshot(path=str(folder / f"dashboard-{width}x{height}-categories-scrolled.png"))
    context.close()

"""Every list page, opened on a 360 px phone by the people who use it: nothing is wider than the
screen (no sideways scrolling of the page; a wide table scrolls inside its own box or turns into
cards) and every button and link in the page's lists is big enough to tap (44 px)."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.gis.geos import Point

from incidents.actions import register, report_incident
from incidents.models import Category
from incidents.seeds import ensure_reference_data
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-360")
WIDTH, HEIGHT = 360, 740

# (persona on the test world, page): the list pages of the product, by who opens them on a phone.
LIST_PAGES = [
    ("grid_worker_a", "/"),
    ("grid_worker_a", "/incidents/"),
    ("grid_worker_a", "/incidents/notifications/"),
    ("grid_worker_a", "/residents/"),
    ("grid_worker_a", "/residents/visits/due/"),
    ("grid_worker_a", "/offline/outbox/"),
    ("grid_worker_a", "/emergencies/tasks/"),
    ("grid_worker_a", "/needs/"),
    ("community_staff", "/incidents/inbox/"),
    ("community_staff", "/residents/people/"),
    ("community_staff", "/residents/areas/"),
    ("community_staff", "/dispatch/workload/"),
    ("community_staff", "/needs/volunteers/"),
    ("street_staff", "/incidents/inbox/"),
    ("department_handler", "/dispatch/inbox/"),
    ("department_handler", "/needs/department/"),
    ("dispatcher", "/dispatch/checks/"),
    ("leader", "/dispatch/indicators/"),
    ("leader", "/needs/overview/"),
    ("leader", "/emergencies/"),
    ("volunteer", "/needs/mine/"),
]

# A list's controls: links and buttons in tables, lists and cards of the page's main part.
CONTROLS = "main :is(table, ul, ol, .cards, .card) :is(a[href], button, input[type=submit])"
TOO_SMALL = """(selector) => [...document.querySelectorAll(selector)]
  .filter((el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0
      && getComputedStyle(el).visibility !== 'hidden' && !el.closest('[hidden], details:not([open]) > :not(summary)'); })
  .filter((el) => { const r = el.getBoundingClientRect(); return r.height < 44 || r.width < 44; })
  .map((el) => `${el.tagName.toLowerCase()} “${(el.textContent || el.value || '').trim().slice(0, 30)}” ${Math.round(el.getBoundingClientRect().width)}×${Math.round(el.getBoundingClientRect().height)}`)"""


@pytest.fixture
def cases_to_list(committed_world):
    """A case in the grid worker's cell, and one registered and dispatched to the department, so the
    inboxes have rows."""
    ensure_reference_data()
    world = committed_world
    point = world.cell_a.boundary.point_on_surface
    report_incident(reporter=world.grid_worker_a, category=Category.objects.get(code="E0103"),
                    location=Point(point.x, point.y, srid=4326), description="楼道堆放杂物")
    from dispatch import actions as dispatch_actions

    hotline, _ = report_incident(reporter=world.dispatcher, category=Category.objects.get(code="C0102"), source="hotline",
                                 location=Point(point.x, point.y, srid=4326), description="井盖破损，路口东侧", address="测试路1号")
    register(hotline, actor=world.dispatcher)
    hotline.refresh_from_db()
    dispatch_actions.dispatch(hotline, actor=world.dispatcher, departments=[world.department])
    return world


PERSONAS = sorted({persona for persona, _path in LIST_PAGES})


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_list_page_fits_a_360_px_phone(cases_to_list, live_server, login, browser, persona):
    """One sign-in per persona, then each of her list pages; every problem is named with its page."""
    context = browser.new_context(**{**PHONE, "viewport": {"width": WIDTH, "height": HEIGHT}})
    page = context.new_page()
    login(page, getattr(cases_to_list, persona))
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for path in [path for who, path in LIST_PAGES if who == persona]:
        answer = page.goto(f"{live_server.url}{path}")
        if answer is None or answer.status != 200:
            problems.append(f"{path} answered {answer and answer.status}")
            continue
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SHOTS / f"{persona}{path.replace('/', '_')}.png"), full_page=True)
        if (wide := page.evaluate("document.documentElement.scrollWidth")) > WIDTH:
            problems.append(f"{path} is {wide} px wide")
        if small := page.evaluate(TOO_SMALL, CONTROLS):
            problems.append(f"{path}: too small to tap: {small}")
    context.close()
    assert problems == []

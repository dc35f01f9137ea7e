"""A grid worker patrols on a phone: the track is recorded, points made without a connection are
kept and sent when it returns, and the patrol ends with its summary."""
import pytest
from playwright.sync_api import expect

from incidents.models import Patrol, PatrolPoint
from tests.browser.conftest import PHONE
from tests.waiting import wait_for

pytestmark = pytest.mark.browser


def test_a_patrol_keeps_its_points_through_a_lost_connection_and_ends_with_a_summary(
    committed_world, live_server, login, phone_context
):
    world = committed_world
    here = world.cell_a.boundary.point_on_surface
    phone_context.set_geolocation({"latitude": here.y, "longitude": here.x, "accuracy": 5})
    page = phone_context.new_page()
    page.clock.install()  # the page's timers run on a clock this test moves (no sleeping)
    login(page, world.grid_worker_a)
    page.goto(f"{live_server.url}/incidents/patrol/")
    page.get_by_role("button", name="开始巡查").click()
    expect(page.locator("#count")).to_have_text("1")
    patrol = wait_for(lambda: Patrol.objects.filter(worker=world.grid_worker_a, ended_at__isnull=True).first(), timeout=10,
                      what="the patrol's start to arrive from the outbox")

    phone_context.set_offline(True)
    page.clock.fast_forward(11_000)  # a point every 10 s
    phone_context.set_geolocation({"latitude": here.y, "longitude": here.x + 0.0002, "accuracy": 5})
    expect(page.locator("#count")).to_have_text("2")
    page.clock.fast_forward(31_000)  # a flush is attempted and fails: the points stay on the phone
    expect(page.locator("#pending")).not_to_have_text("0")

    phone_context.set_offline(False)
    page.clock.fast_forward(31_000)
    expect(page.locator("#pending")).to_have_text("0")
    assert PatrolPoint.objects.filter(patrol=patrol).count() == 2

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="结束巡查").click()
    page.wait_for_url(f"{live_server.url}/incidents/patrols/{patrol.pk}/")
    expect(page.locator("#summary")).to_contain_text("覆盖网格")
    expect(page.get_by_text(world.cell_a.code)).to_be_visible()
    patrol.refresh_from_db()
    assert patrol.ended_at is not None and 10 < patrol.distance_m < 30


def test_points_are_sampled_every_10_s_and_sent_as_one_batch_every_send_interval(
    committed_world, live_server, login, browser, settings
):
    """The field's figure: a point every 10 s, a batch every 30 s (GRIDGOV_PATROL_SEND_SECONDS).

    The page's own timers run on Playwright's clock; the service worker's do not (a background
    sync it was asked for at the patrol's start drains on real time, earlier on a loaded machine),
    so this page runs without one: what is measured is the page's sampling and sending."""
    settings.GRIDGOV_PATROL_SEND_SECONDS = 30
    world = committed_world
    here = world.cell_a.boundary.point_on_surface
    phone_context = browser.new_context(**PHONE, permissions=["geolocation"], service_workers="block",
                                        geolocation={"latitude": here.y, "longitude": here.x, "accuracy": 5})
    page = phone_context.new_page()
    page.clock.install()
    login(page, world.grid_worker_a)
    page.goto(f"{live_server.url}/incidents/patrol/")
    page.get_by_role("button", name="开始巡查").click()
    expect(page.locator("#count")).to_have_text("1")
    patrol = wait_for(lambda: Patrol.objects.filter(worker=world.grid_worker_a, ended_at__isnull=True).first(), timeout=10,
                      what="the patrol's start")
    page.clock.fast_forward(5_000)
    phone_context.set_geolocation({"latitude": here.y, "longitude": here.x + 0.0001, "accuracy": 5})
    page.clock.fast_forward(1_000)
    expect(page.locator("#count")).to_have_text("1")  # no second point before 10 s
    page.clock.fast_forward(6_000)
    phone_context.set_geolocation({"latitude": here.y, "longitude": here.x + 0.0002, "accuracy": 5})
    expect(page.locator("#count")).to_have_text("2")
    page.clock.fast_forward(6_000)  # 18 s in: the old 10 s sending would have sent by now
    expect(page.locator("#pending")).to_have_text("2")
    assert not PatrolPoint.objects.filter(patrol=patrol).exists()
    page.clock.fast_forward(13_000)  # past 30 s: both points go in one batch
    expect(page.locator("#pending")).to_have_text("0")
    assert PatrolPoint.objects.filter(patrol=patrol).count() == 2
    phone_context.close()

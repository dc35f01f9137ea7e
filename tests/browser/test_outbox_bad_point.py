"""A batch of patrol points with one bad point: the server names that point, the phone sets only
it aside (shown in the outbox with the server's reason) and sends the others."""
import pytest
from playwright.sync_api import expect

from incidents.actions import start_patrol
from incidents.models import PatrolPoint
from tests.waiting import wait_for

pytestmark = pytest.mark.browser


def test_only_the_point_the_server_names_is_set_aside_and_the_rest_are_stored(committed_world, live_server, login, phone_context):
    world = committed_world
    patrol, _ = start_patrol(worker=world.grid_worker_a)
    here = world.cell_a.boundary.point_on_surface
    page = phone_context.new_page()
    login(page, world.grid_worker_a)
    page.goto(f"{live_server.url}/offline/outbox/")
    points = [{"lat": here.y, "lng": here.x + 0.0001 * i} for i in range(4)]
    points[2] = {"lat": 0.5, "lng": 0.5}  # in the Gulf of Guinea: outside every served district
    page.evaluate(
        """([patrolId, points]) => {
          const O = window.GridgovOutbox;
          const start = Date.now() - 60000;
          return points.reduce((done, p, i) => done.then(() => O.add({
            kind: "points", patrol: "patrol-under-test", patrolId: patrolId, url: "/api/v1/patrols/0/points/",
            json: { id: O.uuid(), at: new Date(start + i * 5000).toISOString(), lat: p.lat, lng: p.lng, accuracy: 5 }
          })), Promise.resolve()).then(() => window.gridgov.outbox.drain());
        }""",
        [patrol.pk, points],
    )
    wait_for(lambda: PatrolPoint.objects.filter(patrol=patrol).count() == 3, timeout=20, what="the three good points")
    page.reload()
    refused = page.locator("#outbox-list li[data-state=refused]")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("0.5")  # the server's reason names the position
    expect(page.locator("#outbox-list li[data-state=waiting]")).to_have_count(0)
    stored = sorted(PatrolPoint.objects.filter(patrol=patrol).values_list("location", flat=True), key=lambda p: p.x)
    assert [round(p.x - here.x, 4) for p in stored] == [0.0, 0.0001, 0.0003]
    page.screenshot(path="/tmp/shots-photo/outbox-bad-point-390.png", full_page=True)

"""A grid worker's cell handed over to a colleague in the middle of her patrol: she still finishes
the patrol and sends its points (no 404 on her own running patrol); the points recorded in the
cell after it stopped being hers are kept and marked, as check-ins outside her own cells are."""
from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from accounts.actions import cover_cells
from incidents.models import Patrol, PatrolPoint

from .conftest import inside


def _points(world, start, count=3):
    here = inside(world.cell_a)
    return [{"id": str(uuid.uuid4()), "at": (start + timedelta(seconds=10 * i)).isoformat(),
             "lat": here.y, "lng": here.x + i * 1e-5, "accuracy": 8} for i in range(count)]


def test_a_handed_over_cell_leaves_her_running_patrol_hers_and_marks_the_later_points(world, api_as):
    phone = api_as(world.grid_worker_a)
    started = phone.post("/api/v1/patrols/", {"client_id": str(uuid.uuid4())}, format="json")
    assert started.status_code in (200, 201), started.content
    patrol_id = started.json()["id"]
    before = timezone.now() - timedelta(seconds=40)
    assert phone.post(f"/api/v1/patrols/{patrol_id}/points/", {"points": _points(world, before)}, format="json").status_code == 200

    # The community hands cell A over to her colleague while she walks.
    cover_cells(None, {world.cell_a.pk: world.grid_worker_b.pk})
    after = timezone.now() + timedelta(seconds=1)

    sent = phone.post(f"/api/v1/patrols/{patrol_id}/points/", {"points": _points(world, after)}, format="json")
    assert sent.status_code == 200, sent.content
    assert sent.json()["added"] == 3
    here = inside(world.cell_a)
    checkin = phone.post(f"/api/v1/patrols/{patrol_id}/checkins/", {"lat": here.y, "lng": here.x, "client_id": str(uuid.uuid4())},
                         format="json")
    assert checkin.status_code == 201 and checkin.json()["outside_own_cells"] is True
    ended = phone.post(f"/api/v1/patrols/{patrol_id}/end/", {}, format="json")
    assert ended.status_code == 200, ended.content

    points = PatrolPoint.objects.filter(patrol_id=patrol_id)
    assert points.count() == 6
    assert points.filter(outside_own_cells=False).count() == 3, "the points of while the cell was hers are not marked"
    assert points.filter(outside_own_cells=True, at__gte=after).count() == 3
    summary = phone.get(f"/api/v1/patrols/{patrol_id}/")
    assert summary.status_code == 200 and summary.json()["points_outside_own_cells"] == 3
    assert Patrol.objects.get(pk=patrol_id).ended_at is not None


def test_her_own_patrol_stays_out_of_reach_of_other_workers(world, api_as):
    """Her own patrols follow her; they are not opened to a worker of another community."""
    patrol = Patrol.objects.create(worker=world.grid_worker_a, cell=world.cell_a, started_at=timezone.now() - timedelta(minutes=5))
    stranger = api_as(world.grid_worker_b)
    assert stranger.get(f"/api/v1/patrols/{patrol.pk}/").status_code == 404
    assert stranger.post(f"/api/v1/patrols/{patrol.pk}/points/", {"points": _points(world, timezone.now())}, format="json").status_code == 404

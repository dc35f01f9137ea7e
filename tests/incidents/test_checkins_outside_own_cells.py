"""A check-in outside the worker's own cells is kept (made on the spot, often sent later from the
phone's outbox) and marked as such, in the API's answer, the summary and the summary page."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import GridAssignment
from incidents.models import PatrolCheckIn

from .conftest import inside


def _check_in(client, patrol_id: int, area, **extra):
    point = inside(area)
    return client.post(f"/api/v1/patrols/{patrol_id}/checkins/", {"lat": point.y, "lng": point.x, **extra}, format="json")


def test_a_check_in_in_a_colleagues_cell_is_kept_and_marked_outside(world, api_as, client):
    api = api_as(world.grid_worker_a)
    patrol_id = api.post("/api/v1/patrols/", {}, format="json").json()["id"]
    own = _check_in(api, patrol_id, world.cell_a)
    other = _check_in(api, patrol_id, world.cell_b, note="替同事巡查")
    assert own.status_code == other.status_code == 201
    assert own.json()["outside_own_cells"] is False
    assert other.json() | {"id": None} == {"id": None, "cell": world.cell_b.code, "outside_own_cells": True}
    summary = api.post(f"/api/v1/patrols/{patrol_id}/end/", {}, format="json").json()
    assert [c["outside_own_cells"] for c in summary["checkins"]] == [False, True]
    client.force_login(world.grid_worker_a)
    page = client.get(f"/incidents/patrols/{patrol_id}/").content.decode()
    assert page.count("不在本人负责的网格内") == 1


def test_a_check_in_sent_late_counts_the_cells_she_had_when_she_made_it(world, api_as):
    """The outbox sends a check-in hours later: a cell handed over meanwhile was still hers."""
    api = api_as(world.grid_worker_a)
    patrol_id = api.post("/api/v1/patrols/", {}, format="json").json()["id"]
    made = timezone.now() - timedelta(hours=2)
    GridAssignment.objects.create(user=world.grid_worker_a, cell=world.cell_a2, started_at=timezone.now() - timedelta(hours=3),
                                  ended_at=timezone.now() - timedelta(hours=1))
    late = _check_in(api, patrol_id, world.cell_a2, at=made.isoformat())
    now = _check_in(api, patrol_id, world.cell_a2)
    assert late.status_code == now.status_code == 201, late.content
    assert (late.json()["outside_own_cells"], now.json()["outside_own_cells"]) == (False, True)


def test_a_check_in_outside_every_cell_is_kept_and_marked_outside(world, api_as):
    api = api_as(world.grid_worker_a)
    patrol_id = api.post("/api/v1/patrols/", {}, format="json").json()["id"]
    answer = api.post(f"/api/v1/patrols/{patrol_id}/checkins/", {"lat": 0.5, "lng": 0.5}, format="json")
    assert answer.status_code == 201 and answer.json()["cell"] is None and answer.json()["outside_own_cells"] is True
    assert PatrolCheckIn.objects.get(pk=answer.json()["id"]).outside_own_cells

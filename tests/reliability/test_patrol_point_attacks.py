"""Attacks on the batch endpoint of patrol points (``POST /api/v1/patrols/<id>/points/``).

Each bad point comes after two good ones: the answer is a 400 naming the point's index and field
(``points.2.at``, as the NUL check of every JSON body names it), and nothing of the batch is stored — not the two good points either."""
from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tokens import issue
from incidents.actions import MAX_BATCH
from incidents.models import Patrol, PatrolPoint


def _api(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue(user).key}")
    return client


def _good(world, n: int, at=None) -> list[dict]:
    centre = world.cell_a.boundary.point_on_surface
    at = at or timezone.now() - timedelta(minutes=1)
    return [{"id": str(uuid.uuid4()), "at": (at + timedelta(seconds=i)).isoformat(), "lat": centre.y, "lng": centre.x}
            for i in range(n)]


@pytest.fixture
def patrol(world):
    return Patrol.objects.create(worker=world.grid_worker_a, cell=world.cell_a, started_at=timezone.now() - timedelta(minutes=5))


def _send(world, patrol, body):
    raw = body if isinstance(body, str) else json.dumps(body)
    return _api(world.grid_worker_a).post(f"/api/v1/patrols/{patrol.pk}/points/", raw, content_type="application/json")


BAD_POINTS = [
    ("NUL in the time", {"at": "2026-12-03T09:00:00\u0000+08:00"}, "at"),
    ("NUL in the id", {"id": "9b2f6a3e-0000-4000-8000-00000000000\u0000"}, "id"),
    ("year 0", {"at": "0000-01-01T00:00:00+08:00"}, "at"),
    ("year 9999", {"at": "9999-12-31T23:59:59+08:00"}, "at"),
    ("month 13", {"at": "2026-13-01T00:00:00+08:00"}, "at"),
    ("a time far in the future", {"at": (timezone.now() + timedelta(days=2)).isoformat()}, "at"),
    ("(0, 0), far from every served district", {"lat": 0.0, "lng": 0.0}, "lat"),
    ("swapped coordinates", {"swap": True}, "lat"),
    ("latitude past the pole", {"lat": 91.0}, "lat"),
    ("a boolean for a number", {"lng": True}, "lng"),
    ("a text for a number", {"lat": "39.9"}, "lat"),
    ("no id", {"id": None}, "id"),
    ("an id that is a number", {"id": 12}, "id"),
    ("a negative accuracy", {"accuracy": -5}, "accuracy"),
]


@pytest.mark.parametrize("label, change, field", BAD_POINTS, ids=[b[0] for b in BAD_POINTS])
def test_a_bad_point_is_a_400_naming_it_and_nothing_of_the_batch_is_stored(world, patrol, label, change, field):
    points = _good(world, 3)
    bad = dict(points[2])
    if change.pop("swap", False):
        bad["lat"], bad["lng"] = bad["lng"], bad["lat"]
    bad.update(change)
    points[2] = bad
    response = _send(world, patrol, {"points": points})
    assert response.status_code == 400, response.content
    assert f"points.2.{field}" in response.json()["errors"]
    assert not PatrolPoint.objects.filter(patrol=patrol).exists(), "nothing half-saved"
    patrol.refresh_from_db()
    assert patrol.point_count == 0 and patrol.distance_m == 0


def test_a_batch_too_big_is_refused_whole(world, patrol):
    response = _send(world, patrol, {"points": _good(world, MAX_BATCH + 1)})
    assert response.status_code == 400 and "points" in response.json()["errors"]
    assert not PatrolPoint.objects.filter(patrol=patrol).exists()


@pytest.mark.parametrize("body", ['{"points": {"id": 1}}', '{"points": "x"}', "[1, 2]", '{"points": [1]}', '{}'])
def test_a_body_of_the_wrong_shape_is_a_400(world, patrol, body):
    response = _send(world, patrol, body)
    assert response.status_code == 400 and response.json()["errors"]
    assert not PatrolPoint.objects.filter(patrol=patrol).exists()


def test_another_workers_patrol_is_a_404_and_stores_nothing(world, patrol):
    response = _api(world.grid_worker_b).post(f"/api/v1/patrols/{patrol.pk}/points/", {"points": _good(world, 2)}, format="json")
    assert response.status_code == 404
    assert not PatrolPoint.objects.filter(patrol=patrol).exists()


def test_client_ids_are_per_patrol(world, patrol):
    # The same ids sent to another patrol are that patrol's points: neither patrol gets the other's.
    points = _good(world, 2)
    other = Patrol.objects.create(worker=world.grid_worker_b, cell=world.cell_b, started_at=timezone.now() - timedelta(minutes=5))
    assert _send(world, patrol, {"points": points}).json()["added"] == 2
    response = _api(world.grid_worker_b).post(f"/api/v1/patrols/{other.pk}/points/", {"points": points}, format="json")
    assert response.json()["added"] == 2
    assert PatrolPoint.objects.filter(patrol=patrol).count() == 2


def test_unauthenticated_points_are_refused(world, patrol):
    response = APIClient().post(f"/api/v1/patrols/{patrol.pk}/points/", {"points": _good(world, 1)}, format="json")
    assert response.status_code in (401, 403)
    assert not PatrolPoint.objects.filter(patrol=patrol).exists()

"""Patrol points at city volume: a batch is one statement, stored once however often it is sent,
kept by day, and a finished patrol's track outlives its dropped days (issue 18)."""
from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from incidents import actions
from incidents.actions import patrol_days
from incidents.models import Patrol, PatrolPoint
from incidents.queries import cell_coverage, patrol_summary
from incidents.tasks import patrol_days as patrol_days_task

from tests.waiting import wait_for

from .conftest import inside


def _batch(world, start, count=10, step_m=20.0, cell=None):
    origin = inside(cell or world.cell_a)
    return [
        {"id": str(uuid.uuid4()), "at": (start + timedelta(seconds=10 * i)).isoformat(),
         "lat": origin.y, "lng": origin.x + i * step_m / 85_000.0, "accuracy": 8}
        for i in range(count)
    ]


def _start(world, at=None) -> Patrol:
    patrol, _ = actions.start_patrol(worker=world.grid_worker_a, now=at)
    return patrol


def test_a_batch_sent_again_adds_nothing_and_leaves_count_and_distance_alone(world, api_as):
    client = api_as(world.grid_worker_a)
    patrol_id = client.post("/api/v1/patrols/", {}, format="json").json()["id"]
    batch = _batch(world, timezone.now() - timedelta(minutes=5), step_m=2)
    first = client.post(f"/api/v1/patrols/{patrol_id}/points/", {"points": batch}, format="json").json()
    again = client.post(f"/api/v1/patrols/{patrol_id}/points/", {"points": batch}, format="json").json()
    assert (first["added"], again["added"]) == (10, 0)
    assert again["distance_m"] == first["distance_m"] and 17 < first["distance_m"] < 19  # nine 2 m steps
    patrol = Patrol.objects.get(pk=patrol_id)
    assert patrol.point_count == 10 == PatrolPoint.objects.filter(patrol=patrol).count()
    # Every point found its cell in the same statement.
    assert set(PatrolPoint.objects.filter(patrol=patrol).values_list("cell__code", flat=True)) == {world.cell_a.code}


def test_a_late_batch_of_earlier_points_gives_the_same_distance_as_in_order(world):
    start = timezone.now() - timedelta(minutes=30)
    patrol = _start(world, start)
    points = _batch(world, start + timedelta(minutes=1), count=12)
    actions.record_points(patrol, actor=world.grid_worker_a, points=points[6:])
    actions.record_points(patrol, actor=world.grid_worker_a, points=points[:6])  # the outbox sent it late
    patrol.refresh_from_db()
    assert 210 < patrol.distance_m < 230 and patrol.point_count == 12  # eleven 20 m steps, not two pieces


def test_two_threads_sending_the_same_batch_store_it_once(committed_world):
    world = committed_world
    patrol = _start(world, timezone.now() - timedelta(minutes=10))
    batch = _batch(world, timezone.now() - timedelta(minutes=5), count=10)
    barrier = threading.Barrier(2)
    answers, errors = [], []

    def send():
        try:
            barrier.wait()
            answers.append(actions.record_points(Patrol.objects.get(pk=patrol.pk), actor=world.grid_worker_a, points=batch))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert sorted(answers) == [0, 10]
    patrol.refresh_from_db()
    assert PatrolPoint.objects.filter(patrol=patrol).count() == 10 == patrol.point_count
    assert 170 < patrol.distance_m < 190


def test_two_different_batches_at_once_end_with_the_exact_distance(committed_world):
    # Two devices (or a retry after a timeout) send different batches of one patrol at the same
    # moment: both are stored whole, and the ended patrol's distance is walked from its points.
    world = committed_world
    start = timezone.now() - timedelta(minutes=20)
    patrol = _start(world, start)
    points = _batch(world, start + timedelta(minutes=1), count=20)
    barrier = threading.Barrier(2)
    errors = []

    def send(part):
        try:
            barrier.wait()
            actions.record_points(Patrol.objects.get(pk=patrol.pk), actor=world.grid_worker_a, points=part)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(part,)) for part in (points[:10], points[10:])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    patrol = actions.end_patrol(Patrol.objects.get(pk=patrol.pk), actor=world.grid_worker_a)
    assert patrol.point_count == 20 == PatrolPoint.objects.filter(patrol=patrol).count()
    assert 370 < patrol.distance_m < 390  # nineteen 20 m steps


def test_ending_a_patrol_keeps_its_track_as_one_simplified_line(world):
    start = timezone.now() - timedelta(minutes=30)
    patrol = _start(world, start)
    # 30 points on a straight street: the simplified line keeps the two ends.
    actions.record_points(patrol, actor=world.grid_worker_a, points=_batch(world, start, count=30, step_m=3))
    patrol = actions.end_patrol(patrol, actor=world.grid_worker_a)
    assert patrol.track is not None and 2 <= patrol.track.num_points < 30


def test_the_days_task_makes_the_days_ahead_once(world):
    later = timezone.now() + timedelta(days=40)
    first = patrol_days_task(now=later.isoformat())
    second = patrol_days_task(now=later.isoformat())
    assert len(first["made"]) == patrol_days.DAYS_AHEAD + 2 and second["made"] == [] and second["dropped"] == []
    assert patrol_days.points_kept_for(timezone.localdate(later) + timedelta(days=patrol_days.DAYS_AHEAD))


def test_a_dropped_day_leaves_the_patrols_lines_and_its_coverage(world, api_as, settings):
    settings.GRIDGOV_PATROL_POINT_DAYS = 2
    old = timezone.now() - timedelta(days=5)
    old_day = timezone.localdate(old)
    patrol_days.ensure_days(old_day, old_day)
    finished = _start(world, old)
    actions.record_points(finished, actor=world.grid_worker_a, points=_batch(world, old + timedelta(minutes=1), step_m=2), now=old)
    finished = actions.end_patrol(finished, actor=world.grid_worker_a, now=old + timedelta(hours=1))
    # A patrol left open (the phone died) gets its line from the retention job, before the drop.
    left_open, _ = actions.start_patrol(worker=world.grid_worker_b, now=old)
    actions.record_points(left_open, actor=world.grid_worker_b, points=_batch(world, old + timedelta(minutes=2), step_m=2, cell=world.cell_b), now=old)
    distance = finished.distance_m

    result = patrol_days.keep_days()
    assert old_day.isoformat() in result["dropped"] and result["tracks"] == 1
    assert not patrol_days.points_kept_for(old_day)
    assert not PatrolPoint.objects.filter(patrol__in=[finished, left_open]).exists()
    assert patrol_days.keep_days()["dropped"] == []  # the second run drops nothing more

    finished.refresh_from_db()
    left_open.refresh_from_db()
    assert finished.track is not None and left_open.track is not None
    assert finished.distance_m == distance and finished.point_count == 10
    summary = patrol_summary(finished)
    assert [cell.code for cell in summary.cells] == [world.cell_a.code] and len(summary.track) >= 2
    rows = {row["code"]: row for row in cell_coverage(world.community_staff, world.community_1, old_day)}
    assert rows[world.cell_a.code]["patrolled"] and rows[world.cell_a.code]["points"] is None
    assert not rows[world.cell_a2.code]["patrolled"]
    answer = api_as(world.community_staff).get("/api/v1/patrols/coverage/", {"date": old_day.isoformat()}).json()
    assert answer["patrolled"] == 1
    # The community page lists the old day's coverage too (its table shows "—" for the points).
    assert api_as(world.grid_worker_a).get(f"/api/v1/patrols/{finished.pk}/").json()["cells_covered"][0]["code"] == world.cell_a.code


def test_a_point_of_a_day_already_dropped_is_refused(world, settings):
    settings.GRIDGOV_PATROL_POINT_DAYS = 2
    patrol = _start(world)
    points = _batch(world, timezone.now() - timedelta(days=4), count=2)
    with pytest.raises(actions.InvalidInput) as refused:
        actions.record_points(patrol, actor=world.grid_worker_a, points=points)
    assert refused.value.field == "points.0.at"


def test_a_day_without_its_partition_yet_is_made_on_the_first_point(world):
    # Beat has not run for a while: the day's partition is made by the batch itself.
    day = timezone.localdate() + timedelta(days=patrol_days.DAYS_AHEAD + 3)
    assert not patrol_days.points_kept_for(day)
    moment = patrol_days.day_start(day) + timedelta(hours=9)
    patrol = _start(world, moment - timedelta(minutes=5))
    assert actions.record_points(patrol, actor=world.grid_worker_a, points=_batch(world, moment), now=moment) == 10
    assert patrol_days.points_kept_for(day)


@pytest.mark.celery
def test_the_days_task_runs_in_a_real_worker_and_twice_changes_nothing(committed_world, celery_worker_process):
    later = timezone.localdate() + timedelta(days=30)  # within the retention: nothing is dropped
    moment = patrol_days.day_start(later) + timedelta(hours=12)
    before = len(patrol_days.kept_days())
    patrol_days_task.delay(now=moment.isoformat())
    patrol_days_task.delay(now=moment.isoformat())
    wait_for(lambda: patrol_days.points_kept_for(later + timedelta(days=patrol_days.DAYS_AHEAD)), what="the days ahead")
    # Both ran (the worker runs them in order); the second made nothing: DAYS_AHEAD + 2 new days in all.
    patrol_days_task.delay(now=moment.isoformat())
    wait_for(lambda: len(patrol_days.kept_days()) == before + patrol_days.DAYS_AHEAD + 2, what="the count")
    with connection.cursor() as cursor:
        for day in [later + timedelta(days=n) for n in range(-1, patrol_days.DAYS_AHEAD + 1)]:
            cursor.execute(f'DROP TABLE IF EXISTS "{patrol_days.PREFIX}{day:%Y%m%d}"')

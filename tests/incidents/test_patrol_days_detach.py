"""Retention drops a day of patrol points with DETACH PARTITION … CONCURRENTLY, which lets the
phones' points go on being written meanwhile; a detach cut off half-way is finished by the next
run. Committed rows: CONCURRENTLY cannot run inside a transaction (the test's own included)."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from datetime import timedelta

import psycopg
from django.db import connection
from django.utils import timezone

from incidents import actions
from incidents.actions import patrol_days
from incidents.models import Patrol, PatrolPoint

from .conftest import inside


@contextmanager
def _statements():
    seen: list[str] = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield seen


def _old_patrol(world, old) -> Patrol:
    patrol, _ = actions.start_patrol(worker=world.grid_worker_a, now=old)
    origin = inside(world.cell_a)
    points = [{"id": str(uuid.uuid4()), "at": (old + timedelta(minutes=1, seconds=10 * i)).isoformat(),
               "lat": origin.y, "lng": origin.x + i * 2 / 85_000.0, "accuracy": 8} for i in range(5)]
    actions.record_points(patrol, actor=world.grid_worker_a, points=points, now=old)
    return patrol


def _other_connection():
    db = connection.settings_dict
    return psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], password=db["PASSWORD"] or None)


def test_retention_drops_an_old_day_detaching_it_concurrently(committed_world, settings):
    world = committed_world
    settings.GRIDGOV_PATROL_POINT_DAYS = 2
    old = timezone.now() - timedelta(days=5)
    old_day = timezone.localdate(old)
    patrol_days.ensure_days(old_day, old_day)
    patrol = _old_patrol(world, old)
    with _statements() as seen:
        result = patrol_days.keep_days()
    assert old_day.isoformat() in result["dropped"] and result["tracks"] == 1
    assert any("DETACH PARTITION" in sql and sql.rstrip().endswith("CONCURRENTLY") for sql in seen), seen
    assert not patrol_days.points_kept_for(old_day)
    assert not PatrolPoint.objects.filter(patrol=patrol).exists()
    patrol.refresh_from_db()
    assert patrol.track is not None and patrol.point_count == 5


def test_a_detach_cut_off_by_a_long_reader_is_finished_by_the_next_run(committed_world, settings, monkeypatch):
    """A report that has read the table holds the concurrent detach's second step; it times out,
    leaving the day half-detached, and nothing refuses the next points meanwhile."""
    world = committed_world
    settings.GRIDGOV_PATROL_POINT_DAYS = 2
    old = timezone.now() - timedelta(days=5)
    old_day = timezone.localdate(old)
    patrol_days.ensure_days(old_day, old_day)
    _old_patrol(world, old)
    monkeypatch.setattr(patrol_days, "DETACH_WAIT", "1s")
    reader = _other_connection()
    try:
        reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        reader.execute("SELECT count(*) FROM incidents_patrolpoint").fetchone()
        first = patrol_days.keep_days()
        assert first["dropped"] == []
        name = f"{patrol_days.PREFIX}{old_day:%Y%m%d}"
        assert patrol_days._table_state(name) == "pending"
        # Today's points are still written while the old day hangs half-detached.
        running, _ = actions.start_patrol(worker=world.grid_worker_b)
        origin = inside(world.cell_b)
        point = {"id": str(uuid.uuid4()), "at": timezone.now().isoformat(), "lat": origin.y, "lng": origin.x, "accuracy": 5}
        assert actions.record_points(running, actor=world.grid_worker_b, points=[point]) == 1
    finally:
        reader.close()
    with _statements() as seen:
        second = patrol_days.keep_days()
    assert old_day.isoformat() in second["dropped"]
    assert any(sql.rstrip().endswith("FINALIZE") for sql in seen), seen
    assert patrol_days._table_state(name) is None

"""Retention drops a day of patrol points with DETACH PARTITION … CONCURRENTLY, which lets the
phones' points go on being written meanwhile; a detach cut off half-way is finished by the next
run; and no lock timeout the job sets outlives its transaction on the connection (behind a
transaction pooler it would reach another client). Committed rows: CONCURRENTLY cannot run inside
a transaction (the test's own included)."""
from __future__ import annotations

import re
import uuid
from contextlib import contextmanager
from datetime import timedelta

import psycopg
from django.db import connection, transaction
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


def _lock_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        return cursor.fetchone()[0]


SESSION_SET = re.compile(r"^\s*(SET|RESET)\s+(?!(LOCAL|CONSTRAINTS|TRANSACTION)\b)", re.IGNORECASE)


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
    monkeypatch.setattr(patrol_days, "DETACH_WAIT_SECONDS", 1.0)
    before = _lock_timeout()
    reader = _other_connection()
    try:
        reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        reader.execute("SELECT count(*) FROM incidents_patrolpoint").fetchone()
        first = patrol_days.keep_days()
        assert first["dropped"] == []
        name = f"{patrol_days.PREFIX}{old_day:%Y%m%d}"
        assert patrol_days._table_state(name) == "pending"
        assert _lock_timeout() == before, "the detach's wait was bounded without a setting on the session"
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


def test_the_jobs_lock_timeouts_end_with_their_transactions(committed_world, settings):
    """Making days and dropping one set ``lock_timeout`` for their own transaction only: inside a
    caller's transaction it holds until that ends, then the connection has its own value again,
    and no statement of the job sets (or resets) anything on the session."""
    world = committed_world
    settings.GRIDGOV_PATROL_POINT_DAYS = 2
    old = timezone.now() - timedelta(days=5)
    old_day = timezone.localdate(old)
    before = _lock_timeout()
    assert before != patrol_days.LOCK_TIMEOUT
    with transaction.atomic():
        patrol_days.ensure_days(old_day, old_day)
        assert _lock_timeout() == patrol_days.LOCK_TIMEOUT
    assert _lock_timeout() == before
    _old_patrol(world, old)
    with _statements() as seen:
        result = patrol_days.keep_days()
    assert old_day.isoformat() in result["dropped"]
    assert _lock_timeout() == before
    assert [sql for sql in seen if SESSION_SET.match(sql)] == []
    assert any(sql.lstrip().upper().startswith("SET LOCAL LOCK_TIMEOUT") for sql in seen), seen

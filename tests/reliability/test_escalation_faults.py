"""Fault injection on the escalation sweep: whatever breaks mid-way — the worker (SIGKILL), Redis
(restarted, empty) or the worker's database connection (terminated) — afterwards every due
escalation happened exactly once and no timeline entry is missing or doubled.

How "mid-way" is made exact, without sleeps: the sweep works in batches of ten cases, each batch
its own transaction. Ten cases lie in community 1, then ten in community 2. This test holds a row
lock on community 2's staff member, so the sweep commits batch 1, then — inserting the
notifications of batch 2 — waits on the lock. That wait is visible in ``pg_stat_activity``; the
fault is injected then.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from accounts.models import Role, User
from tests.waiting import wait_for

pytestmark = pytest.mark.celery

ROOT = Path(__file__).resolve().parents[2]
MONDAY = timezone.make_aware(datetime(2025, 3, 3, 10, 0), timezone.get_fixed_timezone(480))
LATER = MONDAY + timedelta(days=3)
BATCH = 10


# --- helpers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Worker:
    """A real Celery worker process on a broker of our choosing, against the test database."""

    def __init__(self, broker: str, queue: str, name: str):
        db = connection.settings_dict
        env = dict(os.environ)
        env.update(
            DATABASE_URL=f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            GRIDGOV_CELERY_QUEUE=queue, GRIDGOV_DB_CONN_MAX_AGE="0", CELERY_BROKER_URL=broker, REDIS_URL=broker,
            # One runner, so "batch 1 committed, batch 2 waiting" is exact; side-by-side runners
            # under a SIGKILL are tested in tests/incidents/test_escalation_celery.py.
            GRIDGOV_SWEEP_WORKERS="1",
        )
        self.broker, self.queue = broker, queue
        self.hostname = f"{name}@{os.uname().nodename}"
        self.log = tempfile.NamedTemporaryFile(prefix="celery-fault-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "gridgov", "worker", "-Q", queue, "-n", self.hostname, "--pool", "solo",
             "-l", "warning"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        # A Celery app of our own on this broker: the project's app publishes control messages
        # (ping, inspect) through its own producer pool, bound to the configured broker.
        from celery import Celery

        # set_as_current=False: shared tasks (and so every later test in this process) must keep
        # publishing through the project's app, not this one on a broker that is about to die.
        self.app = Celery("gridgov-fault-test", set_as_current=False)
        self.app.config_from_object("django.conf:settings", namespace="CELERY")
        self.app.conf.broker_url = broker
        wait_for(self.answers, timeout=60, what=f"worker {self.hostname} to answer a ping")

    def answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"Celery worker exited:\n{Path(self.log.name).read_text()}")
        try:
            return bool(self.app.control.ping(destination=[self.hostname], timeout=0.5))
        except Exception:  # noqa: BLE001 - broker down: not answering yet
            return False

    def sweep(self, now: datetime, *, retry: bool = True) -> None:
        from incidents.tasks import SWEEP_TASK

        self.app.send_task(
            SWEEP_TASK, kwargs={"now": now.isoformat(), "batch_size": BATCH}, queue=self.queue, retry=retry,
            **({"retry_policy": {"max_retries": 0}} if not retry else {}),
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)


class PrivateRedis:
    """A redis-server of this test only, so restarting it disturbs nobody else."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(self._pong, timeout=20, what="redis-server to start")

    def _pong(self) -> bool:
        import redis

        try:
            return redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping()
        except Exception:  # noqa: BLE001
            return False

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)


class HeldUser:
    """A row lock on a user held by another transaction: a sweep that must notify them waits."""

    def __init__(self, user):
        db = connection.settings_dict
        params = dict(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], password=db["PASSWORD"] or None)
        self.conn = psycopg.connect(**params)
        self.conn.execute("SELECT 1 FROM accounts_user WHERE id = %s FOR UPDATE", [user.pk])
        self.holder_pid = self.conn.info.backend_pid
        self.watch = psycopg.connect(**params, autocommit=True)

    def waiting_backend(self) -> int | None:
        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: the notification's key check on
        # the held user waits at the batch's COMMIT, so look for any backend waiting on a lock.
        row = self.watch.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), %s) "
            "AND wait_event_type = 'Lock'",
            [self.holder_pid],
        ).fetchone()
        return row[0] if row else None

    def backend_alive(self, pid: int) -> bool:
        return self.watch.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone() is not None

    def terminate(self, pid: int) -> None:
        self.watch.execute("SELECT pg_terminate_backend(%s)", [pid])

    def release(self) -> None:
        if not self.conn.closed:
            self.conn.rollback()
            self.conn.close()

    def close(self) -> None:
        self.release()
        self.watch.close()


@pytest.fixture
def cases(committed_world):
    """Ten due cases in community 1 (batch 1), then ten in community 2 (batch 2), and a staff
    member of community 2 to be notified (the lock the test holds)."""
    from incidents import actions
    from incidents.models import Category
    from incidents.seeds import ensure_reference_data

    world = committed_world
    if not Category.objects.filter(code="E0103").exists():
        ensure_reference_data()
    category = Category.objects.get(code="E0103")
    staff_2, _ = User.objects.get_or_create(username="community_2_staff", defaults={"role": Role.COMMUNITY, "area": world.community_2})

    def file(reporter, cell):
        point = cell.boundary.point_on_surface
        from django.contrib.gis.geos import Point

        return actions.report_incident(reporter=reporter, category=category, location=Point(point.x, point.y, srid=4326))[0]

    with time_machine.travel(MONDAY, tick=False):
        first = [file(world.grid_worker_a, world.cell_a) for _ in range(BATCH)]
        second = [file(world.grid_worker_b, world.cell_b) for _ in range(BATCH)]
    return {"first": first, "second": second, "staff_2": staff_2, "all": [c.pk for c in first + second]}


def assert_escalated_exactly_once(ids: list[int]) -> None:
    from incidents.models import Incident, Notification, TimelineEntry

    rows = list(Incident.objects.filter(pk__in=ids).values("pk", "level", "version", "escalations"))
    wrong = [r for r in rows if (r["level"], r["version"], r["escalations"]) != ("community", 2, 1)]
    assert not wrong, f"cases not escalated exactly once: {wrong}"
    for pk in ids:
        versions = list(TimelineEntry.objects.filter(incident_id=pk).order_by("version").values_list("version", "action"))
        assert versions == [(1, "report"), (2, "escalate")], f"case {pk}: timeline {versions}"
    per_case = Notification.objects.filter(incident_id__in=ids, kind="escalated").values_list("incident_id", flat=True)
    assert sorted(per_case) == sorted(ids), "one notification per escalated case (one staff member per community)"


def escalated_count(ids: list[int]) -> int:
    from incidents.models import Incident

    return Incident.objects.filter(pk__in=ids, level="community").count()


# --- the faults -----------------------------------------------------------------------------

def test_a_worker_killed_mid_sweep_then_restarted_escalates_every_case_exactly_once(cases, settings):
    queue = f"gridgov-fault-kill-{os.getpid()}"
    worker = Worker(settings.CELERY_BROKER_URL, queue, f"{queue}-1")
    held = HeldUser(cases["staff_2"])
    try:
        worker.sweep(LATER)
        backend = wait_for(held.waiting_backend, what="the sweep to commit batch 1 and wait in batch 2")
        worker.process.send_signal(signal.SIGKILL)
        worker.process.wait(timeout=30)
        held.release()
        wait_for(lambda: not held.backend_alive(backend), what="PostgreSQL to drop the killed worker's transaction")
        # Batch 1 committed whole. Batch 2 is all or nothing: when the kill came after the worker
        # had sent COMMIT (waiting on the lock for its deferred key check), PostgreSQL completes
        # the commit without the client — consistent, and the rerun must not repeat it.
        assert escalated_count([c.pk for c in cases["first"]]) == BATCH
        assert escalated_count([c.pk for c in cases["second"]]) in (0, BATCH)

        # The task was acknowledged late and the worker died: Redis gives it to the next worker
        # after the visibility timeout; the beat's next tick does not wait for that.
        again = Worker(settings.CELERY_BROKER_URL, queue, f"{queue}-2")
        try:
            again.sweep(LATER)
            again.sweep(LATER)  # and a duplicate tick, as beat may send after a restart
            wait_for(lambda: escalated_count(cases["all"]) == 2 * BATCH, what="the rerun to finish")
            wait_for(lambda: _drained(again), what="both sweeps to run")
        finally:
            again.stop()
    finally:
        held.close()
        worker.stop()
    assert_escalated_exactly_once(cases["all"])


def test_a_redis_restart_mid_sweep_loses_no_escalation_and_repeats_none(cases):
    redis = PrivateRedis()
    queue = f"gridgov-fault-redis-{os.getpid()}"
    worker = Worker(redis.url, queue, queue)
    held = HeldUser(cases["staff_2"])
    try:
        worker.sweep(LATER)
        wait_for(held.waiting_backend, what="the sweep to wait in batch 2")
        redis.kill()  # the queue and the sweep's unacknowledged message are gone with it
        # A beat tick while Redis is down cannot be sent: it fails loudly, the database is untouched.
        with pytest.raises(Exception):
            worker.sweep(LATER, retry=False)
        redis.start()  # empty: nothing persisted (--save "" --appendonly no)
        held.release()
        # The sweep in progress never needed Redis for its database work: it finishes.
        wait_for(lambda: escalated_count(cases["all"]) == 2 * BATCH, what="the interrupted sweep to finish")
        wait_for(worker.answers, timeout=90, what="the worker to reconnect to the restarted Redis")
        worker.sweep(LATER)
        worker.sweep(LATER)
        wait_for(lambda: _drained(worker), what="the sweeps after the restart to run")
    finally:
        held.close()
        worker.stop()
        redis.kill()
    assert_escalated_exactly_once(cases["all"])


def test_a_dropped_database_connection_mid_sweep_rolls_back_the_batch_and_the_next_sweep_completes(cases, settings):
    queue = f"gridgov-fault-db-{os.getpid()}"
    worker = Worker(settings.CELERY_BROKER_URL, queue, queue)
    held = HeldUser(cases["staff_2"])
    try:
        worker.sweep(LATER)
        backend = wait_for(held.waiting_backend, what="the sweep to wait in batch 2")
        held.terminate(backend)  # what a failover, a network cut or an administrator does
        wait_for(lambda: not held.backend_alive(backend), what="the worker's connection to be gone")
        held.release()
        assert escalated_count([c.pk for c in cases["first"]]) == BATCH
        assert escalated_count([c.pk for c in cases["second"]]) == 0
        # The same worker process carries on: its next task opens a new connection.
        worker.sweep(LATER)
        wait_for(lambda: escalated_count(cases["all"]) == 2 * BATCH, what="the next sweep to finish the work")
        worker.sweep(LATER)
        wait_for(lambda: _drained(worker), what="the queue to drain")
        assert worker.process.poll() is None, "the worker survived the lost connection"
    finally:
        held.close()
        worker.stop()
    assert_escalated_exactly_once(cases["all"])


def _drained(worker: "Worker") -> bool:
    """Nothing waiting in the worker's queue and nothing running or reserved in the worker (a solo
    worker answers control messages only between tasks, so an answer means it is idle)."""
    import redis as redis_lib

    if redis_lib.Redis.from_url(worker.broker).llen(worker.queue):
        return False
    inspect = worker.app.control.inspect(destination=[worker.hostname], timeout=0.5)
    active, reserved = inspect.active(), inspect.reserved()
    if not active or not reserved:
        return False
    return not active.get(worker.hostname) and not reserved.get(worker.hostname)

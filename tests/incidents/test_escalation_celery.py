"""Escalation by a real Celery worker on real Redis against the test database.

Time: the worker is a separate process, so time_machine (which moves this process's clock) is
paired with the sweep's explicit ``now`` argument: ``sweep_escalations.delay(now=timezone.now()
.isoformat())`` makes the worker sweep at the moment this test travelled to.
"""
from __future__ import annotations

import threading
from datetime import timedelta

import psycopg
import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from incidents import actions
from incidents.actions import escalate_overdue
from incidents.models import Incident, Notification, TimelineEntry
from incidents.tasks import sweep_escalations

from tests.waiting import wait_for

from .conftest import inside, shanghai, start_celery_worker

pytestmark = pytest.mark.celery

MONDAY = shanghai(2025, 3, 3, 10, 0)


def _file(world, count: int = 1, cell=None):
    from incidents.models import Category

    category = Category.objects.get(code="E0103")
    return [
        actions.report_incident(reporter=world.grid_worker_a, category=category, location=inside(cell or world.cell_a))[0]
        for _ in range(count)
    ]


def test_a_case_not_handled_in_time_climbs_level_by_level_to_the_command_centre(committed_world, celery_worker_process):
    world = committed_world
    with time_machine.travel(MONDAY, tick=False) as traveller:
        incident, canary = _file(world, 2)
        actions.register(canary, actor=world.grid_worker_a)  # held back at the grid until the end
        Incident.objects.filter(pk=canary.pk).update(deadline=MONDAY + timedelta(days=60))
        for level, area in [("community", world.community_1), ("street", world.street_1), ("district", world.district)]:
            incident.refresh_from_db()
            traveller.move_to(incident.deadline + timedelta(minutes=1))
            sweep_escalations.delay(now=timezone.now().isoformat())
            # A second sweep at the same moment must not carry it further.
            sweep_escalations.delay(now=timezone.now().isoformat())
            wait_for(lambda: Incident.objects.filter(pk=incident.pk, level=level, area=area).exists(), what=f"{level} level")
        # The worker runs tasks in order: once the canary has climbed, every earlier sweep is done.
        traveller.move_to(MONDAY + timedelta(days=61))
        sweep_escalations.delay(now=timezone.now().isoformat())
        wait_for(lambda: Incident.objects.filter(pk=canary.pk, level="community").exists(), what="the canary")

    incident.refresh_from_db()
    assert incident.level == "district" and incident.escalations == 3
    climbs = list(TimelineEntry.objects.filter(incident=incident, action="escalate").order_by("version")
                  .values_list("from_level", "to_level"))
    assert climbs == [("grid", "community"), ("community", "street"), ("street", "district")]
    assert list(incident.timeline.order_by("version").values_list("version", flat=True)) == list(range(1, incident.version + 1))
    told = sorted(Notification.objects.filter(incident=incident, kind="escalated").values_list("user__username", flat=True))
    assert told == sorted([world.community_staff.username, world.street_staff.username, world.dispatcher.username])


class _Interleave:
    """Stop a sweep mid-statement, as a concurrent transaction would.

    This holds, uncommitted, the timeline row (case, version 2) that the sweep's escalation of that
    case must insert too: the sweep waits on the unique index — after it has claimed and moved its
    cases, before its statement ends and long before it can commit."""

    def __init__(self, incident):
        db = connection.settings_dict
        params = dict(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], password=db["PASSWORD"] or None)
        self.conn = psycopg.connect(**params)
        self.conn.execute(
            "INSERT INTO incidents_timelineentry (incident_id, version, at, action, from_status, to_status, from_level, "
            "to_level, note) VALUES (%s, 2, now(), 'test', '', '', '', '', '')",
            [incident.pk],
        )
        # Watch from another connection: inside a transaction pg_stat_activity is a frozen snapshot.
        self.watch = psycopg.connect(**params, autocommit=True)

    def waiting_backend(self) -> int | None:
        row = self.watch.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND state = 'active' AND wait_event_type = 'Lock'"
        ).fetchone()
        return row[0] if row else None

    def backend_alive(self, pid: int) -> bool:
        return self.watch.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone() is not None

    def release(self):
        self.conn.rollback()
        self.conn.close()

    def close(self):
        self.watch.close()


def test_two_sweeps_at_once_escalate_each_case_once(committed_world, celery_worker_process):
    world = committed_world
    with time_machine.travel(MONDAY, tick=False):
        cases = _file(world, 40)
    later = (MONDAY + timedelta(days=3)).isoformat()

    held = _Interleave(cases[0])
    try:
        sweep_escalations.delay(now=later)  # the worker's sweep claims all 40, then waits
        wait_for(held.waiting_backend, what="the worker's sweep to hold its claim")
        # A second sweep meanwhile skips the claimed rows instead of waiting or repeating them.
        second = escalate_overdue(now=MONDAY + timedelta(days=3))
        assert second.escalated == 0
    finally:
        held.release()
        held.close()
    wait_for(lambda: Incident.objects.filter(pk__in=[c.pk for c in cases], level="community").count() == 40,
             what="the worker's sweep to commit")
    assert TimelineEntry.objects.filter(incident__in=cases, action="escalate").count() == 40
    assert Notification.objects.filter(incident__in=cases, kind="escalated").count() == 40


def test_two_sweeps_started_together_in_two_threads_share_the_work(committed_world):
    world = committed_world
    with time_machine.travel(MONDAY, tick=False):
        cases = _file(world, 60)
    barrier = threading.Barrier(2)
    results = []

    def sweep():
        try:
            barrier.wait()
            results.append(escalate_overdue(now=MONDAY + timedelta(days=3), batch_size=7))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.escalated for r in results) == 60
    assert TimelineEntry.objects.filter(incident__in=cases, action="escalate").count() == 60
    assert Notification.objects.filter(incident__in=cases, kind="escalated").count() == 60


def test_a_sweep_killed_mid_way_and_rerun_loses_and_duplicates_nothing(committed_world, celery_worker_process):
    world = committed_world
    with time_machine.travel(MONDAY, tick=False):
        cases = _file(world, 30)
    later = (MONDAY + timedelta(days=3)).isoformat()
    queue = celery_worker_process.args[celery_worker_process.args.index("-Q") + 1]

    held = _Interleave(cases[0])
    try:
        sweep_escalations.delay(now=later)
        backend = wait_for(held.waiting_backend, what="the worker's sweep to be mid-way")
        celery_worker_process.kill()  # SIGKILL: no cleanup, no commit
        celery_worker_process.wait(timeout=30)
    finally:
        held.release()
    try:
        wait_for(lambda: not held.backend_alive(backend), what="the database to drop the dead worker's transaction")
    finally:
        held.close()

    ids = [c.pk for c in cases]
    # Whole batches only. The sweep's runners claim batches side by side, so a runner that was not
    # held may have committed its batch; every case is either escalated completely (moved, with
    # its timeline entry and notification) or untouched — the held batch left no trace.
    moved = set(Incident.objects.filter(pk__in=ids, level="community", version=2).values_list("pk", flat=True))
    untouched = set(Incident.objects.filter(pk__in=ids, level="grid", version=1).values_list("pk", flat=True))
    assert moved | untouched == set(ids)
    assert cases[0].pk in untouched
    assert set(TimelineEntry.objects.filter(incident__in=ids, action="escalate").values_list("incident", flat=True)) == moved
    assert set(Notification.objects.filter(incident__in=ids).values_list("incident", flat=True)) == moved

    again = start_celery_worker(queue)
    try:
        sweep_escalations.delay(now=later)
        wait_for(lambda: Incident.objects.filter(pk__in=ids, level="community").count() == 30, what="the rerun")
    finally:
        again.terminate()
        again.wait(timeout=30)
    assert TimelineEntry.objects.filter(incident__in=ids, action="escalate").count() == 30
    assert Notification.objects.filter(incident__in=ids, kind="escalated").count() == 30
    assert list(Incident.objects.filter(pk__in=ids).values_list("version", flat=True).distinct()) == [2]


def test_side_by_side_runners_of_one_sweep_escalate_each_case_once_and_count_every_batch(committed_world):
    world = committed_world
    with time_machine.travel(MONDAY, tick=False):
        cases = _file(world, 30)
    result = escalate_overdue(now=MONDAY + timedelta(days=3), batch_size=4, workers=3)
    assert result.escalated == 30
    assert result.timeline_entries == 30
    assert result.by_level == {"grid": 30}
    assert result.batches >= 30 // 4  # each runner also ends with one batch that is not full
    assert TimelineEntry.objects.filter(incident__in=cases, action="escalate").count() == 30
    assert list(Incident.objects.filter(pk__in=[c.pk for c in cases]).values_list("version", flat=True).distinct()) == [2]

"""Celery on two hosts: two workers (separate processes, separate host names), one beat sending
the escalation sweep every second, one Redis. The worker running the sweep is SIGKILLed in the
middle of it; the other carries on from the next tick, and every escalation is done exactly once.

"In the middle" is exact, as in tests/reliability/test_escalation_faults.py: batches of ten, and a
row lock this test holds on community 2's staff member makes the sweep commit batch 1 and wait in
batch 2. Which worker holds that transaction is read from PostgreSQL (each worker connects with
its own application name).
"""
from __future__ import annotations

import os

import pytest

from tests.reliability.test_escalation_faults import (BATCH, HeldUser, PrivateRedis, assert_escalated_exactly_once,
                                                     escalated_count)
from tests.reliability.test_escalation_faults import cases  # noqa: F401 - the fixture
from tests.waiting import wait_for

from .celery_hosts import Beat, HostWorker

pytestmark = [pytest.mark.scale, pytest.mark.celery]


def _holder(held: HeldUser, workers: list[HostWorker]) -> HostWorker | None:
    """The worker whose transaction waits on the held lock."""
    pid = held.waiting_backend()
    if pid is None:
        return None
    name = held.watch.execute("SELECT application_name FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
    return next((w for w in workers if name and w.application_name == name[0]), None)


def test_one_of_two_workers_killed_mid_sweep_leaves_every_escalation_done_exactly_once(cases):  # noqa: F811
    redis = PrivateRedis()
    queue = f"gridgov-two-hosts-{os.getpid()}"
    settings = {"GRIDGOV_SWEEP_SECONDS": "1", "GRIDGOV_SWEEP_BATCH": str(BATCH), "GRIDGOV_SWEEP_WORKERS": "1"}
    held = HeldUser(cases["staff_2"])
    workers = [HostWorker(redis.url, queue, host, settings) for host in ("host-a", "host-b")]
    beat = None
    try:
        beat = Beat(redis.url, queue, settings)
        busy = wait_for(lambda: _holder(held, workers), timeout=120,
                        what="a worker's sweep to commit batch 1 and wait in batch 2")
        other = next(w for w in workers if w is not busy)
        assert escalated_count([c.pk for c in cases["first"]]) == BATCH
        busy.kill()
        held.release()
        # The killed worker's batch is all or nothing; the other worker's next ticks do the rest.
        wait_for(lambda: escalated_count(cases["all"]) == 2 * BATCH, timeout=120,
                 what=f"{other.hostname} to finish the escalations")
        # More ticks on the survivor find nothing left to do.
        ticks = other.log_text().count("incidents.sweep_escalations")
        wait_for(lambda: other.log_text().count("incidents.sweep_escalations") >= ticks + 6, timeout=60,
                 what="three more sweeps on the surviving worker")
        assert other.process.poll() is None and beat.process.poll() is None
    finally:
        for process in [beat, *workers]:
            if process is not None:
                process.stop()
        held.close()
        redis.kill()
    assert_escalated_exactly_once(cases["all"])

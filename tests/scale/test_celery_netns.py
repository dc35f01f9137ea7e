"""Celery on two hosts that are network namespaces of the test's own (``ip netns``): each has only
a loopback of its own and its own host name, and reaches Redis and PostgreSQL through their unix
sockets — nothing else is reachable from inside. One worker in each, the beat on host a; the
worker running the sweep is SIGKILLed in the middle of it (the row lock of
tests/scale/test_celery_two_hosts.py), and every escalation is done exactly once.

Where namespaces cannot be made (not root, ``ip netns add`` refused, the database's socket not on
this machine), the test says why and runs the separate-process test instead: never a silent skip.
"""
from __future__ import annotations

import os
import warnings

import pytest
from django.db import connection

from tests.reliability.test_escalation_faults import BATCH, HeldUser, assert_escalated_exactly_once, escalated_count
from tests.reliability.test_escalation_faults import cases  # noqa: F401 - the fixture
from tests.waiting import wait_for

from .celery_hosts import Beat, HostWorker
from .netns import Namespace, SocketRedis, database_socket, reach_from, why_not_here
from . import test_celery_two_hosts as separate_processes
from .test_celery_two_hosts import _holder

pytestmark = [pytest.mark.scale, pytest.mark.scale_slow, pytest.mark.celery]


def _fall_back(reason: str, cases) -> None:  # noqa: F811
    message = f"Celery in network namespaces not possible here ({reason}); ran the separate-process test instead"
    print("\n" + message)
    warnings.warn(message, stacklevel=2)
    separate_processes.test_one_of_two_workers_killed_mid_sweep_leaves_every_escalation_done_exactly_once(cases)


def test_one_of_two_workers_in_network_namespaces_killed_mid_sweep_leaves_every_escalation_done_once(cases):  # noqa: F811
    reason = why_not_here()
    folder, no_socket = database_socket() if reason is None else (None, "")
    if reason or folder is None:
        _fall_back(reason or no_socket, cases)
        return
    tag = f"gg{os.getpid() % 100000}"
    hosts: list[Namespace] = []
    processes = []
    redis = SocketRedis()
    held = HeldUser(cases["staff_2"])
    try:
        for letter in "ab":
            hosts.append(Namespace(f"{tag}-{letter}", f"host-{letter}"))
        # Each host is alone on its network: a loopback, and the machine's database port unreachable.
        for host in hosts:
            assert host.interfaces() == ["lo"]
            assert host.run("hostname").stdout.strip() == host.hostname
            port = connection.settings_dict["PORT"] or 5432
            probe = host.run("python3", "-c", f"import socket; socket.create_connection(('127.0.0.1', {port}), 2)")
            assert probe.returncode != 0 and "ConnectionRefused" in probe.stderr, probe.stderr
        settings = {"GRIDGOV_SWEEP_SECONDS": "1", "GRIDGOV_SWEEP_BATCH": str(BATCH), "GRIDGOV_SWEEP_WORKERS": "1"}
        queue = f"gridgov-netns-{os.getpid()}"
        workers = [HostWorker(redis.broker, queue, host.hostname, settings, reach_from(host, folder, redis))
                   for host in hosts]
        processes.extend(workers)
        processes.append(Beat(redis.broker, queue, settings, reach_from(hosts[0], folder, redis)))
        busy = wait_for(lambda: _holder(held, workers), timeout=120,
                        what="a worker's sweep to commit batch 1 and wait in batch 2")
        # It came through the socket (no client address), from inside its namespace.
        address = held.watch.execute("SELECT client_addr FROM pg_stat_activity WHERE pid = %s",
                                     [held.waiting_backend()]).fetchone()
        assert address == (None,)
        other = next(w for w in workers if w is not busy)
        assert escalated_count([c.pk for c in cases["first"]]) == BATCH
        busy.kill()
        held.release()
        wait_for(lambda: escalated_count(cases["all"]) == 2 * BATCH, timeout=120,
                 what=f"{other.hostname} to finish the escalations")
        ticks = other.log_text().count("incidents.sweep_escalations")
        wait_for(lambda: other.log_text().count("incidents.sweep_escalations") >= ticks + 6, timeout=60,
                 what="three more sweeps on the surviving worker")
        assert all(p.process.poll() is None for p in processes if p is not busy)
        print(f"\n{busy.hostname} killed mid-sweep in namespace {tag}-{busy.hostname[-1]}; {other.hostname} finished")
    finally:
        for process in processes:
            process.stop()
        held.close()
        for host in hosts:
            host.delete()
        redis.kill()
    assert_escalated_exactly_once(cases["all"])
    assert not [h for h in hosts if os.path.exists(f"/run/netns/{h.name}")], "namespaces removed"

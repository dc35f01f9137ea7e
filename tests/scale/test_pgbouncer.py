"""PgBouncer where it helps: more web workers than the database has connections for.

Every sync gunicorn worker keeps one database connection (``CONN_MAX_AGE``), so web workers on
several hosts, and Celery workers, add up past ``max_connections`` long before the database runs
out of CPU. Here a primary allows 6 connections and one gunicorn runs 12 workers: straight to the
primary some requests fail (no connection to be had); through PgBouncer in transaction pooling, 3
server connections carry all of them, with every report filed once — the token check and the point
lookup being gridgov/prepared.py's statements, run unprepared behind the pooler
(``GRIDGOV_DB_TRANSACTION_POOLER=1``). And why unprepared: Debian 12's PgBouncer 1.18 hands one
server connection's prepared statements to whichever client comes next.
"""
from __future__ import annotations

import os
import shutil

import psycopg
import pytest

from tests.waiting import wait_for

from .bouncer import PgBouncer, burst, version
from .clusters import Cluster, make_root

pytestmark = [pytest.mark.scale, pytest.mark.scale_slow]

MAX_CONNECTIONS = 6
WEB_WORKERS = 12
POOL = 3
ROUNDS = 4  # a report and a lookup each, per phone


@pytest.fixture
def lone_primary(golden):
    """lone_primary(*settings) → a primary copied from the golden database, without a standby; and
    ``bouncer(cluster, pool_size)``: PgBouncer in front of it. All gone at the end of the test."""
    made: list = []

    def make(*settings: str) -> Cluster:
        root = make_root()
        cluster = Cluster.copy_of(golden[0].data, root, settings=settings)
        made.append((root, cluster))
        return cluster

    bouncers: list[PgBouncer] = []

    def bouncer(cluster: Cluster, pool_size: int) -> PgBouncer:
        bouncers.append(PgBouncer(cluster, pool_size=pool_size))
        return bouncers[-1]

    make.bouncer = bouncer
    yield make
    for each in bouncers:
        each.stop()
    for root, cluster in made:
        cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)


def _figures(what: str, load) -> str:
    return (f"{what}: {load.requests} requests, {load.errors} errors, {load.per_second:.0f}/s, "
            f"peak {load.peak_backends} backends, CPU per request web {load.web_cpu_ms:.1f} ms, "
            f"database {load.db_cpu_ms:.1f} ms, slowest {load.slowest:.1f} s; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def test_more_web_workers_than_connections_fail_directly_and_are_all_served_through_pgbouncer(lone_primary, app_server, golden):
    facts = golden[1]
    primary = lone_primary(f"max_connections={MAX_CONNECTIONS}")
    kept = {"GRIDGOV_DB_CONN_MAX_AGE": "60"}  # as in production: a worker keeps its connection

    direct = app_server({"DATABASE_URL": primary.url(), **kept}, workers=WEB_WORKERS, preload=True)
    straight = burst(direct, primary, facts, clients=WEB_WORKERS, rounds=ROUNDS)
    print("\n" + _figures(f"{WEB_WORKERS} workers straight to max_connections={MAX_CONNECTIONS}", straight))
    direct.stop()
    wait_for(lambda: primary.client_backends() == 0, timeout=30, what="the direct workers' backends to end")

    bouncer = lone_primary.bouncer(primary, POOL)
    pooled_server = app_server({"DATABASE_URL": bouncer.url(), "GRIDGOV_DB_TRANSACTION_POOLER": "1", **kept},
                               workers=WEB_WORKERS, preload=True)
    pooled = burst(pooled_server, primary, facts, clients=WEB_WORKERS, rounds=ROUNDS)
    print(_figures(f"the same through {version()} (transaction pooling, {POOL} server connections)", pooled))

    assert straight.peak_backends == MAX_CONNECTIONS
    assert straight.errors > 0, "every worker found a connection: the load did not reach past max_connections"
    assert pooled.errors == 0, f"{pooled.error_samples}\n{bouncer.log_text()}"
    assert pooled.peak_backends <= POOL
    assert len(pooled.filed) == WEB_WORKERS * ROUNDS
    ids = [str(each) for each in pooled.filed]
    filed = primary.query("SELECT client_id::text, count(*) FROM incidents_incident WHERE client_id = ANY(%s::uuid[]) "
                          "GROUP BY client_id", [ids])
    assert sorted(filed) == sorted((each, 1) for each in ids), "every answered report filed, once"


def test_debians_pgbouncer_does_not_keep_a_clients_prepared_statements(lone_primary):
    """Why prepared statements are off behind the pooler: one server connection, two clients that
    each prepare their first statement (psycopg names it ``_pg3_0`` on every connection)."""
    bouncer = lone_primary.bouncer(lone_primary(), 1)
    first, second = bouncer.connect(), bouncer.connect()
    try:
        assert first.execute("SELECT %s::int + 1", [1], prepare=True).fetchone() == (2,)
        with pytest.raises(psycopg.errors.DuplicatePreparedStatement):
            second.execute("SELECT %s::int + 2", [1], prepare=True)
        # Unprepared, as gridgov/prepared.py runs behind the pooler, both are served.
        assert second.execute("SELECT %s::int + 2", [1], prepare=False).fetchone() == (3,)
        assert first.execute("SELECT %s::int + 1", [2], prepare=False).fetchone() == (3,)
    finally:
        first.close()
        second.close()

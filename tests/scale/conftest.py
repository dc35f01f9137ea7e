"""Fixtures of the scale tests: clusters of their own on loopback, and the app served against them.

A golden database (migrated, the test world built) is made once per session in a cluster of its
own, stopped, and copied for every pair of primary and standby a test asks for, so each test
starts from the same rows in about two seconds. Every cluster and server is killed and its folder
removed when its test ends, failed or not.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.waiting import wait_for

from .clusters import Cluster, make_root
from .servers import AppServer

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Golden:
    data: Path
    facts: dict


@pytest.fixture(scope="session")
def golden():
    root = make_root()
    cluster = Cluster.primary(root)
    try:
        cluster.query("CREATE DATABASE gridgov", dbname="postgres")
        cluster.query("CREATE EXTENSION postgis")
        env = {**os.environ, "DATABASE_URL": cluster.url(), "GRIDGOV_DB_CONN_MAX_AGE": "0"}
        env.pop("GRIDGOV_REPLICA_URL", None)
        done = subprocess.run([sys.executable, "-m", "tests.scale.seed"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        facts = json.loads(done.stdout.strip().splitlines()[-1])
        cluster.stop()
        yield Golden(cluster.data, facts)
    finally:
        cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Pair:
    primary: Cluster
    standby: Cluster
    facts: dict

    def caught_up(self) -> None:
        """A transaction committed on the primary now and replayed on the standby (so the
        standby's lag is measured from a replayed commit, as on any working day)."""
        # A table of the test's own in its own copy of the database: a commit that writes WAL.
        self.primary.query("CREATE TABLE IF NOT EXISTS scale_test_marker (at timestamptz)")
        self.primary.query("INSERT INTO scale_test_marker VALUES (now())")
        lsn = self.primary.query("SELECT pg_current_wal_flush_lsn()::text")[0][0]
        wait_for(lambda: self.standby.query("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn "
                                            "AND pg_last_xact_replay_timestamp() IS NOT NULL", [lsn])[0][0],
                 what="the standby to replay the primary's last commit")

    def pause_replay(self) -> None:
        self.caught_up()
        self.standby.query("SELECT pg_wal_replay_pause()")


@pytest.fixture
def pair_factory(golden):
    """pair_factory(synchronous=False) → a primary copied from the golden database and its
    streaming hot standby, both destroyed at the end of the test."""
    made: list[tuple[Path, list[Cluster]]] = []

    def make(*, synchronous: bool = False) -> Pair:
        root = make_root()
        clusters: list[Cluster] = []
        made.append((root, clusters))
        primary = Cluster.copy_of(golden.data, root, synchronous=synchronous)
        clusters.append(primary)
        standby = primary.standby(root)
        clusters.append(standby)
        return Pair(primary, standby, golden.facts)

    yield make
    for root, clusters in made:
        for cluster in reversed(clusters):
            cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def app_server():
    """app_server(env) → the app under gunicorn with that environment; stopped at the end."""
    started: list[AppServer] = []

    def start(env: dict[str, str], **kwargs) -> AppServer:
        server = AppServer(env, **kwargs)
        started.append(server)
        return server.wait_ready()

    yield start
    for server in started:
        server.stop()

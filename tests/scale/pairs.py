"""The golden database, and pairs of primary and standby copied from it (used by conftest.py's
fixtures and by bench/replica.py)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.waiting import wait_for

from .clusters import Cluster

ROOT = Path(__file__).resolve().parents[2]


def make_golden(root: Path) -> tuple[Cluster, dict]:
    """A cluster with the database ``gridgov`` migrated and the test world built, stopped; and the
    facts the seed printed (tokens, a point in a cell). The caller destroys the cluster."""
    cluster = Cluster.primary(root)
    try:
        cluster.query("CREATE DATABASE gridgov", dbname="postgres")
        cluster.query("CREATE EXTENSION postgis")
        env = {**os.environ, "DATABASE_URL": cluster.url(), "GRIDGOV_DB_CONN_MAX_AGE": "0"}
        env.pop("GRIDGOV_REPLICA_URL", None)
        done = subprocess.run([sys.executable, "-m", "tests.scale.seed"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"seeding the golden database failed:\n{done.stderr[-3000:]}")
        facts = json.loads(done.stdout.strip().splitlines()[-1])
        cluster.stop()
    except BaseException:
        cluster.destroy()
        raise
    return cluster, facts


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


def make_pair(golden: Cluster, facts: dict, root: Path, clusters: list[Cluster], *, synchronous: bool = False) -> Pair:
    """A primary copied from the golden cluster and its streaming hot standby; each is appended to
    ``clusters`` as soon as it exists, so the caller can destroy whatever was made."""
    primary = Cluster.copy_of(golden.data, root, synchronous=synchronous)
    clusters.append(primary)
    standby = primary.standby(root)
    clusters.append(standby)
    return Pair(primary, standby, facts)

"""GRIDGOV_DB_TRANSACTION_POOLER=1 (the database URL names PgBouncer in transaction pooling): the
few statements gridgov/prepared.py prepares per connection are then run unprepared, and Django's
server-side cursors are off — nothing outlives a transaction on a shared server connection.
(Through a real PgBouncer: tests/scale/test_pgbouncer.py, make test-scale.)"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from gridgov.prepared import execute_prepared

pytestmark = [pytest.mark.scale, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[2]


def _prepared_here(marker: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{marker}%"])
        return cursor.fetchone()[0]


def test_behind_a_transaction_pooler_the_hot_statements_run_unprepared(settings):
    settings.GRIDGOV_DB_TRANSACTION_POOLER = True
    with execute_prepared("SELECT %s::int + 40 AS pooled_marker", [2]) as cursor:
        assert cursor.fetchone() == (42,)
    assert _prepared_here("pooled_marker") == 0

    settings.GRIDGOV_DB_TRANSACTION_POOLER = False
    with execute_prepared("SELECT %s::int + 40 AS direct_marker", [2]) as cursor:
        assert cursor.fetchone() == (42,)
    assert _prepared_here("direct_marker") == 1


@pytest.mark.parametrize("value, off", [("1", True), ("0", False)])
def test_the_pooler_setting_turns_server_side_cursors_off(value, off):
    env = {**os.environ, "GRIDGOV_DB_TRANSACTION_POOLER": value, "GRIDGOV_REPLICA_URL": "postgis://u@127.0.0.1:1/standby"}
    shown = subprocess.run([sys.executable, "-c", "import django; django.setup(); from django.conf import settings as s; "
                            "print(sorted((k, d['DISABLE_SERVER_SIDE_CURSORS']) for k, d in s.DATABASES.items()))"],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True).stdout
    assert shown.strip() == str([("default", off), ("replica", off)])

"""The statements prepared on purpose (gridgov/prepared.py) are planned once per connection."""
from __future__ import annotations

import pytest
from django.db import connection

from gridgov.prepared import execute_prepared

pytestmark = pytest.mark.django_db


def test_a_prepared_statement_keeps_its_generic_plan():
    # Without it PostgreSQL planned a patrol's batch again on every run: 2 ms of ~4.8 ms (bench/day).
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_generic_plan"
    for _ in range(7):  # past the five custom plans PostgreSQL would otherwise try first
        with execute_prepared("SELECT count(*) FROM grids_area WHERE code LIKE %s", ["1%"]) as cursor:
            cursor.fetchone()
    with connection.cursor() as cursor:
        cursor.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%%grids_area WHERE code LIKE%%'")
        generic, custom = cursor.fetchone()
    assert generic >= 7 and custom == 0

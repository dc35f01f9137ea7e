"""Each app's migrations change only its own tables; the indexes on incidents' tables are incidents'.

dispatch once created four indexes on incidents' tables; incidents' migration 0007 now creates
them (and renames them where dispatch's migrations had already run), so that a fresh database
and one migrated before end with the same indexes under the same names.
"""
from __future__ import annotations

import re
from importlib import import_module

from django.apps import apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunSQL

PROJECT_APPS = ("grids", "accounts", "residents", "incidents", "dispatch")
INCIDENT_INDEXES = {
    "incidents_incident_period_idx": "incidents_incident",
    "incidents_timeline_rework_idx": "incidents_timelineentry",
    "incidents_incident_centre_idx": "incidents_incident",
    "incidents_incident_area_period_idx": "incidents_incident",
}


def _statements(operation: RunSQL) -> list[str]:
    sql = operation.sql
    parts = sql if isinstance(sql, (list, tuple)) else [sql]
    return [part if isinstance(part, str) else part[0] for part in parts]


def test_each_apps_migrations_write_sql_only_against_its_own_tables():
    tables = {model._meta.db_table: model._meta.app_label for model in apps.get_models()}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    trespasses = []
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        if app not in PROJECT_APPS:
            continue
        for operation in migration.operations:
            if not isinstance(operation, RunSQL):
                continue
            for statement in _statements(operation):
                for word in set(re.findall(r"[a-z_][a-z0-9_]*", statement.lower())):
                    if tables.get(word, app) != app:
                        trespasses.append(f"{app}.{name} touches {word}")
    assert trespasses == []


def _indexes() -> dict[str, tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, tablename, regexp_replace(indexdef, '^CREATE INDEX \\S+ ', '') FROM pg_indexes"
            " WHERE tablename LIKE 'incidents\\_%%'"
        )
        return {name: (table, definition) for name, table, definition in cursor.fetchall()}


def test_the_indicator_and_queue_indexes_are_on_incidents_tables_under_incidents_names(db):
    indexes = _indexes()
    for name, table in INCIDENT_INDEXES.items():
        assert indexes[name][0] == table
    assert [name for name in indexes if name.startswith("dispatch_")] == []


def test_a_database_migrated_with_the_old_dispatch_names_ends_with_the_same_indexes(db):
    migration = import_module("incidents.migrations.0008_indicator_indexes")
    fresh = _indexes()
    with connection.cursor() as cursor:
        # What dispatch's migrations 0002 and 0005 left behind on a database they ran on.
        for old, new, _create in migration.INDEXES:
            cursor.execute(f"ALTER INDEX {new} RENAME TO {old}")
        assert not set(INCIDENT_INDEXES) & set(_indexes())
        for old, new, create in migration.INDEXES:
            cursor.execute(migration.rename(old, new))
            if "CONCURRENTLY" not in create:  # cannot run inside the test's transaction; it would find the index anyway
                cursor.execute(create)
    assert _indexes() == fresh

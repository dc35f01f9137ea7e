"""Statements prepared once per database connection, for the few that run thousands of times a
second (the point lookup, a patrol's batch of points), where planning costs as much as running.

Django turns psycopg's preparation off on its connections (``prepare_threshold = None``, so that
connection poolers keep working), and with it off ``cursor.execute(sql, prepare=True)`` silently
prepares nothing: every execution was planned again. ``execute_prepared`` turns preparation back
on for its own statements only: the threshold is set past reach, so psycopg never prepares a
statement by itself, and Django's client-side binding cursors never prepare at all. Behind
PgBouncer in transaction mode (``GRIDGOV_DB_TRANSACTION_POOLER=1``) nothing is prepared: Debian
12's PgBouncer 1.18 hands a client's next transaction to any server connection, where the statement
does not exist (or another client's of the same name does); 1.21+ with ``max_prepared_statements``
would keep them (docs/scaling.md, "PgBouncer").
"""
from __future__ import annotations

import psycopg
from django.conf import settings
from django.db import connection

# psycopg prepares a statement by itself after this many executions: never, in practice.
_ONLY_WHEN_ASKED = 2**62


def execute_prepared(sql: str, params) -> psycopg.Cursor:
    """Run ``sql`` on Django's connection as a prepared statement (prepared on its first run on
    this connection); answers the cursor to fetch from. Inside a transaction when the caller is."""
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _ONLY_WHEN_ASKED
    cursor = psycopg.Cursor(raw)
    # Planned on every run behind a transaction pooler: the price of sharing server connections.
    cursor.execute(sql, params, prepare=not settings.GRIDGOV_DB_TRANSACTION_POOLER)
    return cursor

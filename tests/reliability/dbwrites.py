"""What a request wrote to the database, found cheaply: the tables whose row counters moved in this
transaction (``pg_stat_xact_user_tables``), and of those, the ones whose rows differ from before.

``writes(call)`` runs ``call()`` in a savepoint, digests the tables it touched, rolls the savepoint
back and digests them again (the state before): the tables that differ are what it changed. The
session and lock-out bookkeeping of a sign-in do not count.
"""
from __future__ import annotations

from typing import Any, Callable

from django.db import connection, transaction

BOOKKEEPING = ("django_session", "axes_", "accounts_apitoken")


def _counters() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables")
        return dict(cursor.fetchall())


def _digest(tables: list[str]) -> dict[str, str]:
    out = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT md5(coalesce(string_agg(md5(t::text), \',\' ORDER BY md5(t::text)), \'\')) FROM "{table}" t')
            out[table] = cursor.fetchone()[0]
    return out


def writes(call: Callable[[], Any], *, ignore: tuple[str, ...] = BOOKKEEPING) -> tuple[Any, list[str]]:
    """(what ``call()`` answered, the tables it left changed), the changes rolled back."""
    with transaction.atomic():
        before = _counters()
        result = call()
        touched = [t for t, n in _counters().items() if n != before.get(t, 0) and not t.startswith(ignore)]
        after = _digest(touched)
        transaction.set_rollback(True)
    return result, sorted(t for t, digest in _digest(touched).items() if digest != after[t])

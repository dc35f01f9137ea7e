"""The building blocks of a set-based level sweep, shared by every sweep that climbs the level
chain (cases here in ``actions.escalation``; needs, and tasks, in the apps above).

- ``sql_literal`` / ``sql_case`` / ``sql_list``: compile the level chain's Python tables
  (``levels``) into SQL, so a sweep's statement and the single-row acts cannot drift apart;
- ``side_by_side``: run a batch loop on several connections at once (each claims with
  ``FOR UPDATE SKIP LOCKED``, which keeps them apart), or on the caller's connection alone
  inside a transaction.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable, TypeVar

from django.db import connection

T = TypeVar("T")


def sql_literal(value: str) -> str:
    """A constant of our own vocabularies (levels, roles, statuses) as an SQL string literal."""
    text = str(value)
    if not text.replace("_", "").isalnum():
        raise ValueError(f"Not a plain identifier: {text!r}")
    return f"'{text}'"


def sql_case(column: str, mapping: dict[str, Any], otherwise: Any = None) -> str:
    """CASE column WHEN key THEN value … END, from a Python mapping."""
    arms = " ".join(
        f"WHEN {sql_literal(key)} THEN {value if isinstance(value, int) else sql_literal(value)}" for key, value in mapping.items()
    )
    tail = "" if otherwise is None else f" ELSE {sql_literal(otherwise)}"
    return f"CASE {column} {arms}{tail} END"


def sql_list(values: Iterable[str]) -> str:
    return ", ".join(sql_literal(value) for value in values)


def side_by_side(work: Callable[[], T], workers: int) -> list[T]:
    """``work()`` on ``workers`` connections at once; on this connection alone inside a
    transaction (other connections could not see its uncommitted rows) or for one worker."""
    if workers <= 1 or connection.in_atomic_block:
        return [work()]

    def on_own_connection() -> T:
        try:
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sweep") as pool:
        futures = [pool.submit(on_own_connection) for _ in range(workers)]
        return [future.result() for future in futures]

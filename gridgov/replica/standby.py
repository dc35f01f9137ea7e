"""How far behind the standby is, measured on the standby, remembered for a moment per process.

The lag is the age of the last transaction replayed while WAL received is still waiting to be
replayed, and 0 when everything received is replayed. That alone would call a standby that lost
its primary "0 s behind" forever, so a standby whose WAL receiver is not streaming is not used
(a standby promoted to primary is in no recovery any more: it serves reads, 0 s behind). One
consequence, on the safe side: the first write after the primary stood idle for a while shows
as a lag of that idle time until it is replayed (milliseconds), and reads go to the primary for
one check period.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections

from . import REPLICA

_LAG_SQL = """
SELECT pg_is_in_recovery(),
       COALESCE((SELECT status FROM pg_stat_wal_receiver), ''),
       CASE WHEN NOT pg_is_in_recovery() THEN 0
            WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())
       END
"""


@dataclass(frozen=True)
class StandbyState:
    configured: bool
    serving_reads: bool
    lag_seconds: float | None = None
    reason: str = ""


NOT_CONFIGURED = StandbyState(configured=False, serving_reads=False, reason="not configured")

_lock = threading.Lock()
_last: tuple[float, StandbyState] | None = None


def configured() -> bool:
    return REPLICA in settings.DATABASES


def measure() -> StandbyState:
    """Ask the standby now."""
    if not configured():
        return NOT_CONFIGURED
    limit = settings.GRIDGOV_REPLICA_MAX_LAG_SECONDS
    wrapper = connections[REPLICA]
    try:
        with wrapper.cursor() as cursor:
            cursor.execute(_LAG_SQL)
            in_recovery, receiver, lag = cursor.fetchone()
    except DatabaseError as exc:
        # Down, or restarting: drop the connection so the next check connects afresh.
        wrapper.close()
        return StandbyState(configured=True, serving_reads=False, reason=str(exc).strip()[:200])
    lag = float(lag) if lag is not None else None
    if in_recovery and receiver != "streaming":
        return StandbyState(True, False, lag, "not streaming from the primary")
    if lag is None:
        return StandbyState(True, False, None, "nothing replayed yet")
    if lag > limit:
        return StandbyState(True, False, lag, f"{lag:.1f} s behind, more than {limit:g} s")
    return StandbyState(True, True, lag)


def state() -> StandbyState:
    """The state measured at most ``GRIDGOV_REPLICA_CHECK_SECONDS`` ago in this process: one
    question to the standby per second per process, not one per request."""
    global _last
    if not configured():
        return NOT_CONFIGURED
    now = time.monotonic()
    with _lock:
        if _last is not None and now - _last[0] < settings.GRIDGOV_REPLICA_CHECK_SECONDS:
            return _last[1]
    return remember(measure())


def remember(measured: StandbyState) -> StandbyState:
    """Keep ``measured`` as this process's state for the next check period."""
    global _last
    with _lock:
        _last = (time.monotonic(), measured)
    return measured


def forget() -> None:
    """Measure again at the next request (tests; after changing the settings)."""
    global _last
    with _lock:
        _last = None

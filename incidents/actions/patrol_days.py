"""Days of patrol points: the table's partitions, made ahead and dropped after the retention.

``incidents_patrolpoint`` is partitioned by range of ``at``, one partition per local day
(``incidents_patrolpoint_p20261203`` holds 2026-12-03 00:00 to 24:00 in ``TIME_ZONE``; migration
0010). The beat task ``incidents.patrol_days`` (every hour, idempotent) calls ``keep_days()``:

* the partitions of yesterday to ``DAYS_AHEAD`` days ahead are made if missing;
* a day older than ``GRIDGOV_PATROL_POINT_DAYS`` (the retention, default 90: today and the 90
  days before it are kept) is dropped — after every patrol with points that day has its track
  written as one simplified line on the patrol row (``write_tracks``), so what a patrol was
  (its line, distance, point count) is kept forever; coverage of an old day is answered from
  those lines (``incidents.queries.cell_coverage``).

DDL waits at most ``LOCK_TIMEOUT`` for the table's lock (a long report query must not stop
ingestion behind a waiting ``CREATE TABLE``), set with ``SET LOCAL`` so that it ends with the
DDL's transaction; a day is detached CONCURRENTLY, so dropping it never stops ingestion
(``_detach``), and that wait is bounded by a cancel, not a setting; a day that could not be made
or dropped is done by the next run. Nothing here leaves a setting on the session, which a
transaction pooler would hand to another client.
"""
from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone

log = logging.getLogger(__name__)

TABLE = "incidents_patrolpoint"
PREFIX = TABLE + "_p"
DAYS_AHEAD = 7
LOCK_TIMEOUT = "5s"
# The kept line: ST_Simplify's tolerance in degrees (about 10 m here, 8 m east–west): a walk keeps
# the corners of its streets, GPS jitter of a few metres goes; coverage is asked of 100 m cells.
TRACK_TOLERANCE_DEG = 0.0001


def retention_days() -> int:
    return int(getattr(settings, "GRIDGOV_PATROL_POINT_DAYS", 90))


def local_day(moment: datetime | None = None) -> date:
    return timezone.localdate(moment or timezone.now())


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()), timezone.get_current_timezone())


def oldest_allowed(now: datetime | None = None) -> datetime:
    """The earliest moment a point may have: the start of the oldest day still kept."""
    return day_start(local_day(now) - timedelta(days=retention_days()))


def ensure_days(first: date, last: date) -> list[date]:
    """Make the partitions of ``first`` … ``last`` that are missing; answers the days made."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        cursor.execute(
            "SELECT d::date FROM generate_series(%s::date, %s::date, '1 day') d WHERE incidents_patrolpoint_day(d::date, %s)",
            [first, last, settings.TIME_ZONE],
        )
        return [row[0] for row in cursor.fetchall()]


def kept_days() -> list[date]:
    """The days whose partitions exist, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY c.relname", [TABLE],
        )
        names = [row[0] for row in cursor.fetchall()]
    return [datetime.strptime(name[len(PREFIX):], "%Y%m%d").date() for name in names if name.startswith(PREFIX)]


def points_kept_for(day: date) -> bool:
    """Whether the points of ``day`` are still stored (its partition exists)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [PREFIX + day.strftime("%Y%m%d")])
        return cursor.fetchone()[0]


def first_kept_day() -> date | None:
    days = kept_days()
    return days[0] if days else None


_TRACK_SQL = f"""
UPDATE incidents_patrol p SET track = s.line FROM (
    SELECT patrol_id,
           CASE WHEN count(*) > 1 THEN ST_Simplify(ST_MakeLine(location ORDER BY at), {TRACK_TOLERANCE_DEG}, true)
                ELSE ST_MakeLine((array_agg(location))[1], (array_agg(location))[1]) END AS line
    FROM incidents_patrolpoint WHERE patrol_id = ANY(%(ids)s) GROUP BY patrol_id
) s
WHERE p.id = s.patrol_id AND (p.track IS NULL OR p.started_at >= %(kept_from)s)
"""


def write_tracks(patrol_ids: list[int]) -> int:
    """Write each patrol's track from its points, as one simplified line; answers how many.

    A patrol some of whose points are already dropped (it started before the oldest kept day) keeps
    the line it has: its points no longer tell the whole walk."""
    if not patrol_ids:
        return 0
    first = first_kept_day()
    kept_from = day_start(first) if first else timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_TRACK_SQL, {"ids": list(patrol_ids), "kept_from": kept_from})
        return cursor.rowcount


# DETACH … CONCURRENTLY takes only a SHARE UPDATE EXCLUSIVE lock (inserts go on), then waits for
# every transaction that may still see the day: it may wait longer than the DDL's LOCK_TIMEOUT.
DETACH_WAIT_SECONDS = 60.0


def _table_state(name: str) -> str | None:
    """'attached', 'pending' (a concurrent detach was cut off), 'detached' (not dropped), or None."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(%s) IS NOT NULL, (SELECT i.inhdetachpending FROM pg_inherits i "
            "WHERE i.inhrelid = to_regclass(%s) AND i.inhparent = %s::regclass)", [name, name, TABLE],
        )
        exists, pending = cursor.fetchone()
    if not exists:
        return None
    return "detached" if pending is None else ("pending" if pending else "attached")


def _detach(name: str, state: str) -> None:
    """Take the day out of the table without stopping the points being written.

    DETACH PARTITION … CONCURRENTLY cannot run in a transaction block, so it runs on its own in
    autocommit. Called inside a transaction (a test's, a shell's ``atomic``), the plain DETACH is
    used: it holds an ACCESS EXCLUSIVE lock on the whole table, which only the caller's own
    transaction can make acceptable. A concurrent detach cut off half-way (its wait timed out, the
    worker died) leaves the day 'pending'; the next run FINALIZEs it.
    """
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred check may wait on the dropped rows
            cursor.execute(f'ALTER TABLE {TABLE} DETACH PARTITION "{name}"')
        return
    how = "FINALIZE" if state == "pending" else "CONCURRENTLY"
    _run_within(f'ALTER TABLE {TABLE} DETACH PARTITION "{name}" {how}', DETACH_WAIT_SECONDS)


def _run_within(sql: str, seconds: float) -> None:
    """Run ``sql`` in autocommit, cancelled if it takes longer than ``seconds`` (raises
    OperationalError then, as a lock timeout would).

    Why not ``lock_timeout``: a statement that refuses a transaction block could only take it as
    a session setting, and behind a transaction pooler (GRIDGOV_DB_TRANSACTION_POOLER) the ``SET``,
    the statement and the ``RESET`` may each run on a different server connection, so another
    client would keep the setting. A cancel request reaches this statement wherever it runs
    (PgBouncer forwards it to the server connection the client holds, and drops it once the
    client holds none) and leaves no setting behind. The lock keeps a late timer from cancelling
    whatever the connection runs next."""
    connection.ensure_connection()
    raw = connection.connection
    guard = threading.Lock()
    running = True

    def cancel() -> None:
        with guard:
            if running:
                raw.cancel_safe()

    timer = threading.Timer(seconds, cancel)
    timer.daemon = True
    with connection.cursor() as cursor:
        timer.start()
        try:
            cursor.execute(sql)
        finally:
            with guard:
                running = False
            timer.cancel()


def drop_day(day: date) -> int:
    """Write the tracks of the day's patrols that have none, then drop the day's points.
    Answers how many tracks were written.

    Steps (each may be cut off and is taken up again by the next run):
    1. the missing tracks, written and committed while the points are still there;
    2. the day detached (``_detach``);
    3. the detached table dropped.
    """
    name = PREFIX + day.strftime("%Y%m%d")
    state = _table_state(name)
    if state is None:
        return 0
    written = 0
    if state != "detached":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f'SELECT DISTINCT x.patrol_id FROM "{name}" x JOIN incidents_patrol p ON p.id = x.patrol_id WHERE p.track IS NULL'
            )
            written = write_tracks([row[0] for row in cursor.fetchall()])
        _detach(name, state)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        cursor.execute(f'DROP TABLE "{name}"')
    return written


def _day_tables() -> list[date]:
    """Every day's table, attached or not (a detach or a drop that was cut off), oldest first."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') AND relname LIKE %s ORDER BY relname",
                       [PREFIX.replace("_", r"\_") + "%"])
        names = [row[0] for row in cursor.fetchall()]
    days = []
    for name in names:
        try:
            days.append(datetime.strptime(name[len(PREFIX):], "%Y%m%d").date())
        except ValueError:
            continue
    return days


def keep_days(now: datetime | None = None) -> dict:
    """The beat task's work: the days ahead made, the days past the retention dropped. Idempotent."""
    today = local_day(now)
    made = ensure_days(today - timedelta(days=1), today + timedelta(days=DAYS_AHEAD))
    cutoff = today - timedelta(days=retention_days())
    dropped, tracks = [], 0
    for day in _day_tables():
        if day >= cutoff:
            break
        try:
            tracks += drop_day(day)
        except OperationalError:  # a lock not had in time: the next run takes the day up again
            log.warning("Patrol point day %s not dropped this time", day, exc_info=True)
            break
        dropped.append(day)
    if made or dropped:
        log.info("Patrol point days: made %s, dropped %s (%s tracks written)", made, dropped, tracks)
    return {"made": [d.isoformat() for d in made], "dropped": [d.isoformat() for d in dropped], "tracks": tracks}

"""A patrol's batch of points with the question "may this person add to this patrol?" asked in the
same statement as the insert: for the hot path in front of Django (incidents/hotpath.py), where
the token's user, her jurisdiction, the patrol and the batch were four round trips and four
statements for ten points.

One prepared statement: the person (by the SHA-256 of her API token, or by her id once a session
found her), refused unless active, without a temporary password and, for a token, unexpired; her
running patrol, through the jurisdiction rule of ``accounts.scope`` in SQL (the patrol's cell in
her scope, the patrol hers); then the very batch of ``record_points`` (``batch_sql``), gated on
that patrol. A "no" stores nothing and answers None: the caller hands the request to Django, whose
view answers it with its usual message (an unknown token, a 404 out of scope, an ended patrol's
late points, which also redraw its kept line). The points are checked exactly as ``record_points``
checks them (``parse_points``, ``check_window``, the far point in the statement).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.utils import timezone

from accounts.scope import scope_condition_sql
from gridgov.prepared import execute_prepared

from .patrols import BATCH_ANSWER, batch_params, batch_sql, check_window, latest_stored, parse_points, store_batch, walk_again

_USER_COLUMNS = "u.id, u.is_active, u.is_superuser, u.role, u.area_id"
_WHO_BY_TOKEN = (f"SELECT {_USER_COLUMNS} FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id "
                 "WHERE t.key_hash = %(key_hash)s AND t.expires_at > %(now)s AND NOT u.must_change_password")
_WHO_BY_ID = f"SELECT {_USER_COLUMNS} FROM accounts_user u WHERE u.id = %(user_id)s AND NOT u.must_change_password"


def _statement(who: str) -> tuple[str, dict]:
    scope, scope_params = scope_condition_sql("u", "c.code")
    # ``mine``: the patrol if the person may add to it. Her own patrol is in her scope wherever its
    # cell lies (``Patrol.scope_own`` in accounts.scope: a cell handed over during the patrol), and
    # the join on worker_id makes it hers: the scope condition only adds that she is active.
    sql = f"""WITH who AS ({who}), mine AS (
    SELECT p.id, p.distance_m FROM incidents_patrol p JOIN who u ON u.id = p.worker_id JOIN grids_area c ON c.id = p.cell_id
    WHERE p.id = %(patrol)s AND p.ended_at IS NULL AND ({scope} OR u.is_active)
), {batch_sql(patrol="(SELECT id FROM mine)", worker="(SELECT id FROM who)", since="%(since)s", gate=" AND EXISTS (SELECT 1 FROM mine)")}
SELECT (SELECT id FROM mine), (SELECT distance_m FROM mine), {BATCH_ANSWER}"""
    return sql, scope_params


@cache
def _statements() -> dict[bool, tuple[str, dict]]:
    """The two statements (by token, by id), compiled on first use: the scope's subqueries are
    Django's SQL for its querysets, which needs the models loaded, not merely imported."""
    return {True: _statement(_WHO_BY_TOKEN), False: _statement(_WHO_BY_ID)}


# A patrol's start, which never changes, kept per process: the track looked at is bounded by it as
# in ``record_points`` (a day before the start or the batch's first point), given to the statement
# as a parameter so that PostgreSQL leaves the other days' partitions out before running it. Only a
# time bound, never an answer: who may add to the patrol is asked in the statement every time.
_STARTED: dict[int, datetime] = {}
_MAX_STARTED = 100_000


def _started_at(patrol_id: int) -> datetime | None:
    started = _STARTED.get(patrol_id)
    if started is None:
        with execute_prepared("SELECT started_at FROM incidents_patrol WHERE id = %s", [patrol_id]) as cursor:
            row = cursor.fetchone()
        if row is None:
            return None
        if len(_STARTED) >= _MAX_STARTED:
            _STARTED.clear()
        started = _STARTED[patrol_id] = row[0]
    return started


@dataclass(frozen=True)
class CheckedBatch:
    received: int
    added: int
    distance_m: float


def record_points_checked(patrol_id: int, items, *, key_hash: str | None = None, user_id: int | None = None,
                          now: datetime | None = None) -> CheckedBatch | None:
    """Add the batch ``items`` (the phone's points) to patrol ``patrol_id`` for the person with the
    API token of SHA-256 ``key_hash`` (or the user ``user_id``), if she may; None, with nothing
    stored, if she may not. A bad point is a 400 (``BadPoint``/``InvalidInput``) as from
    ``record_points``, with nothing stored; an empty batch stores nothing and asks nothing."""
    if (key_hash is None) == (user_id is None):
        raise TypeError("record_points_checked: give exactly one of key_hash and user_id")
    points = parse_points(items)
    if not points:
        return None  # nothing to add: Django's view answers (and checks who asks) as always
    now = now or timezone.now()
    check_window(points, now)
    started = _started_at(patrol_id)
    if started is None:
        return None
    sql, scope_params = _statements()[key_hash is not None]
    since = min(started, min(p.at for p in points)) - timedelta(days=1)
    params = batch_params(points, patrol=patrol_id, since=since, until=latest_stored(now), now=now, key_hash=key_hash,
                          user_id=user_id, **scope_params)
    mine, distance_before, _far, added, first_new, last_before, distance, _count = store_batch(sql, params, points)
    if mine is None:
        return None
    if not added:
        return CheckedBatch(len(points), 0, distance_before)
    if last_before is not None and first_new < last_before:
        distance = walk_again(params, ended=False)
    return CheckedBatch(len(points), added, distance)

"""Who covers the cells of each street office, kept per street office: the assignment map's heavy part.

The one source of who covers which cell is the assignment table (``GridAssignment``); this is a
cache of what it says per street office — for each of its communities the current cells, how many
of them are covered and the ids of those nobody covers, and how many of its cells each grid worker
covers — so that a district of 140,000 cells is answered from some fifty small entries instead of
two passes over its cells.

An entry is keyed by its street office's version. The one write of who covers which cell
(``actions.cover_cells``, and ``actions.move_assignments`` for a redraw) calls ``cells_changed``
with the cells it touched: their street offices get a new version inside the transaction and
again once it commits, so a reader that computed from the data before the commit stored its answer
under a version nobody asks for any more. A reassignment recomputes only the street offices it
touched (a few thousand cells, by the index on the cells' parent). Every entry is also keyed by the
latest boundary revision (a published revision changes cells: every entry is recomputed) and by
an epoch that ``forget_all`` moves (writes made around the actions: a benchmark's generator, a
test's rolled-back transaction). Entries live at most ``TTL`` seconds. The cache is a speed-up
only: without Redis every answer is computed.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction

TTL = 600
FORMAT = 2  # the entries' shape: a new shape is never read from an older one's entries


@dataclass(frozen=True)
class StreetCoverage:
    # community id → (its code, its current cells, covered cells, ids of the cells nobody covers, ascending)
    communities: dict[int, tuple[str, int, int, tuple[int, ...]]]
    workers: dict[int, int]  # grid worker's id → cells of this street office they cover


def _prefix() -> str:
    # The database name keeps two databases on one Redis (test runs, benchmarks) apart.
    return f"accounts:coverage:f{FORMAT}:{connection.settings_dict['NAME']}:"


def _version_key(street_id: int) -> str:
    return f"{_prefix()}v:{street_id}"


def _revision() -> int:
    from grids.tiles import revision_number

    return revision_number()


def coverage(street_ids: list[int]) -> dict[int, StreetCoverage]:
    """Each street office's coverage, from the cache where its entry is current, else computed (in
    one statement for all the missing ones) and kept."""
    ids = sorted({int(pk) for pk in street_ids})
    if not ids:
        return {}
    prefix = _prefix()
    try:
        epoch = cache.get(f"{prefix}epoch") or 0
        versions = cache.get_many([_version_key(pk) for pk in ids])
    except Exception:  # the cache is a speed-up only
        return _compute(ids)
    revision = _revision()
    keys = {pk: f"{prefix}{epoch}:r{revision}:{pk}:{versions.get(_version_key(pk), 0)}" for pk in ids}
    try:
        found = cache.get_many(list(keys.values()))
    except Exception:
        found = {}
    answer = {pk: StreetCoverage(*found[key]) for pk, key in keys.items() if key in found}
    missing = [pk for pk in ids if pk not in answer]
    if missing:
        computed = _compute(missing)
        answer.update(computed)
        try:
            cache.set_many({keys[pk]: (c.communities, c.workers) for pk, c in computed.items()}, TTL)
        except Exception:
            pass
    return answer


# The street offices' current cells: under their current communities, by the index on the parent.
_CELLS = """
    WITH t AS MATERIALIZED (
        SELECT a.id, a.parent_id AS community_id, c.code AS community_code, c.parent_id AS street_id FROM grids_area c JOIN grids_area a ON a.parent_id = c.id
        WHERE c.parent_id = ANY(%s::bigint[]) AND c.level = 'community' AND c.valid_to IS NULL
            AND a.level = 'grid' AND a.valid_to IS NULL
    )"""


def _compute(street_ids: list[int]) -> dict[int, StreetCoverage]:
    with connection.cursor() as cursor:
        cursor.execute(
            _CELLS + """
            SELECT x.street_id, x.community_id, x.community_code, count(*), count(*) FILTER (WHERE x.covered),
                array_agg(x.id ORDER BY x.id) FILTER (WHERE NOT x.covered)
            FROM (
                SELECT t.id, t.community_id, t.community_code, t.street_id,
                    EXISTS (SELECT 1 FROM accounts_gridassignment g WHERE g.cell_id = t.id AND g.ended_at IS NULL) AS covered
                FROM t OFFSET 0  -- probe the assignments once per cell
            ) x
            GROUP BY x.street_id, x.community_id, x.community_code
            """,
            [street_ids],
        )
        counts = cursor.fetchall()
        cursor.execute(
            _CELLS + """
            SELECT t.street_id, g.user_id, count(*)
            FROM t JOIN accounts_gridassignment g ON g.cell_id = t.id AND g.ended_at IS NULL
            GROUP BY t.street_id, g.user_id
            """,
            [street_ids],
        )
        workers = cursor.fetchall()
    answer = {pk: StreetCoverage({}, {}) for pk in street_ids}
    for street_id, community_id, code, n, covered, uncovered in counts:
        answer[street_id].communities[community_id] = (code, n, covered, tuple(uncovered or ()))
    for street_id, user_id, n in workers:
        answer[street_id].workers[user_id] = n
    return answer


def cells_changed(cell_ids: list[int]) -> None:
    """Who covers these cells changed (inside the writing transaction): their street offices' entries
    are left behind now and once more when the transaction commits."""
    if not cell_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT DISTINCT c.parent_id FROM grids_area a JOIN grids_area c ON c.id = a.parent_id
               WHERE a.id = ANY(%s::bigint[]) AND c.parent_id IS NOT NULL""",
            [sorted({int(pk) for pk in cell_ids})],
        )
        streets = [row[0] for row in cursor.fetchall()]

    def bump() -> None:
        stamp = time.time_ns()
        try:
            cache.set_many({_version_key(pk): stamp for pk in streets}, None)
        except Exception:
            pass

    bump()
    transaction.on_commit(bump)


def forget_all() -> None:
    """Every entry is recomputed on its next read (writes made around the actions)."""
    try:
        cache.set(f"{_prefix()}epoch", time.time_ns(), None)
    except Exception:
        pass

"""The SQL of a patrol's batch of track points: one statement per batch, used as it is by
``patrols.record_points`` and behind the check of who asks by ``patrol_points_checked`` (the
hot path's single prepared statement)."""
from __future__ import annotations

# One statement per batch (its own transaction): the points unnested from arrays, each with its
# cell; the first one outside every cell and far from every served district found, the points
# inserted (none if one is far), re-sent ones skipped by the once-per-point constraint; the
# patrol's count and distance moved on in the same statement, from the last point stored before.
# The CTEs read the table as it was before the statement: ``last``/``prev`` are earlier points,
# between ``since`` and ``until`` (``latest_stored``).
_BATCH_CTES = """raw AS (
    SELECT t.i, t.client_id, t.at, t.accuracy_m, ST_SetSRID(ST_MakePoint(t.lng, t.lat), 4326) AS location
    FROM unnest(%(ids)s::uuid[], %(ats)s::timestamptz[], %(lngs)s::float8[], %(lats)s::float8[], %(accs)s::float8[])
         WITH ORDINALITY AS t(client_id, at, lng, lat, accuracy_m, i)
), new AS MATERIALIZED (
    -- The cell of each point: the patrol's own cell first (a worker walks it: one polygon tested,
    -- no search among the city's 140,000), else the point lookup's index search.
    SELECT r.*, COALESCE(
        (SELECT f.area_id FROM grids_areafragment f JOIN grids_area a ON a.id = f.area_id AND a.valid_to IS NULL
         WHERE f.area_id = (SELECT cell_id FROM incidents_patrol WHERE id = {patrol}) AND f.level = 'grid'
         AND ST_Intersects(f.geom, r.location) LIMIT 1),
        (SELECT f.area_id FROM grids_areafragment f JOIN grids_area a ON a.id = f.area_id AND a.valid_to IS NULL
         WHERE f.level = 'grid' AND ST_Intersects(f.geom, r.location) LIMIT 1)) AS cell_id
    FROM raw r
), far AS (
    -- a point in a cell is in a served district; only the others are measured against the districts
    SELECT min(n.i) AS i FROM new n WHERE n.cell_id IS NULL AND NOT EXISTS (
        SELECT 1 FROM grids_area d WHERE d.level = 'district' AND d.valid_to IS NULL
        AND ST_DWithin(d.boundary, n.location, %(margin)s))
), ins AS (
    INSERT INTO incidents_patrolpoint (patrol_id, client_id, at, location, accuracy_m, cell_id, outside_own_cells)
    SELECT {patrol}, n.client_id, n.at, n.location, n.accuracy_m, n.cell_id,
           -- as check_in(): in no cell, or in one she did not answer for at the point's time
           NOT EXISTS (SELECT 1 FROM accounts_gridassignment g WHERE g.user_id = {worker} AND g.cell_id = n.cell_id
                       AND g.started_at <= n.at AND (g.ended_at IS NULL OR g.ended_at > n.at))
    FROM new n WHERE (SELECT i FROM far) IS NULL{gate}
    ON CONFLICT (patrol_id, at, client_id) DO NOTHING
    RETURNING at, location, accuracy_m
), last AS (
    SELECT max(at) AS at FROM incidents_patrolpoint WHERE patrol_id = {patrol} AND at >= {since} AND at <= %(until)s
), prev AS (
    SELECT location, at FROM incidents_patrolpoint
    WHERE patrol_id = {patrol} AND at >= {since} AND at <= %(until)s AND (accuracy_m IS NULL OR accuracy_m <= %(accuracy)s)
    ORDER BY at DESC LIMIT 1
), moved AS (
    UPDATE incidents_patrol SET point_count = point_count + (SELECT count(*) FROM ins),
        distance_m = distance_m + COALESCE((
            SELECT ST_Length(ST_MakeLine(s.location ORDER BY s.at)::geography) FROM (
                SELECT location, at FROM prev UNION ALL
                SELECT location, at FROM ins WHERE accuracy_m IS NULL OR accuracy_m <= %(accuracy)s) s
        ), 0)
    WHERE id = {patrol} AND (SELECT i FROM far) IS NULL AND EXISTS (SELECT 1 FROM ins)
    RETURNING distance_m, point_count
)"""
# What the batch answers: the first far point's number, how many were added, the first added
# point's time, the last stored point's time before, the patrol's distance and count after.
BATCH_ANSWER = ("(SELECT i FROM far), (SELECT count(*) FROM ins), (SELECT min(at) FROM ins), (SELECT at FROM last), "
                "(SELECT distance_m FROM moved), (SELECT point_count FROM moved)")


def batch_sql(*, patrol: str, worker: str, since: str, gate: str = "") -> str:
    """The batch's CTEs (``raw`` … ``moved``), the patrol, its worker (her cells at each point's
    time decide ``outside_own_cells``) and the earliest time of its track to look at as SQL
    expressions; ``gate`` adds a condition to the insert (and so to all of it). Used as is by
    ``record_points``, and behind a check of who asks by patrol_points_checked.py: one statement."""
    return _BATCH_CTES.format(patrol=patrol, worker=worker, since=since, gate=gate)


_BATCH_SQL = "WITH " + batch_sql(patrol="%(patrol)s", worker="%(worker)s", since="%(since)s") + "\nSELECT " + BATCH_ANSWER

# A batch older than points already stored (the outbox sent it late): the distance is walked again.
_DISTANCE_SQL = """
UPDATE incidents_patrol SET distance_m = COALESCE((
    SELECT ST_Length(ST_MakeLine(location ORDER BY at)::geography) FROM incidents_patrolpoint
    WHERE patrol_id = %(patrol)s AND at >= %(since)s AND (accuracy_m IS NULL OR accuracy_m <= %(accuracy)s)
), 0) WHERE id = %(patrol)s RETURNING distance_m
"""

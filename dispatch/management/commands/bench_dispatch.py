"""manage.py bench_dispatch — time the evaluation and the console queue on a million cases.

Fills a *bench* database (its name must contain "bench"; never production) with the demo 东城区
and synthetic cases spread over a year — statuses, levels, reworks and department shares in
realistic shares — then times, over several runs:

- the district's indicators for the year with its street offices (the API call), target p95 < 500 ms;
- the dashboard's set (streets, grid workers, categories, days) and the departments;
- the console queue of the command centre, target p95 < 200 ms.

Generation is set-based SQL (a million rows in a couple of minutes on two cores) and happens only
in an empty database; with cases already there (this command's, or the project's bench data set)
it only times, so the timings can be re-run at once.
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

GENERATE_SQL = """
WITH cells AS (
    SELECT id, row_number() OVER (ORDER BY code) AS rn, ST_PointOnSurface(boundary) AS p
    FROM grids_area WHERE level = 'grid' AND valid_to IS NULL AND code LIKE %(prefix)s
), n AS (SELECT count(*) AS c FROM cells),
cats AS (SELECT array_agg(id ORDER BY id) AS ids FROM incidents_category WHERE parent_id IS NOT NULL),
rows AS (
    SELECT g, random() AS r1, random() AS r2, random() AS r3,
        %(start)s::timestamptz + (random() * 365) * interval '1 day' AS created
    FROM generate_series(%(first)s, %(last)s) AS g
)
INSERT INTO incidents_incident (location, address, outside_cells, description, urgency, source, contact, status, level,
    deadline, deadline_started_at, resolved_at_grid, escalations, version, created_at, updated_at, closed_at,
    area_id, category_id, cell_id, filed_area_id, reporter_id)
SELECT c.p, '', false, 'bench', CASE WHEN r.r3 < 0.1 THEN 'urgent' ELSE 'normal' END,
    CASE WHEN r.r2 < 0.7 THEN 'patrol' WHEN r.r2 < 0.9 THEN 'hotline' ELSE 'api' END, '',
    s.status, s.level,
    r.created + (1 + r.r3 * 5) * interval '1 day', r.created, s.status = 'closed' AND s.level = 'grid' AND r.r2 < 0.5,
    0, 3, r.created, r.created,
    CASE WHEN s.status IN ('closed', 'rejected', 'duplicate') THEN r.created + (r.r2 * 6) * interval '1 day' END,
    c.id, (SELECT ids FROM cats)[1 + (r.g %% array_length((SELECT ids FROM cats), 1))], c.id, c.id, %(reporter)s
FROM rows r
JOIN cells c ON c.rn = 1 + (r.g %% (SELECT c FROM n))
CROSS JOIN LATERAL (
    SELECT CASE
        WHEN r.r1 < 0.70 THEN 'closed' WHEN r.r1 < 0.74 THEN 'rejected' WHEN r.r1 < 0.76 THEN 'duplicate'
        WHEN r.r1 < 0.79 THEN 'reported' WHEN r.r1 < 0.83 THEN 'registered' WHEN r.r1 < 0.86 THEN 'dispatched'
        WHEN r.r1 < 0.90 THEN 'in_progress' WHEN r.r1 < 0.94 THEN 'handled' WHEN r.r1 < 0.96 THEN 'rework'
        WHEN r.r1 < 0.98 THEN 'verified' ELSE 'deferred' END AS status,
        CASE WHEN r.r2 < 0.55 THEN 'grid' WHEN r.r2 < 0.70 THEN 'community' WHEN r.r2 < 0.80 THEN 'street' ELSE 'district' END
            AS level
) s
"""

SHARES_SQL = """
INSERT INTO dispatch_assignment (incident_id, department_id, status, deadline, dispatched_at, note, reworks, supervisions,
    first_handled_at, handled_at, returned_at, return_reason, feedback, filed_area_id, incident_created_at)
SELECT i.id, d.ids[1 + (i.id %% array_length(d.ids, 1))],
    CASE WHEN i.id %% 10 = 0 THEN 'returned' WHEN i.status IN ('closed', 'handled', 'verified') THEN 'handled'
         WHEN i.status = 'dispatched' THEN 'pending' ELSE 'accepted' END,
    i.deadline, i.created_at + interval '1 hour', '', 0, 0,
    CASE WHEN i.status IN ('closed', 'handled', 'verified') AND i.id %% 10 <> 0 THEN i.created_at + interval '1 day' END,
    CASE WHEN i.status IN ('closed', 'handled', 'verified') AND i.id %% 10 <> 0 THEN i.created_at + interval '1 day' END,
    CASE WHEN i.id %% 10 = 0 THEN i.created_at + interval '2 hours' END,
    CASE WHEN i.id %% 10 = 0 THEN 'bench' ELSE '' END, '', i.filed_area_id, i.created_at
FROM incidents_incident i, (SELECT array_agg(id ORDER BY id) AS ids FROM accounts_department) d
WHERE i.level = 'district' AND i.status NOT IN ('reported', 'rejected', 'duplicate', 'registered', 'deferred')
"""

TIMELINE_SQL = """
INSERT INTO incidents_timelineentry (incident_id, version, at, action, from_status, to_status, from_level, to_level, note)
SELECT id, 1, created_at, 'report', '', 'reported', '', level, '' FROM incidents_incident
UNION ALL
SELECT id, 2, created_at + interval '1 day', 'rework', 'handled', 'rework', level, level, ''
FROM incidents_incident WHERE id %% 20 = 0 AND status IN ('closed', 'rework', 'verified', 'handled')
"""


def _timed(function, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95


class Command(BaseCommand):
    help = "Generate a million synthetic cases in a bench database and time the indicators and the console queue."

    def add_arguments(self, parser):
        parser.add_argument("--incidents", type=int, default=1_000_000)
        parser.add_argument("--runs", type=int, default=20)
        parser.add_argument("--district", default="110101")

    def handle(self, *args, incidents: int, runs: int, district: str, **options):
        name = connection.settings_dict["NAME"]
        if settings.PRODUCTION or "bench" not in name:
            raise CommandError(f"Refusing to fill database {name!r}: use a database whose name contains 'bench'.")
        from accounts.models import Department, Role, User
        from accounts.demo import DEPARTMENTS
        from grids.demo import build_district
        from grids.models import Area, Level
        from incidents.models import Incident

        from dispatch import indicators
        from dispatch.queries import queue_payload

        area = Area.objects.current().filter(code=district, level=Level.DISTRICT).first()
        if area is None:
            self.stdout.write(f"Building district {district}…")
            area = build_district(district)
        for code, label in DEPARTMENTS:
            Department.objects.get_or_create(code=code, defaults={"name": label})
        dispatcher, _ = User.objects.get_or_create(username="bench-dispatcher", defaults={"role": Role.DISPATCHER, "area": area})
        today = date.today()
        start = today - timedelta(days=365)
        # Cases are generated only into an empty database: a data set made by someone else (the
        # project's bench/generate.py) is timed as it is, never altered.
        if not Incident.objects.exists():
            self.stdout.write(f"Generating {incidents:,} cases…")
            began = time.monotonic()
            step = 200_000
            with connection.cursor() as cursor:
                for first in range(1, incidents + 1, step):
                    last = min(incidents, first + step - 1)
                    cursor.execute(
                        GENERATE_SQL,
                        {
                            "prefix": f"{district}%",
                            "start": start.isoformat(),
                            "first": first,
                            "last": last,
                            "reporter": dispatcher.pk,
                        },
                    )
                    self.stdout.write(f"  {last:,}")
                self.stdout.write("Generating department shares and timeline entries…")
                cursor.execute(SHARES_SQL, {})
                cursor.execute(TIMELINE_SQL, {})
                for table in ("incidents_incident", "incidents_timelineentry", "dispatch_assignment"):
                    cursor.execute(f"VACUUM ANALYZE {table}")
            self.stdout.write(f"Generated in {time.monotonic() - began:.0f} s.")
        else:
            self.stdout.write("Cases are already there: timing them as they are.")
        period = indicators.Period(start, today)
        self.stdout.write(f"{Incident.objects.count():,} cases; period {period.first} – {period.last}; {runs} runs each.")
        from django.test import Client

        leader, _ = User.objects.get_or_create(username="bench-leader", defaults={"role": Role.LEADER, "area": area})
        client = Client()
        client.force_login(leader)
        url = f"/api/v1/indicators/?area={area.code}&from={period.first}&to={period.last}"

        def api_call():
            response = client.get(url, HTTP_HOST="localhost")
            assert response.status_code == 200, response.content[:300]

        def bare_count():
            # The floor on this machine right now: how long merely counting the period's cases takes.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM incidents_incident WHERE created_at >= %s AND created_at < %s",
                    [period.start, period.end],
                )
                cursor.fetchall()

        checks = [
            ("reference: bare count of the period", bare_count, None),
            (
                "indicators, computed: district + streets",
                lambda: indicators.area_indicators(area.code, period, groups=["street"]),
                None,
            ),
            ("indicators API (cached a minute)", api_call, 500),
            (
                "indicators, computed: dashboard set",
                lambda: indicators.area_indicators(area.code, period, groups=["street", "worker", "category", "day"]),
                None,
            ),
            ("indicators, computed: departments", lambda: indicators.department_indicators(period, area_code=area.code), None),
            ("console queue", lambda: queue_payload(dispatcher, {}), 200),
        ]
        failed = False
        for label, function, target in checks:
            function()  # warm the cache once, as a running server would be
            median, p95 = _timed(function, runs)
            verdict = "" if target is None else ("  OK" if p95 < target else f"  SLOWER than {target} ms")
            failed |= target is not None and p95 >= target
            self.stdout.write(f"{label:40s} median {median:7.1f} ms   p95 {p95:7.1f} ms{verdict}")
        if failed:
            raise CommandError("A target was missed.")

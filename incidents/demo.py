"""Demo cases and patrols for ``manage.py seed_demo``: a few thousand plausible cases across the
district over five months, in every stage of their life, each with the timeline, level, area and
deadline the state machine's acts would have written (reported by the grid worker who covered the
cell then, by the assignment history), and patrols of every grid worker over the last two months.
Written by COPY (gridgov.bulk) and two INSERT … SELECT statements (a few seconds); running it again adds nothing."""
from __future__ import annotations

import random
import uuid
from datetime import timedelta

from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.utils import timezone

from accounts.demo import demo_user
from gridgov.bulk import insert_rows, update_rows
from accounts.models import GridAssignment, Role, User
from grids.models import Area, Level

from . import clock, numbering
from .actions.patrol_days import TRACK_TOLERANCE_DEG, ensure_days
from .models import (
    Category,
    Incident,
    Patrol,
    PatrolPoint,
    Source,
    Status,
    TimelineEntry,
)
from .seeds import ensure_reference_data

CASES = 2400
MIN_CASES = 100
HISTORY_DAYS = 150  # the demo's cases and patrols go back this far, so "last month" has something to compare
PATROL_DAYS = 62  # two months: this month and last month

DESCRIPTIONS = {
    "C0101": ["人行道井盖缺失，有人员坠落风险", "雨水井盖破损下陷"],
    "C0102": ["路灯夜间不亮", "路灯灯杆倾斜"],
    "C0201": ["交通标志牌被撞弯", "限速标志被树枝遮挡"],
    "C0204": ["路面坑洼积水", "人行道地砖松动"],
    "C0301": ["果皮箱破损", "垃圾桶盖子丢失"],
    "E0101": ["路边堆放生活垃圾", "绿化带内有暴露垃圾"],
    "E0103": ["路面油污", "人行道有大量落叶未清扫"],
    "E0104": ["楼道口乱堆杂物", "路边堆放建材"],
    "E0105": ["电线杆上贴满小广告", "单元门口张贴小广告"],
    "E0201": ["早点摊占道经营", "水果摊占用人行道"],
    "E0203": ["消防通道违章停车", "小区门口长期停放僵尸车"],
    "E0204": ["地铁口共享单车堆积", "盲道上停放共享单车"],
    "E0301": ["楼顶私搭乱建", "底商违规扩建"],
    "E0302": ["夜间施工噪音扰民"],
    "E0403": ["雨后路口积水严重"],
    "E0404": ["楼上漏水引发邻里纠纷", "停车位纠纷"],
    "E0405": ["老旧电线裸露", "楼道堆放电动车充电"],
}

# (final status, level, weight): where the demo cases stand today.
MIX = [
    ("reported", Level.GRID, 18), ("registered", Level.GRID, 10), ("in_progress", Level.GRID, 10),
    ("registered", Level.COMMUNITY, 10), ("in_progress", Level.COMMUNITY, 5), ("registered", Level.STREET, 6),
    ("registered", Level.DISTRICT, 5), ("handled", Level.GRID, 8), ("verified", Level.GRID, 4),
    ("closed", Level.GRID, 14), ("resolved", Level.GRID, 8), ("rejected", Level.GRID, 2),
]


def _points_in(cell_ids: list[int], seed: int) -> dict[int, tuple[float, float]]:
    """One random point inside each cell, drawn by PostGIS in one query."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT id, ST_X(p), ST_Y(p) FROM (
                SELECT id, (ST_Dump(ST_GeneratePoints(boundary, 1, %s))).geom AS p FROM grids_area WHERE id = ANY(%s)
            ) s
            """,
            [seed, cell_ids],
        )
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


@transaction.atomic
def seed(*, district: Area, stdout=None, progress=None, scale: float = 1.0, **_) -> None:
    ensure_reference_data()
    clock.clear_cache()
    cases = max(MIN_CASES, round(CASES * scale))  # the small demo (seed_demo --small) files fewer
    # Either demo's cases (full or small) count as present: seeding again at another size adds none.
    if Incident.objects.filter(filed_area__code__startswith=district.code).count() >= MIN_CASES:
        if stdout:
            stdout.write("Demo cases already present.")
        return
    rng = random.Random(2004)
    now = timezone.now()
    cells = list(Area.objects.current().filter(level=Level.GRID, code__startswith=district.code).order_by("code"))
    if not cells:
        return
    areas_by_code = {a.code: a for a in Area.objects.current().filter(code__startswith=district.code).exclude(level=Level.GRID)}
    worker = demo_user(district, "gridworker") or User.objects.filter(role=Role.GRID_WORKER).first()
    dispatcher = demo_user(district, "dispatcher") or User.objects.filter(role=Role.DISPATCHER).first()
    community_staff = User.objects.filter(role=Role.COMMUNITY).first()
    worker_cells = [a.cell for a in GridAssignment.objects.active().filter(user=worker).select_related("cell")] if worker else []
    covering = _covering(district)
    categories = {c.code: c for c in Category.objects.filter(code__in=DESCRIPTIONS)}

    # One case in twenty in the demo worker's two cells, so their pages are lived-in; the rest anywhere.
    chosen = [rng.choice(worker_cells) if worker_cells and rng.random() < 0.05 else rng.choice(cells) for _ in range(cases)]
    points = _points_in(sorted({c.id for c in chosen}), 7)
    weights = [w for *_, w in MIX]
    incidents: list[Incident] = []
    plans = []
    thresholds: dict = {}
    for index, cell in enumerate(chosen):
        final, level, _weight = rng.choices(MIX, weights=weights)[0]
        code = rng.choice(list(categories))
        if final == "resolved" and not categories[code].grid_resolvable:
            code = rng.choice([c for c in categories if categories[c].grid_resolvable])
        category = categories[code]
        # Most cases are recent (a district's load grows with the season), some go back five months;
        # what is older than three weeks has mostly been closed by now.
        created = now - timedelta(hours=rng.uniform(1, 24 * 20) if rng.random() < 0.3 else rng.uniform(24 * 20, 24 * HISTORY_DAYS))
        if created < now - timedelta(days=21) and rng.random() < 0.85:
            final, level = rng.choices([("closed", Level.GRID), ("resolved", Level.GRID), ("rejected", Level.GRID)], [70, 24, 6])[0]
            if final == "resolved" and not category.grid_resolvable:
                final = "closed"
        cell_worker = _covering_at(covering, cell.pk, created)
        source = rng.choice([Source.PATROL, Source.PATROL, Source.SELF_REPORT, Source.HOTLINE, Source.API])
        if cell_worker is None and source == Source.PATROL:
            source = Source.SELF_REPORT
        reporter = cell_worker if source == Source.PATROL else (dispatcher if source == Source.HOTLINE else None)
        lng, lat = points[cell.id]
        area_at = {
            Level.GRID: cell,
            Level.COMMUNITY: areas_by_code.get(cell.code[:12]),
            Level.STREET: areas_by_code.get(cell.code[:9]),
            Level.DISTRICT: areas_by_code.get(cell.code[:6], district),
        }
        history = _history(final, level, created, reporter, cell_worker or worker, community_staff, rng, now)
        if history[-1][1] not in (Status.CLOSED, Status.REJECTED):
            history = _placed_on_its_clock(history, category, rng, now, thresholds)
        created = history[0][5]
        incidents.append(Incident(
            client_id=uuid.UUID(int=rng.getrandbits(128)), cell=cell, filed_area=cell, location=Point(lng, lat, srid=4326),
            category=category, description=rng.choice(DESCRIPTIONS[code]), urgency=category.default_urgency, source=source,
            status=Status.REPORTED, level=Level.GRID, area=cell, deadline=created, deadline_started_at=created,
            reporter=reporter, created_at=created, updated_at=created,
        ))
        plans.append((final, area_at, created, history))
    _number(incidents)
    insert_rows(Incident, incidents)

    entries: list[TimelineEntry] = []
    for incident, (final, area_at, created, history) in zip(incidents, plans):
        holder_level = history[-1][4]
        status = history[-1][1]
        last_level_change = max((h[5] for h in history if h[3] != h[4]), default=created)
        incident.status = status
        incident.level = holder_level
        incident.area = area_at[holder_level] or district
        incident.deadline_started_at = last_level_change
        incident.deadline, incident.warn_at = clock.due_for(incident.category_id, holder_level, incident.urgency, last_level_change)
        incident.version = len(history)
        incident.updated_at = history[-1][5]
        incident.escalations = sum(1 for h in history if h[0] == "escalate")
        incident.resolved_at_grid = final == "resolved"
        incident.closed_at = history[-1][5] if status in (Status.CLOSED, Status.REJECTED) else None
        for version, (action, to_status, actor, from_level, to_level, when) in enumerate(history, start=1):
            previous = history[version - 2][1] if version > 1 else ""
            entries.append(TimelineEntry(
                incident=incident, version=version, at=when, actor=actor, action=action, from_status=previous,
                to_status=to_status, from_level=from_level, to_level=to_level, to_area=area_at.get(to_level) or district,
                note="" if action != "reject" else "非城市管理问题",
            ))
    update_rows(
        Incident, incidents,
        ["status", "level", "area", "deadline", "warn_at", "deadline_started_at", "version", "updated_at", "escalations",
         "resolved_at_grid", "closed_at"],
        batch_size=500,
    )
    insert_rows(TimelineEntry, entries)
    _seed_patrols(district, now)
    if stdout:
        stdout.write(f"Demo cases: {len(incidents)} with {len(entries)} timeline entries.")


def _history(final, level, created, reporter, worker, community_staff, rng, now) -> list[tuple]:
    """The acts of a demo case from its report to where it stands today: (action, to status, actor,
    from level, to level, at), in the order and with the levels the case machine's acts write."""
    holder_level = Level.GRID
    at = created
    history = [("report", Status.REPORTED, reporter, "", Level.GRID, created)]

    def step(action, to_status, actor, to_level=None, hours=2.0):
        nonlocal at, holder_level
        at = min(at + timedelta(hours=rng.uniform(0.2, hours)), now - timedelta(minutes=5))
        from_level = holder_level
        holder_level = to_level or holder_level
        history.append((action, to_status, actor, from_level, holder_level, at))

    if final == "rejected":
        step("reject", Status.REJECTED, worker)
    elif final == "resolved":
        step("resolve_at_grid", Status.CLOSED, worker)
    elif final != "reported":
        step("register", Status.REGISTERED, worker)
        for up in (Level.COMMUNITY, Level.STREET, Level.DISTRICT)[: ["grid", "community", "street", "district"].index(level)]:
            step("escalate", Status.REGISTERED, None, to_level=up, hours=30)
        if final in ("in_progress", "handled", "verified", "closed"):
            step("start", Status.IN_PROGRESS, worker if level == Level.GRID else community_staff)
        if final in ("handled", "verified", "closed"):
            step("handle", Status.HANDLED, worker)
        if final in ("verified", "closed"):
            step("verify", Status.VERIFIED, worker)
        if final == "closed":
            step("close", Status.CLOSED, worker)
    return history


# Where an open demo case stands on its current level's clock: most well within their limit
# (green), some past the yellow share, a few past the limit (red) — a district whose levels keep
# up, not one where every case is late.
OPEN_LIGHTS = [("green", 76), ("yellow", 16), ("red", 8)]
_EARLIEST = timedelta(days=60)


def _thresholds(category: Category, level: str, now, known: dict) -> tuple:
    """(earliest start whose deadline is still ahead, earliest start whose light is still green) for
    a case of this class at this level now, found by bisection on the real clock (office hours,
    working days): a later start never gives an earlier deadline or yellow moment."""
    key = (category.pk, level, category.default_urgency)
    if key not in known:
        def earliest(ahead) -> object:
            low, high = now - _EARLIEST, now
            for _ in range(24):
                middle = low + (high - low) / 2
                if ahead(clock.due_for(category.pk, level, category.default_urgency, middle)):
                    high = middle
                else:
                    low = middle
            return high

        known[key] = (earliest(lambda due: due[0] > now), earliest(lambda due: due[1] > now))
    return known[key]


def _placed_on_its_clock(history: list[tuple], category: Category, rng, now, known: dict) -> list[tuple]:
    """The open case's history moved in time, whole, so that its clock at its current level (started
    by the last change of level, or the report) shows the light drawn from OPEN_LIGHTS."""
    level = history[-1][4]
    started = max((h[5] for h in history if h[3] != h[4]), default=history[0][5])
    red_before, yellow_before = _thresholds(category, level, now, known)
    light = rng.choices([name for name, _w in OPEN_LIGHTS], weights=[w for _n, w in OPEN_LIGHTS])[0]
    if light == "green":
        wanted = yellow_before + (now - yellow_before) * rng.uniform(0.1, 0.9)
    elif light == "yellow":
        wanted = red_before + (yellow_before - red_before) * rng.uniform(0.3, 0.9)  # yellow, not about to turn red
    else:
        wanted = red_before - max(now - red_before, timedelta(hours=4)) * rng.uniform(0.1, 1.0)
    shift = wanted - started
    latest = now - timedelta(minutes=5)
    moved, previous = [], None
    for action, to_status, actor, from_level, to_level, at in history:
        at = min(at + shift, latest)
        if previous is not None and at < previous:
            at = previous
        moved.append((action, to_status, actor, from_level, to_level, at))
        previous = at
    return moved


def _number(incidents: list[Incident]) -> None:
    """Case numbers in the order the cases were reported, from the districts' counters."""
    by_day: dict[tuple[str, object], list[Incident]] = {}
    for incident in sorted(incidents, key=lambda i: i.created_at):
        by_day.setdefault((incident.filed_area.code[:6], timezone.localdate(incident.created_at)), []).append(incident)
    for (district_code, day), cases in by_day.items():
        for incident, number in zip(cases, numbering.take_numbers(district_code, day, len(cases))):
            incident.number = number


def _covering(district: Area) -> dict[int, list[tuple]]:
    """Who covered each cell when: the assignment history (accounts.GridAssignment), by cell."""
    history: dict[int, list[tuple]] = {}
    rows = GridAssignment.objects.filter(cell__code__startswith=district.code).order_by("started_at")
    for cell_id, user_id, started, ended in rows.values_list("cell_id", "user_id", "started_at", "ended_at"):
        history.setdefault(cell_id, []).append((started, ended, user_id))
    workers = {u.pk: u for u in User.objects.filter(pk__in={row[2] for rows in history.values() for row in rows})}
    return {cell_id: [(s, e, workers[u]) for s, e, u in rows] for cell_id, rows in history.items()}


def _covering_at(covering: dict[int, list[tuple]], cell_id: int, at) -> User | None:
    for started, ended, user in covering.get(cell_id, []):
        if started <= at and (ended is None or ended > at):
            return user
    return None


_PATROLS_SQL = """
WITH home AS (
    SELECT DISTINCT ON (g.user_id) g.user_id, g.cell_id, ST_PointOnSurface(a.boundary) AS centre
    FROM accounts_gridassignment g JOIN grids_area a ON a.id = g.cell_id
    WHERE g.ended_at IS NULL AND a.code LIKE %(prefix)s
    ORDER BY g.user_id, a.code
),
made AS (
    INSERT INTO incidents_patrol (worker_id, cell_id, client_id, started_at, ended_at, distance_m, note)
    SELECT h.user_id, h.cell_id, gen_random_uuid(), s.start, s.start + interval '50 minutes', 0, ''
    FROM home h
    CROSS JOIN LATERAL (
        -- midnight UTC is 08:00 in Asia/Shanghai: patrols start between 08:00 and 15:00 there
        SELECT date_trunc('day', %(now)s::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - make_interval(days => d) + make_interval(hours => ((h.user_id + d) %% 8)::int) AS start
        FROM generate_series(1, %(days)s) AS d
        WHERE (h.user_id * 7 + d * 3) %% 5 < 3
    ) s
    RETURNING id, cell_id, started_at
)
INSERT INTO incidents_patrolpoint (patrol_id, client_id, at, location, accuracy_m, cell_id)
SELECT m.id, gen_random_uuid(), m.started_at + make_interval(mins => k * 6),
    ST_SetSRID(ST_MakePoint(ST_X(h.centre) + 0.0004 * sin(k + m.id), ST_Y(h.centre) + 0.0003 * cos(k * 1.3 + m.id)), 4326),
    8 + (k %% 7), m.cell_id
FROM made m JOIN home h ON h.cell_id = m.cell_id CROSS JOIN generate_series(0, 7) AS k
"""


def _seed_patrols(district: Area, now) -> None:
    """Patrols of every grid worker who covers a cell: three days in five over the last months,
    eight points each around their first cell, with the distance computed as the patrol's end does."""
    if Patrol.objects.filter(cell__code__startswith=district.code).exists():
        return
    # The days' partitions of patrol points (incidents.actions.patrol_days), made before the points.
    today = timezone.localdate(now)
    ensure_days(today - timedelta(days=PATROL_DAYS + 1), today)
    with connection.cursor() as cursor:
        cursor.execute(_PATROLS_SQL, {"prefix": district.code + "%", "now": now, "days": PATROL_DAYS})
        cursor.execute(
            """
            UPDATE incidents_patrol p SET distance_m = d.metres, point_count = d.n, track = d.line
            FROM (
                SELECT pp.patrol_id, ST_Length(ST_MakeLine(pp.location ORDER BY pp.at)::geography) AS metres, count(*) AS n,
                       ST_Simplify(ST_MakeLine(pp.location ORDER BY pp.at), %s, true) AS line
                FROM incidents_patrolpoint pp JOIN incidents_patrol q ON q.id = pp.patrol_id
                JOIN grids_area a ON a.id = q.cell_id WHERE a.code LIKE %s
                GROUP BY pp.patrol_id
            ) d
            WHERE d.patrol_id = p.id
            """,
            [TRACK_TOLERANCE_DEG, district.code + "%"],
        )

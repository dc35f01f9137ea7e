"""Demo cases and patrols for ``manage.py seed_demo``: a few hundred plausible cases across the
district in every stage of their life, each with a consistent timeline, and a few patrols of the
demo grid worker. Written with bulk_create (a second or two); running it again adds nothing."""
from __future__ import annotations

import random
import uuid
from datetime import timedelta

from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import GridAssignment, Role, User
from grids.models import Area, Level

from . import clock, numbering
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

CASES = 300

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
def seed(*, district: Area, stdout=None, progress=None, **_) -> None:
    ensure_reference_data()
    clock.clear_cache()
    if Incident.objects.filter(filed_area__code__startswith=district.code).count() >= CASES:
        if stdout:
            stdout.write("Demo cases already present.")
        return
    rng = random.Random(2004)
    now = timezone.now()
    cells = list(Area.objects.current().filter(level=Level.GRID, code__startswith=district.code).order_by("code"))
    if not cells:
        return
    areas_by_code = {a.code: a for a in Area.objects.current().filter(code__startswith=district.code).exclude(level=Level.GRID)}
    worker = User.objects.filter(role=Role.GRID_WORKER, username="gridworker").first() or User.objects.filter(role=Role.GRID_WORKER).first()
    dispatcher = User.objects.filter(role=Role.DISPATCHER).first()
    community_staff = User.objects.filter(role=Role.COMMUNITY).first()
    worker_cells = [a.cell for a in GridAssignment.objects.active().filter(user=worker).select_related("cell")] if worker else []
    categories = {c.code: c for c in Category.objects.filter(code__in=DESCRIPTIONS)}

    # A third of the cases in the demo worker's cells, so their pages are lived-in.
    chosen = [rng.choice(worker_cells) if worker_cells and rng.random() < 0.35 else rng.choice(cells) for _ in range(CASES)]
    points = _points_in(sorted({c.id for c in chosen}), 7)
    weights = [w for *_, w in MIX]
    incidents: list[Incident] = []
    plans = []
    for index, cell in enumerate(chosen):
        final, level, _weight = rng.choices(MIX, weights=weights)[0]
        code = rng.choice(list(categories))
        if final == "resolved" and not categories[code].grid_resolvable:
            code = rng.choice([c for c in categories if categories[c].grid_resolvable])
        category = categories[code]
        created = now - timedelta(hours=rng.uniform(1, 24 * 20))
        in_worker_cell = cell in worker_cells
        source = Source.PATROL if in_worker_cell else rng.choice([Source.SELF_REPORT, Source.HOTLINE, Source.API])
        reporter = worker if in_worker_cell else (dispatcher if source == Source.HOTLINE else None)
        lng, lat = points[cell.id]
        area_at = {
            Level.GRID: cell,
            Level.COMMUNITY: areas_by_code.get(cell.code[:12]),
            Level.STREET: areas_by_code.get(cell.code[:9]),
            Level.DISTRICT: areas_by_code.get(cell.code[:6], district),
        }
        incidents.append(Incident(
            client_id=uuid.UUID(int=rng.getrandbits(128)), cell=cell, filed_area=cell, location=Point(lng, lat, srid=4326),
            category=category, description=rng.choice(DESCRIPTIONS[code]), urgency=category.default_urgency, source=source,
            status=Status.REPORTED, level=Level.GRID, area=cell, deadline=created, deadline_started_at=created,
            reporter=reporter, created_at=created, updated_at=created,
        ))
        plans.append((final, level, area_at, created, reporter))
    _number(incidents)
    Incident.objects.bulk_create(incidents, batch_size=500)

    entries: list[TimelineEntry] = []
    for incident, (final, level, area_at, created, reporter) in zip(incidents, plans):
        holder_level = Level.GRID
        at = created
        history = []

        def step(action, to_status, actor, to_level=None, hours=2.0):
            nonlocal at, holder_level
            at = min(at + timedelta(hours=rng.uniform(0.2, hours)), now - timedelta(minutes=5))
            from_level = holder_level
            holder_level = to_level or holder_level
            history.append((action, to_status, actor, from_level, holder_level, at))

        history.append(("report", Status.REPORTED, reporter, "", Level.GRID, created))
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
    Incident.objects.bulk_update(
        incidents,
        ["status", "level", "area", "deadline", "warn_at", "deadline_started_at", "version", "updated_at", "escalations",
         "resolved_at_grid", "closed_at"],
        batch_size=500,
    )
    TimelineEntry.objects.bulk_create(entries, batch_size=2000)
    _seed_patrols(worker, worker_cells, rng, now)
    if stdout:
        stdout.write(f"Demo cases: {len(incidents)} with {len(entries)} timeline entries.")


def _number(incidents: list[Incident]) -> None:
    """Case numbers in the order the cases were reported, from the districts' counters."""
    by_day: dict[tuple[str, object], list[Incident]] = {}
    for incident in sorted(incidents, key=lambda i: i.created_at):
        by_day.setdefault((incident.filed_area.code[:6], timezone.localdate(incident.created_at)), []).append(incident)
    for (district_code, day), cases in by_day.items():
        for incident, number in zip(cases, numbering.take_numbers(district_code, day, len(cases))):
            incident.number = number


def _seed_patrols(worker, cells, rng: random.Random, now) -> None:
    """Three finished patrols of the demo grid worker over the last days, walking their cells."""
    if worker is None or not cells or Patrol.objects.filter(worker=worker).exists():
        return
    centres = _points_in([cell.id for cell in cells], rng.randint(1, 10_000))
    for days_ago in (2, 1, 0):
        start = now - timedelta(days=days_ago, hours=rng.uniform(1, 3))
        patrol = Patrol.objects.create(worker=worker, cell=cells[0], started_at=start, ended_at=start + timedelta(minutes=50))
        rows = []
        for cell in cells:
            x, y = centres[cell.id]
            for i in range(60):
                rows.append(PatrolPoint(
                    patrol=patrol, client_id=uuid.UUID(int=rng.getrandbits(128)), at=start + timedelta(seconds=5 * (i + len(rows))),
                    location=Point(x + rng.uniform(-0.0003, 0.0003), y + rng.uniform(-0.0003, 0.0003), srid=4326),
                    accuracy_m=rng.uniform(5, 20), cell=cell,
                ))
        PatrolPoint.objects.bulk_create(rows)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE incidents_patrol SET distance_m = COALESCE((SELECT ST_Length(ST_MakeLine(location ORDER BY at)::geography) "
                "FROM incidents_patrolpoint WHERE patrol_id = %s), 0) WHERE id = %s",
                [patrol.pk, patrol.pk],
            )

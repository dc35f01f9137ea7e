"""Reads that several places need: case lists, nearby cases, patrol summaries and cell coverage.

Every read that reaches a user starts from ``accounts.scope.scoped``.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point, Polygon
from django.db import connection
from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from accounts.capabilities import Capability, role_can
from accounts.models import GridAssignment
from accounts.scope import scoped
from grids.models import Area, Level

from . import numbering
from .actions.patrol_days import day_start, first_kept_day, points_kept_for
from .clock import annotate_light
from .models import ACTIVE_STATUSES, OPEN_STATUSES, Category, Incident, Notification, Patrol


def incidents_for(user, now: datetime | None = None) -> QuerySet:
    """The user's cases, with their light and what lists show."""
    queryset = Incident.objects.select_related("category__parent", "area", "cell", "assignee")
    return annotate_light(scoped(queryset, user), now)


def my_cell_codes(user) -> QuerySet:
    """The codes of the cells the user is assigned now (a subquery)."""
    return GridAssignment.objects.active().filter(user=user).values("cell__code")


def in_my_cells(queryset: QuerySet, user) -> QuerySet:
    """The cases of ``queryset`` filed in the user's cells, whichever level holds them now.

    What "my cells" means everywhere (home's counts and map, the list's ``cells=mine``, the
    on-site checks): by the cell the case was filed in, never by the responsible area, which is a
    community or a street office once a case has climbed — an overdue case climbs, so counting
    by the holder would lose exactly the red ones."""
    return queryset.filter(cell__code__in=my_cell_codes(user))


def light_counts(queryset: QuerySet) -> dict[str, int]:
    """How many open cases of an ``incidents_for`` queryset are red, yellow and green (one query)."""
    counts = {"red": 0, "yellow": 0, "green": 0}
    for row in queryset.filter(status__in=OPEN_STATUSES).order_by().values("light").annotate(n=Count("pk")):
        if row["light"] in counts:
            counts[row["light"]] = row["n"]
    return counts


def cells_geojson(cells: list[Area]) -> dict:
    """Her cells' outlines, in the page itself: the patrol and home maps draw them with no signal."""
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": json.loads(cell.boundary.simplify(0.00002, preserve_topology=True).geojson),
             "properties": {"code": cell.code, "name": cell.name}}
            for cell in cells if cell.boundary
        ],
    }


def waiting_for_level(user) -> QuerySet:
    """Cases held at the user's own level in their area (the community or street inbox)."""
    from .levels import LEVEL_ROLE

    levels = [level for level, role in LEVEL_ROLE.items() if role == user.role]
    queryset = incidents_for(user).filter(status__in=ACTIVE_STATUSES)
    if not levels:
        return queryset.none()
    if role_can(user, Capability.WORK_CELLS):
        return queryset.filter(level=Level.GRID, area__code__in=my_cell_codes(user))
    if not user.area_id:
        return queryset.none()
    return queryset.filter(level__in=levels, area__code__startswith=user.area.code)


def _bbox(point: Point, radius_m: float) -> Polygon:
    dlat = radius_m / 111_320.0
    dlng = radius_m / (111_320.0 * max(0.01, math.cos(math.radians(point.y))))
    return Polygon.from_bbox((point.x - dlng, point.y - dlat, point.x + dlng, point.y + dlat))


def nearby(user, *, point: Point, category: Category, radius_m: float | None = None, limit: int = 20) -> list[Incident]:
    """Open cases of the category within its duplicate radius, nearest first (what the report page
    shows before submitting). The bounding box uses the spatial index; the distance is on the sphere."""
    radius = float(radius_m or category.duplicate_radius_m)
    point = Point(point.x, point.y, srid=4326)
    queryset = (
        incidents_for(user)
        .filter(category=category, status__in=[*OPEN_STATUSES, "handled"], location__bboverlaps=_bbox(point, radius))
        .annotate(distance=Distance("location", point))
        .filter(distance__lte=radius)
        .order_by("distance")
    )
    return list(queryset[:limit])


def frequent_categories(user, days: int = 90, limit: int = 6) -> list[int]:
    """The minor classes this user reported most in recent days, most used first."""
    since = timezone.now() - timedelta(days=days)
    rows = (
        Incident.objects.filter(reporter=user, created_at__gte=since)
        .values("category_id")
        .annotate(n=Count("id"))
        .order_by("-n", "category_id")[:limit]
    )
    return [row["category_id"] for row in rows]


def taxonomy(user=None) -> dict[str, Any]:
    """The two-level taxonomy for pickers, with the user's most used classes first."""
    majors = []
    minors_by_parent: dict[int, list] = {}
    all_minors = {}
    for category in Category.objects.filter(active=True).order_by("sort_order", "code"):
        item = {
            "id": category.pk, "code": category.code, "name": category.label, "kind": category.kind,
            "radius_m": category.duplicate_radius_m, "urgency": category.default_urgency,
            "grid_resolvable": category.grid_resolvable,
        }
        if category.parent_id is None:
            majors.append(item)
        else:
            item["major"] = category.parent_id
            minors_by_parent.setdefault(category.parent_id, []).append(item)
            all_minors[category.pk] = item
    for major in majors:
        major["children"] = minors_by_parent.get(major["id"], [])
    frequent = [all_minors[pk] for pk in frequent_categories(user) if pk in all_minors] if user else []
    return {"frequent": frequent, "majors": majors}


# --- patrols -------------------------------------------------------------------------------

@dataclass
class PatrolSummary:
    patrol: Patrol
    duration: timedelta
    distance_m: float
    points: int
    cells: list[Area]
    checkins: list
    findings: list[Incident]
    # The track, [[lat, lng], …] in time order (6 decimals), as JSON text written by PostgreSQL:
    # the API passes it through unparsed (gridgov.renderers; a day is 2,880 points).
    track_json: str
    # Points in cells she did not answer for at their time (PatrolPoint.outside_own_cells), while kept.
    points_outside_own_cells: int = 0

    @property
    def track(self) -> list[list[float]]:
        """The track as numbers (the summary page draws it)."""
        return json.loads(self.track_json)


# Points (a MultiPoint, in time order, or the kept line) as the JSON of their [lat, lng] pairs,
# 6 decimals (0.1 m): PostGIS writes the numbers (ST_AsGeoJSON, in C), the coordinates' text is
# taken out as it is (json's ->, not jsonb's: no re-formatting). Faster than formatting each
# number in SQL (19 against 32 ms for a day's 2,880 points, same text), and far faster than Python.
_TRACK_JSON = "(ST_AsGeoJSON(ST_FlipCoordinates({g}), 6)::json -> 'coordinates')::text"

# One pass over the points (a day is 2,880), from the unique index alone (patrol_point_once holds
# the position and the cell): the track as JSON (its first TRACK_MOST points) and the cells it
# crossed; how many points lay outside her cells, from their own small index (migration 0023).
_POINTS_SUMMARY_SQL = f"""
SELECT COALESCE({_TRACK_JSON.format(g="ST_Collect(location ORDER BY at) FILTER (WHERE n <= %(most)s)")}, '[]'),
       array_agg(DISTINCT cell_id) FILTER (WHERE cell_id IS NOT NULL),
       (SELECT count(*) FROM incidents_patrolpoint o WHERE o.patrol_id = %(patrol)s AND o.at >= %(since)s AND o.outside_own_cells)
FROM (SELECT location, at, cell_id, row_number() OVER (ORDER BY at) AS n
      FROM incidents_patrolpoint WHERE patrol_id = %(patrol)s AND at >= %(since)s) points
"""

# A patrol whose points are dropped: its kept line as the track, and the current cells it crosses.
# No row when it has no line.
_LINE_SUMMARY_SQL = f"""
SELECT {_TRACK_JSON.format(g="p.track")},
       ARRAY(SELECT DISTINCT f.area_id FROM grids_areafragment f WHERE f.level = %(grid)s AND ST_Intersects(f.geom, p.track))
FROM incidents_patrol p WHERE p.id = %(patrol)s AND p.track IS NOT NULL
"""

# The most points a summary's track shows (a day is 2,880).
TRACK_MOST = 5000


def patrol_summary(patrol: Patrol) -> PatrolSummary:
    """What a patrol was: from its points while they are kept, else from its kept line.

    The track is made as JSON by PostgreSQL (one statement, no row per point for Python), and
    neither the patrol's kept line nor a cell's boundary is read into GEOS: none is shown."""
    end = patrol.ended_at or timezone.now()
    line = None
    if _points_dropped(patrol):
        with connection.cursor() as cursor:
            cursor.execute(_LINE_SUMMARY_SQL, {"patrol": patrol.pk, "grid": str(Level.GRID)})
            line = cursor.fetchone()
    if line is not None:
        track_json, cell_ids = line
        track_json = track_json or "[]"
        outside = 0
        cells = Area.objects.current().filter(pk__in=cell_ids)
    else:
        with connection.cursor() as cursor:
            cursor.execute(_POINTS_SUMMARY_SQL, {"patrol": patrol.pk, "since": patrol.started_at - timedelta(days=1), "most": TRACK_MOST})
            track_json, cell_ids, outside = cursor.fetchone()
        cells = Area.objects.filter(pk__in=cell_ids or [])
    return PatrolSummary(
        patrol=patrol,
        duration=end - patrol.started_at,
        distance_m=patrol.distance_m,
        points=patrol.point_count,
        cells=list(cells.defer("boundary").order_by("code")),
        checkins=list(patrol.checkins.select_related("cell").defer("cell__boundary")),
        # What incident_summary shows of each (its class and major class, area, cell), in this one query.
        findings=list(patrol.findings.select_related("category__parent", "area", "cell")
                      .defer("area__boundary", "cell__boundary").order_by("created_at")),
        track_json=track_json,
        points_outside_own_cells=outside,
    )


def _points_dropped(patrol: Patrol) -> bool:
    """Whether some of the patrol's points are gone (it started before the oldest day kept)."""
    first = first_kept_day()
    return first is None or patrol.started_at < day_start(first)


_POINT_VISITS_SQL = """
SELECT p.cell_id, count(*), count(DISTINCT pa.worker_id), min(p.at), max(p.at)
FROM incidents_patrolpoint p JOIN incidents_patrol pa ON pa.id = p.patrol_id
WHERE p.cell_id = ANY(%(cells)s) AND p.at >= %(start)s AND p.at < %(end)s GROUP BY p.cell_id
"""

# A day whose points are dropped: the cells the kept lines of that day's patrols cross. How many
# points is no longer known (None); first and last are the patrols' start and end.
_TRACK_VISITS_SQL = """
SELECT f.area_id, NULL::int, count(DISTINCT pa.worker_id), min(pa.started_at), max(pa.ended_at)
FROM incidents_patrol pa JOIN grids_areafragment f ON f.level = 'grid' AND ST_Intersects(f.geom, pa.track)
WHERE f.area_id = ANY(%(cells)s) AND pa.track IS NOT NULL AND pa.started_at < %(end)s AND COALESCE(pa.ended_at, %(end)s) >= %(start)s
GROUP BY f.area_id
"""


def cell_coverage(user, area: Area, day: date) -> list[dict[str, Any]]:
    """Every current cell under ``area`` with how often it was patrolled on ``day`` (points, workers);
    from the points while the day's are kept, else from the patrols' kept lines."""
    start = day_start(day)
    end = start + timedelta(days=1)
    # Without their boundaries: a street office's 2,500 cells were as many polygons for GEOS, never shown.
    cells = list(scoped(Area.objects.current().filter(level=Level.GRID, code__startswith=area.code), user)
                 .defer("boundary").order_by("code"))
    sql = _POINT_VISITS_SQL if points_kept_for(day) else _TRACK_VISITS_SQL
    with connection.cursor() as cursor:
        cursor.execute(sql, {"cells": [cell.pk for cell in cells], "start": start, "end": end})
        visits = {row[0]: {"points": row[1], "workers": row[2], "first": row[3], "last": row[4]} for row in cursor.fetchall()}
    workers: dict[int, list[str]] = {}
    # Who covered each cell on that day, by the assignment history (not who covers it today).
    held = GridAssignment.objects.filter(cell__in=cells, started_at__lt=end).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
    for assignment in held.select_related("user").order_by("started_at"):
        workers.setdefault(assignment.cell_id, []).append(assignment.user.display_name)
    rows = []
    for cell in cells:
        visit = visits.get(cell.pk)
        rows.append({
            "cell": cell,
            "code": cell.code,
            "name": cell.name,
            "points": visit["points"] if visit else 0,
            "patrolled": bool(visit),
            "first": visit["first"] if visit else None,
            "last": visit["last"] if visit else None,
            "grid_workers": workers.get(cell.pk, []),
        })
    return rows


def unread_count(user) -> int:
    """How many of the user's notifications are unread (the badge in the navigation)."""
    if not user or not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def text_condition(text: str) -> Q:
    """What a search box finds: a case number (20261203-0042), a case id (#123), or words of the
    description or the address."""
    text = text.strip()
    if numbering.looks_like_number(text):
        return Q(number=numbering.parse_number(text))
    condition = Q(description__icontains=text) | Q(address__icontains=text)
    if text.lstrip("#").isdigit() and len(text.lstrip("#")) <= 12:
        condition |= Q(pk=int(text.lstrip("#")))
    return condition

"""Reads that several places need: case lists, nearby cases, patrol summaries and cell coverage.

Every read that reaches a user starts from ``accounts.scope.scoped``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point, Polygon
from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from accounts.capabilities import Capability, role_can
from accounts.models import GridAssignment
from accounts.scope import scoped
from grids.models import Area, Level

from .clock import annotate_light
from .models import ACTIVE_STATUSES, OPEN_STATUSES, Category, Incident, Notification, Patrol, PatrolPoint


def incidents_for(user, now: datetime | None = None) -> QuerySet:
    """The user's cases, with their light and what lists show."""
    queryset = Incident.objects.select_related("category__parent", "area", "cell", "assignee")
    return annotate_light(scoped(queryset, user), now)


def waiting_for_level(user) -> QuerySet:
    """Cases held at the user's own level in their area (the community or street inbox)."""
    from .levels import LEVEL_ROLE

    levels = [level for level, role in LEVEL_ROLE.items() if role == user.role]
    queryset = incidents_for(user).filter(status__in=ACTIVE_STATUSES)
    if not levels:
        return queryset.none()
    if role_can(user, Capability.WORK_CELLS):
        cells = GridAssignment.objects.active().filter(user=user).values("cell__code")
        return queryset.filter(level=Level.GRID, area__code__in=cells)
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
    track: list[tuple[float, float]]


def patrol_summary(patrol: Patrol) -> PatrolSummary:
    points = PatrolPoint.objects.filter(patrol=patrol)
    stats = points.aggregate(n=Count("id"), first=Min("at"), last=Max("at"))
    end = patrol.ended_at or timezone.now()
    cell_ids = points.exclude(cell=None).values("cell_id").distinct()
    track = [(p.location.y, p.location.x) for p in points.only("location", "at").order_by("at")[:5000]]
    return PatrolSummary(
        patrol=patrol,
        duration=end - patrol.started_at,
        distance_m=patrol.distance_m,
        points=stats["n"],
        cells=list(Area.objects.filter(pk__in=cell_ids).order_by("code")),
        checkins=list(patrol.checkins.select_related("cell")),
        findings=list(patrol.findings.select_related("category").order_by("created_at")),
        track=track,
    )


def cell_coverage(user, area: Area, day: date) -> list[dict[str, Any]]:
    """Every current cell under ``area`` with how often it was patrolled on ``day`` (points, workers)."""
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time(0)), zone)
    end = start + timedelta(days=1)
    cells = scoped(Area.objects.current().filter(level=Level.GRID, code__startswith=area.code), user).order_by("code")
    visits = {
        row["cell_id"]: row
        for row in PatrolPoint.objects.filter(at__gte=start, at__lt=end, cell__code__startswith=area.code)
        .values("cell_id")
        .annotate(points=Count("id"), workers=Count("patrol__worker", distinct=True), first=Min("at"), last=Max("at"))
    }
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

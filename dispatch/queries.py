"""Reads the console, the department inbox, the grid worker's checks and the API share.

Every read that reaches a user starts from ``accounts.scope.scoped`` (directly, or through
incidents' ``incidents_for``, which does).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point, Polygon
from django.db.models import Case, Count, DateTimeField, Exists, IntegerField, Max, OuterRef, Q, QuerySet, Value, When
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from accounts.scope import scoped
from grids.models import Area, Level
from incidents import clock
from incidents.queries import in_my_cells, text_condition
from incidents.models import ACTIVE_STATUSES, OPEN_STATUSES, Category, Incident, Status

from .kinds import CaseStatus
from .models import ACTIVE_ASSIGNMENT, Assignment, AssignmentStatus, ExtensionRequest, ExtensionStatus


def department_cases(queryset: QuerySet, user) -> QuerySet:
    """Incidents' narrowing for department handlers: cases ever dispatched to their department."""
    if not getattr(user, "department_id", None):
        return queryset.none()
    return queryset.filter(Exists(Assignment.objects.filter(incident_id=OuterRef("pk"), department_id=user.department_id)))


def department_scope_key(user) -> str:
    """What ``department_cases`` narrows by, for ``accounts.scope.scope_key``."""
    return f"department={getattr(user, 'department_id', None)}"


# --- the console queue ------------------------------------------------------------------------------

# What the centre must do next, by the case's status.
STAGES: dict[str, tuple[str, ...]] = {
    "register": (Status.REPORTED, CaseStatus.HELD),  # a held report waits for the intake's moderation
    "dispatch": (Status.REGISTERED, Status.ASSIGNED),
    "departments": (CaseStatus.DISPATCHED, Status.IN_PROGRESS, Status.REWORK),
    "verify": (Status.HANDLED,),
    "close": (Status.VERIFIED,),
    "deferred": (CaseStatus.DEFERRED,),
}
STAGE_OF = {status: stage for stage, statuses in STAGES.items() for status in statuses}
AGES = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7)}


def _listed(params, name: str) -> list[str]:
    return [value for value in (params.get(name) or "").split(",") if value]


def _light_condition(light: str, now: datetime) -> Q:
    """Cases of one light, as plain conditions the indexes can serve (what clock.annotate_light computes)."""
    yellow_at = clock.yellow_at_expression()
    is_open = Q(status__in=OPEN_STATUSES)
    if light == "red":
        return is_open & Q(deadline__lt=now)
    reached = Q(LessThanOrEqual(yellow_at, Value(now, output_field=DateTimeField())))
    if light == "yellow":
        return is_open & Q(deadline__gte=now) & reached
    if light == "green":
        return is_open & Q(deadline__gte=now) & ~reached
    return Q(pk__in=[])


def centre_queue(user, params=None, now: datetime | None = None) -> QuerySet:
    """Cases held at the command centre, filtered: category (major or minor code), street (area code
    prefix), light, source, age (1h, 24h, 7d: reported within; old: before 7 days), q. Unordered:
    ``most_pressing`` orders it."""
    params = params or {}
    now = now or timezone.now()
    queryset = scoped(Incident.objects.filter(level=Level.DISTRICT, status__in=ACTIVE_STATUSES), user)
    if categories := _listed(params, "category"):
        queryset = queryset.filter(Q(category__code__in=categories) | Q(category__parent__code__in=categories))
    if streets := _listed(params, "street"):
        condition = Q()
        for code in streets:
            condition |= Q(filed_area__code__startswith=code)
        queryset = queryset.filter(condition)
    if lights := _listed(params, "light"):
        condition = Q()
        for light in lights:
            condition |= _light_condition(light, now)
        queryset = queryset.filter(condition)
    if sources := _listed(params, "source"):
        queryset = queryset.filter(source__in=sources)
    age = params.get("age") or ""
    if age in AGES:
        queryset = queryset.filter(created_at__gte=now - AGES[age])
    elif age == "old":
        queryset = queryset.filter(created_at__lt=now - AGES["7d"])
    if text := (params.get("q") or "").strip():
        queryset = queryset.filter(text_condition(text))
    return queryset


def most_pressing(queryset: QuerySet, now: datetime) -> QuerySet:
    """Urgent reports waiting in the intake (受理) first of all, then overdue, nearly due, urgent
    before normal, earliest deadline first. One flat CASE on the row's own columns, so the sort is
    a cheap top-N over the queue's narrow index."""
    yellow_at = clock.yellow_at_expression()
    rank = Case(
        When(Q(status=Status.REPORTED, urgency="urgent"), then=Value(-1)),
        When(~Q(status__in=OPEN_STATUSES), then=Value(3)),
        When(deadline__lt=now, then=Value(0)),
        When(LessThanOrEqual(yellow_at, Value(now, output_field=DateTimeField())), then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    urgency = Case(When(urgency="urgent", then=Value(0)), default=Value(1), output_field=IntegerField())
    return queryset.annotate(light_rank=rank, urgency_rank=urgency).order_by("light_rank", "urgency_rank", "deadline", "id")


def stage_counts(queryset: QuerySet, now: datetime | None = None) -> dict[str, int]:
    """How many cases wait at each stage, and how many are overdue (one grouped query)."""
    now = now or timezone.now()
    by_status = dict(queryset.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    counts = {stage: sum(by_status.get(status, 0) for status in statuses) for stage, statuses in STAGES.items()}
    counts["red"] = queryset.filter(status__in=OPEN_STATUSES, deadline__lt=now).order_by().count()
    return counts


def with_stage(queryset: QuerySet, stage: str | None) -> QuerySet:
    if stage in STAGES:
        return queryset.filter(status__in=STAGES[stage])
    return queryset


def shares_by_case(incident_ids: list[int]) -> dict[int, list[Assignment]]:
    found: dict[int, list[Assignment]] = {}
    rows = (
        Assignment.objects.filter(incident_id__in=incident_ids)
        .exclude(status=AssignmentStatus.CANCELLED)
        .select_related("department")
        .order_by("dispatched_at", "id")
    )
    for share in rows:
        found.setdefault(share.incident_id, []).append(share)
    return found


def _iso(moment):
    return timezone.localtime(moment).isoformat() if moment else None


def share_data(share: Assignment, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    late = share.status in (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED) and share.deadline < now
    return {
        "id": share.pk,
        "department": {"id": share.department_id, "code": share.department.code, "name": share.department.label},
        "status": share.status,
        "status_label": share.get_status_display(),
        "deadline": _iso(share.deadline),
        "late": late,
        "dispatched_at": _iso(share.dispatched_at),
        "accepted_at": _iso(share.accepted_at),
        "handled_at": _iso(share.handled_at),
        "returned_at": _iso(share.returned_at),
        "return_reason": share.return_reason,
        "feedback": share.feedback,
        "reworks": share.reworks,
        "supervisions": share.supervisions,
    }


def queue_row(incident: Incident, shares: list[Assignment], now: datetime) -> dict[str, Any]:
    category = incident.category
    age = now - incident.created_at
    street = incident.filed_area.code[:9] if len(incident.filed_area.code) >= 9 else ""
    return {
        "id": incident.pk,
        "number": incident.number,
        "label": incident.label,
        "version": incident.version,
        "status": incident.status,
        "status_label": incident.get_status_display(),
        "stage": STAGE_OF.get(incident.status, ""),
        "light": getattr(incident, "light", "") or None,
        "urgency": incident.urgency,
        "urgent": incident.urgency == "urgent",
        "source": incident.source,
        "source_label": incident.get_source_display(),
        "category": category.label,
        "category_code": category.code,
        "major": category.parent.label if category.parent_id and category.parent else "",
        "area": incident.filed_area.name,
        "street": street,
        "address": incident.address,
        "description": incident.description[:140],
        "created_at": _iso(incident.created_at),
        "age_minutes": int(age.total_seconds() // 60),
        "deadline": _iso(incident.deadline),
        "location": {"lat": round(incident.location.y, 6), "lng": round(incident.location.x, 6)},
        "departments": [
            {
                "name": s.department.label,
                "status": s.status,
                "status_label": s.get_status_display(),
                "late": s.status in (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED) and s.deadline < now,
            }
            for s in shares
            if s.status in ACTIVE_ASSIGNMENT
        ],
        "returns": sum(1 for s in shares if s.status == AssignmentStatus.RETURNED),
        # Not preselected again in the dispatch form, and marked there.
        "returned_departments": sorted({s.department_id for s in shares if s.status == AssignmentStatus.RETURNED}),
    }


def queue_payload(user, params, *, limit: int = 200, now: datetime | None = None) -> dict[str, Any]:
    """The console's JSON: counts per stage, the ``limit`` most pressing cases of the chosen stage.

    1. Count per status over the filtered queue (an index-only count) and the overdue ones.
    2. Pick the ids of the most pressing cases (a narrow top-N sort).
    3. Load only those rows with what the list shows, and their departments' shares.
    """
    now = now or timezone.now()
    base = centre_queue(user, params, now)
    counts = stage_counts(base, now)
    ids = list(most_pressing(with_stage(base, params.get("stage")), now).values_list("id", flat=True)[:limit])
    by_id = Incident.objects.select_related("category__parent", "filed_area").in_bulk(ids)
    rows = [by_id[pk] for pk in ids if pk in by_id]
    for incident in rows:
        incident.light = clock.light(
            status=incident.status,
            deadline=incident.deadline,
            started=incident.deadline_started_at,
            warn_at=incident.warn_at,
            now=now,
        )
    shares = shares_by_case(ids)
    pending_extensions = set(
        ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING, assignment__incident_id__in=ids).values_list(
            "assignment__incident_id", flat=True
        )
    )
    items = []
    for incident in rows:
        item = queue_row(incident, shares.get(incident.pk, []), now)
        item["extension_pending"] = incident.pk in pending_extensions
        items.append(item)
    stamp = max((row.updated_at for row in rows), default=None)
    return {"now": _iso(now), "counts": counts, "results": items, "stamp": _iso(stamp), "limit": limit}


def intake_pulse(user) -> dict[str, Any]:
    """What the console asks every second: how many reports wait in the intake (受理) and when the
    last of them arrived or changed — a narrow read over (status, level), so that a new report
    shows within a second without reloading the whole queue."""
    intake = scoped(Incident.objects.filter(status=Status.REPORTED, level=Level.DISTRICT), user).order_by()
    found = intake.aggregate(n=Count("id"), last=Max("updated_at"), newest=Max("id"))
    return {"intake": found["n"], "stamp": f"{found['n']}:{found['newest'] or 0}:{_iso(found['last']) or ''}"}


# --- the department inbox -----------------------------------------------------------------------------


def department_inbox(user, *, include_done: bool = False) -> QuerySet:
    """The department's live shares on cases the centre holds, earliest deadline first."""
    queryset = scoped(Assignment.objects.select_related("incident__category__parent", "incident__filed_area", "department"), user)
    if include_done:
        return queryset.order_by("-dispatched_at", "-id")
    return queryset.filter(
        status__in=ACTIVE_ASSIGNMENT,
        incident__level=Level.DISTRICT,
        incident__status__in=[CaseStatus.DISPATCHED, Status.IN_PROGRESS, Status.REWORK, Status.HANDLED, Status.VERIFIED],
    ).order_by("deadline", "id")


def share_light(share: Assignment, now: datetime | None = None) -> str | None:
    if share.status not in (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED) and not (
        share.status == AssignmentStatus.HANDLED and share.incident.status == Status.REWORK
    ):
        return None
    return clock.light(
        status=Status.IN_PROGRESS, deadline=share.deadline, started=share.dispatched_at, warn_at=share.warn_at, now=now
    )


def department_open_count(user) -> int:
    if not getattr(user, "department_id", None):
        return 0
    return (
        department_inbox(user)
        .filter(
            Q(status__in=[AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED])
            | Q(status=AssignmentStatus.HANDLED, incident__status=Status.REWORK)
        )
        .count()
    )


# --- the grid worker's on-site checks --------------------------------------------------------------------


def checks_for(user) -> QuerySet:
    """Handled cases in the worker's cells, waiting for the on-site check (核查)."""
    return in_my_cells(scoped(Incident.objects.select_related("category__parent", "cell", "filed_area"), user), user).filter(
        status=Status.HANDLED
    ).order_by("updated_at", "id")


# --- the case page ---------------------------------------------------------------------------------------


def _bbox(point: Point, radius_m: float) -> Polygon:
    dlat = radius_m / 111_320.0
    dlng = radius_m / (111_320.0 * max(0.01, math.cos(math.radians(point.y))))
    return Polygon.from_bbox((point.x - dlng, point.y - dlat, point.x + dlng, point.y + dlat))


def nearby_cases(user, incident: Incident, *, radius_m: float = 300, limit: int = 10) -> list[Incident]:
    """Live cases of any class around this one (same street, same problem, a cluster), nearest first."""
    point = Point(incident.location.x, incident.location.y, srid=4326)
    box = _bbox(point, radius_m)
    box.srid = 4326
    queryset = (
        scoped(Incident.objects.select_related("category"), user)
        .filter(status__in=ACTIVE_STATUSES, location__bboverlaps=box)
        .exclude(pk=incident.pk)
        .annotate(distance=Distance("location", point))
        .filter(distance__lte=radius_m)
        .order_by("distance")
    )
    return list(queryset[:limit])


@dataclass
class CaseView:
    incident: Incident
    shares: list[Assignment]
    live_shares: list[Assignment]
    extensions: list[ExtensionRequest]
    pending_extensions: list[ExtensionRequest]
    own_share: Assignment | None


def case_view(user, incident: Incident) -> CaseView:
    shares = list(
        Assignment.objects.filter(incident=incident)
        .select_related("department", "dispatched_by", "returned_by", "handled_by")
        .order_by("dispatched_at", "id")
    )
    extensions = list(
        ExtensionRequest.objects.filter(assignment__incident=incident).select_related("assignment__department", "requested_by")
    )
    own = None
    if getattr(user, "department_id", None):
        own = next((s for s in shares if s.department_id == user.department_id and s.status in ACTIVE_ASSIGNMENT), None)
    return CaseView(
        incident=incident,
        shares=[s for s in shares if s.status != AssignmentStatus.CANCELLED],
        live_shares=[s for s in shares if s.status in ACTIVE_ASSIGNMENT],
        extensions=extensions,
        pending_extensions=[e for e in extensions if e.status == ExtensionStatus.PENDING],
        own_share=own,
    )


def street_choices(user) -> list[Area]:
    return list(scoped(Area.objects.current().filter(level=Level.STREET), user).order_by("code"))


def category_choices() -> list[Category]:
    return list(
        Category.objects.filter(active=True, parent__isnull=True).prefetch_related("children").order_by("sort_order", "code")
    )


def default_department_map() -> dict[str, list[int]]:
    """{minor class code: ids of its default departments} in two queries (the minor class's owners,
    else its major class's; empty: the locality handles it)."""
    from .models import DepartmentCategory

    owners: dict[int, list[int]] = {}
    for category_id, department_id in (
        DepartmentCategory.objects.filter(department__active=True)
        .order_by("department__code")
        .values_list("category_id", "department_id")
    ):
        owners.setdefault(category_id, []).append(department_id)
    return {
        code: owners.get(pk) or owners.get(parent_id) or []
        for pk, code, parent_id in Category.objects.filter(active=True, parent__isnull=False).values_list(
            "pk", "code", "parent_id"
        )
    }

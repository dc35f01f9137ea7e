"""A grid worker's patrols: start, the track's points, check-ins, end.

Every write is idempotent by the phone's client ids: the offline outbox may send a batch twice.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence

from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.capabilities import Capability, can
from accounts.models import GridAssignment
from grids.models import Area
from grids.queries import lookup_point

from ..errors import Forbidden, InvalidInput
from ..models import Patrol, PatrolCheckIn, PatrolPoint


def _first_cell(worker) -> Area | None:
    assignment = (
        GridAssignment.objects.active().filter(user=worker, cell__valid_to__isnull=True).select_related("cell").order_by("cell__code").first()
    )
    return assignment.cell if assignment else None


def start_patrol(*, worker, client_id: uuid.UUID | str | None = None, now: datetime | None = None) -> tuple[Patrol, bool]:
    """Start a patrol, or answer the one already running (a phone that reloads resumes it)."""
    if not can(worker, Capability.WORK_CELLS):
        raise Forbidden(_("Only grid workers patrol."))
    cell = _first_cell(worker)
    if cell is None:
        raise InvalidInput(_("You have no grid cell assigned, so there is nothing to patrol."), field="cell")
    if client_id:
        try:
            client_id = uuid.UUID(str(client_id))
        except ValueError:
            raise InvalidInput(_("client_id must be a UUID."), field="client_id")
    running = Patrol.objects.filter(worker=worker, ended_at__isnull=True).first()
    if running is not None:
        return running, False
    if client_id:
        done = Patrol.objects.filter(worker=worker, client_id=client_id).first()
        if done is not None:
            return done, False
    try:
        with transaction.atomic():
            return Patrol.objects.create(worker=worker, cell=cell, client_id=client_id or None, started_at=now or timezone.now()), True
    except IntegrityError:
        running = Patrol.objects.filter(worker=worker, ended_at__isnull=True).first()
        if running is None:
            raise
        return running, False


@dataclass
class PointIn:
    client_id: uuid.UUID
    at: datetime
    lat: float
    lng: float
    accuracy_m: float | None = None


# Points less precise than this are kept in the track but not counted in the distance.
DISTANCE_ACCURACY_M = 100.0
_LATE_POINTS_GRACE_SECONDS = 60


def record_points(patrol: Patrol, *, actor, points: Sequence[PointIn]) -> int:
    """Add a batch of track points; points already received (same client id) are ignored. Answers
    how many were new. Then the points' cells are found and the distance recomputed, in SQL."""
    if patrol.worker_id != actor.pk:
        raise Forbidden(_("This patrol is not yours."))
    if len(points) > 2000:
        raise InvalidInput(_("Send at most 2,000 points at a time."), field="points")
    for index, point in enumerate(points):
        if not (-90 <= point.lat <= 90 and -180 <= point.lng <= 180):
            raise InvalidInput(_("Point %(index)d is not a position on Earth.") % {"index": index}, field="points")
        if patrol.ended_at and point.at > patrol.ended_at + timedelta(seconds=_LATE_POINTS_GRACE_SECONDS):
            raise InvalidInput(_("Point %(index)d was recorded after the patrol ended.") % {"index": index}, field="points")
    rows = [
        PatrolPoint(
            patrol=patrol, client_id=point.client_id, at=point.at, location=Point(point.lng, point.lat, srid=4326),
            accuracy_m=point.accuracy_m,
        )
        for point in points
    ]
    with transaction.atomic():
        before = PatrolPoint.objects.filter(patrol=patrol).count()
        PatrolPoint.objects.bulk_create(rows, ignore_conflicts=True)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE incidents_patrolpoint p SET cell_id = f.area_id
                FROM grids_areafragment f JOIN grids_area a ON a.id = f.area_id AND a.valid_to IS NULL
                WHERE p.patrol_id = %s AND p.cell_id IS NULL AND f.level = 'grid' AND ST_Intersects(f.geom, p.location)
                """,
                [patrol.pk],
            )
            cursor.execute(
                """
                UPDATE incidents_patrol SET distance_m = COALESCE((
                    SELECT ST_Length(ST_MakeLine(location ORDER BY at)::geography)
                    FROM incidents_patrolpoint WHERE patrol_id = %s AND (accuracy_m IS NULL OR accuracy_m <= %s)
                ), 0) WHERE id = %s
                """,
                [patrol.pk, DISTANCE_ACCURACY_M, patrol.pk],
            )
        added = PatrolPoint.objects.filter(patrol=patrol).count() - before
    patrol.refresh_from_db(fields=["distance_m"])
    return added


def check_in(
    patrol: Patrol, *, actor, lat: float, lng: float, note: str = "", client_id=None, at: datetime | None = None
) -> PatrolCheckIn:
    if patrol.worker_id != actor.pk:
        raise Forbidden(_("This patrol is not yours."))
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise InvalidInput(_("The check-in is not a position on Earth."), field="lat")
    if client_id:
        existing = PatrolCheckIn.objects.filter(patrol=patrol, client_id=client_id).first()
        if existing is not None:
            return existing
    found = lookup_point(lng, lat).get("grid")
    return PatrolCheckIn.objects.create(
        patrol=patrol, client_id=client_id or None, at=at or timezone.now(), location=Point(lng, lat, srid=4326),
        cell_id=found["id"] if found else None, note=(note or "")[:200],
    )


def end_patrol(patrol: Patrol, *, actor, now: datetime | None = None, note: str = "") -> Patrol:
    """End the patrol; ending it again answers it unchanged."""
    if patrol.worker_id != actor.pk and not actor.is_superuser:
        raise Forbidden(_("This patrol is not yours."))
    Patrol.objects.filter(pk=patrol.pk, ended_at__isnull=True).update(ended_at=now or timezone.now(), note=(note or "")[:2000])
    patrol.refresh_from_db()
    return patrol

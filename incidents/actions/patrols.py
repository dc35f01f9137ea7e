"""A grid worker's patrols: start, the track's points, check-ins, end.

Every write is idempotent by the phone's client ids: the offline outbox may send a batch twice.
"""
from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence

import psycopg
from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.capabilities import Capability, can
from accounts.models import GridAssignment
from grids.models import Area
from gridgov.prepared import execute_prepared
from grids.queries import lookup_point

from ..errors import BadPoint, Forbidden, InvalidInput
from ..models import Patrol, PatrolCheckIn
from .patrol_days import day_start, ensure_days, first_kept_day, oldest_allowed, points_kept_for, retention_days, write_tracks
from .patrol_batch_sql import _BATCH_SQL, _DISTANCE_SQL, BATCH_ANSWER, batch_sql  # noqa: F401  (re-exported)


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
# A phone's clock runs a little ahead; a point from further in the future is a wrong clock.
_FUTURE_SECONDS = 600
MAX_BATCH = 2000


def _bad(index: int, name: str, message: str, point_id=None) -> BadPoint:
    return BadPoint(_("Point %(index)d: %(problem)s") % {"index": index, "problem": message}, field=f"points.{index}.{name}",
                    index=index, point_id=str(point_id) if point_id is not None else None)


def _raw_id(item) -> str | None:
    """The phone's id of a point it sent, for naming a bad point (only when it looks like one)."""
    raw = item.get("id") if isinstance(item, dict) else None
    return raw if isinstance(raw, str) and len(raw) <= 64 and "\x00" not in raw else None


def _number(index: int, item: dict, name: str, low: float, high: float, *, required: bool = True) -> float | None:
    value = item.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not low <= value <= high:
        raise _bad(index, name, _("%(name)s must be a number between %(low)s and %(high)s.") % {"name": name, "low": low, "high": high})
    return float(value)


def _moment(index: int, value) -> datetime:
    moment = parse_datetime(value) if isinstance(value, str) and "\x00" not in value and len(value) <= 40 else None
    if moment is None:
        raise _bad(index, "at", _("“at” must be a date and time (ISO 8601, e.g. 2026-12-03T09:30:00+08:00)."))
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def parse_point(index: int, item) -> PointIn:
    """One point of a batch as the phone sends it (``{"id", "at", "lat", "lng", "accuracy"}``), or a
    400 naming the point's index and field."""
    if isinstance(item, PointIn):
        return item
    if not isinstance(item, dict):
        raise _bad(index, "id", _("each point must be an object with id, at, lat and lng."))
    raw_id = item.get("id")
    try:
        if not isinstance(raw_id, (str, uuid.UUID)):
            raise ValueError
        client_id = raw_id if isinstance(raw_id, uuid.UUID) else uuid.UUID(raw_id)
    except ValueError:
        raise _bad(index, "id", _("“id” must be a UUID made by the phone."))
    try:
        at = _moment(index, item.get("at"))
    except (ValueError, OverflowError):  # year 0, month 13
        raise _bad(index, "at", _("“at” must be a date and time (ISO 8601, e.g. 2026-12-03T09:30:00+08:00)."))
    lat = _number(index, item, "lat", -90, 90)
    lng = _number(index, item, "lng", -180, 180)
    accuracy = _number(index, item, "accuracy", 0, 1e6, required=False)
    return PointIn(client_id=client_id, at=at, lat=lat, lng=lng, accuracy_m=accuracy)


def check_window(points: Sequence[PointIn], now: datetime) -> None:
    """Every point's time within the kept days and not in the future (a wrong clock), or a 400."""
    earliest, latest = oldest_allowed(now), now + timedelta(seconds=_FUTURE_SECONDS)
    for index, point in enumerate(points):
        if not earliest <= point.at <= latest:
            raise _bad(index, "at", _("the time %(at)s is not within the %(days)d days kept up to now.")
                       % {"at": point.at.isoformat(), "days": retention_days()}, point.client_id)


def _check_batch(patrol: Patrol, points: Sequence[PointIn], now: datetime) -> None:
    check_window(points, now)
    for index, point in enumerate(points):
        if patrol.ended_at and point.at > patrol.ended_at + timedelta(seconds=_LATE_POINTS_GRACE_SECONDS):
            raise _bad(index, "at", _("it was recorded after the patrol ended."), point.client_id)


def _array(values) -> str:
    """An array literal of checked values (UUIDs, ISO times, finite floats, None): psycopg's list
    adaptation costs more Python than the rest of a batch of ten. The statement casts it."""
    return "{" + ",".join("NULL" if value is None else str(value) for value in values) + "}"


def batch_params(points: Sequence[PointIn], **more) -> dict:
    """The batch statement's parameters (both callers of ``batch_sql``)."""
    return {
        "ids": _array([p.client_id for p in points]), "ats": _array([p.at.isoformat() for p in points]),
        "lngs": _array([p.lng for p in points]), "lats": _array([p.lat for p in points]),
        "accs": _array([p.accuracy_m for p in points]),
        "margin": float(getattr(settings, "GRIDGOV_SERVED_MARGIN_M", 500.0)) / 111_320.0,
        "accuracy": DISTANCE_ACCURACY_M, **more,
    }


def latest_stored(now: datetime) -> datetime:
    """No stored point is later than this (each was refused past its own moment's future limit):
    the batch statement's upper bound, which leaves the partitions made ahead out of its reads.
    The clock's, if later than the ``now`` a caller gave."""
    return max(now, timezone.now()) + timedelta(seconds=_FUTURE_SECONDS)


def store_batch(sql: str, params: dict, points: Sequence[PointIn]) -> tuple:
    """Run a batch statement (``batch_sql``) once, prepared, after making the batch's days; a point
    far from every served district is a 400 naming it, with nothing stored. Answers its row."""
    _make_days_of(points)
    try:
        row = _store(sql, params)
    except (IntegrityError, psycopg.errors.CheckViolation) as exc:
        # A day this process knew was dropped meanwhile (a test rolled its partition back): look again.
        if "no partition" not in str(exc):
            raise
        _KNOWN_DAYS.clear()
        _make_days_of(points)
        row = _store(sql, params)
    far = row[-6]
    if far is not None:
        point = points[far - 1]
        raise _bad(far - 1, "lat", _("(%(lat)s, %(lng)s) lies outside the districts this system serves; check the position.")
                   % {"lat": point.lat, "lng": point.lng}, point.client_id)
    return row


def walk_again(params: dict, *, ended: bool) -> float:
    """A batch older than points stored (the outbox sent it late): the distance is walked again;
    late points of an ended patrol: its kept line is drawn again too. Answers the distance."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_DISTANCE_SQL, params)
        distance = cursor.fetchone()[0]
        if ended:
            write_tracks([params["patrol"]])
    return distance


# Days whose partition this process has seen: a batch checks the catalogue only for a day it has not.
# A known day can only be dropped once it is past the retention, and then its points are refused.
_KNOWN_DAYS: set = set()


def _make_days_of(points: Sequence[PointIn]) -> None:
    """The batch's days have their partitions (beat makes them a week ahead; if it has not run, here)."""
    zone = timezone.get_current_timezone()
    days = {p.at.astimezone(zone).date() for p in points} - _KNOWN_DAYS
    for day in sorted(days):
        if not points_kept_for(day):
            ensure_days(day, day)
        _KNOWN_DAYS.add(day)


def _run_batch(sql: str, params: dict) -> tuple:
    """A batch statement, prepared once per connection (planning it costs as much as running it).
    Alone it is its own transaction: all of the batch or none of it."""
    with execute_prepared(sql, params) as cursor:
        return cursor.fetchone()


def parse_points(points) -> list[PointIn]:
    """A batch as the phone sends it: a list of at most ``MAX_BATCH`` points, or a 400 naming the
    first bad one (its index, field and the phone's id)."""
    if not isinstance(points, (list, tuple)):
        raise InvalidInput(_("“points” must be a list of points."), field="points")
    if len(points) > MAX_BATCH:
        raise InvalidInput(_("Send at most %(max)s points at a time.") % {"max": f"{MAX_BATCH:,}"}, field="points")
    parsed = []
    for index, item in enumerate(points):
        try:
            parsed.append(parse_point(index, item))
        except BadPoint as exc:
            exc.point_id = exc.point_id or _raw_id(item)
            raise
    return parsed


def record_points(patrol: Patrol, *, actor, points: Sequence, now: datetime | None = None) -> int:
    """Add a batch of track points, all or none; points already received (same client id and time)
    are skipped. Answers how many were new; ``patrol.distance_m`` and ``point_count`` are brought up
    to date.

    ``points``: ``PointIn`` or the phone's dicts. A bad point — not a UUID, not a time, a time
    outside the kept days, a position far from every served district — is a 400 naming its index
    and field, and nothing of the batch is stored.

    One statement, no transaction around it: a batch sent twice at once is stored once (the second
    insert waits on the first's rows and skips them) and the count is exact (the UPDATE re-reads the
    row it waited for). Two *different* batches of one patrol at the same moment (the page sends one
    at a time) could each add their stretch from the same last point; ``end_patrol`` walks the
    distance again from the points, so the patrol's final distance is exact."""
    if patrol.worker_id != actor.pk:
        raise Forbidden(_("This patrol is not yours."))
    points = parse_points(points)
    if not points:
        return 0
    now = now or timezone.now()
    _check_batch(patrol, points, now)
    since = min(patrol.started_at, min(p.at for p in points)) - timedelta(days=1)
    params = batch_params(points, patrol=patrol.pk, worker=patrol.worker_id, since=since, until=latest_stored(now))
    _far, added, first_new, last_before, distance, count = store_batch(_BATCH_SQL, params, points)
    if added:
        patrol.distance_m, patrol.point_count = distance, count
        if (last_before is not None and first_new < last_before) or patrol.ended_at:
            patrol.distance_m = walk_again(params, ended=bool(patrol.ended_at))
    return added


def _store(sql: str, params: dict) -> tuple:
    if connection.in_atomic_block:  # called inside a caller's transaction: a failed try must not end it
        with transaction.atomic():
            return _run_batch(sql, params)
    return _run_batch(sql, params)


def check_in(
    patrol: Patrol, *, actor, lat: float, lng: float, note: str = "", client_id=None, at: datetime | None = None
) -> PatrolCheckIn:
    """Store a check-in; one outside the cells the worker answered for then is kept, flagged.

    Not refused: the check-in was made on the spot, often offline and sent hours later, and a
    worker may stand in for a colleague or on a border within her phone's GPS error. Refusing
    would lose the record; flagging lets her community see it (patrol summary, API).
    """
    if patrol.worker_id != actor.pk:
        raise Forbidden(_("This patrol is not yours."))
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise InvalidInput(_("The check-in is not a position on Earth."), field="lat")
    if client_id:
        existing = PatrolCheckIn.objects.filter(patrol=patrol, client_id=client_id).first()
        if existing is not None:
            return existing
    at = at or timezone.now()
    found = lookup_point(lng, lat).get("grid")
    own = found is not None and (
        GridAssignment.objects.filter(user_id=patrol.worker_id, cell_id=found["id"], started_at__lte=at)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=at)).exists()
    )
    return PatrolCheckIn.objects.create(
        patrol=patrol, client_id=client_id or None, at=at, location=Point(lng, lat, srid=4326),
        cell_id=found["id"] if found else None, note=(note or "")[:200], outside_own_cells=not own,
    )


def end_patrol(patrol: Patrol, *, actor, now: datetime | None = None, note: str = "") -> Patrol:
    """End the patrol; ending it again answers it unchanged."""
    if patrol.worker_id != actor.pk and not actor.is_superuser:
        raise Forbidden(_("This patrol is not yours."))
    with transaction.atomic():
        ended = Patrol.objects.filter(pk=patrol.pk, ended_at__isnull=True).update(ended_at=now or timezone.now(), note=(note or "")[:2000])
        if ended:
            # The distance walked again from the points (exact whatever order batches came in),
            # and the line kept after the points are dropped.
            first = first_kept_day()
            if first is not None and patrol.started_at >= day_start(first):  # none of its points dropped yet
                with connection.cursor() as cursor:
                    cursor.execute(_DISTANCE_SQL, {"patrol": patrol.pk, "since": patrol.started_at - timedelta(days=1),
                                                   "accuracy": DISTANCE_ACCURACY_M})
            write_tracks([patrol.pk])
    patrol.refresh_from_db()
    return patrol

"""Filing a case: from a grid worker's phone, a resident, the hotline, an API client or Open311.

A report is checked whole before anything is written (category, location, urgency, source,
patrol, photos), its cell found by point lookup, and the case inserted with its first timeline
entry — in one statement when it has no photos, the hottest write of the product.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Callable, Sequence

from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.capabilities import Capability, can, role_can
from grids.models import Area, Level
from grids.queries import lookup_point, served_district

from .. import clock, deadlines, numbering
from ..changes import note_case_change
from ..errors import Forbidden, InvalidInput
from ..models import Category, Incident, Patrol, PhotoStage, Source, Status, TimelineEntry, Urgency
from ..routing import route_for
from .acts import area_at_level, resolve_at_grid
from ..photos import PreparedPhoto
from .machine import Act, prepare, save_photos


# Channels of the public, filed on behalf of people without an account: an Open311 request (by its
# client's system user) and a resident's report from the public page (no reporter at all).
PUBLIC_SOURCES = (Source.OPEN311, Source.RESIDENT)

# One limit for every channel: GeoReport v2's 4,000 characters (Open311 clients send that much).
DESCRIPTION_MAX_LENGTH = 4000


def _check_location(location) -> Point:
    if location is None:
        raise InvalidInput(_("A report needs a location: the phone's position or a pin on the map."), field="location")
    if not isinstance(location, Point):
        raise InvalidInput(_("The location must be a point."), field="location")
    if location.srid not in (None, 4326):
        location = location.transform(4326, clone=True)
    if not (-180 <= location.x <= 180 and -90 <= location.y <= 90):
        raise InvalidInput(
            _("(%(lat)s, %(lng)s) is not a position on Earth: latitude first, then longitude.") % {"lat": location.y, "lng": location.x},
            field="location",
        )
    location.srid = 4326
    return location


def _area_from_lookup(found: dict, level: str) -> Area:
    """The area a point lookup answered, without fetching it again (nor its boundary)."""
    row = found[level]
    area = Area(id=row["id"], code=row["code"], name=row["name"], level=level, area_m2=row["area_m2"])
    area._state.adding = False
    area._state.db = "default"
    return area


def _insert_report(incident: Incident, entry: TimelineEntry, district_code: str) -> TimelineEntry:
    """INSERT the case and its first timeline entry in one statement (a data-modifying CTE); the
    INSERT of the case is compiled by Django from the model, so it follows the model's fields.
    A case without its number yet takes it from the district's counter in the same statement."""
    from django.db.models.sql import InsertQuery

    fields = [f for f in Incident._meta.concrete_fields if not f.primary_key]
    number_sql, number_params = "", []
    if not incident.number:
        day = timezone.localdate(incident.created_at)
        number_sql, number_params = numbering.number_cte(district_code, day)
        number_sql += ", "
        incident.number = numbering.number_expression(day)
    query = InsertQuery(Incident)
    query.insert_values(fields, [incident])
    compiler = query.get_compiler(using="default")
    compiler.returning_fields = [Incident._meta.pk, Incident._meta.get_field("number")]
    (case_sql, case_params), = compiler.as_sql()
    # The first deadline joins the case's deadline history in the same statement (incidents.deadlines).
    history = deadlines.history_insert_sql(
        "new_case", incident="new_case.id", level="%s", deadline="%s", started_at="%s", set_at="%s", action="'report'"
    )
    sql = (
        f"WITH {number_sql}new_case AS ({case_sql}), first_deadline AS ({history}) "
        "INSERT INTO incidents_timelineentry (incident_id, version, at, actor_id, action, from_status, to_status, "
        "from_level, to_level, to_area_id, params, note) "
        "SELECT new_case.id, %s, %s, %s, %s, %s, %s, %s, %s, %s, '{}'::jsonb, %s FROM new_case "
        "RETURNING incident_id, id, (SELECT number FROM new_case)"
    )
    params = [
        *number_params, *case_params, incident.level, incident.deadline, incident.deadline_started_at, incident.created_at,
        entry.version, entry.at, entry.actor_id, entry.action, entry.from_status, entry.to_status,
        entry.from_level, entry.to_level, entry.to_area_id, entry.note,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        incident.pk, entry.pk, incident.number = cursor.fetchone()
    incident._state.adding = False
    incident._state.db = "default"
    entry.incident = incident
    entry._state.adding = False
    entry._state.db = "default"
    return entry


def check_category(category) -> Category:
    if not isinstance(category, Category):
        raise InvalidInput(_("Choose a category."), field="category")
    if not category.active:
        raise InvalidInput(_("The category “%(name)s” is no longer in use.") % {"name": category.label}, field="category")
    if category.parent_id is None:
        raise InvalidInput(
            _("“%(name)s” is a major class; choose one of its minor classes.") % {"name": category.label}, field="category"
        )
    return category


def _check_report(reporter, category, location, urgency, source, patrol, description):
    """The report's fields, checked and normalised before any write. Only a role that reports
    problems files one (a leader only reads; a department works what is dispatched to it); the
    public's channels file on behalf of people without an account here (PUBLIC_SOURCES)."""
    if source not in PUBLIC_SOURCES and not can(reporter, Capability.REPORT_CASES):
        raise Forbidden(_("Your role does not report problems."))
    category = check_category(category)
    location = _check_location(location)
    urgency = urgency or category.default_urgency
    if urgency not in Urgency.values:
        raise InvalidInput(_("Unknown urgency “%(value)s”.") % {"value": urgency}, field="urgency")
    if patrol is not None:
        if patrol.worker_id != reporter.pk:
            raise InvalidInput(_("That patrol is not yours."), field="patrol")
        source = Source.PATROL
    source = source or (Source.SELF_REPORT if role_can(reporter, Capability.WORK_CELLS) else Source.API)
    if source not in Source.values:
        raise InvalidInput(_("Unknown source “%(value)s”.") % {"value": source}, field="source")
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise InvalidInput(
            _("The description is too long (at most %(count)s characters).") % {"count": f"{DESCRIPTION_MAX_LENGTH:,}"},
            field="description",
        )
    return category, location, urgency, source, description


FIX_MAX_AGE = timedelta(days=31)
FIX_CLOCK_SKEW = timedelta(minutes=10)


def _check_fix(accuracy_m, located_at, now: datetime) -> tuple[float | None, datetime | None]:
    """The phone's fix the report keeps: its accuracy (metres) and when it was taken. A report
    queued offline is sent later than its fix, so the time may lie up to a month back, but not
    in the future beyond a phone's clock error."""
    if accuracy_m is not None:
        try:
            accuracy_m = float(accuracy_m)
        except (TypeError, ValueError):
            raise InvalidInput(_("accuracy must be a number of metres."), field="accuracy")
        if not 0 <= accuracy_m <= 100_000:
            raise InvalidInput(_("accuracy must lie between 0 and 100,000 metres."), field="accuracy")
    if located_at is not None:
        if timezone.is_naive(located_at):
            raise InvalidInput(_("located_at needs a time zone."), field="located_at")
        if located_at > now + FIX_CLOCK_SKEW:
            raise InvalidInput(_("The position's time lies in the future; check the phone's clock."), field="located_at")
        if located_at < now - FIX_MAX_AGE:
            raise InvalidInput(_("The position is more than a month old; locate again."), field="located_at")
    return accuracy_m, located_at


def _served_district(location: Point) -> Area:
    """The district a point just outside every area is filed under (GPS error at the border); a
    point far from every served district — (0, 0), a phone abroad, swapped coordinates — is refused:
    filed under somebody's district it would put a case where nobody can go."""
    served = served_district(location.x, location.y)
    if served is None:
        raise InvalidInput(
            _("(%(lat)s, %(lng)s) lies outside the districts this system serves; check the position.")
            % {"lat": location.y, "lng": location.x},
            field="location",
        )
    return _area_from_lookup({Level.DISTRICT: {**served, "area_m2": None}}, Level.DISTRICT)


def _where_filed(location: Point, category: Category, urgency: str, source: str, settled: bool) -> tuple[Area | None, Area, str, Area, str]:
    """(cell, filed under, starting level, area holding it, district code) for a report at ``location``.

    The starting level is the routing's (``incidents.routing.route_for``). Outside every cell the
    case is still accepted, at district level, filed under the smallest area holding the point, or
    else under the served district within GPS error of it.
    """
    found = lookup_point(location.x, location.y)
    cell = filed = None
    if "grid" in found:
        cell = filed = _area_from_lookup(found, Level.GRID)
    else:
        for level in (Level.COMMUNITY, Level.STREET, Level.DISTRICT):
            if level in found:
                filed = _area_from_lookup(found, level)
                break
        if filed is None:
            filed = _served_district(location)
    level = route_for(category, urgency, source=source, in_cell=cell is not None, settled=settled).level
    if level == Level.GRID:
        area = cell
    elif level in found:
        area = _area_from_lookup(found, level)
    else:
        area = area_at_level(filed, level)
    if area is None:
        raise InvalidInput(_("No current district holds this location."), field="location")
    return cell, filed, level, area, filed.code[:6]


def _write(incident: Incident, first_entry: TimelineEntry, prepared: Sequence[PreparedPhoto], district_code: str,
           *, in_transaction: bool, also: Callable[[Incident], None] | None = None) -> None:
    """Insert the case with its number, its first timeline entry, its photos and what ``also``
    writes, all or nothing."""
    if prepared or in_transaction or also is not None:
        if not connection.in_atomic_block:
            # The number first, in its own statement: the counter's row lock then ends at once
            # instead of lasting while the photos are written.
            incident.number = numbering.take_numbers(district_code, timezone.localdate(incident.created_at))[0]
        # Photos join the same transaction; inside a caller's transaction a savepoint keeps a
        # duplicate client_id from spoiling it.
        with transaction.atomic():
            entry = _insert_report(incident, first_entry, district_code)
            # A photo is compared with the moment of filing: the fix the report was made with
            # (an outbox report reaches the server later), else the server's time.
            save_photos(incident, entry, prepared, PhotoStage.BEFORE, incident.reporter,
                        filed_at=incident.located_at or incident.created_at)
            if also is not None:
                also(incident)
    else:
        # One statement takes the number and inserts the case and its first timeline entry:
        # atomic by itself, and one round trip on the hottest write path (a report without photos).
        _insert_report(incident, first_entry, district_code)
    note_case_change()  # a new report shows in the console's next intake pulse, not a kept one


def report_incident(
    *,
    reporter,
    category: Category,
    location: Point | None,
    description: str = "",
    urgency: str | None = None,
    source: str | None = None,
    photos: Sequence = (),
    address: str = "",
    contact: str = "",
    patrol: Patrol | None = None,
    client_id: uuid.UUID | str | None = None,
    settled: bool = False,
    accuracy_m: float | None = None,
    located_at: datetime | None = None,
    now: datetime | None = None,
    also: Callable[[Incident], None] | None = None,
) -> tuple[Incident, bool]:
    """File a case; answers (incident, created). A report re-sent with the same ``client_id`` by the
    same reporter answers the case filed the first time (the phone's offline queue may send twice).
    ``also(incident)`` writes what a channel keeps beside the case (a resident's public side) in
    the case's own transaction: a caller that wrapped this in a transaction of its own would hold
    the district's number counter locked while the photos are stamped and stored, and every
    other filing of the district would wait for it.

    1. Check category, location, urgency, source and patrol; clean the photos — before any write.
    2. Find the cell by point lookup. Outside every cell the case is still accepted, flagged, at
       district level, filed under the smallest area holding the point (or the reporter's district).
    3. Route it: the starting level from the class, the condition and the source (``routing``);
       ``settled`` (a grid worker settled it already) keeps it at the grid.
    4. Start the clock of the starting level; insert the case with its number (``numbering``), its
       first timeline entry and photos.
    """
    if client_id:
        try:
            client_id = uuid.UUID(str(client_id))
        except ValueError:
            raise InvalidInput(_("client_id must be a UUID."), field="client_id")
        existing = Incident.objects.filter(reporter=reporter, client_id=client_id).first()
        if existing is not None:
            return existing, False
    category, location, urgency, source, description = _check_report(
        reporter, category, location, urgency, source, patrol, description
    )
    now = now or timezone.now()
    accuracy_m, located_at = _check_fix(accuracy_m, located_at, now)
    prepared = prepare(photos)

    cell, filed, level, area, district_code = _where_filed(location, category, urgency, source, settled)
    due = clock.due_for(category.pk, level, urgency, now)
    incident = Incident(
        client_id=client_id or None,
        cell=cell,
        filed_area=filed,
        location=location,
        location_accuracy_m=accuracy_m,
        located_at=located_at,
        address=(address or "")[:200],
        outside_cells=cell is None,
        category=category,
        description=description,
        urgency=urgency,
        source=source,
        contact=(contact or "")[:100],
        status=Status.REPORTED,
        level=level,
        area=area,
        deadline=due.deadline,
        warn_at=due.warn_at,
        deadline_started_at=now,
        reporter=reporter,
        patrol=patrol,
        version=1,
        created_at=now,
        updated_at=now,
    )
    first_entry = TimelineEntry(
        version=1, at=now, actor=reporter, action="report", from_status="", to_status=Status.REPORTED, from_level="",
        to_level=level, to_area=area, note=description[:500],
    )
    try:
        _write(incident, first_entry, prepared, district_code, in_transaction=bool(client_id and connection.in_atomic_block),
               also=also)
    except IntegrityError:
        if client_id:
            existing = Incident.objects.filter(reporter=reporter, client_id=client_id).first()
            if existing is not None:
                return existing, False
        raise
    return incident, True


def report_settled_at_grid(*, reporter, after_photos: Sequence, note: str = "", **report) -> tuple[Incident, bool]:
    """A grid worker reports a minor matter they have already settled (小事不出网格): the report (with
    its before-photos) and the settlement (after-photos) in one transaction — both or neither."""
    after = prepare(after_photos, "after_photos")
    if not after:
        raise InvalidInput(_("Add a photo of the place after the work."), field="after_photos")
    with transaction.atomic():
        incident, created = report_incident(reporter=reporter, settled=True, **report)
        if created:
            resolve_at_grid(incident, actor=reporter, after_photos=after, note=note)
    return incident, created


# The first entry of every case; a record, not an act anybody runs.
ACTS = [Act("report", gettext_lazy("Reported"), (), Status.REPORTED, lambda user, incident: False)]

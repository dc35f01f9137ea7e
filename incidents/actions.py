"""Every write to cases, patrols and notifications goes through a function here (DESIGN.md §8).

The case state machine
======================

One table, ``TRANSITIONS``, says for every action from which statuses it may run, to which
status it leads, who may run it and at which levels. All actions end in ``transition()``,
which:

1. claims the change with a conditional UPDATE on the case's current status *and* version
   (``filter(pk=…, status=…, version=…).update(…)``); if no row changed, somebody else got there
   first and ``Conflict`` is raised (HTTP 409);
2. writes one ``TimelineEntry`` whose version is the case's new version — (incident, version)
   is unique, so no change can be lost or written twice;
3. attaches photos and writes notifications, all in the same transaction.

========================  ==========================================  ===============  ==================
action                    from                                        to               who
========================  ==========================================  ===============  ==================
report                    —                                           reported         anyone signed in
register (立案)           reported                                    registered       level holder
reject (不予立案)         reported                                    rejected         level holder, reason
assign                    registered, assigned, rework                assigned         level holder
start                     registered, assigned, rework                in_progress      assignee or holder
handle (反馈)             registered, assigned, in_progress, rework   handled          assignee or holder, after-photo
verify (核查) pass        handled                                     verified         cell's grid worker or holder
verify fail → rework      handled                                     rework           cell's grid worker or holder, reason
close (结案)              verified                                    closed           level holder
resolve_at_grid           reported … rework, at grid level            closed           cell's grid worker, before+after photos, minor class
request_help              open, below district                        one level up     level holder, reason
send_down                 open, above grid                            a level down     level holder, reason
escalate (automatic)      open, below district, deadline passed       one level up     the sweep
link_duplicate            any active                                  duplicate        level holder
add_info                  any active                                  (unchanged)      anyone who sees it
========================  ==========================================  ===============  ==================

"Open" statuses (``models.OPEN_STATUSES``) run a deadline that escalates. Changing level resets
the case to *registered* when somebody at the old level had taken it (assigned, in progress,
rework), clears the assignee, and starts the new level's deadline.

Built on top of this by the command centre (dispatch app): the statuses ``dispatched`` and
``deferred`` are reserved; ``register_transition()`` adds actions (dispatch to a department,
accept, return, extension …) to the same table, and their functions call ``transition()``.
"""
from __future__ import annotations

import json
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Sequence

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import GridAssignment, Role, User
from grids.models import Area, Level
from grids.queries import lookup_point

from . import clock, rules
from .models import (
    ACTIVE_STATUSES,
    LEVEL_CHAIN,
    NEXT_LEVEL,
    OPEN_STATUSES,
    Category,
    EmailState,
    Incident,
    IncidentPhoto,
    Notification,
    NotificationKind,
    Patrol,
    PatrolCheckIn,
    PatrolPoint,
    PhotoStage,
    Source,
    Status,
    TimelineEntry,
    Urgency,
)
from .notify import level_staff, notify
from .photos import PhotoError, PreparedPhoto, prepare_photos

log = logging.getLogger(__name__)


# --- errors ------------------------------------------------------------------------------

class IncidentError(Exception):
    """A refused act, with a message for the user and, for bad input, the field it concerns."""

    http_status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(IncidentError):
    http_status = 400


class NotAllowed(IncidentError):
    """The action cannot run from the case's current status or level."""

    http_status = 400


class Forbidden(IncidentError):
    http_status = 403


class Conflict(IncidentError):
    """Somebody changed the case since it was read."""

    http_status = 409


# --- the table ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Transition:
    action: str
    label: Promise | str
    sources: frozenset[str]
    target: str | None  # None: the status does not change (or is decided by the level change)
    permission: Callable[[Any, Incident], bool]
    levels: frozenset[str] | None = None  # None: at every level
    note_required: bool = False


TRANSITIONS: dict[str, Transition] = {}


def register_transition(
    action: str, label, *, sources: Iterable[str], target: str | None, permission, levels=None, note_required: bool = False
) -> Transition:
    entry = Transition(
        action=action,
        label=label,
        sources=frozenset(sources),
        target=target,
        permission=permission,
        levels=frozenset(levels) if levels is not None else None,
        note_required=note_required,
    )
    TRANSITIONS[action] = entry
    return entry


_WORKABLE = (Status.REGISTERED, Status.ASSIGNED, Status.REWORK)
_BEFORE_HANDLED = (Status.REPORTED, Status.REGISTERED, Status.ASSIGNED, Status.IN_PROGRESS, Status.REWORK)

register_transition(
    "register", gettext_lazy("Register"), sources=[Status.REPORTED], target=Status.REGISTERED, permission=rules.holds_level
)
register_transition(
    "reject", gettext_lazy("Reject"), sources=[Status.REPORTED], target=Status.REJECTED, permission=rules.holds_level,
    note_required=True,
)
register_transition(
    "assign", gettext_lazy("Assign"), sources=_WORKABLE, target=Status.ASSIGNED, permission=rules.holds_level
)
register_transition(
    "start", gettext_lazy("Start work"), sources=_WORKABLE, target=Status.IN_PROGRESS, permission=rules.is_assignee_or_holder
)
register_transition(
    "handle", gettext_lazy("Report as handled"), sources=_WORKABLE + (Status.IN_PROGRESS,), target=Status.HANDLED,
    permission=rules.is_assignee_or_holder,
)
register_transition(
    "verify", gettext_lazy("Verification passed"), sources=[Status.HANDLED], target=Status.VERIFIED, permission=rules.may_verify
)
register_transition(
    "rework", gettext_lazy("Verification failed: rework"), sources=[Status.HANDLED], target=Status.REWORK,
    permission=rules.may_verify, note_required=True,
)
register_transition(
    "close", gettext_lazy("Close"), sources=[Status.VERIFIED], target=Status.CLOSED, permission=rules.holds_level
)
register_transition(
    "resolve_at_grid", gettext_lazy("Settled at grid level"), sources=_BEFORE_HANDLED, target=Status.CLOSED,
    permission=rules.may_resolve_at_grid, levels=[Level.GRID],
)
register_transition(
    "request_help", gettext_lazy("Ask the level above for help"), sources=OPEN_STATUSES, target=None,
    permission=rules.holds_level, levels=[Level.GRID, Level.COMMUNITY, Level.STREET], note_required=True,
)
register_transition(
    "send_down", gettext_lazy("Send down a level"), sources=OPEN_STATUSES, target=None, permission=rules.holds_level,
    levels=[Level.COMMUNITY, Level.STREET, Level.DISTRICT], note_required=True,
)
# Only the sweep escalates (``escalate_overdue``); nobody may run it as an action.
register_transition(
    "escalate", gettext_lazy("Escalated: deadline passed"), sources=OPEN_STATUSES, target=None,
    permission=lambda user, incident: False, levels=[Level.GRID, Level.COMMUNITY, Level.STREET],
)
register_transition(
    "link_duplicate", gettext_lazy("Mark as a duplicate"), sources=ACTIVE_STATUSES, target=Status.DUPLICATE,
    permission=rules.holds_level,
)
register_transition(
    "add_info", gettext_lazy("Add information"), sources=ACTIVE_STATUSES, target=None, permission=rules.anyone
)
# Timeline labels of acts that are not transitions of the case itself.
ACTION_LABELS: dict[str, Any] = {
    "report": gettext_lazy("Reported"),
    "duplicate_linked": gettext_lazy("A duplicate was linked"),
}


def action_label(action: str) -> str:
    if action in TRANSITIONS:
        return str(TRANSITIONS[action].label)
    return str(ACTION_LABELS.get(action, action))


def allowed_actions(user, incident: Incident) -> list[Transition]:
    """The actions this user may run on the case now (what the detail page offers)."""
    found = []
    for transition_ in TRANSITIONS.values():
        if incident.status not in transition_.sources:
            continue
        if transition_.levels is not None and incident.level not in transition_.levels:
            continue
        if transition_.action == "resolve_at_grid" and not _resolvable(incident):
            continue
        if transition_.permission(user, incident):
            found.append(transition_)
    return found


def _resolvable(incident: Incident) -> bool:
    return incident.category.grid_resolvable and incident.urgency != Urgency.URGENT


def _check(incident: Incident, action: str, actor, *, expected_version: int | None, note: str = "") -> Transition:
    """Refuse an act that cannot run: stale version (409), wrong status or level (400), not yours (403)."""
    entry = TRANSITIONS[action]
    if expected_version is not None and expected_version != incident.version:
        raise Conflict(
            _("Case #%(id)s has changed since you opened it (version %(yours)s, now %(now)s); reload it and try again.")
            % {"id": incident.pk, "yours": expected_version, "now": incident.version}
        )
    if incident.status not in entry.sources:
        raise NotAllowed(
            _("“%(action)s” is not possible while case #%(id)s is “%(status)s”.")
            % {"action": entry.label, "id": incident.pk, "status": incident.get_status_display()}
        )
    if entry.levels is not None and incident.level not in entry.levels:
        raise NotAllowed(
            _("“%(action)s” is not possible while case #%(id)s is held at %(level)s level.")
            % {"action": entry.label, "id": incident.pk, "level": incident.get_level_display()}
        )
    if entry.note_required and not (note or "").strip():
        raise InvalidInput(_("Give a reason."), field="note")
    if not entry.permission(actor, incident):
        raise Forbidden(_("You do not hold case #%(id)s at its level, so you cannot do that.") % {"id": incident.pk})
    return entry


# --- the one writer -----------------------------------------------------------------------

def _status_after_level_change(status: str) -> str:
    # Whoever had taken the case at the old level no longer holds it.
    if status in (Status.ASSIGNED, Status.IN_PROGRESS, Status.REWORK, Status.DISPATCHED):
        return Status.REGISTERED
    return status


def _area_at_level(area: Area, level: str) -> Area | None:
    """The current area of ``level`` on the path of ``area`` (by code prefix, DESIGN.md §2)."""
    from grids.models import CODE_LENGTH

    length = CODE_LENGTH[Level(level)]
    if len(area.code) < length:
        return None
    found = Area.objects.current().filter(code=area.code[:length], level=level).first()
    if found is None and area.code[:length] == area.code:
        return area
    return found


def _save_photos(incident: Incident, entry: TimelineEntry | None, photos: Sequence[PreparedPhoto], stage: str, actor) -> None:
    for photo in photos:
        row = IncidentPhoto(
            incident=incident, entry=entry, stage=stage, width=photo.width, height=photo.height,
            size_bytes=len(photo.content), uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        row.image.save(f"photo.{photo.extension}", photo.as_file(), save=False)
        row.save()


def _prepare(photos, name: str = "photos") -> list[PreparedPhoto]:
    """Clean uploaded photos before any write; a bad one is a 400 naming the field."""
    ready = [p for p in photos or [] if isinstance(p, PreparedPhoto)]
    raw = [p for p in photos or [] if not isinstance(p, PreparedPhoto)]
    try:
        return ready + prepare_photos(raw, name)
    except PhotoError as exc:
        raise InvalidInput(exc.message, field=name) from exc


def transition(
    incident: Incident,
    *,
    to_status: str | None,
    actor,
    expected_status: str,
    action: str,
    expected_version: int | None = None,
    note: str = "",
    photos: Sequence[PreparedPhoto] = (),
    photo_stage: str = PhotoStage.AFTER,
    changes: dict[str, Any] | None = None,
    to_level: str | None = None,
    to_area: Area | None = None,
    notifications: Sequence[tuple[Iterable[User], str]] = (),
    now: datetime | None = None,
) -> TimelineEntry:
    """Move one case, claim-checked, with its timeline entry, photos and notifications in one transaction.

    ``to_status`` None keeps the status (or, on a level change, resets a taken case to registered).
    ``notifications`` is a list of (users, kind) written after the change.
    """
    now = now or timezone.now()
    version = incident.version if expected_version is None else expected_version
    new_status = to_status or expected_status
    fields: dict[str, Any] = {"version": F("version") + 1, "updated_at": now, **(changes or {})}
    new_level = incident.level
    new_area = incident.area
    if to_level is not None and to_level != incident.level:
        if to_area is None:
            raise InvalidInput(_("There is no area at that level for this case."), field="to_level")
        new_level, new_area = to_level, to_area
        if to_status is None:
            new_status = _status_after_level_change(expected_status)
        due = clock.due_for(incident.category_id, to_level, incident.urgency, now)
        fields.update(
            level=to_level,
            area=to_area,
            assignee=None,
            deadline=due.deadline,
            warn_at=due.warn_at,
            deadline_started_at=now,
            overdue_notified_at=None,
        )
        if LEVEL_CHAIN.index(to_level) > LEVEL_CHAIN.index(incident.level):
            fields["escalations"] = F("escalations") + 1
    fields["status"] = new_status
    if new_status in (Status.CLOSED, Status.REJECTED, Status.DUPLICATE):
        fields.setdefault("closed_at", now)
    with transaction.atomic():
        claimed = Incident.objects.filter(pk=incident.pk, status=expected_status, version=version).update(**fields)
        if claimed != 1:
            raise Conflict(
                _("Case #%(id)s was changed by somebody else just now; reload it and try again.") % {"id": incident.pk}
            )
        entry = TimelineEntry.objects.create(
            incident=incident,
            version=version + 1,
            at=now,
            actor=actor if getattr(actor, "pk", None) else None,
            action=action,
            from_status=expected_status,
            to_status=new_status,
            from_level=incident.level,
            to_level=new_level,
            to_area=new_area,
            note=(note or "").strip(),
        )
        _save_photos(incident, entry, photos, photo_stage, actor)
        from_level = incident.level
        incident.refresh_from_db()
        if new_level != from_level:
            for hook in LEVEL_CHANGE_HOOKS:
                hook(incident, from_level=from_level, actor=actor, now=now)
        for users, kind in notifications:
            notify(users, incident, kind, text=(note or "").strip(), exclude=actor, now=now)
    return entry


# Other apps react to a case moving between levels by hand (dispatch withdraws the departments'
# open shares of a case that leaves the command centre), inside the same transaction. Called as
# hook(incident, from_level=…, actor=…, now=…) with the incident already at its new level. The
# escalation sweep only moves cases up to the district, where no share can exist yet.
LEVEL_CHANGE_HOOKS: list[Callable[..., None]] = []


# --- reporting ----------------------------------------------------------------------------

# Where a case starts: grid workers and residents' reports at the grid (小事不出网格), a hotline
# call at the command centre, which may send it down.
START_LEVEL = {
    Source.PATROL: Level.GRID,
    Source.SELF_REPORT: Level.GRID,
    Source.API: Level.GRID,
    Source.OPEN311: Level.GRID,
    Source.HOTLINE: Level.DISTRICT,
}


def _home_district(user) -> Area | None:
    code = None
    if user.area_id:
        code = user.area.code[:6]
    else:
        cell = GridAssignment.objects.active().filter(user=user).select_related("cell").first()
        code = cell.cell.code[:6] if cell else None
    if code is None:
        return None
    return Area.objects.current().filter(code=code, level=Level.DISTRICT).first()


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


def _insert_report(incident: Incident, entry: TimelineEntry) -> TimelineEntry:
    """INSERT the case and its first timeline entry in one statement (a data-modifying CTE); the
    INSERT of the case is compiled by Django from the model, so it follows the model's fields."""
    from django.db.models.sql import InsertQuery

    fields = [f for f in Incident._meta.concrete_fields if not f.primary_key]
    query = InsertQuery(Incident)
    query.insert_values(fields, [incident])
    compiler = query.get_compiler(using="default")
    compiler.returning_fields = [Incident._meta.pk]
    (case_sql, case_params), = compiler.as_sql()
    sql = (
        f"WITH new_case AS ({case_sql}) "
        "INSERT INTO incidents_timelineentry (incident_id, version, at, actor_id, action, from_status, to_status, "
        "from_level, to_level, to_area_id, note) "
        "SELECT new_case.id, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s FROM new_case RETURNING incident_id, id"
    )
    params = [
        *case_params, entry.version, entry.at, entry.actor_id, entry.action, entry.from_status, entry.to_status,
        entry.from_level, entry.to_level, entry.to_area_id, entry.note,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        incident.pk, entry.pk = cursor.fetchone()
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
        raise InvalidInput(_("The category “%(name)s” is no longer in use.") % {"name": category.name}, field="category")
    if category.parent_id is None:
        raise InvalidInput(
            _("“%(name)s” is a major class; choose one of its minor classes.") % {"name": category.name}, field="category"
        )
    return category


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
    now: datetime | None = None,
) -> tuple[Incident, bool]:
    """File a case; answers (incident, created). A report re-sent with the same ``client_id`` by the
    same reporter answers the case filed the first time (the phone's offline queue may send twice).

    1. Check category, location, urgency, source and patrol; clean the photos — before any write.
    2. Find the cell by point lookup. Outside every cell the case is still accepted, flagged, at
       district level, filed under the smallest area holding the point (or the reporter's district).
    3. Start the clock of the starting level, insert the case, its first timeline entry and photos.
    """
    if client_id:
        try:
            client_id = uuid.UUID(str(client_id))
        except ValueError:
            raise InvalidInput(_("client_id must be a UUID."), field="client_id")
        existing = Incident.objects.filter(reporter=reporter, client_id=client_id).first()
        if existing is not None:
            return existing, False
    category = check_category(category)
    location = _check_location(location)
    urgency = urgency or category.default_urgency
    if urgency not in Urgency.values:
        raise InvalidInput(_("Unknown urgency “%(value)s”.") % {"value": urgency}, field="urgency")
    if patrol is not None:
        if patrol.worker_id != reporter.pk:
            raise InvalidInput(_("That patrol is not yours."), field="patrol")
        source = Source.PATROL
    source = source or (Source.SELF_REPORT if reporter.role == Role.GRID_WORKER else Source.API)
    if source not in Source.values:
        raise InvalidInput(_("Unknown source “%(value)s”.") % {"value": source}, field="source")
    description = (description or "").strip()
    if len(description) > 2000:
        raise InvalidInput(_("The description is too long (at most 2,000 characters)."), field="description")
    prepared = _prepare(photos)

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
            filed = _home_district(reporter)
        if filed is None:
            raise InvalidInput(
                _("(%(lat).6f, %(lng).6f) lies outside every area, and you have no jurisdiction to file it under.")
                % {"lat": location.y, "lng": location.x},
                field="location",
            )
    level = START_LEVEL[source] if cell is not None else Level.DISTRICT
    if level == Level.GRID:
        area = cell
    elif Level.DISTRICT in found:
        area = _area_from_lookup(found, Level.DISTRICT)
    else:
        area = _area_at_level(filed, Level.DISTRICT)
    if area is None:
        raise InvalidInput(_("No current district holds this location."), field="location")
    now = now or timezone.now()
    due = clock.due_for(category.pk, level, urgency, now)
    incident = Incident(
        client_id=client_id or None,
        cell=cell,
        filed_area=filed,
        location=location,
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
        if prepared or (client_id and connection.in_atomic_block):
            # Photos join the same transaction; inside a caller's transaction a savepoint keeps a
            # duplicate client_id from spoiling it.
            with transaction.atomic():
                entry = _insert_report(incident, first_entry)
                _save_photos(incident, entry, prepared, PhotoStage.BEFORE, reporter)
        else:
            # One statement inserts the case and its first timeline entry: atomic by itself, and one
            # round trip instead of four on the hottest write path (a report without photos).
            _insert_report(incident, first_entry)
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
    after = _prepare(after_photos, "after_photos")
    if not after:
        raise InvalidInput(_("Add a photo of the place after the work."), field="after_photos")
    with transaction.atomic():
        incident, created = report_incident(reporter=reporter, **report)
        if created:
            resolve_at_grid(incident, actor=reporter, after_photos=after, note=note)
    return incident, created


# --- the transitions ----------------------------------------------------------------------

def register(incident: Incident, *, actor, note: str = "", expected_version: int | None = None) -> TimelineEntry:
    _check(incident, "register", actor, expected_version=expected_version, note=note)
    return transition(incident, action="register", to_status=Status.REGISTERED, actor=actor, expected_status=incident.status,
                      expected_version=expected_version, note=note)


def reject(incident: Incident, *, actor, reason: str, expected_version: int | None = None) -> TimelineEntry:
    _check(incident, "reject", actor, expected_version=expected_version, note=reason)
    return transition(
        incident, action="reject", to_status=Status.REJECTED, actor=actor, expected_status=incident.status,
        expected_version=expected_version, note=reason, notifications=[([incident.reporter], NotificationKind.REJECTED)],
    )


def assign(incident: Incident, *, actor, assignee: User | None = None, note: str = "", expected_version: int | None = None) -> TimelineEntry:
    _check(incident, "assign", actor, expected_version=expected_version, note=note)
    assignee = assignee or actor
    if not rules.may_be_assigned(assignee, incident) and not (assignee == actor and actor.role == Role.DISPATCHER):
        raise InvalidInput(
            _("%(name)s does not work at the level that holds case #%(id)s.") % {"name": assignee.display_name, "id": incident.pk},
            field="assignee",
        )
    return transition(
        incident, action="assign", to_status=Status.ASSIGNED, actor=actor, expected_status=incident.status,
        expected_version=expected_version, note=note, changes={"assignee": assignee},
        notifications=[([assignee], NotificationKind.ASSIGNED)],
    )


def start(incident: Incident, *, actor, note: str = "", expected_version: int | None = None) -> TimelineEntry:
    _check(incident, "start", actor, expected_version=expected_version, note=note)
    changes = {} if incident.assignee_id else {"assignee": actor}
    return transition(incident, action="start", to_status=Status.IN_PROGRESS, actor=actor, expected_status=incident.status,
                      expected_version=expected_version, note=note, changes=changes)


def handle(incident: Incident, *, actor, note: str = "", photos: Sequence = (), expected_version: int | None = None) -> TimelineEntry:
    """Feedback (反馈): what was done, with at least one after-photo."""
    _check(incident, "handle", actor, expected_version=expected_version, note=note)
    prepared = _prepare(photos)
    if not prepared:
        raise InvalidInput(_("Add a photo of the place after the work."), field="photos")
    verifiers = level_staff(Level.GRID, incident.cell) if incident.cell_id else level_staff(incident.level, incident.area)
    return transition(
        incident, action="handle", to_status=Status.HANDLED, actor=actor, expected_status=incident.status,
        expected_version=expected_version, note=note, photos=prepared, photo_stage=PhotoStage.AFTER,
        notifications=[(verifiers, NotificationKind.HANDLED)],
    )


def verify(
    incident: Incident, *, actor, passed: bool, note: str = "", photos: Sequence = (), expected_version: int | None = None
) -> TimelineEntry:
    """On-site check (核查): pass → verified; fail → rework (返工), with the reason."""
    action = "verify" if passed else "rework"
    _check(incident, action, actor, expected_version=expected_version, note=note)
    prepared = _prepare(photos)
    notifications = [] if passed else [([incident.assignee] if incident.assignee_id else level_staff(incident.level, incident.area),
                                        NotificationKind.REWORK)]
    return transition(
        incident, action=action, to_status=Status.VERIFIED if passed else Status.REWORK, actor=actor,
        expected_status=incident.status, expected_version=expected_version, note=note, photos=prepared,
        notifications=notifications,
    )


def close(incident: Incident, *, actor, note: str = "", expected_version: int | None = None) -> TimelineEntry:
    _check(incident, "close", actor, expected_version=expected_version, note=note)
    return transition(
        incident, action="close", to_status=Status.CLOSED, actor=actor, expected_status=incident.status,
        expected_version=expected_version, note=note, notifications=[([incident.reporter], NotificationKind.CLOSED)],
    )


def resolve_at_grid(
    incident: Incident, *, actor, note: str = "", before_photos: Sequence = (), after_photos: Sequence = (),
    expected_version: int | None = None,
) -> TimelineEntry:
    """A grid worker settles a minor case in the cell (小事不出网格): before and after photos, closed."""
    _check(incident, "resolve_at_grid", actor, expected_version=expected_version, note=note)
    if not _resolvable(incident):
        raise NotAllowed(
            _("“%(category)s” is not a minor matter a grid worker may settle alone; register it instead.")
            % {"category": incident.category.name}
        )
    before = _prepare(before_photos, "before_photos")
    after = _prepare(after_photos, "after_photos")
    if not before and not incident.photos.filter(stage=PhotoStage.BEFORE).exists():
        raise InvalidInput(_("Add a photo of the place before the work."), field="before_photos")
    if not after:
        raise InvalidInput(_("Add a photo of the place after the work."), field="after_photos")
    with transaction.atomic():
        entry = transition(
            incident, action="resolve_at_grid", to_status=Status.CLOSED, actor=actor, expected_status=incident.status,
            expected_version=expected_version, note=note, photos=after, photo_stage=PhotoStage.AFTER,
            changes={"resolved_at_grid": True, "assignee": actor},
        )
        _save_photos(incident, entry, before, PhotoStage.BEFORE, actor)
    return entry


def request_help(incident: Incident, *, actor, reason: str, expected_version: int | None = None) -> TimelineEntry:
    """The level holding the case asks the level above to take it (escalation by hand)."""
    _check(incident, "request_help", actor, expected_version=expected_version, note=reason)
    to_level = NEXT_LEVEL[incident.level]
    to_area = _area_at_level(incident.area, to_level)
    return transition(
        incident, action="request_help", to_status=None, actor=actor, expected_status=incident.status,
        expected_version=expected_version, note=reason, to_level=to_level, to_area=to_area,
        notifications=[(level_staff(to_level, to_area), NotificationKind.HELP_REQUESTED)],
    )


def send_down(
    incident: Incident, *, actor, reason: str, to_level: str | None = None, expected_version: int | None = None
) -> TimelineEntry:
    """The level holding the case returns it to a lower level (by default the one below), with a reason."""
    _check(incident, "send_down", actor, expected_version=expected_version, note=reason)
    current = LEVEL_CHAIN.index(incident.level)
    to_level = to_level or LEVEL_CHAIN[current - 1]
    if to_level not in LEVEL_CHAIN or LEVEL_CHAIN.index(to_level) >= current:
        raise InvalidInput(_("Choose a level below the one that holds the case."), field="to_level")
    to_area = _area_at_level(incident.filed_area, to_level)
    if to_level == Level.GRID:
        to_area = incident.cell if incident.cell_id and incident.cell.valid_to is None else to_area
    if to_area is None:
        raise InvalidInput(
            _("Case #%(id)s lies outside every %(level)s area, so it cannot be sent down there.")
            % {"id": incident.pk, "level": Level(to_level).label},
            field="to_level",
        )
    return transition(
        incident, action="send_down", to_status=None, actor=actor, expected_status=incident.status,
        expected_version=expected_version, note=reason, to_level=to_level, to_area=to_area,
        notifications=[(level_staff(to_level, to_area), NotificationKind.SENT_DOWN)],
    )


def link_duplicate(
    incident: Incident, *, actor, original: Incident, note: str = "", expected_version: int | None = None
) -> TimelineEntry:
    """Mark the case a duplicate of ``original`` (followed to the first of its chain), noted on both."""
    _check(incident, "link_duplicate", actor, expected_version=expected_version, note=note)
    seen = {incident.pk}
    while original.duplicate_of_id is not None and original.pk not in seen:
        seen.add(original.pk)
        original = original.duplicate_of
    if original.pk in seen:
        raise InvalidInput(_("A case cannot be a duplicate of itself."), field="original")
    if original.status in (Status.REJECTED,):
        raise InvalidInput(_("Case #%(id)s was rejected; link to a live case.") % {"id": original.pk}, field="original")
    with transaction.atomic():
        # Lock both rows in pk order so two links made at once cannot deadlock.
        list(Incident.objects.select_for_update(of=("self",)).filter(pk__in=[incident.pk, original.pk]).order_by("pk"))
        entry = transition(
            incident, action="link_duplicate", to_status=Status.DUPLICATE, actor=actor, expected_status=incident.status,
            expected_version=expected_version, note=note, changes={"duplicate_of": original},
        )
        original.refresh_from_db()
        transition(
            original, action="duplicate_linked", to_status=None, actor=actor, expected_status=original.status,
            note=_("Case #%(id)s was linked as a duplicate of this one.") % {"id": incident.pk},
        )
    return entry


def add_info(incident: Incident, *, actor, note: str = "", photos: Sequence = (), expected_version: int | None = None) -> TimelineEntry:
    """More words or photos on an open case, e.g. from somebody who found it already reported."""
    _check(incident, "add_info", actor, expected_version=expected_version, note=note)
    prepared = _prepare(photos)
    if not (note or "").strip() and not prepared:
        raise InvalidInput(_("Add a note or a photo."), field="note")
    return transition(
        incident, action="add_info", to_status=None, actor=actor, expected_status=incident.status,
        expected_version=expected_version, note=note, photos=prepared, photo_stage=PhotoStage.BEFORE,
    )


def run_action(name: str, incident: Incident, *, actor, data: dict[str, Any], files: dict[str, list]) -> TimelineEntry:
    """One entry point for the API and the pages: ``name`` is the action, ``data`` its fields."""
    version = data.get("version")
    if version not in (None, ""):
        try:
            version = int(version)
        except (TypeError, ValueError):
            raise InvalidInput(_("version must be a whole number."), field="version")
    else:
        version = None
    note = str(data.get("note") or data.get("reason") or "")
    common = {"actor": actor, "expected_version": version}
    if name == "register":
        return register(incident, note=note, **common)
    if name == "reject":
        return reject(incident, reason=note, **common)
    if name == "assign":
        assignee = None
        if data.get("assignee") not in (None, ""):
            assignee = User.objects.filter(pk=data["assignee"]).first() if str(data["assignee"]).isdigit() else None
            if assignee is None:
                raise InvalidInput(_("No such user."), field="assignee")
        return assign(incident, assignee=assignee, note=note, **common)
    if name == "start":
        return start(incident, note=note, **common)
    if name == "handle":
        return handle(incident, note=note, photos=files.get("photos", []), **common)
    if name in ("verify", "rework"):
        passed = name == "verify" and str(data.get("passed", "true")).lower() not in ("false", "0", "no", "off")
        return verify(incident, passed=passed, note=note, photos=files.get("photos", []), **common)
    if name == "close":
        return close(incident, note=note, **common)
    if name == "resolve_at_grid":
        return resolve_at_grid(
            incident, note=note, before_photos=files.get("before_photos", []),
            after_photos=files.get("after_photos", []) or files.get("photos", []), **common,
        )
    if name == "request_help":
        return request_help(incident, reason=note, **common)
    if name == "send_down":
        return send_down(incident, reason=note, to_level=data.get("to_level") or None, **common)
    if name == "link_duplicate":
        raw = str(data.get("original") or "")
        original = Incident.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        if original is None:
            raise InvalidInput(_("Give the number of the case this one duplicates."), field="original")
        return link_duplicate(incident, original=original, note=note, **common)
    if name == "add_info":
        return add_info(incident, note=note, photos=files.get("photos", []), **common)
    if name in EXTRA_RUNNERS:
        return EXTRA_RUNNERS[name](incident, actor=actor, data=data, files=files, expected_version=version)
    raise NotAllowed(_("There is no action “%(name)s”.") % {"name": name})


# Other apps add runners for the actions they register (e.g. dispatch: "dispatch", "accept" …).
EXTRA_RUNNERS: dict[str, Callable[..., TimelineEntry]] = {}


# --- escalation: the set-based sweep ------------------------------------------------------

@dataclass
class SweepResult:
    escalated: int = 0
    timeline_entries: int = 0
    notifications: int = 0
    overdue_flagged: int = 0
    batches: int = 0
    by_level: dict[str, int] = field(default_factory=dict)

    def absorb(self, other: "SweepResult") -> None:
        self.escalated += other.escalated
        self.timeline_entries += other.timeline_entries
        self.notifications += other.notifications
        self.overdue_flagged += other.overdue_flagged
        self.batches += other.batches
        for level, count in other.by_level.items():
            self.by_level[level] = self.by_level.get(level, 0) + count


_ESCALATE_SQL = """
WITH due AS (
    SELECT i.id, i.level AS old_level, i.status AS old_status, i.version AS old_version, i.category_id, i.urgency, i.area_id,
           CASE i.level WHEN 'grid' THEN 'community' WHEN 'community' THEN 'street' ELSE 'district' END AS new_level
    FROM incidents_incident i
    WHERE i.status = ANY(%(open)s) AND i.level <> 'district' AND i.deadline < %(now)s
    ORDER BY i.id
    LIMIT %(batch)s
    FOR UPDATE SKIP LOCKED
),
target AS (
    -- The area one level up: the current area of that level whose code the case's area code
    -- starts with (codes nest, DESIGN.md §1), else the area's parent. The new deadline and the
    -- moment its light turns yellow are looked up by key in two JSON objects
    -- ("category:level:urgency"): a join on the few hundred limits would be planned as a nested
    -- loop over every due case.
    SELECT d.id, d.old_level, d.old_status, d.old_version, d.new_level,
           COALESCE(p.id, a.parent_id) AS new_area_id,
           COALESCE((%(limits)s::jsonb ->> (d.category_id::text || ':' || d.new_level || ':' || d.urgency))::timestamptz,
                    %(fallback)s) AS new_deadline,
           COALESCE((%(warnings)s::jsonb ->> (d.category_id::text || ':' || d.new_level || ':' || d.urgency))::timestamptz,
                    %(fallback_warn)s) AS new_warn_at
    FROM due d
    JOIN grids_area a ON a.id = d.area_id
    LEFT JOIN grids_area p ON p.valid_to IS NULL AND p.level = d.new_level
        AND p.code = left(a.code, CASE d.new_level WHEN 'community' THEN 12 WHEN 'street' THEN 9 ELSE 6 END)
    WHERE a.parent_id IS NOT NULL
),
moved AS (
    UPDATE incidents_incident i SET
        level = t.new_level,
        area_id = t.new_area_id,
        deadline = t.new_deadline,
        warn_at = t.new_warn_at,
        deadline_started_at = %(now)s,
        overdue_notified_at = NULL,
        status = CASE WHEN i.status IN ('assigned', 'in_progress', 'rework', 'dispatched') THEN 'registered' ELSE i.status END,
        assignee_id = NULL,
        escalations = i.escalations + 1,
        version = i.version + 1,
        updated_at = %(now)s
    FROM target t
    WHERE i.id = t.id AND i.level = t.old_level AND i.version = t.old_version
    RETURNING i.id, i.version, i.level, i.area_id, i.status, t.old_level, t.old_status
),
timeline AS (
    INSERT INTO incidents_timelineentry (incident_id, version, at, actor_id, action, from_status, to_status, from_level, to_level, to_area_id, note)
    SELECT m.id, m.version, %(now)s, NULL, 'escalate', m.old_status, m.status, m.old_level, m.level, m.area_id, ''
    FROM moved m
    RETURNING 1
),
notified AS (
    INSERT INTO incidents_notification (user_id, incident_id, kind, text, created_at, email_state)
    SELECT u.id, m.id, 'escalated', '', %(now)s, CASE WHEN u.email <> '' THEN 'pending' ELSE 'none' END
    FROM moved m JOIN accounts_user u ON u.area_id = m.area_id AND u.is_active
        AND u.role = CASE m.level WHEN 'community' THEN 'community' WHEN 'street' THEN 'street' ELSE 'dispatcher' END
    RETURNING 1
)
SELECT m.old_level, count(*),
       (SELECT count(*) FROM timeline), (SELECT count(*) FROM notified), (SELECT count(*) FROM due)
FROM moved m GROUP BY m.old_level
"""

_OVERDUE_SQL = """
WITH due AS (
    SELECT i.id FROM incidents_incident i
    WHERE i.status = ANY(%(open)s) AND i.level = 'district' AND i.overdue_notified_at IS NULL AND i.deadline < %(now)s
    ORDER BY i.id
    LIMIT %(batch)s
    FOR UPDATE OF i SKIP LOCKED
),
marked AS (
    UPDATE incidents_incident i SET overdue_notified_at = %(now)s
    FROM due WHERE i.id = due.id AND i.overdue_notified_at IS NULL
    RETURNING i.id, i.area_id
),
notified AS (
    INSERT INTO incidents_notification (user_id, incident_id, kind, text, created_at, email_state)
    SELECT u.id, m.id, 'overdue', '', %(now)s, CASE WHEN u.email <> '' THEN 'pending' ELSE 'none' END
    FROM marked m JOIN accounts_user u ON u.area_id = m.area_id AND u.is_active AND u.role = 'dispatcher'
    RETURNING 1
)
SELECT (SELECT count(*) FROM marked), (SELECT count(*) FROM notified), (SELECT count(*) FROM due)
"""


def escalate_overdue(*, now: datetime | None = None, batch_size: int = 50_000, workers: int | None = None) -> SweepResult:
    """Carry every open case whose deadline has passed one level up — set-based, exactly once.

    1. Compute, in Python, the new deadline and the moment its light turns yellow (``warn_at``) of
       every (category, level, urgency) from ``now``: a few hundred pairs, since every case
       escalated by this sweep starts its clock at ``now``.
    2. One statement per batch claims the due cases (``FOR UPDATE SKIP LOCKED``, so a concurrent
       sweep takes other rows or none), moves each one level up with the area of that level found
       by code prefix, its new deadline and version, and inserts the timeline entries and the
       notifications of the receiving level's staff. The UPDATE re-checks level and version, so
       a case is moved at most once per level even against a racing sweep.
    3. Each batch is its own transaction: a sweep killed half-way has committed whole batches
       only, and the next sweep takes the rest.
    4. ``workers`` runners (settings.GRIDGOV_SWEEP_WORKERS, one database connection each) claim
       batches side by side — the same SKIP LOCKED claim that keeps concurrent sweeps apart —
       so a backlog after an outage is written on every core PostgreSQL has. Inside a caller's
       transaction the sweep runs on the caller's connection alone (other connections could not
       see its uncommitted rows).
    5. Cases overdue at the district (nowhere higher to go) are flagged once, and the
       dispatchers notified.
    6. Emails are enqueued after commit; the task claims pending rows, so it is idempotent.
    """
    now = now or timezone.now()
    category_ids = list(Category.objects.values_list("pk", flat=True))
    table = clock.deadline_table(category_ids, [Level.COMMUNITY, Level.STREET, Level.DISTRICT], now)
    fallback = clock.due_after(now, clock.FALLBACK_LIMIT.clock, clock.FALLBACK_LIMIT.amount)
    params = {
        "limits": json.dumps({f"{category}:{level}:{urgency}": due.deadline.isoformat() for category, level, urgency, due in table}),
        "warnings": json.dumps({f"{category}:{level}:{urgency}": due.warn_at.isoformat() for category, level, urgency, due in table}),
        "open": [str(s) for s in OPEN_STATUSES],
        "now": now,
        "batch": batch_size,
        # A class created after the table above was computed still gets a deadline.
        "fallback": fallback.deadline,
        "fallback_warn": fallback.warn_at,
    }
    if workers is None:
        workers = settings.GRIDGOV_SWEEP_WORKERS
    result = SweepResult()
    for part in _side_by_side(lambda: _escalate_batches(params, batch_size), workers):
        result.absorb(part)
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_OVERDUE_SQL, params)
            marked, notified, due = cursor.fetchone()
        result.overdue_flagged += marked
        result.notifications += notified
        if due < batch_size:
            break
    if result.notifications:
        transaction.on_commit(_enqueue_emails_if_pending)
    return result


def _escalate_batches(params: dict[str, Any], batch_size: int) -> SweepResult:
    """Claim and escalate batches on this thread's connection until none is full."""
    result = SweepResult()
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            # A batch sorts tens of thousands of rows: in memory. And each claimed case is found
            # by its key: the planner, misjudging the claimed set's size, would otherwise hash
            # the whole table (a million rows) to update a batch.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL enable_hashjoin = off")
            cursor.execute("SET LOCAL enable_mergejoin = off")
            cursor.execute(_ESCALATE_SQL, params)
            rows = cursor.fetchall()
        result.batches += 1
        claimed = 0
        for old_level, count, timeline_count, notified, due in rows:
            result.escalated += count
            result.by_level[old_level] = result.by_level.get(old_level, 0) + count
            claimed = due
        if rows:
            result.timeline_entries += rows[0][2]
            result.notifications += rows[0][3]
        if not rows or claimed < batch_size:
            return result


def _side_by_side(work: Callable[[], SweepResult], workers: int) -> list[SweepResult]:
    if workers <= 1 or connection.in_atomic_block:
        return [work()]

    def on_own_connection() -> SweepResult:
        try:
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sweep") as pool:
        futures = [pool.submit(on_own_connection) for _ in range(workers)]
        return [future.result() for future in futures]


def _enqueue_emails_if_pending() -> None:
    if Notification.objects.filter(email_state=EmailState.PENDING).exists():
        from .tasks import send_notification_emails

        send_notification_emails.delay()


# --- patrols ------------------------------------------------------------------------------

def _first_cell(worker) -> Area | None:
    assignment = (
        GridAssignment.objects.active().filter(user=worker, cell__valid_to__isnull=True).select_related("cell").order_by("cell__code").first()
    )
    return assignment.cell if assignment else None


def start_patrol(*, worker, client_id: uuid.UUID | str | None = None, now: datetime | None = None) -> tuple[Patrol, bool]:
    """Start a patrol, or answer the one already running (a phone that reloads resumes it)."""
    if worker.role != Role.GRID_WORKER and not worker.is_superuser:
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


# --- notifications ------------------------------------------------------------------------

def mark_notifications_read(user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all when ``ids`` is None); answers how many changed."""
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    return queryset.update(read_at=timezone.now())

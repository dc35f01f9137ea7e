"""Every write of the command centre and the departments goes through a function here (DESIGN.md §8).

The acts join incidents' state machine: each is registered in ``incidents.actions.TRANSITIONS``
(so the case page and ``POST /api/v1/incidents/{id}/{action}/`` offer them) and each ends in
incidents' ``transition()``, which claims the case with a conditional UPDATE on its status and
version and writes the timeline entry. The department shares (``Assignment``) change in the same
transaction, each with its own conditional UPDATE; if any claim finds the row changed, the whole
act is rolled back and ``Conflict`` (HTTP 409) is raised.

=====================  ====================================  ===================  ====================
act                    case status from                      case status to       who
=====================  ====================================  ===================  ====================
dispatch (派遣)         registered                            dispatched           the centre
to_locality (属地兜底)   registered                            registered (street)  the centre
accept (签收)           dispatched, in progress               in progress          the department
return (退回)           dispatched, in progress, rework       from the shares      the department, reason
feedback (反馈)         dispatched, in progress, rework       from the shares      the department, photo
request_extension      dispatched, in progress, rework       (unchanged)          the department, reason
approve_extension      dispatched, in progress, rework       (unchanged)          the centre
refuse_extension       dispatched, in progress, rework       (unchanged)          the centre, reason
supervise (督办)        dispatched, in progress, rework       (unchanged)          the centre
request_verification   handled                               (unchanged)          the centre
defer (缓办)            registered                            deferred             the centre, reason
resume                 deferred                              registered           the centre
=====================  ====================================  ===================  ====================

"From the shares": a case with no live share goes back to *registered* (the centre re-dispatches);
all live shares handled → *handled*; all still waiting → *dispatched*; otherwise *in progress*.
Verification by the cell's grid worker, rework and closing are incidents' own acts (verify,
rework, close); when a case comes back for rework, the departments' handled shares reopen.

Every share change bumps the case's version (it goes through ``transition``), so reading the
shares and then claiming the case's version is enough to know nobody changed them in between.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, datetime, time, timedelta
from typing import Any, Iterable, Sequence

from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Department, Role, User
from grids.models import Area, Level
from incidents import actions as case_actions
from incidents import clock
from incidents.actions import Conflict, Forbidden, IncidentError, InvalidInput, NotAllowed, register_transition, transition
from incidents.models import Category, Incident, NotificationKind, PhotoStage, Source, Status, TimelineEntry
from incidents.notify import level_staff, notify
from incidents.photos import PhotoError, prepare_photos
from incidents.rules import holds_level

from .models import (
    ACTIVE_ASSIGNMENT,
    Assignment,
    AssignmentStatus,
    DepartmentCategory,
    ExtensionRequest,
    ExtensionStatus,
    IndicatorSettings,
    Open311Client,
    Open311Request,
    Supervision,
)

__all__ = ["Conflict", "Forbidden", "IncidentError", "InvalidInput", "NotAllowed"]

# The case statuses in which departments work on their shares.
WITH_DEPARTMENTS = (Status.DISPATCHED, Status.IN_PROGRESS, Status.REWORK)
# The longest extension the centre can grant in one step; beyond it the case needs a new dispatch.
MAX_EXTENSION = timedelta(days=90)


# --- who may act ------------------------------------------------------------------------------


def department_of(user) -> Department | None:
    return user.department if getattr(user, "department_id", None) else None


def live_share(incident: Incident, department_id: int | None) -> Assignment | None:
    if department_id is None:
        return None
    return Assignment.objects.filter(incident_id=incident.pk, department_id=department_id, status__in=ACTIVE_ASSIGNMENT).first()


def share_state(share: Assignment, incident: Incident) -> str:
    """The share's state as the department sees it: a handled share of a case sent back for rework
    is open again (it is reopened for real by the next act, ``_reopen_for_rework``)."""
    if share.status == AssignmentStatus.HANDLED and incident.status == Status.REWORK:
        return AssignmentStatus.ACCEPTED
    return share.status


def _department_may(*states: str):
    def permission(user, incident) -> bool:
        if not user or not user.is_authenticated or not user.is_active or user.role != Role.DEPARTMENT:
            return False
        share = live_share(incident, user.department_id)
        return share is not None and share_state(share, incident) in states

    return permission


def _centre(user, incident) -> bool:
    # At district level the holder is the command centre (incidents.rules): dispatchers of the district.
    return holds_level(user, incident)


def _centre_with_pending_extension(user, incident) -> bool:
    return (
        _centre(user, incident)
        and ExtensionRequest.objects.filter(assignment__incident_id=incident.pk, status=ExtensionStatus.PENDING).exists()
    )


def _centre_with_late_share(user, incident) -> bool:
    return (
        _centre(user, incident)
        and Assignment.objects.filter(
            incident_id=incident.pk, status__in=[AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED]
        ).exists()
    )


DISTRICT = [Level.DISTRICT]
_OPEN_SHARE = (AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED)

register_transition(
    "dispatch",
    gettext_lazy("Dispatch to departments"),
    sources=[Status.REGISTERED],
    target=Status.DISPATCHED,
    permission=_centre,
    levels=DISTRICT,
)
register_transition(
    "to_locality",
    gettext_lazy("Hand to the locality (street office)"),
    sources=[Status.REGISTERED],
    target=None,
    permission=_centre,
    levels=DISTRICT,
)
register_transition(
    "accept",
    gettext_lazy("Accept"),
    sources=[Status.DISPATCHED, Status.IN_PROGRESS],
    target=Status.IN_PROGRESS,
    permission=_department_may(AssignmentStatus.PENDING),
    levels=DISTRICT,
)
register_transition(
    "return",
    gettext_lazy("Return to the centre"),
    sources=WITH_DEPARTMENTS,
    target=None,
    permission=_department_may(*_OPEN_SHARE),
    levels=DISTRICT,
    note_required=True,
)
register_transition(
    "feedback",
    gettext_lazy("Report back as handled"),
    sources=WITH_DEPARTMENTS,
    target=None,
    permission=_department_may(*_OPEN_SHARE),
    levels=DISTRICT,
)
register_transition(
    "request_extension",
    gettext_lazy("Ask for more time"),
    sources=WITH_DEPARTMENTS,
    target=None,
    permission=_department_may(*_OPEN_SHARE),
    levels=DISTRICT,
    note_required=True,
)
register_transition(
    "approve_extension",
    gettext_lazy("Approve the extension"),
    sources=WITH_DEPARTMENTS,
    target=None,
    permission=_centre_with_pending_extension,
    levels=DISTRICT,
)
register_transition(
    "refuse_extension",
    gettext_lazy("Refuse the extension"),
    sources=WITH_DEPARTMENTS,
    target=None,
    permission=_centre_with_pending_extension,
    levels=DISTRICT,
    note_required=True,
)
register_transition(
    "supervise",
    gettext_lazy("Supervise the department"),
    sources=WITH_DEPARTMENTS,
    target=None,
    permission=_centre_with_late_share,
    levels=DISTRICT,
)
register_transition(
    "request_verification",
    gettext_lazy("Ask the grid worker to check on site"),
    sources=[Status.HANDLED],
    target=None,
    permission=_centre,
    levels=DISTRICT,
)
register_transition(
    "defer",
    gettext_lazy("Put on hold"),
    sources=[Status.REGISTERED],
    target=Status.DEFERRED,
    permission=_centre,
    levels=DISTRICT,
    note_required=True,
)
register_transition(
    "resume",
    gettext_lazy("Take off hold"),
    sources=[Status.DEFERRED],
    target=Status.REGISTERED,
    permission=_centre,
    levels=DISTRICT,
)

DISPATCH_ACTIONS = (
    "dispatch",
    "to_locality",
    "accept",
    "return",
    "feedback",
    "request_extension",
    "approve_extension",
    "refuse_extension",
    "supervise",
    "request_verification",
    "defer",
    "resume",
)


def _check(incident: Incident, action: str, actor, *, expected_version: int | None, note: str = "") -> None:
    """Refuse what cannot run: stale version (409), wrong status or level (400), missing reason (400),
    not yours (403). Mirrors incidents' own check, with the same error classes."""
    entry = case_actions.TRANSITIONS[action]
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
            _("“%(action)s” is only possible while the command centre holds case #%(id)s; it is held at %(level)s level.")
            % {"action": entry.label, "id": incident.pk, "level": incident.get_level_display()}
        )
    if entry.note_required and not (note or "").strip():
        raise InvalidInput(_("Give a reason."), field="note")
    if not entry.permission(actor, incident):
        if actor.role == Role.DEPARTMENT:
            raise Forbidden(_("Case #%(id)s is not with your department for that now.") % {"id": incident.pk})
        raise Forbidden(_("Only the command centre that holds case #%(id)s can do that.") % {"id": incident.pk})


# --- helpers --------------------------------------------------------------------------------------


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _join(names: Iterable[str]) -> str:
    return "、".join(names)


def _with_note(text: str, note: str) -> str:
    note = (note or "").strip()
    return f"{text} {note}" if note else text


def department_staff(department_ids: Iterable[int]) -> list[User]:
    return list(User.objects.filter(role=Role.DEPARTMENT, is_active=True, department_id__in=list(department_ids)))


def centre_staff(incident: Incident) -> list[User]:
    return level_staff(Level.DISTRICT, incident.area)


def case_status_for(states: Iterable[str]) -> str:
    """The case's status that follows from its departments' shares (see the module docstring)."""
    live = [state for state in states if state in ACTIVE_ASSIGNMENT]
    if not live:
        return Status.REGISTERED
    if all(state == AssignmentStatus.HANDLED for state in live):
        return Status.HANDLED
    if all(state == AssignmentStatus.PENDING for state in live):
        return Status.DISPATCHED
    return Status.IN_PROGRESS


def _shares_after(incident: Incident, changed: Assignment, new_state: str) -> list[str]:
    """States of the case's live shares once ``changed`` is in ``new_state`` and rework reopened them."""
    states = []
    for share in Assignment.objects.filter(incident_id=incident.pk, status__in=ACTIVE_ASSIGNMENT):
        states.append(new_state if share.pk == changed.pk else share_state(share, incident))
    return states


def _reopen_for_rework(incident: Incident, expected_status: str) -> None:
    """A case sent back for rework (by the grid worker's failed check or the centre) reopens every
    handled share; counted on the share. Runs inside the act's transaction, after the claim."""
    if expected_status == Status.REWORK:
        Assignment.objects.filter(incident_id=incident.pk, status=AssignmentStatus.HANDLED).update(
            status=AssignmentStatus.ACCEPTED, reworks=F("reworks") + 1
        )


def withdraw_shares_leaving_centre(incident: Incident, *, from_level: str, actor, now: datetime) -> int:
    """A case the command centre hands down (to the locality, or sent back to a lower level) is no
    longer the departments' work: their open shares are withdrawn — out of their inboxes and of
    their evaluation — and their handlers told. Handled shares stay: that work was done.
    Runs inside the level change's transaction (incidents.actions.LEVEL_CHANGE_HOOKS)."""
    if from_level != Level.DISTRICT or incident.level == Level.DISTRICT:
        return 0
    open_shares = Assignment.objects.filter(
        incident_id=incident.pk, status__in=[AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED]
    )
    department_ids = list(open_shares.values_list("department_id", flat=True))
    if not department_ids:
        return 0
    withdrawn = open_shares.update(status=AssignmentStatus.CANCELLED, closed_at=now)
    notify(department_staff(department_ids), incident, NotificationKind.WITHDRAWN, exclude=actor, now=now)
    return withdrawn


case_actions.LEVEL_CHANGE_HOOKS.append(withdraw_shares_leaving_centre)


def _district_clock(incident: Incident) -> str:
    """The clock (urgent hours, working hours, working days) of the class's limit at the centre."""
    return clock.limit_for(incident.category_id, Level.DISTRICT, incident.urgency).clock


def _claim_share(share: Assignment, *, states: Sequence[str], **changes: Any) -> None:
    """Conditional UPDATE of one share; if another act changed it first, the whole act rolls back."""
    updated = Assignment.objects.filter(pk=share.pk, status__in=list(states)).update(**changes)
    if updated != 1:
        raise Conflict(
            _("The share of %(department)s was changed by somebody else just now; reload and try again.")
            % {"department": share.department.name}
        )


def _prepare(photos, name: str = "photos"):
    try:
        return prepare_photos(list(photos or []), name)
    except PhotoError as exc:
        raise InvalidInput(exc.message, field=name) from exc


def parse_deadline(value, *, field: str = "deadline") -> datetime | None:
    """A deadline from a form or JSON: ISO date-time (a naive one is in Asia/Shanghai) or a date
    (meaning the end of that day's office hours)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, clock.office_hours()[-1][1])
    else:
        text = str(value).strip()
        moment = parse_datetime(text.replace(" ", "T")) if "T" in text or " " in text else None
        if moment is None:
            day = parse_date(text)
            if day is None:
                raise InvalidInput(
                    _("“%(value)s” is not a date and time; write it as 2025-03-01T17:30.") % {"value": text}, field=field
                )
            moment = datetime.combine(day, clock.office_hours()[-1][1])
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    return moment


# --- defaults: who owns a category ------------------------------------------------------------------


def default_departments(category: Category) -> list[Department]:
    """Departments that own the minor class, else its major class; [] means the locality handles it."""
    for key in (category.pk, category.parent_id):
        if key is None:
            continue
        found = list(Department.objects.filter(active=True, default_categories__category_id=key).order_by("code"))
        if found:
            return found
    return []


def locality_of(incident: Incident) -> Area | None:
    """The street office whose ground the case lies on (属地)."""
    code = incident.filed_area.code
    if len(code) < 9:
        return None
    return Area.objects.current().filter(code=code[:9], level=Level.STREET).first()


def set_default_departments(category: Category, departments: Iterable[Department]) -> list[DepartmentCategory]:
    """Make ``departments`` (possibly none: the locality then handles it) the owners of ``category``."""
    wanted = {department.pk for department in departments}
    with transaction.atomic():
        DepartmentCategory.objects.filter(category=category).exclude(department_id__in=wanted).delete()
        existing = set(DepartmentCategory.objects.filter(category=category).values_list("department_id", flat=True))
        DepartmentCategory.objects.bulk_create(
            [DepartmentCategory(category=category, department_id=pk) for pk in sorted(wanted - existing)]
        )
    return list(DepartmentCategory.objects.filter(category=category))


# --- the centre -------------------------------------------------------------------------------------


def dispatch(
    incident: Incident,
    *,
    actor,
    departments: Sequence[Department],
    deadline: datetime | None = None,
    note: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> TimelineEntry:
    """Send a registered case to one or more departments with a deadline (派遣).

    1. Check the act, the departments (active, at least one) and the deadline (in the future; by
       default the district's time limit for the class).
    2. Claim the case (status registered + version) and move it to *dispatched* with the deadline.
    3. Withdraw shares left live by an earlier trip through the chain, create one share per
       department, and notify the departments' handlers — all in the same transaction.
    """
    _check(incident, "dispatch", actor, expected_version=expected_version, note=note)
    now = now or timezone.now()
    chosen: list[Department] = []
    for department in departments or []:
        if department not in chosen:
            chosen.append(department)
    if not chosen:
        raise InvalidInput(_("Choose at least one department."), field="departments")
    inactive = [d.name for d in chosen if not d.active]
    if inactive:
        raise InvalidInput(_("%(names)s no longer takes cases.") % {"names": _join(inactive)}, field="departments")
    if deadline is None:
        deadline, warn_at = clock.due_for(incident.category_id, Level.DISTRICT, incident.urgency, now)
    else:
        # A chosen deadline turns yellow on the class's own clock, like the default one.
        deadline, warn_at = clock.due_by(now, deadline, _district_clock(incident))
    if deadline <= now:
        raise InvalidInput(_("The deadline %(deadline)s has already passed.") % {"deadline": _when(deadline)}, field="deadline")
    text = _with_note(
        _("Dispatched to %(departments)s, due %(deadline)s.")
        % {"departments": _join(d.name for d in chosen), "deadline": _when(deadline)},
        note,
    )
    with transaction.atomic():
        entry = transition(
            incident,
            action="dispatch",
            to_status=Status.DISPATCHED,
            actor=actor,
            expected_status=incident.status,
            expected_version=expected_version,
            note=text,
            changes={
                "deadline": deadline,
                "warn_at": warn_at,
                "deadline_started_at": now,
                "overdue_notified_at": None,
                "assignee": None,
            },
            notifications=[(department_staff(d.pk for d in chosen), NotificationKind.DISPATCHED)],
            now=now,
        )
        Assignment.objects.filter(incident_id=incident.pk, status__in=ACTIVE_ASSIGNMENT).update(
            status=AssignmentStatus.CANCELLED, closed_at=now
        )
        try:
            with transaction.atomic():
                Assignment.objects.bulk_create(
                    [
                        Assignment(
                            incident=incident,
                            department=department,
                            deadline=deadline,
                            warn_at=warn_at,
                            dispatched_at=now,
                            filed_area_id=incident.filed_area_id,
                            incident_created_at=incident.created_at,
                            dispatched_by=actor if getattr(actor, "pk", None) else None,
                            note=(note or "").strip(),
                        )
                        for department in chosen
                    ]
                )
        except IntegrityError as exc:  # another dispatch got in first (the constraint is the last guard)
            raise Conflict(_("Case #%(id)s was dispatched by somebody else just now.") % {"id": incident.pk}) from exc
    return entry


def dispatch_to_locality(
    incident: Incident, *, actor, note: str = "", expected_version: int | None = None, now: datetime | None = None
) -> TimelineEntry:
    """No department owns the problem: the street office on whose ground it lies handles it (属地兜底).
    The case moves down to street level with that level's deadline; the street staff are told."""
    _check(incident, "to_locality", actor, expected_version=expected_version, note=note)
    street = locality_of(incident)
    if street is None:
        raise NotAllowed(_("Case #%(id)s lies outside every street office; dispatch it to a department.") % {"id": incident.pk})
    text = _with_note(_("No department owns this: handed to the locality, %(street)s.") % {"street": street.name}, note)
    return transition(
        incident,
        action="to_locality",
        to_status=None,
        actor=actor,
        expected_status=incident.status,
        expected_version=expected_version,
        note=text,
        to_level=Level.STREET,
        to_area=street,
        notifications=[(level_staff(Level.STREET, street), NotificationKind.SENT_DOWN)],
        now=now,
    )


def supervise(
    incident: Incident,
    *,
    actor,
    department: Department | None = None,
    note: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> list[Supervision]:
    """Press a department (督办). Without ``department``: every department that is late on the case."""
    _check(incident, "supervise", actor, expected_version=expected_version, note=note)
    now = now or timezone.now()
    open_shares = Assignment.objects.filter(
        incident_id=incident.pk, status__in=[AssignmentStatus.PENDING, AssignmentStatus.ACCEPTED]
    ).select_related("department")
    if department is not None:
        shares = [share for share in open_shares if share.department_id == department.pk]
        if not shares:
            raise InvalidInput(
                _("%(department)s has nothing open on case #%(id)s.") % {"department": department.name, "id": incident.pk},
                field="department",
            )
    else:
        shares = [share for share in open_shares if share.deadline < now]
        if not shares:
            raise InvalidInput(
                _("No department is late on case #%(id)s; choose the one to press.") % {"id": incident.pk}, field="department"
            )
    names = _join(share.department.name for share in shares)
    text = _with_note(_("Supervision of %(departments)s.") % {"departments": names}, note)
    with transaction.atomic():
        transition(
            incident,
            action="supervise",
            to_status=None,
            actor=actor,
            expected_status=incident.status,
            expected_version=expected_version,
            note=text,
            notifications=[(department_staff(share.department_id for share in shares), NotificationKind.SUPERVISED)],
            now=now,
        )
        rows = []
        for share in shares:
            _claim_share(share, states=_OPEN_SHARE, supervisions=F("supervisions") + 1)
            rows.append(
                Supervision(
                    assignment=share,
                    by=actor if getattr(actor, "pk", None) else None,
                    at=now,
                    note=(note or "").strip(),
                    overdue=share.deadline < now,
                )
            )
        created = Supervision.objects.bulk_create(rows)
    return created


def decide_extension(
    extension: ExtensionRequest,
    *,
    actor,
    approve: bool,
    note: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> TimelineEntry:
    """The centre approves (the share's deadline moves; the case's deadline becomes the latest live
    share's) or refuses (with a reason) a department's request for more time."""
    share = extension.assignment
    incident = Incident.objects.select_related("category", "area", "filed_area").get(pk=share.incident_id)
    if expected_version is None:
        expected_version = incident.version
    action = "approve_extension" if approve else "refuse_extension"
    _check(incident, action, actor, expected_version=expected_version, note=note)
    if extension.status != ExtensionStatus.PENDING:
        raise NotAllowed(_("This request for more time was already %(state)s.") % {"state": extension.get_status_display()})
    now = now or timezone.now()
    department = share.department
    changes: dict[str, Any] = {}
    if approve:
        text = _with_note(
            _("More time for %(department)s approved: new deadline %(deadline)s.")
            % {"department": department.name, "deadline": _when(extension.requested_deadline)},
            note,
        )
        others = Assignment.objects.filter(incident_id=incident.pk, status__in=ACTIVE_ASSIGNMENT).exclude(pk=share.pk)
        latest = max([extension.requested_deadline, *(others.values_list("deadline", flat=True))])
        # The clocks keep their start; only the end moves, and with it the moment they turn yellow.
        kind = _district_clock(incident)
        share_warn_at = clock.due_by(share.dispatched_at, extension.requested_deadline, kind).warn_at
        changes = {
            "deadline": latest,
            "warn_at": clock.due_by(incident.deadline_started_at, latest, kind).warn_at,
            "overdue_notified_at": None,
        }
    else:
        text = _("More time for %(department)s refused: %(note)s") % {"department": department.name, "note": note.strip()}
    with transaction.atomic():
        entry = transition(
            incident,
            action=action,
            to_status=None,
            actor=actor,
            expected_status=incident.status,
            expected_version=expected_version,
            note=text,
            changes=changes,
            notifications=[(department_staff([department.pk]), NotificationKind.EXTENSION_DECIDED)],
            now=now,
        )
        claimed = ExtensionRequest.objects.filter(pk=extension.pk, status=ExtensionStatus.PENDING).update(
            status=ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED,
            decided_by=actor,
            decided_at=now,
            decision_note=(note or "").strip(),
        )
        if claimed != 1:
            raise Conflict(_("Somebody else decided this request just now."))
        if approve:
            _claim_share(share, states=ACTIVE_ASSIGNMENT, deadline=extension.requested_deadline, warn_at=share_warn_at)
    extension.refresh_from_db()
    return entry


def request_verification(
    incident: Incident, *, actor, note: str = "", expected_version: int | None = None, now: datetime | None = None
) -> TimelineEntry:
    """Ask the grid worker of the case's cell to check the fix on site (核查)."""
    _check(incident, "request_verification", actor, expected_version=expected_version, note=note)
    workers = level_staff(Level.GRID, incident.cell) if incident.cell_id else []
    if not workers:
        raise NotAllowed(
            _("No grid worker is assigned to the cell of case #%(id)s; check it yourself (verification passed or rework).")
            % {"id": incident.pk}
        )
    text = _with_note(_("On-site check asked of %(workers)s.") % {"workers": _join(w.display_name for w in workers)}, note)
    return transition(
        incident,
        action="request_verification",
        to_status=None,
        actor=actor,
        expected_status=incident.status,
        expected_version=expected_version,
        note=text,
        notifications=[(workers, NotificationKind.HANDLED)],
        now=now,
    )


def defer(
    incident: Incident, *, actor, reason: str, expected_version: int | None = None, now: datetime | None = None
) -> TimelineEntry:
    """Put a registered case on hold (缓办): out of the clock until resumed."""
    _check(incident, "defer", actor, expected_version=expected_version, note=reason)
    return transition(
        incident,
        action="defer",
        to_status=Status.DEFERRED,
        actor=actor,
        expected_status=incident.status,
        expected_version=expected_version,
        note=reason,
        now=now,
    )


def resume(
    incident: Incident, *, actor, note: str = "", expected_version: int | None = None, now: datetime | None = None
) -> TimelineEntry:
    """Take a case off hold: registered again, with a fresh district deadline."""
    _check(incident, "resume", actor, expected_version=expected_version, note=note)
    now = now or timezone.now()
    deadline, warn_at = clock.due_for(incident.category_id, Level.DISTRICT, incident.urgency, now)
    return transition(
        incident,
        action="resume",
        to_status=Status.REGISTERED,
        actor=actor,
        expected_status=incident.status,
        expected_version=expected_version,
        note=note,
        changes={"deadline": deadline, "warn_at": warn_at, "deadline_started_at": now, "overdue_notified_at": None},
        now=now,
    )


# The centre's other acts are incidents' own; these wrappers keep every write of the console here.


def register_case(incident: Incident, *, actor, note: str = "", expected_version: int | None = None) -> TimelineEntry:
    return case_actions.register(incident, actor=actor, note=note, expected_version=expected_version)


def reject_case(incident: Incident, *, actor, reason: str, expected_version: int | None = None) -> TimelineEntry:
    return case_actions.reject(incident, actor=actor, reason=reason, expected_version=expected_version)


def verify_case(
    incident: Incident, *, actor, passed: bool, note: str = "", photos: Sequence = (), expected_version: int | None = None
) -> TimelineEntry:
    """On-site check by the cell's grid worker (or the centre itself): passed → verified; failed →
    rework, and the departments' handled shares reopen on their next act."""
    return case_actions.verify(incident, actor=actor, passed=passed, note=note, photos=photos, expected_version=expected_version)


def send_back_for_rework(incident: Incident, *, actor, reason: str, expected_version: int | None = None) -> TimelineEntry:
    return case_actions.verify(incident, actor=actor, passed=False, note=reason, expected_version=expected_version)


def close_case(incident: Incident, *, actor, note: str = "", expected_version: int | None = None) -> TimelineEntry:
    return case_actions.close(incident, actor=actor, note=note, expected_version=expected_version)


# --- the departments --------------------------------------------------------------------------------


def _own_share(incident: Incident, actor) -> Assignment:
    share = live_share(incident, getattr(actor, "department_id", None))
    if share is None:
        raise Forbidden(_("Case #%(id)s is not with your department.") % {"id": incident.pk})
    return share


def accept(
    incident: Incident, *, actor, note: str = "", expected_version: int | None = None, now: datetime | None = None
) -> TimelineEntry:
    """The department takes the case on (签收)."""
    _check(incident, "accept", actor, expected_version=expected_version, note=note)
    now = now or timezone.now()
    share = _own_share(incident, actor)
    text = _with_note(_("%(department)s accepted the case.") % {"department": share.department.name}, note)
    new_status = case_status_for(_shares_after(incident, share, AssignmentStatus.ACCEPTED))
    with transaction.atomic():
        entry = transition(
            incident,
            action="accept",
            to_status=new_status,
            actor=actor,
            expected_status=incident.status,
            expected_version=expected_version,
            note=text,
            now=now,
        )
        _claim_share(
            share, states=[AssignmentStatus.PENDING], status=AssignmentStatus.ACCEPTED, accepted_at=now, accepted_by=actor
        )
    return entry


def return_case(
    incident: Incident, *, actor, reason: str, expected_version: int | None = None, now: datetime | None = None
) -> TimelineEntry:
    """The department says the case is not its own (退回), with a reason. It is counted against the
    department; when no department is left on the case, it goes back to the centre (registered)."""
    _check(incident, "return", actor, expected_version=expected_version, note=reason)
    now = now or timezone.now()
    share = _own_share(incident, actor)
    reason = reason.strip()
    text = _("Returned by %(department)s: %(reason)s") % {"department": share.department.name, "reason": reason}
    new_status = case_status_for(_shares_after(incident, share, AssignmentStatus.RETURNED))
    with transaction.atomic():
        expected_status = incident.status
        entry = transition(
            incident,
            action="return",
            to_status=new_status,
            actor=actor,
            expected_status=expected_status,
            expected_version=expected_version,
            note=text,
            notifications=[(centre_staff(incident), NotificationKind.RETURNED)],
            now=now,
        )
        _reopen_for_rework(incident, expected_status)
        _claim_share(
            share, states=_OPEN_SHARE, status=AssignmentStatus.RETURNED, returned_at=now, returned_by=actor, return_reason=reason
        )
        ExtensionRequest.objects.filter(assignment=share, status=ExtensionStatus.PENDING).update(
            status=ExtensionStatus.REFUSED, decided_at=now, decision_note=_("The department returned the case.")
        )
    return entry


def feedback(
    incident: Incident,
    *,
    actor,
    note: str = "",
    photos: Sequence = (),
    expected_version: int | None = None,
    now: datetime | None = None,
) -> TimelineEntry:
    """The department reports the work done (反馈), with at least one after-photo. When every
    department on the case has reported, the case is *handled* and waits for verification."""
    _check(incident, "feedback", actor, expected_version=expected_version, note=note)
    prepared = _prepare(photos)
    if not prepared:
        raise InvalidInput(_("Add a photo of the place after the work."), field="photos")
    now = now or timezone.now()
    share = _own_share(incident, actor)
    text = _with_note(_("%(department)s reports it handled.") % {"department": share.department.name}, note)
    new_status = case_status_for(_shares_after(incident, share, AssignmentStatus.HANDLED))
    notify = [(centre_staff(incident), NotificationKind.HANDLED)] if new_status == Status.HANDLED else []
    with transaction.atomic():
        expected_status = incident.status
        entry = transition(
            incident,
            action="feedback",
            to_status=new_status,
            actor=actor,
            expected_status=expected_status,
            expected_version=expected_version,
            note=text,
            photos=prepared,
            photo_stage=PhotoStage.AFTER,
            notifications=notify,
            now=now,
        )
        _reopen_for_rework(incident, expected_status)
        _claim_share(
            share,
            states=_OPEN_SHARE,
            status=AssignmentStatus.HANDLED,
            handled_at=now,
            handled_by=actor,
            feedback=(note or "").strip(),
            accepted_at=share.accepted_at or now,
            accepted_by=share.accepted_by or actor,
        )
        Assignment.objects.filter(pk=share.pk, first_handled_at__isnull=True).update(first_handled_at=now)
    return entry


def request_extension(
    incident: Incident, *, actor, deadline, reason: str, expected_version: int | None = None, now: datetime | None = None
) -> ExtensionRequest:
    """The department asks for more time (延期), e.g. when a part must be ordered."""
    _check(incident, "request_extension", actor, expected_version=expected_version, note=reason)
    now = now or timezone.now()
    share = _own_share(incident, actor)
    wanted = parse_deadline(deadline)
    if wanted is None:
        raise InvalidInput(_("Say until when you need the case."), field="deadline")
    if wanted <= max(share.deadline, now):
        raise InvalidInput(
            _("Ask for a deadline after the current one, %(deadline)s.") % {"deadline": _when(share.deadline)}, field="deadline"
        )
    if wanted - share.deadline > MAX_EXTENSION:
        raise InvalidInput(_("An extension may add at most %(days)d days.") % {"days": MAX_EXTENSION.days}, field="deadline")
    if ExtensionRequest.objects.filter(assignment=share, status=ExtensionStatus.PENDING).exists():
        raise NotAllowed(_("Your department already waits for an answer about more time on case #%(id)s.") % {"id": incident.pk})
    text = _("%(department)s asks for more time, until %(deadline)s: %(reason)s") % {
        "department": share.department.name,
        "deadline": _when(wanted),
        "reason": reason.strip(),
    }
    with transaction.atomic():
        transition(
            incident,
            action="request_extension",
            to_status=None,
            actor=actor,
            expected_status=incident.status,
            expected_version=expected_version,
            note=text,
            notifications=[(centre_staff(incident), NotificationKind.EXTENSION_REQUESTED)],
            now=now,
        )
        try:
            with transaction.atomic():
                extension = ExtensionRequest.objects.create(
                    assignment=share,
                    requested_by=actor,
                    requested_at=now,
                    previous_deadline=share.deadline,
                    requested_deadline=wanted,
                    reason=reason.strip(),
                )
        except IntegrityError as exc:
            raise Conflict(_("Your department already asked for more time just now.")) from exc
    return extension


# --- one entry point for forms and the API ------------------------------------------------------------


def _departments_from(raw) -> list[Department]:
    if raw in (None, ""):
        return []
    values = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")
    ids: list[int] = []
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        if not text.isdigit():
            found = Department.objects.filter(code=text).values_list("pk", flat=True).first()
            if found is None:
                raise InvalidInput(_("No department “%(value)s”.") % {"value": text}, field="departments")
            ids.append(found)
        else:
            ids.append(int(text))
    by_id = Department.objects.in_bulk(ids)
    missing = [str(pk) for pk in ids if pk not in by_id]
    if missing:
        raise InvalidInput(_("No department “%(value)s”.") % {"value": ", ".join(missing)}, field="departments")
    return [by_id[pk] for pk in ids]


def _version(data: dict) -> int | None:
    raw = data.get("version")
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise InvalidInput(_("version must be a whole number."), field="version")


def _pending_extension(incident: Incident, data: dict) -> ExtensionRequest:
    pending = ExtensionRequest.objects.filter(assignment__incident_id=incident.pk, status=ExtensionStatus.PENDING).select_related(
        "assignment__department"
    )
    raw = data.get("extension")
    if raw not in (None, ""):
        if not str(raw).isdigit():
            raise InvalidInput(_("extension must be the number of the request."), field="extension")
        pending = pending.filter(pk=int(raw))
    found = list(pending[:2])
    if not found:
        raise NotAllowed(_("No request for more time waits on case #%(id)s.") % {"id": incident.pk})
    if len(found) > 1:
        raise InvalidInput(_("Several departments asked for more time; say which request you decide."), field="extension")
    return found[0]


def run(
    name: str, incident: Incident, *, actor, data: dict[str, Any], files: dict[str, list], expected_version: int | None = None
) -> Any:
    """Run one of the command centre's or the departments' acts by name (``data`` holds its fields).
    Registered as incidents' extra runner, so the case API and pages reach the same functions."""
    if expected_version is None:
        expected_version = _version(data)
    note = str(data.get("note") or data.get("reason") or "")
    common = {"actor": actor, "expected_version": expected_version}
    if name == "dispatch":
        return dispatch(
            incident,
            departments=_departments_from(data.get("departments")),
            deadline=parse_deadline(data.get("deadline")),
            note=note,
            **common,
        )
    if name == "to_locality":
        return dispatch_to_locality(incident, note=note, **common)
    if name == "accept":
        return accept(incident, note=note, **common)
    if name == "return":
        return return_case(incident, reason=note, **common)
    if name == "feedback":
        return feedback(incident, note=note, photos=files.get("photos", []), **common)
    if name == "request_extension":
        return request_extension(incident, deadline=data.get("deadline"), reason=note, **common)
    if name in ("approve_extension", "refuse_extension"):
        return decide_extension(_pending_extension(incident, data), approve=name == "approve_extension", note=note, **common)
    if name == "supervise":
        departments = _departments_from(data.get("department") or data.get("departments"))
        return supervise(incident, department=departments[0] if departments else None, note=note, **common)
    if name == "request_verification":
        return request_verification(incident, note=note, **common)
    if name == "defer":
        return defer(incident, reason=note, **common)
    if name == "resume":
        return resume(incident, note=note, **common)
    return case_actions.run_action(name, incident, actor=actor, data={**data, "version": expected_version}, files=files)


def _runner(name: str):
    def runner(incident, *, actor, data, files, expected_version=None):
        return run(name, incident, actor=actor, data=data, files=files, expected_version=expected_version)

    return runner


for _name in DISPATCH_ACTIONS:
    case_actions.EXTRA_RUNNERS[_name] = _runner(_name)


# --- evaluation setting ---------------------------------------------------------------------------------


def set_indicator_settings(*, exclude_deferred: bool) -> IndicatorSettings:
    settings_row, _created = IndicatorSettings.objects.update_or_create(pk=1, defaults={"exclude_deferred": exclude_deferred})
    return settings_row


# --- Open311 clients and requests -------------------------------------------------------------------------

KEY_PREFIX_LENGTH = 8


def hash_key(key: str) -> str:
    # Keys are 32 random bytes: a plain SHA-256 cannot be brute-forced, and it stays fast per request.
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key() -> tuple[str, str]:
    while True:
        key = secrets.token_urlsafe(32)
        prefix = key[:KEY_PREFIX_LENGTH]
        if not Open311Client.objects.filter(key_prefix=prefix).exists():
            return key, prefix


def create_open311_client(*, name: str, district: Area, contact: str = "") -> tuple[Open311Client, str]:
    """Register a client and issue its api_key; the key is answered once and only its hash is kept.
    The client files as its own system user, which cannot sign in."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the client a name."), field="name")
    if district.level != Level.DISTRICT:
        raise InvalidInput(_("An Open311 client belongs to a district."), field="district")
    key, prefix = _new_key()
    with transaction.atomic():
        username = f"open311-{prefix.lower()}"
        user = User(username=username, first_name=name[:150], role=Role.LEADER, area=district, is_active=False)
        user.set_unusable_password()
        user.save()
        client = Open311Client.objects.create(
            name=name, contact=contact, district=district, user=user, key_prefix=prefix, key_hash=hash_key(key)
        )
    return client, key


def rotate_open311_key(client: Open311Client) -> str:
    """Issue a new api_key for the client; the old one stops working at once."""
    key, prefix = _new_key()
    Open311Client.objects.filter(pk=client.pk).update(key_prefix=prefix, key_hash=hash_key(key))
    client.refresh_from_db()
    return key


def open311_client_for(key: str | None) -> Open311Client | None:
    """The active client holding ``key``, or None."""
    if not key or len(key) < KEY_PREFIX_LENGTH:
        return None
    client = (
        Open311Client.objects.filter(key_prefix=key[:KEY_PREFIX_LENGTH], active=True).select_related("district", "user").first()
    )
    if client is None or not hmac.compare_digest(client.key_hash, hash_key(key)):
        return None
    return client


def file_open311_request(
    client: Open311Client,
    *,
    category: Category,
    location: Point,
    description: str = "",
    address: str = "",
    urgency: str | None = None,
    media_url: str = "",
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    device_id: str = "",
    account_id: str = "",
    now: datetime | None = None,
) -> Open311Request:
    """File a service request as a case through incidents' report function (source open311), and keep
    what the client sent beyond it. Same transaction: a case is never left without its request row."""
    now = now or timezone.now()
    contact = " ".join(part for part in [f"{last_name}{first_name}".strip(), phone, email] if part)
    with transaction.atomic():
        incident, _created = case_actions.report_incident(
            reporter=client.user,
            category=category,
            location=location,
            description=description,
            urgency=urgency,
            source=Source.OPEN311,
            address=address,
            contact=contact,
            now=now,
        )
        request = Open311Request.objects.create(
            incident=incident,
            client=client,
            media_url=media_url[:500],
            email=email[:254],
            first_name=first_name[:100],
            last_name=last_name[:100],
            phone=phone[:40],
            device_id=device_id[:100],
            account_id=account_id[:100],
            created_at=now,
        )
    Open311Client.objects.filter(pk=client.pk).update(last_used_at=now)
    return request


def latest_deadline(incident: Incident) -> datetime | None:
    return Assignment.objects.filter(incident_id=incident.pk, status__in=ACTIVE_ASSIGNMENT).aggregate(m=Max("deadline"))["m"]


def end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time(0)), timezone.get_current_timezone())

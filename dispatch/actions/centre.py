"""The command centre's acts on a case: dispatch, hand to the locality, supervise, decide an
extension, ask for the on-site check, put on hold and resume — each with its runner and its row
of the case machine's table (registered by ``DispatchConfig.ready()``).

=====================  ====================================  ===================  ====================
act                    case status from                      case status to       who
=====================  ====================================  ===================  ====================
dispatch (派遣)         registered                            dispatched           the centre
to_locality (属地兜底)   registered                            registered (street)  the centre
approve_extension      dispatched, in progress, rework       (unchanged)          the centre
refuse_extension       dispatched, in progress, rework       (unchanged)          the centre, reason
supervise (督办)        dispatched, in progress, rework       (unchanged)          the centre
request_verification   handled                               (unchanged)          the centre
defer (缓办)            registered                            deferred             the centre, reason
resume                 deferred                              registered           the centre
=====================  ====================================  ===================  ====================

Registering, rejecting, verifying, rework and closing are incidents' own acts: the console runs
them through the same machine.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Department
from grids.models import Level
from incidents import clock, deadlines
from incidents.actions.machine import ActRequest, check, transition
from incidents.errors import Conflict, InvalidInput, NotAllowed
from incidents.models import Incident, NotificationKind, Status, TimelineEntry
from incidents.rules import level_staff
from incidents.timeline import names, when

from .. import rules
from ..kinds import CaseStatus, DispatchKind
from ..models import (
    ACTIVE_ASSIGNMENT,
    Assignment,
    AssignmentStatus,
    ExtensionRequest,
    ExtensionStatus,
    IndicatorSettings,
    Supervision,
)
from ..rules import OPEN_SHARE
from ..shares import WITH_DEPARTMENTS, department_staff, district_clock, locality_of
from .inputs import checked_dispatch, departments_from, parse_deadline, pending_extension
from .shares import claim_share, restart_clock, send_to_departments
from .table import district_act

# The longest extension the centre can grant in one step; beyond it the case needs a new dispatch.
MAX_EXTENSION_DAYS = 90


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
    now = now or timezone.now()
    choice = checked_dispatch(incident, "dispatch", actor=actor, departments=departments, deadline=deadline, note=note,
                              expected_version=expected_version, now=now)
    chosen, deadline, warn_at = choice.departments, choice.deadline, choice.warn_at
    params = {"departments": names(d.name for d in chosen), "deadline": when(deadline)}
    with transaction.atomic():
        entry = transition(
            incident,
            action="dispatch",
            to_status=CaseStatus.DISPATCHED,
            actor=actor,
            expected_status=incident.status,
            expected_version=expected_version,
            note=note,
            params=params,
            changes=restart_clock(deadline, warn_at, now),
            notifications=[(department_staff(d.pk for d in chosen), DispatchKind.DISPATCHED)],
            now=now,
        )
        send_to_departments(incident, chosen, deadline=deadline, warn_at=warn_at, actor=actor, note=note, now=now)
    return entry


def dispatch_to_locality(
    incident: Incident, *, actor, note: str = "", expected_version: int | None = None, now: datetime | None = None
) -> TimelineEntry:
    """No department owns the problem: the street office on whose ground it lies handles it (属地兜底).
    The case moves down to street level with that level's deadline; the street staff are told."""
    check(incident, "to_locality", actor, expected_version=expected_version, note=note)
    street = locality_of(incident)
    if street is None:
        raise NotAllowed(_("Case #%(id)s lies outside every street office; dispatch it to a department.") % {"id": incident.pk})
    return transition(
        incident,
        action="to_locality",
        to_status=None,
        actor=actor,
        expected_status=incident.status,
        expected_version=expected_version,
        note=note,
        params={"street": street.name},
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
    check(incident, "supervise", actor, expected_version=expected_version, note=note)
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
    with transaction.atomic():
        transition(
            incident,
            action="supervise",
            to_status=None,
            actor=actor,
            expected_status=incident.status,
            expected_version=expected_version,
            note=note,
            params={"departments": names(share.department.name for share in shares)},
            notifications=[(department_staff(share.department_id for share in shares), DispatchKind.SUPERVISED)],
            now=now,
        )
        rows = []
        for share in shares:
            claim_share(share, states=OPEN_SHARE, supervisions=F("supervisions") + 1)
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
    check(incident, action, actor, expected_version=expected_version, note=note)
    if extension.status != ExtensionStatus.PENDING:
        raise NotAllowed(_("This request for more time was already %(state)s.") % {"state": extension.get_status_display()})
    now = now or timezone.now()
    department = share.department
    changes: dict[str, Any] = {}
    if approve:
        params = {"department": department.name, "deadline": when(extension.requested_deadline)}
        others = Assignment.objects.filter(incident_id=incident.pk, status__in=ACTIVE_ASSIGNMENT).exclude(pk=share.pk)
        latest = max([extension.requested_deadline, *(others.values_list("deadline", flat=True))])
        # The clocks keep their start; only the end moves, and with it the moment they turn yellow.
        kind = district_clock(incident)
        share_warn_at = clock.due_by(share.dispatched_at, extension.requested_deadline, kind).warn_at
        changes = {
            "deadline": latest,
            "warn_at": clock.due_by(incident.deadline_started_at, latest, kind).warn_at,
            "overdue_notified_at": None,
        }
    else:
        params = {"department": department.name}
    with transaction.atomic():
        entry = transition(
            incident,
            action=action,
            to_status=None,
            actor=actor,
            expected_status=incident.status,
            expected_version=expected_version,
            note=note,
            params=params,
            changes=changes,
            notifications=[(department_staff([department.pk]), DispatchKind.EXTENSION_DECIDED)],
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
            # A share already late stays judged by the deadline it missed (incidents.deadlines, for shares).
            missed = share.missed_deadline or (share.deadline if share.deadline < now else None)
            claim_share(
                share, states=ACTIVE_ASSIGNMENT, deadline=extension.requested_deadline, warn_at=share_warn_at,
                missed_deadline=missed,
            )
    extension.refresh_from_db()
    return entry


def request_verification(
    incident: Incident, *, actor, note: str = "", expected_version: int | None = None, now: datetime | None = None
) -> TimelineEntry:
    """Ask the grid worker of the case's cell to check the fix on site (核查)."""
    check(incident, "request_verification", actor, expected_version=expected_version, note=note)
    workers = level_staff(Level.GRID, incident.cell) if incident.cell_id else []
    if not workers:
        raise NotAllowed(
            _("No grid worker is assigned to the cell of case #%(id)s; check it yourself (verification passed or rework).")
            % {"id": incident.pk}
        )
    return transition(
        incident,
        action="request_verification",
        to_status=None,
        actor=actor,
        expected_status=incident.status,
        expected_version=expected_version,
        note=note,
        params={"workers": names(w.display_name for w in workers)},
        notifications=[(workers, NotificationKind.HANDLED)],
        now=now,
    )


def defer(
    incident: Incident, *, actor, reason: str, expected_version: int | None = None, now: datetime | None = None
) -> TimelineEntry:
    """Put a registered case on hold (缓办): out of the clock until resumed (a deadline it has
    already missed stays missed: incidents.deadlines)."""
    check(incident, "defer", actor, expected_version=expected_version, note=reason)
    now = now or timezone.now()
    return transition(
        incident,
        action="defer",
        to_status=CaseStatus.DEFERRED,
        actor=actor,
        expected_status=incident.status,
        expected_version=expected_version,
        note=reason,
        changes=deadlines.stop_clock(incident, status=incident.status, now=now),
        now=now,
    )


def resume(
    incident: Incident, *, actor, note: str = "", expected_version: int | None = None, now: datetime | None = None
) -> TimelineEntry:
    """Take a case off hold: registered again, with a fresh district deadline."""
    check(incident, "resume", actor, expected_version=expected_version, note=note)
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


def set_indicator_settings(*, exclude_deferred: bool) -> IndicatorSettings:
    """Whether deferred cases leave the evaluation's denominators (some cities count them, some not)."""
    settings_row, _created = IndicatorSettings.objects.update_or_create(pk=1, defaults={"exclude_deferred": exclude_deferred})
    return settings_row


# --- runners and the table ------------------------------------------------------------------

def _run_dispatch(incident: Incident, r: ActRequest):
    return dispatch(incident, departments=departments_from(r.data.get("departments")),
                    deadline=parse_deadline(r.data.get("deadline")), note=r.note, **r.acting())


def _run_supervise(incident: Incident, r: ActRequest):
    chosen = departments_from(r.data.get("department") or r.data.get("departments"))
    return supervise(incident, department=chosen[0] if chosen else None, note=r.note, **r.acting())


def _run_decision(approve: bool):
    def runner(incident: Incident, r: ActRequest):
        return decide_extension(pending_extension(incident, r.data), approve=approve, note=r.note, **r.acting())

    return runner


ACTS = [
    district_act("dispatch", gettext_lazy("Dispatch to departments"), [Status.REGISTERED], CaseStatus.DISPATCHED, rules.centre,
         _run_dispatch, message=gettext_lazy("Dispatched to %(departments)s, due %(deadline)s.")),
    district_act("to_locality", gettext_lazy("Hand to the locality (street office)"), [Status.REGISTERED], None, rules.centre,
         lambda incident, r: dispatch_to_locality(incident, note=r.note, **r.acting()),
         message=gettext_lazy("No department owns this: handed to the locality, %(street)s.")),
    district_act("approve_extension", gettext_lazy("Approve the extension"), WITH_DEPARTMENTS, None,
         rules.centre_with_pending_extension, _run_decision(True),
         message=gettext_lazy("More time for %(department)s approved: new deadline %(deadline)s.")),
    district_act("refuse_extension", gettext_lazy("Refuse the extension"), WITH_DEPARTMENTS, None,
         rules.centre_with_pending_extension, _run_decision(False), note_required=True,
         message=gettext_lazy("More time for %(department)s refused.")),
    district_act("supervise", gettext_lazy("Supervise the department"), WITH_DEPARTMENTS, None, rules.centre_with_late_share,
         _run_supervise, message=gettext_lazy("Supervision of %(departments)s.")),
    district_act("request_verification", gettext_lazy("Ask the grid worker to check on site"), [Status.HANDLED], None, rules.centre,
         lambda incident, r: request_verification(incident, note=r.note, **r.acting()),
         message=gettext_lazy("On-site check asked of %(workers)s.")),
    district_act("defer", gettext_lazy("Put on hold"), [Status.REGISTERED], CaseStatus.DEFERRED, rules.centre,
         lambda incident, r: defer(incident, reason=r.note, **r.acting()), note_required=True),
    district_act("resume", gettext_lazy("Take off hold"), [CaseStatus.DEFERRED], Status.REGISTERED, rules.centre,
         lambda incident, r: resume(incident, note=r.note, **r.acting())),
]

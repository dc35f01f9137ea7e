"""Writes of the departments' shares that ride inside a case's act.

Every share change happens inside the act that bumps the case's version (through the machine's
``transition``), so reading the shares and then claiming the case's version is enough to know
nobody changed them in between; each share is also claimed with its own conditional UPDATE.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Sequence

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import Department
from grids.models import Level
from incidents.actions.notifications import notify
from incidents.changes import note_case_change
from incidents.errors import Conflict
from incidents.models import Category, Incident, Status

from ..kinds import DispatchKind
from ..models import ACTIVE_ASSIGNMENT, Assignment, AssignmentStatus, DepartmentCategory
from ..rules import OPEN_SHARE
from ..shares import department_staff


def reopen_for_rework(incident: Incident, expected_status: str) -> None:
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
    Registered with the machine as a level-change hook, so it runs inside that transaction."""
    if from_level != Level.DISTRICT or incident.level == Level.DISTRICT:
        return 0
    open_shares = Assignment.objects.filter(incident_id=incident.pk, status__in=list(OPEN_SHARE))
    department_ids = list(open_shares.values_list("department_id", flat=True))
    if not department_ids:
        return 0
    withdrawn = open_shares.update(status=AssignmentStatus.CANCELLED, closed_at=now)
    notify(department_staff(department_ids), incident, DispatchKind.WITHDRAWN, exclude=actor, now=now)
    return withdrawn


def claim_share(share: Assignment, *, states: Sequence[str], **changes: Any) -> None:
    """Conditional UPDATE of one share; if another act changed it first, the whole act rolls back."""
    updated = Assignment.objects.filter(pk=share.pk, status__in=list(states)).update(**changes)
    note_case_change()  # the queue shows each case's shares (incidents.changes)
    if updated != 1:
        raise Conflict(
            _("The share of %(department)s was changed by somebody else just now; reload and try again.")
            % {"department": share.department.name}
        )


def restart_clock(deadline: datetime, warn_at: datetime | None, now: datetime) -> dict[str, Any]:
    """The case's changes when departments get it with a new deadline (a dispatch)."""
    return {"deadline": deadline, "warn_at": warn_at, "deadline_started_at": now, "overdue_notified_at": None, "assignee": None}


def create_shares(
    incident: Incident, departments: Sequence[Department], *, deadline: datetime, warn_at: datetime | None, actor, note: str,
    now: datetime,
) -> list[Assignment]:
    """One pending share per department, inside the dispatching act's transaction; the constraint
    of one live share per case and department is the last guard against a double dispatch (409)."""
    try:
        with transaction.atomic():
            return Assignment.objects.bulk_create(
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
                    for department in departments
                ]
            )
    except IntegrityError as exc:  # another dispatch got in first
        raise Conflict(_("Case #%(id)s was dispatched by somebody else just now.") % {"id": incident.pk}) from exc


def send_to_departments(
    incident: Incident, departments: Sequence[Department], *, deadline: datetime, warn_at: datetime | None, actor, note: str,
    now: datetime,
) -> list[Assignment]:
    """A (re)dispatch's shares: the ones left live by an earlier trip through the chain are
    cancelled, then one pending share per department — inside the act's transaction."""
    Assignment.objects.filter(incident_id=incident.pk, status__in=ACTIVE_ASSIGNMENT).update(
        status=AssignmentStatus.CANCELLED, closed_at=now
    )
    return create_shares(incident, departments, deadline=deadline, warn_at=warn_at, actor=actor, note=note, now=now)


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

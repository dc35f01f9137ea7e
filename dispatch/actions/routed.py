"""Dispatched by the routing rule, and corrected by the dispatcher.

=====================  ====================================  ===================  ====================
act                    case status from                      case status to       who
=====================  ====================================  ===================  ====================
auto_dispatch          registered (at the centre)            dispatched           the routing rule
correct_dispatch (改派) dispatched, in progress               from the shares      the centre
=====================  ====================================  ===================  ====================

A class whose routing rule says *dispatch automatically* (``incidents.routing``) goes to its
default departments (``DepartmentCategory``) the moment the command centre registers it: the
machine's after-act hook ``dispatch_when_routed`` (registered by ``DispatchConfig.ready()``) runs
``auto_dispatch`` inside the registering act's transaction, through ``transition()`` like every
act. A class with no default department (属地兜底) stays registered for the dispatcher.

The dispatcher sees the case dispatched and may correct it: ``correct_dispatch`` withdraws the
shares of the departments not chosen any more (they are told) and dispatches to the chosen ones
that do not have the case yet — one act, one timeline entry naming both.
"""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Department
from grids.models import Level
from incidents import clock
from incidents.actions.machine import Act, ActRequest, transition
from incidents.errors import InvalidInput
from incidents.models import Incident, Status, TimelineEntry
from incidents.routing import rule_for
from incidents.timeline import names, when

from .. import rules
from ..kinds import CaseStatus, DispatchKind
from ..models import ACTIVE_ASSIGNMENT, Assignment, AssignmentStatus, ExtensionRequest, ExtensionStatus
from ..rules import OPEN_SHARE
from ..shares import case_status_for, default_departments, department_staff, district_clock, share_state
from .inputs import checked_dispatch, departments_from, parse_deadline
from .shares import claim_share, create_shares, restart_clock, send_to_departments
from .table import district_act


def auto_dispatch(incident: Incident, *, now: datetime | None = None) -> TimelineEntry | None:
    """Send a case the centre has just registered to its class's default departments, with the
    district's time limit. None when the class has no default department (the dispatcher decides)."""
    if incident.level != Level.DISTRICT or incident.status != Status.REGISTERED:
        return None
    departments = default_departments(incident.category)
    if not departments:
        return None
    now = now or timezone.now()
    deadline, warn_at = clock.due_for(incident.category_id, Level.DISTRICT, incident.urgency, now)
    with transaction.atomic():
        entry = transition(
            incident,
            action="auto_dispatch",
            to_status=CaseStatus.DISPATCHED,
            actor=None,
            expected_status=Status.REGISTERED,
            params={"departments": names(d.name for d in departments), "deadline": when(deadline)},
            changes=restart_clock(deadline, warn_at, now),
            notifications=[(department_staff(d.pk for d in departments), DispatchKind.DISPATCHED)],
            now=now,
        )
        send_to_departments(incident, departments, deadline=deadline, warn_at=warn_at, actor=None, note="", now=now)
    return entry


def dispatch_when_routed(incident: Incident, *, action: str, entry, actor, now: datetime) -> None:
    """The machine's after-act hook: a case registered at the command centre whose routing rule
    says *dispatch automatically* is dispatched at once, in the same transaction."""
    if action != "register" or incident.level != Level.DISTRICT or incident.status != Status.REGISTERED:
        return
    if rule_for(incident.category, incident.urgency).auto_dispatch:
        auto_dispatch(incident, now=now)


def correct_dispatch(
    incident: Incident,
    *,
    actor,
    departments: Sequence[Department],
    deadline: datetime | None = None,
    note: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> TimelineEntry:
    """Correct a dispatch (改派): the case is then with exactly ``departments``.

    1. Check the act and the departments; the open shares of departments not chosen are the ones
       withdrawn — at least one, or there is nothing to correct (a handled share stays: that work
       was done).
    2. Claim the case; its status follows from the shares left and the new ones.
    3. Withdraw those shares (their pending requests for more time are closed), create one
       pending share per newly chosen department with the deadline (by default the district's
       limit from now), and tell both sides — in the same transaction.
    """
    now = now or timezone.now()
    choice = checked_dispatch(incident, "correct_dispatch", actor=actor, departments=departments, deadline=deadline,
                              note=note, expected_version=expected_version, now=now)
    chosen, new_deadline, new_warn_at = choice.departments, choice.deadline, choice.warn_at
    chosen_ids = {d.pk for d in chosen}
    live = list(Assignment.objects.filter(incident_id=incident.pk, status__in=ACTIVE_ASSIGNMENT).select_related("department"))
    withdrawn = [s for s in live if s.department_id not in chosen_ids and share_state(s, incident) in OPEN_SHARE]
    if not withdrawn:
        raise InvalidInput(
            _("Case #%(id)s is not with any department you left out; untick the department to withdraw it from.")
            % {"id": incident.pk},
            field="departments",
        )
    kept = [s for s in live if s not in withdrawn]
    kept_ids = {s.department_id for s in kept}
    added = [d for d in chosen if d.pk not in kept_ids]
    states = [share_state(s, incident) for s in kept] + [AssignmentStatus.PENDING] * len(added)
    changes = restart_clock(new_deadline, new_warn_at, now) if not kept else _latest_deadline(incident, kept, added, new_deadline)
    params = {"withdrawn": names(s.department.name for s in withdrawn), "departments": names(d.name for d in chosen)}
    notifications = [(department_staff(s.department_id for s in withdrawn), DispatchKind.WITHDRAWN)]
    if added:
        notifications.append((department_staff(d.pk for d in added), DispatchKind.DISPATCHED))
    with transaction.atomic():
        entry = transition(
            incident, action="correct_dispatch", to_status=case_status_for(states), actor=actor,
            expected_status=incident.status, expected_version=expected_version, note=note, params=params,
            changes=changes, notifications=notifications, now=now,
        )
        for share in withdrawn:
            claim_share(share, states=OPEN_SHARE, status=AssignmentStatus.CANCELLED, closed_at=now)
        ExtensionRequest.objects.filter(assignment__in=withdrawn, status=ExtensionStatus.PENDING).update(
            status=ExtensionStatus.REFUSED, decided_at=now, decision_note=""
        )
        create_shares(incident, added, deadline=new_deadline, warn_at=new_warn_at, actor=actor, note=note, now=now)
    return entry


def _latest_deadline(incident: Incident, kept: list[Assignment], added: list[Department], new_deadline: datetime) -> dict:
    """With some departments kept, the case's clock keeps its start; its deadline is the latest live share's."""
    latest = max([s.deadline for s in kept] + ([new_deadline] if added else []))
    warn_at = clock.due_by(incident.deadline_started_at, latest, district_clock(incident)).warn_at
    return {"deadline": latest, "warn_at": warn_at, "overdue_notified_at": None}


def _run_correct(incident: Incident, r: ActRequest):
    return correct_dispatch(incident, departments=departments_from(r.data.get("departments")),
                            deadline=parse_deadline(r.data.get("deadline")), note=r.note, **r.acting())


ACTS = [
    # Written by the routing rule after a registration; a record, not an act anybody runs.
    Act("auto_dispatch", gettext_lazy("Dispatched automatically"), [Status.REGISTERED], CaseStatus.DISPATCHED,
        lambda user, incident: False, levels=frozenset([Level.DISTRICT]),
        message=gettext_lazy("Dispatched automatically by the routing rule to %(departments)s, due %(deadline)s.")),
    district_act("correct_dispatch", gettext_lazy("Correct the dispatch"), [CaseStatus.DISPATCHED, Status.IN_PROGRESS], None,
                 rules.centre_with_open_share, _run_correct,
                 message=gettext_lazy("Dispatch corrected: withdrawn from %(withdrawn)s; now with %(departments)s.")),
]

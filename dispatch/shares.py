"""Reads of the departments' shares of a case (``Assignment``) and of who owns a category.

A case dispatched to several departments has one share per department. The case's status follows
from its live shares (``case_status_for``).
"""
from __future__ import annotations

from typing import Iterable

from accounts.models import Department, Role, User
from grids.models import Area, Level
from incidents import clock
from incidents.levels import code_at_level
from incidents.models import Category, Incident, Status
from incidents.rules import level_staff

from .kinds import CaseStatus
from .models import ACTIVE_ASSIGNMENT, Assignment, AssignmentStatus

# The case statuses in which departments work on their shares.
WITH_DEPARTMENTS = (CaseStatus.DISPATCHED, Status.IN_PROGRESS, Status.REWORK)


def live_share(incident: Incident, department_id: int | None) -> Assignment | None:
    if department_id is None:
        return None
    return Assignment.objects.filter(incident_id=incident.pk, department_id=department_id, status__in=ACTIVE_ASSIGNMENT).first()


def share_state(share: Assignment, incident: Incident) -> str:
    """The share's state as the department sees it: a handled share of a case sent back for rework
    is open again (it is reopened for real by the department's next act)."""
    if share.status == AssignmentStatus.HANDLED and incident.status == Status.REWORK:
        return AssignmentStatus.ACCEPTED
    return share.status


def case_status_for(states: Iterable[str]) -> str:
    """The case's status that follows from its departments' shares: none live → registered (the
    centre re-dispatches); all handled → handled; all still waiting → dispatched; else in progress."""
    live = [state for state in states if state in ACTIVE_ASSIGNMENT]
    if not live:
        return Status.REGISTERED
    if all(state == AssignmentStatus.HANDLED for state in live):
        return Status.HANDLED
    if all(state == AssignmentStatus.PENDING for state in live):
        return CaseStatus.DISPATCHED
    return Status.IN_PROGRESS


def shares_after(incident: Incident, changed: Assignment, new_state: str) -> list[str]:
    """States of the case's live shares once ``changed`` is in ``new_state`` and rework reopened them."""
    states = []
    for share in Assignment.objects.filter(incident_id=incident.pk, status__in=ACTIVE_ASSIGNMENT):
        states.append(new_state if share.pk == changed.pk else share_state(share, incident))
    return states


def department_staff(department_ids: Iterable[int]) -> list[User]:
    return list(User.objects.filter(role=Role.DEPARTMENT, is_active=True, department_id__in=list(department_ids)))


def centre_staff(incident: Incident) -> list[User]:
    return level_staff(Level.DISTRICT, incident.area)


def district_clock(incident: Incident) -> str:
    """The clock (urgent hours, working hours, working days) of the class's limit at the centre."""
    return clock.limit_for(incident.category_id, Level.DISTRICT, incident.urgency).clock


def default_departments(category: Category) -> list[Department]:
    """Departments that own the minor class, else its major class; [] means the locality handles it."""
    for key in (category.pk, category.parent_id):
        if key is None:
            continue
        found = list(Department.objects.filter(active=True, default_categories__category_id=key).order_by("code"))
        if found:
            return found
    return []


def returned_department_ids(incident: Incident) -> set[int]:
    """Departments that returned the case (退回) at some point: not suggested for it again."""
    return set(
        Assignment.objects.filter(incident_id=incident.pk, status=AssignmentStatus.RETURNED).values_list("department_id", flat=True)
    )


def suggested_departments(incident: Incident) -> list[Department]:
    """The departments a dispatch form ticks: the class's default departments, less those that
    returned the case (a re-dispatch after a return goes elsewhere unless the dispatcher insists)."""
    returned = returned_department_ids(incident)
    return [d for d in default_departments(incident.category) if d.pk not in returned]


def locality_of(incident: Incident) -> Area | None:
    """The street office whose ground the case lies on (属地)."""
    code = code_at_level(incident.filed_area.code, Level.STREET)
    if code is None:
        return None
    return Area.objects.current().filter(code=code, level=Level.STREET).first()


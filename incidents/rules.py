"""Who holds a case at its level, and so may act on it.

Scope (``accounts.scope``) decides what a user may *see*; these rules decide, among what they see,
on which cases they may *act*. The level that holds a case acts on it:

| level     | who holds it                                                    |
|-----------|-----------------------------------------------------------------|
| grid      | the grid workers assigned to the responsible cell               |
| community | community staff whose jurisdiction covers the responsible area  |
| street    | street-office staff whose jurisdiction covers it                |
| district  | command-centre dispatchers of the district                      |

Dispatchers supervise every level of their district and may act at any of them.
"""
from __future__ import annotations

from accounts.capabilities import Capability, can, role_can
from accounts.models import GridAssignment, User
from grids.models import Level

from .levels import LEVEL_ROLE


def _covers(user, area) -> bool:
    return bool(user.area_id and area is not None and area.code.startswith(user.area.code))


def works_cell(user, cell) -> bool:
    if cell is None or not role_can(user, Capability.WORK_CELLS):
        return False
    return GridAssignment.objects.active().filter(user=user, cell__code=cell.code).exists()


def holds_level(user, incident) -> bool:
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if role_can(user, Capability.RUN_COMMAND_CENTRE):
        return _covers(user, incident.area)
    if incident.level == Level.GRID:
        return works_cell(user, incident.area)
    return user.role == LEVEL_ROLE.get(incident.level) and _covers(user, incident.area)


def is_assignee_or_holder(user, incident) -> bool:
    return (incident.assignee_id is not None and incident.assignee_id == user.pk) or holds_level(user, incident)


def may_verify(user, incident) -> bool:
    """On site by the cell's grid worker, or by whoever holds the case."""
    return holds_level(user, incident) or works_cell(user, incident.cell)


def may_resolve_at_grid(user, incident) -> bool:
    if user.is_superuser:
        return True
    return role_can(user, Capability.WORK_CELLS) and works_cell(user, incident.area)


def anyone(user, incident) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def may_add_to(user, incident) -> bool:
    """More words or photos on a case it can see: anybody who works cases (a leader only reads)."""
    return can(user, Capability.ADD_TO_CASES)


def level_staff(level: str, area) -> list[User]:
    """The people who hold a case at ``level`` in ``area``: whom an escalation or a send-down notifies."""
    if area is None:
        return []
    if level == Level.GRID:
        ids = GridAssignment.objects.active().filter(cell__code=area.code).values("user_id")
        return list(User.objects.filter(pk__in=ids, is_active=True))
    return list(User.objects.filter(is_active=True, role=LEVEL_ROLE[level], area_id=area.pk))


def may_be_assigned(user, incident) -> bool:
    """A case is assigned to somebody of the level that holds it."""
    if not user.is_active:
        return False
    if incident.level == Level.GRID:
        return works_cell(user, incident.area)
    return user.role == LEVEL_ROLE.get(incident.level) and _covers(user, incident.area)

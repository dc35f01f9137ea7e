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

Separation of duties (``duty_conflict``): whoever reported a case, and whoever handled it (and
the department of a handler), may not also verify or close it — a fourth pair of eyes checks the
work — unless the case is a minor matter held at grid level (小事不出网格: the grid worker settles
it alone). The case machine's ``check()`` asks it for every act, so every channel obeys it. The
rule is configured by ``GRIDGOV_SEPARATION_OF_DUTIES`` (``SEPARATION_OF_DUTIES`` below are the
defaults; ``{"acts": ()}`` turns it off).
"""
from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.capabilities import Capability, can, role_can
from accounts.models import GridAssignment, User
from grids.models import Level

from .levels import LEVEL_ROLE
from .models import Source, TimelineEntry, Urgency

SEPARATION_OF_DUTIES = {
    # The acts the reporter or a handler of a case may not run on it.
    "acts": ("verify", "close"),
    # The acts whose actor (and the actor's department) handled the case: a level's own
    # "report as handled" and a department's feedback.
    "handling_acts": ("handle", "feedback"),
    # Where the reporter field names the call-taker who recorded a caller's report (12345, Open311),
    # the call-taker is not the reporter: the caller is.
    "caller_sources": (Source.HOTLINE, Source.OPEN311),
    # A minor matter held at grid level is settled by its grid worker alone.
    "minor_at_grid_exempt": True,
}


def _covers(user, area) -> bool:
    return bool(user.area_id and area is not None and area.code.startswith(user.area.code))


def minor_matter(incident) -> bool:
    """A minor matter a grid worker may settle alone (小事不出网格)."""
    return incident.category.grid_resolvable and incident.urgency != Urgency.URGENT


def separation_of_duties() -> dict:
    return {**SEPARATION_OF_DUTIES, **getattr(settings, "GRIDGOV_SEPARATION_OF_DUTIES", {})}


def duty_conflict(user, incident, act: str) -> str | None:
    """Why ``user`` may not run ``act`` on the case because they reported or handled it, or None."""
    rule = separation_of_duties()
    if act not in rule["acts"] or not getattr(user, "pk", None):
        return None
    if rule["minor_at_grid_exempt"] and incident.level == Level.GRID and minor_matter(incident):
        return None
    values = {"id": incident.pk}
    if incident.reporter_id == user.pk and incident.source not in rule["caller_sources"]:
        return _("You reported case #%(id)s, so somebody else must verify and close it.") % values
    handled = TimelineEntry.objects.filter(incident_id=incident.pk, action__in=rule["handling_acts"])
    if handled.filter(actor_id=user.pk).exists():
        return _("You handled case #%(id)s, so somebody else must verify and close it.") % values
    if user.department_id and handled.filter(actor__department_id=user.department_id).exists():
        return _("Your department handled case #%(id)s, so somebody else must verify and close it.") % values
    return None


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

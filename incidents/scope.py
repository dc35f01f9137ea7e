"""Extra narrowing of the incidents a user may see, on top of ``accounts.scope.scoped``.

``scoped`` already limits a case to whoever answers for the area it was filed in. Some users see
less: a department handler, who may not see every department's work (``accounts.capabilities``),
sees the district by area, but only the cases dispatched to their
department. The dispatch app decides that; it registers a narrowing function here, so that
incidents need not import dispatch (dependencies point one way, docs/architecture.md#layers).
"""
from __future__ import annotations

from typing import Callable

from django.db.models import QuerySet

from accounts.capabilities import Capability, can

Narrower = Callable[[QuerySet, object], QuerySet]

# Until an app says otherwise, a user who may not see every department's work sees no case at all: fail closed.
_narrowers: dict[Capability, Narrower] = {Capability.SEE_EVERY_DEPARTMENT: lambda queryset, user: queryset.none()}


def register_incident_scope(capability: Capability, narrower: Narrower) -> None:
    """``narrower(queryset, user) -> queryset`` decides which cases users without ``capability`` see."""
    _narrowers[Capability(capability)] = narrower


def narrow_incidents(queryset: QuerySet, user) -> QuerySet:
    for capability, narrower in _narrowers.items():
        if not can(user, capability):  # superusers may do everything: never narrowed
            queryset = narrower(queryset, user)
    return queryset

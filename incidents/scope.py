"""Extra narrowing of the incidents a user may see, on top of ``accounts.scope.scoped``.

``scoped`` already limits a case to whoever answers for the area it was filed in. Some roles see
less: a department handler sees the district by area, but only the cases dispatched to their
department. The dispatch app decides that; it registers a narrowing function here, so that
incidents need not import dispatch (dependencies point one way, docs/architecture.md#layers).
"""
from __future__ import annotations

from typing import Callable

from django.db.models import QuerySet

from accounts.models import Role

Narrower = Callable[[QuerySet, object], QuerySet]

# Until an app says otherwise, a department handler sees no case at all: fail closed.
_narrowers: dict[str, Narrower] = {Role.DEPARTMENT: lambda queryset, user: queryset.none()}


def register_incident_scope(role: str, narrower: Narrower) -> None:
    """``narrower(queryset, user) -> queryset`` decides which cases users of ``role`` see."""
    _narrowers[role] = narrower


def narrow_incidents(queryset: QuerySet, user) -> QuerySet:
    if user is None or getattr(user, "is_superuser", False):
        return queryset
    narrower = _narrowers.get(getattr(user, "role", ""))
    return narrower(queryset, user) if narrower else queryset

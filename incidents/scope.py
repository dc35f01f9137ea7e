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
# What each narrowing depends on, for answers shared between users (accounts.scope.scope_key);
# a narrowing without one is never shared.
_keys: dict[Capability, Callable[[object], str]] = {Capability.SEE_EVERY_DEPARTMENT: lambda user: "none"}


def register_incident_scope(capability: Capability, narrower: Narrower, *, key: Callable[[object], str] | None = None) -> None:
    """``narrower(queryset, user) -> queryset`` decides which cases users without ``capability`` see;
    ``key(user)`` names what it depends on (two users with the same name see the same cases)."""
    _narrowers[Capability(capability)] = narrower
    if key is None:
        _keys.pop(Capability(capability), None)
    else:
        _keys[Capability(capability)] = key


def narrow_incidents(queryset: QuerySet, user) -> QuerySet:
    for capability, narrower in _narrowers.items():
        if not can(user, capability):  # superusers may do everything: never narrowed
            queryset = narrower(queryset, user)
    return queryset


def narrowing_key(user) -> str:
    """What ``narrow_incidents`` does to this user's cases, as a name (see ``accounts.scope.scope_key``)."""
    parts = []
    for capability in _narrowers:
        if not can(user, capability):
            key = _keys.get(capability)
            parts.append(f"{capability}:" + (key(user) if key is not None else f"user={getattr(user, 'pk', None)}"))
    return ",".join(parts) or "-"

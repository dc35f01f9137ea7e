"""A need's deadline: the case machine's time limits and clocks, not a copy of them.

A kind of need may name a case class (``NeedKind.category``); the need then follows that class's
time limits per level and condition (``incidents.clock.due_for``: minor class, major class, the
level's default). Without one it gets the levels' defaults. A medical need runs on the urgent
limits (urgent hours) whatever the recorder chose (docs/needs.md#time-limits).
"""
from __future__ import annotations

from datetime import datetime

from incidents import clock
from incidents.models import Urgency

from .models import NeedKind


def effective_urgency(kind: NeedKind, urgency: str) -> str:
    return Urgency.URGENT if kind.medical else urgency


def due(kind: NeedKind, level: str, urgency: str, start: datetime) -> clock.Due:
    """The (deadline, warn_at) of a need of ``kind`` held at ``level`` whose clock starts at ``start``."""
    return clock.due_for(kind.category_id, level, effective_urgency(kind, urgency), start)


def due_table(kinds, levels, start: datetime) -> dict[str, clock.Due]:
    """Every "kind:level:urgency" → Due from ``start``: what the set-based sweep looks up."""
    return {
        f"{kind.pk}:{level}:{urgency}": due(kind, level, urgency, start)
        for kind in kinds for level in levels for urgency in Urgency.values
    }

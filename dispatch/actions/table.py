"""How the centre's and the departments' acts enter the case machine's table."""
from __future__ import annotations

from typing import Sequence

from grids.models import Level
from incidents.actions.machine import Act

from .. import rules


def district_act(name: str, label, sources: Sequence[str], target, permission, runner, **extra) -> Act:
    """A row of the centre's and the departments' acts: they all run while the centre holds the case."""
    extra.setdefault("refusal", rules.refusal)
    return Act(name, label, sources, target, permission, runner=runner, levels=frozenset([Level.DISTRICT]),
               level_refusal=rules.ONLY_AT_CENTRE, **extra)

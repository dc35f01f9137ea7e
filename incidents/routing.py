"""Where a new case starts, and whether the command centre dispatches it at once: one function,
``route_for``, used by ``report_incident`` for every source (docs/domain/cases.md#routing).

1. A report outside every grid cell starts at the command centre: no grid worker holds it.
2. A hotline call starts at the command centre, which took the call (its own intake); it may
   send the case down. So does a resident's report filed without an account: the intake
   registers it or marks it as spam.
3. A grid worker's report of a matter she has already settled starts, and ends, at the grid.
4. Otherwise the administrators' ``RoutingRule`` decides, looked up like the time limits: the
   minor class under the condition (normal / urgent), then its major class, then the row with no
   class; with no row at all, the grid.

Minor matters stay with the cell's grid worker (小事不出网格); urgent and safety matters, and what
a department must fix, go straight to the command centre's intake (受理). A rule may also say
*dispatch automatically*: when the centre registers such a case it goes to the class's default
departments at once (dispatch's ``after_act`` hook reads ``route_for(...).auto_dispatch``).

The rules are cached in the process for a minute, like the time limits, and forgotten when a rule
is saved or deleted here.
"""
from __future__ import annotations

import time as _time
from dataclasses import dataclass

from grids.models import Level

from .models import Category, RoutingRule, Source, Urgency

_CACHE_SECONDS = 60
_cache: tuple[float, dict] | None = None

# With no rule at all (a fresh installation before the seeds), a case starts at the grid, as before.
FALLBACK_LEVEL = Level.GRID


@dataclass(frozen=True)
class Route:
    level: str
    auto_dispatch: bool = False
    rule_id: int | None = None
    why: str = "rule"  # rule, fallback, outside_cells, hotline, resident, settled


def clear_cache() -> None:
    global _cache
    _cache = None


def _rules() -> dict[tuple[int | None, str], tuple[str, bool, int]]:
    global _cache
    if _cache and _time.monotonic() - _cache[0] < _CACHE_SECONDS:
        return _cache[1]
    table = {
        (category_id, condition): (level, auto, pk)
        for pk, category_id, condition, level, auto in RoutingRule.objects.values_list(
            "pk", "category_id", "condition", "start_level", "auto_dispatch"
        )
    }
    _cache = (_time.monotonic(), table)
    return table


def rule_for(category: Category, urgency: str) -> Route:
    """The administrators' rule for the class under the condition (minor, major, every class)."""
    condition = urgency if urgency in Urgency.values else Urgency.NORMAL
    table = _rules()
    keys = [category.pk, *([category.parent_id] if category.parent_id else []), None]
    for key in keys:
        found = table.get((key, condition))
        if found is not None:
            level, auto, pk = found
            return Route(level=level, auto_dispatch=auto and level == Level.DISTRICT, rule_id=pk)
    return Route(level=FALLBACK_LEVEL, why="fallback")


def route_for(category: Category, urgency: str, *, source: str, in_cell: bool, settled: bool = False) -> Route:
    """Where a new case of ``category`` under ``urgency`` reported through ``source`` starts (see the module)."""
    rule = rule_for(category, urgency)
    if not in_cell:
        return Route(level=Level.DISTRICT, auto_dispatch=rule.auto_dispatch, rule_id=rule.rule_id, why="outside_cells")
    if source in (Source.HOTLINE, Source.RESIDENT):
        # A call, or a resident's report without an account: the command centre's intake takes it
        # first (it registers or marks as spam), whatever the class (docs/domain/public.md).
        return Route(level=Level.DISTRICT, auto_dispatch=rule.auto_dispatch, rule_id=rule.rule_id, why=source)
    if settled:
        return Route(level=Level.GRID, why="settled")
    return rule

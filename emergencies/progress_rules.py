"""What an outcome changes in a cell's counters — the one rule the outcome path applies (the
generation writes zeros; the escalation sweep only counts overdue tasks)."""
from __future__ import annotations

from .models import REACHED_OUTCOMES, Outcome


def counter_changes(old: str, new: str, care: bool) -> dict[str, int]:
    """Increments of CellProgress's columns when a task's outcome goes from ``old`` to ``new``."""
    def flags(outcome: str) -> dict[str, int]:
        reached = int(outcome in REACHED_OUTCOMES)
        return {
            "reached": reached,
            "care_reached": reached if care else 0,
            "nobody_home": int(outcome == Outcome.NOBODY_HOME),
            "needs_help": int(outcome == Outcome.NEEDS_HELP),
        }

    before, after = flags(old), flags(new)
    return {column: after[column] - before[column] for column in after if after[column] != before[column]}

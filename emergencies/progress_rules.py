"""What an outcome changes in a cell's counters — the one rule the outcome path applies (the
generation writes zeros; the escalation sweep only counts overdue tasks)."""
from __future__ import annotations

from .health import yes_counts
from .models import REACHED_OUTCOMES, Outcome


def counter_changes(old: str, new: str, care: bool, old_answers: dict | None = None, new_answers: dict | None = None) -> dict[str, int]:
    """Increments of CellProgress's columns when a task's outcome goes from ``old`` to ``new`` (and
    its health answers from ``old_answers`` to ``new_answers``)."""
    def flags(outcome: str, answers: dict | None) -> dict[str, int]:
        reached = int(outcome in REACHED_OUTCOMES)
        return {
            "reached": reached,
            "care_reached": reached if care else 0,
            "nobody_home": int(outcome == Outcome.NOBODY_HOME),
            "needs_help": int(outcome == Outcome.NEEDS_HELP),
            **yes_counts(answers),
        }

    before, after = flags(old, old_answers), flags(new, new_answers)
    return {column: after[column] - before[column] for column in after if after[column] != before[column]}

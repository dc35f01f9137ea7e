"""What the dashboard and the Excel export show: the columns of each table, each figure against
last period, and the rows of the tables with their last-period comparison."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from .rows import LABELS, RATES, Change, Row, change, percent

# The summary: every count, then every rate, each with last period and the change.
SUMMARY = ["accepted", "registered", "due", "closed", "closed_on_time", "overdue", "reworked", "returned", "avg_handling_hours"]
SUMMARY_RATES = list(RATES)
TABLE_COLUMNS = [
    "accepted",
    "registered",
    "due",
    "closed",
    "closed_on_time",
    "overdue",
    "handled",
    "reworked",
    "dispatched",
    "returned",
    "avg_handling_hours",
    "filing_rate",
    "closure_rate",
    "on_time_rate",
    "rework_rate",
    "return_rate",
    "grid_resolution_rate",
    "satisfaction_rate",
]
DEPARTMENT_COLUMNS = [
    "accepted",
    "due",
    "closed",
    "closed_on_time",
    "overdue",
    "handled",
    "reworked",
    "returned",
    "avg_handling_hours",
    "closure_rate",
    "on_time_rate",
    "rework_rate",
    "return_rate",
    "satisfaction_rate",
]
SOURCE_COLUMNS = [
    "accepted",
    "registered",
    "due",
    "closed",
    "closed_on_time",
    "overdue",
    "avg_handling_hours",
    "filing_rate",
    "closure_rate",
    "on_time_rate",
]
# Each row of a table is compared with its own last period on this figure (the one cities rank by).
COMPARED = "on_time_rate"
BEFORE_LABEL = _("%(figure)s, last period")
CHANGE_LABEL = _("Change (pts)")


def shown(key: str, value: Any) -> Any:
    """A figure as a page shows it: rates as percentages, a missing value as "—"."""
    if key.endswith("_rate"):
        return percent(value)
    return "—" if value is None else value


@dataclass
class Figure:
    """One figure of the summary: now, last period, and the change."""

    key: str
    label: str
    value: Any
    before: Any
    change: Change


def figures(total: Row, before: Row | None, keys: list[str]) -> list[Figure]:
    return [
        Figure(key, str(LABELS[key]), shown(key, getattr(total, key)), shown(key, getattr(before, key) if before else None),
               change(key, total, before))
        for key in keys
    ]


@dataclass
class TableRow:
    row: Row
    cells: list[Any]
    before: Any
    change: Change


def headers(columns: list[str]) -> list[str]:
    """The headers of a table's figures, then its last-period comparison."""
    return [str(LABELS[c]) for c in columns] + [str(BEFORE_LABEL % {"figure": LABELS[COMPARED]}), str(CHANGE_LABEL)]


def table(rows: list[Row], before: list[Row], columns: list[str]) -> list[TableRow]:
    """Each row's figures, and its compared figure last period (matched by key: the same area,
    worker, category, channel or department; none if it had no row then)."""
    earlier = {row.key: row for row in before}
    found = []
    for row in rows:
        old = earlier.get(row.key)
        found.append(
            TableRow(
                row,
                [shown(column, getattr(row, column)) for column in columns],
                shown(COMPARED, getattr(old, COMPARED) if old else None),
                change(COMPARED, row, old),
            )
        )
    return found

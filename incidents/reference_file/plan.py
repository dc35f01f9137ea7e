"""What checking a reference file produces: every problem, per row and column, and the rows to write."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gridgov.spreadsheet import RowError


@dataclass
class Entry:
    number: int
    kind: str  # columns.DEPARTMENT, MAJOR or MINOR
    code: str
    name: str
    name_en: str
    parent: str  # a minor class's major class code
    nature: str  # a major class's Kind ("" to keep an existing class's)
    active: bool


@dataclass
class ReferencePlan:
    row_count: int = 0
    entries: list[Entry] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def error_dicts(self) -> list[dict[str, Any]]:
        return [e.as_dict() for e in self.errors]

    def summary(self) -> dict[str, int]:
        return {
            "rows": self.row_count,
            "bad_rows": len({e.row for e in self.errors if e.row is not None}),
            "departments": sum(1 for e in self.entries if e.kind == "department"),
            "major_classes": sum(1 for e in self.entries if e.kind == "major"),
            "minor_classes": sum(1 for e in self.entries if e.kind == "minor"),
            "new": self.counts.get("new", 0),
            "renamed": self.counts.get("changed", 0),
            "warnings": len(self.warnings),
        }


class ReferenceRejected(Exception):
    def __init__(self, plan: ReferencePlan):
        super().__init__(f"{len(plan.errors)} problems")
        self.plan = plan

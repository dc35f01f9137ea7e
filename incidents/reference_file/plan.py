"""What checking a reference file produces: the shared sheet report (every problem, per row and column) and the rows to write."""
from __future__ import annotations

from dataclasses import dataclass, field

from gridgov.spreadsheet import RowError, SheetRejected, SheetReport

__all__ = ["Entry", "ReferencePlan", "ReferenceRejected", "RowError"]


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
class ReferencePlan(SheetReport):
    entries: list[Entry] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # {"new": …, "changed": …} against what is stored

    def figures(self) -> dict[str, int]:
        return {
            "departments": sum(1 for e in self.entries if e.kind == "department"),
            "major_classes": sum(1 for e in self.entries if e.kind == "major"),
            "minor_classes": sum(1 for e in self.entries if e.kind == "minor"),
            "new": self.counts.get("new", 0),
            "renamed": self.counts.get("changed", 0),
        }


class ReferenceRejected(SheetRejected):
    pass

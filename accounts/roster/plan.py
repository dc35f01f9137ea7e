"""What checking a roster produces: every problem, per row and column, and the people to write."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gridgov.spreadsheet import RowError  # noqa: F401 (re-exported: one row error for every import)


@dataclass
class Person:
    number: int
    username: str
    name: str
    role: str
    area_id: int
    cell_ids: list[int]
    department_id: int | None
    phone: str
    email: str
    login: bool


@dataclass
class Plan:
    row_count: int = 0
    people: list[Person] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)

    def error_dicts(self) -> list[dict[str, Any]]:
        return [e.as_dict() for e in self.errors]

    def summary(self) -> dict[str, int]:
        return {
            "rows": self.row_count,
            "bad_rows": len({e.row for e in self.errors if e.row is not None}),
            "people": len(self.people),
            "logins": sum(1 for p in self.people if p.login),
            "cells": sum(len(p.cell_ids) for p in self.people),
            "warnings": len(self.warnings),
        }


class RosterRejected(Exception):
    def __init__(self, plan: Plan):
        super().__init__(f"{len(plan.errors)} problems")
        self.plan = plan


@dataclass
class Imported:
    summary: dict[str, int]
    # (username, name, one-time password) of each person given a sign-in: shown once, stored nowhere in clear.
    passwords: list[tuple[str, str, str]]
    warnings: list[RowError] = field(default_factory=list)

"""What checking a roster produces: the shared sheet report (every problem, per row and column) and the people to write."""
from __future__ import annotations

from dataclasses import dataclass, field

from gridgov.spreadsheet import Applied, RowError, SheetRejected, SheetReport

__all__ = ["Imported", "Person", "Plan", "RosterRejected", "RowError"]


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
class Plan(SheetReport):
    people: list[Person] = field(default_factory=list)

    def figures(self) -> dict[str, int]:
        return {
            "people": len(self.people),
            "logins": sum(1 for p in self.people if p.login),
            "cells": sum(len(p.cell_ids) for p in self.people),
        }


class RosterRejected(SheetRejected):
    pass


@dataclass
class Imported(Applied):
    # (username, name, one-time password) of each person given a sign-in: shown once, stored nowhere in clear.
    passwords: list[tuple[str, str, str]] = field(default_factory=list)

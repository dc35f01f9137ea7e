"""Writing a checked reference file: departments and classes through their apps' actions, in one transaction."""
from __future__ import annotations

from dataclasses import asdict

from accounts.actions import save_departments
from gridgov.spreadsheet import check_then_write

from ..actions.reference import save_categories
from .checking import validate_reference
from .columns import DEPARTMENT
from .plan import ReferencePlan, ReferenceRejected


def import_reference(*, actor, filename: str, content: bytes, dry_run: bool = False) -> ReferencePlan:
    """Check the whole file and, only if every row is good, write it all (ReferenceRejected otherwise)."""
    def write(plan: ReferencePlan) -> ReferencePlan:
        if not dry_run:
            rows = [asdict(entry) for entry in plan.entries]
            save_departments([row for row in rows if row["kind"] == DEPARTMENT])
            save_categories([row for row in rows if row["kind"] != DEPARTMENT])
        return plan

    return check_then_write(lambda: validate_reference(filename, content, actor=actor), write, ReferenceRejected)

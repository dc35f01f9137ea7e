"""Writing a checked roster: the users in one statement, their cells through ``accounts.actions.cover_cells``.

A person with a sign-in gets a one-time random password (``accounts.passwords``), which they must
change at the first sign-in; it is returned once, to be handed out, and stored only as a hash. A
person without a sign-in (a grid worker who works on paper) has an unusable password.
"""
from __future__ import annotations

from django.contrib.auth.hashers import make_password

from gridgov.spreadsheet import check_then_write

from ..actions import cover_cells
from ..models import User
from ..passwords import give_one_time_password
from .checking import validate_roster
from .plan import Imported, Plan, RosterRejected


def write_roster(plan: Plan, *, actor) -> Imported:
    users, passwords = [], []
    for person in plan.people:
        user = User(username=person.username, first_name=person.name, role=person.role, area_id=person.area_id,
                    department_id=person.department_id, phone=person.phone, email=person.email)
        if person.login:
            passwords.append((person.username, person.name, give_one_time_password(user)))
        else:
            user.password = make_password(None)
        users.append(user)
    User.objects.bulk_create(users, batch_size=1000)
    ids = dict(User.objects.filter(username__in=[u.username for u in users]).values_list("username", "pk"))
    cover = {cell_id: ids[person.username] for person in plan.people for cell_id in person.cell_ids}
    if cover:
        cover_cells(actor, cover)
    return Imported(summary=plan.summary(), passwords=passwords, warnings=plan.warnings)


def import_roster(*, actor, filename: str, content: bytes, dry_run: bool = False) -> Imported:
    """Check the whole file and, only if every row is good, write it all in one transaction (RosterRejected otherwise)."""
    def write(plan: Plan) -> Imported:
        if dry_run:
            return Imported(summary=plan.summary(), passwords=[], warnings=plan.warnings)
        return write_roster(plan, actor=actor)

    return check_then_write(lambda: validate_roster(filename, content, actor=actor), write, RosterRejected)

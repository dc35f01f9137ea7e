"""Checking a roster: the header, each row on its own, rows against each other, rows against the database.

Every problem is reported (row, column, reason) before anything is written. Areas and cells are
looked up in the importer's jurisdiction only (``accounts.scope.scoped``): a code outside it is
answered as unknown, as a page answers 404.
"""
from __future__ import annotations

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from gridgov.spreadsheet import RowCells, cell_text
from grids.models import Area, Level

from ..capabilities import Capability, can, capabilities_of
from ..models import Department, GridAssignment, User
from ..scope import scoped
from .columns import COLUMN_BY_KEY, LIST_SPLIT, MAX_ROWS, ROLE_WORDS, ROSTER, area_level
from .plan import Person, Plan, RowError

__all__ = ["MAX_ROWS", "validate_roster"]
_username = UnicodeUsernameValidator()


def validate_roster(filename: str, content: bytes, *, actor) -> Plan:
    plan = Plan()
    if not can(actor, Capability.IMPORT_ROSTER):
        plan.errors.append(RowError(None, "", _("You may not import the roster.")))
        return plan
    sheet = ROSTER.read(filename, content, plan)
    if sheet is None:
        return plan
    context = _Context(actor, sheet.rows, sheet.index)
    for number, values in sheet.rows:
        person = _row(RowCells(number, values, sheet.index, ROSTER.header_of, plan), context)
        if person is not None:
            plan.people.append(person)
    _covered_before(plan, context)
    if plan.errors:
        plan.people = []
    return plan


class _Context:
    """What every row is checked against, read once: the importer's areas and cells, departments, taken names."""

    def __init__(self, actor, rows, index):
        visible = scoped(Area.objects.current(), actor)
        self.areas = {code: (pk, level) for pk, code, level in visible.exclude(level=Level.GRID).values_list("pk", "code", "level")}
        wanted_cells: set[str] = set()
        usernames: set[str] = set()
        if "cells" in index:
            for _n, values in rows:
                if index["cells"] < len(values):
                    wanted_cells.update(c for c in LIST_SPLIT.split(cell_text(values[index["cells"]])) if c)
        for _n, values in rows:
            if index["username"] < len(values):
                usernames.add(cell_text(values[index["username"]]).lower())
        self.cells = dict(visible.filter(level=Level.GRID, code__in=wanted_cells).values_list("code", "pk"))
        # Django compares usernames exactly; a second "Zhang" beside "zhang" would only confuse the sign-in.
        self.taken = {u.lower() for u in User.objects.annotate(lowered=Lower("username")).filter(lowered__in=usernames)
                      .values_list("username", flat=True)}
        self.departments: dict[str, int] = {}
        for pk, code, name in Department.objects.filter(active=True).values_list("pk", "code", "name"):
            self.departments[code.lower()] = pk
            self.departments[name.lower()] = pk
        self.seen_usernames: dict[str, int] = {}
        self.seen_cells: dict[str, int] = {}


def _row(cells: RowCells, context: _Context) -> Person | None:
    number, bad = cells.number, cells.error
    username, name = cells.text("username"), cells.text("name")
    if not username:
        bad("username", _("Required."))
    else:
        try:
            _username(username)
        except ValidationError:
            bad("username", _("Only letters, digits and @ . + - _ are allowed."))
        if len(username) > 150:
            bad("username", _("At most 150 characters."))
        elif username.lower() in context.taken:
            bad("username", _("A user with this username already exists."))
        elif username.lower() in context.seen_usernames:
            bad("username", _("Also on row %(row)d.") % {"row": context.seen_usernames[username.lower()]})
        context.seen_usernames.setdefault(username.lower(), number)
    if not name:
        bad("name", _("Required."))
    elif len(name) > 150:
        bad("name", _("At most 150 characters."))
    role = ROLE_WORDS.get(cells.text("role")) or ROLE_WORDS.get(cells.text("role").lower()) or ""
    held = capabilities_of(role)
    if not role:
        bad("role", _("Unknown role %(value)r: write one of %(words)s.") % {
            "value": cells.text("role"), "words": "、".join(COLUMN_BY_KEY["role"].help.split("/"))})
    cell_ids = _cells(cells.text("cells"), held, number, context, bad)
    area_id = _area(cells.text("area"), role, held, cell_ids, cells.text("cells"), context, bad) if role else None
    department_id = None
    department = cells.text("department")
    if Capability.WORK_DEPARTMENT_SHARES in held:
        department_id = context.departments.get(department.lower()) if department else None
        if not department:
            bad("department", _("Required for a department handler."))
        elif department_id is None:
            bad("department", _("No active department with this code or name."))
    elif department and held:
        bad("department", _("Only department handlers belong to a department."))
    email = cells.text("email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            bad("email", _("Not an email address."))
    phone = cells.text("phone")
    if len(phone) > 30:
        bad("phone", _("At most 30 characters."))
    login = cells.value(COLUMN_BY_KEY["login"], True)
    if cells.bad or area_id is None:
        return None
    return Person(number=number, username=username, name=name, role=role, area_id=area_id, cell_ids=cell_ids,
                  department_id=department_id, phone=phone, email=email, login=login)


def _cells(raw: str, held, number: int, context: _Context, bad) -> list[int]:
    codes = [c for c in LIST_SPLIT.split(raw) if c]
    if codes and held and Capability.WORK_CELLS not in held:
        bad("cells", _("Only grid workers are given cells."))
        return []
    ids = []
    for code in codes:
        cell_id = context.cells.get(code)
        if cell_id is None:
            bad("cells", _("No current grid cell %(code)s in your jurisdiction.") % {"code": code})
        elif code in context.seen_cells and context.seen_cells[code] != number:
            bad("cells", _("Cell %(code)s is also given on row %(row)d: one grid worker per cell.") % {
                "code": code, "row": context.seen_cells[code]})
        else:
            context.seen_cells[code] = number
            ids.append(cell_id)
    return list(dict.fromkeys(ids))


def _area(code: str, role: str, held, cell_ids: list[int], cells_raw: str, context: _Context, bad) -> int | None:
    level = area_level(role)
    works_cells = Capability.WORK_CELLS in held
    if not code:
        if works_cells and cell_ids:
            communities = {c[:12] for c in LIST_SPLIT.split(cells_raw) if c}
            if len(communities) == 1 and next(iter(communities)) in context.areas:
                return context.areas[next(iter(communities))][0]
            bad("area", _("The cells lie in several communities: write the worker's community."))
            return None
        bad("area", _("Required for this role."))
        return None
    found = context.areas.get(code)
    if found is None:
        bad("area", _("No current area %(code)s in your jurisdiction.") % {"code": code})
        return None
    if level is not None and found[1] != level:
        bad("area", _("This role answers for a %(level)s, and %(code)s is a %(actual)s.") % {
            "level": Level(level).label, "code": code, "actual": Level(found[1]).label})
        return None
    if works_cells:
        outside = [c for c in LIST_SPLIT.split(cells_raw) if c and not c.startswith(code)]
        if outside:
            bad("cells", _("Cell %(cell)s is not in the community %(code)s.") % {"cell": outside[0], "code": code})
            return None
    return found[0]


def _covered_before(plan: Plan, context: _Context) -> None:
    """A warning per cell that passes from another worker to the row's (the import is a reassignment)."""
    by_cell = {cell_id: person for person in plan.people for cell_id in person.cell_ids}
    if not by_cell:
        return
    held = GridAssignment.objects.active().filter(cell_id__in=by_cell).values_list("cell_id", "cell__code", "user__username")
    for cell_id, code, username in held:
        person = by_cell[cell_id]
        plan.warnings.append(RowError(person.number, COLUMN_BY_KEY["cells"].header,
                                      _("Cell %(code)s passes from %(old)s to %(new)s.") % {"code": code, "old": username, "new": person.username}))

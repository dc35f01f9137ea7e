"""Checking a roster: the header, each row on its own, rows against each other, rows against the database.

Every problem is reported (row, column, reason) before anything is written. Areas and cells are
looked up in the importer's jurisdiction only (``accounts.scope.scoped``): a code outside it is
answered as unknown, as a page answers 404.
"""
from __future__ import annotations

from typing import Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from gridgov.spreadsheet import FileRejected, cell_text, read_table
from grids.models import Area, Level

from ..capabilities import Capability, can, capabilities_of
from ..models import Department, GridAssignment, User
from ..scope import scoped
from .columns import COLUMN_BY_KEY, COLUMNS, HEADER_ALIASES, LIST_SPLIT, NO_WORDS, ROLE_WORDS, area_level, YES_WORDS
from .plan import Person, Plan, RowError

MAX_ROWS = 20_000
_username = UnicodeUsernameValidator()


def validate_roster(filename: str, content: bytes, *, actor) -> Plan:
    plan = Plan()
    if not can(actor, Capability.IMPORT_ROSTER):
        plan.errors.append(RowError(None, "", _("You may not import the roster.")))
        return plan
    try:
        table = read_table(filename, content)
    except FileRejected as exc:
        plan.errors.append(RowError(None, "", str(exc)))
        return plan
    table = [(n, values) for n, values in table if any(cell_text(v) for v in values)]
    if not table:
        plan.errors.append(RowError(None, "", _("The file is empty.")))
        return plan
    index = _header(table[0][1], plan)
    if plan.errors:
        return plan
    rows = table[1:]
    plan.row_count = len(rows)
    if len(rows) > MAX_ROWS:
        plan.errors.append(RowError(None, "", _("At most %(n)d rows per file; split the roster.") % {"n": MAX_ROWS}))
        return plan
    context = _Context(actor, rows, index)
    for number, values in rows:
        person = _row(number, {key: cell_text(values[i]) if i < len(values) else "" for key, i in index.items()}, context, plan)
        if person is not None:
            plan.people.append(person)
    _covered_before(plan, context)
    if plan.errors:
        plan.people = []
    return plan


def _header(values: list[Any], plan: Plan) -> dict[str, int]:
    index: dict[str, int] = {}
    for position, raw in enumerate(values):
        label = cell_text(raw).replace(" ", "").replace("*", "")
        if not label:
            continue
        key = HEADER_ALIASES.get(label) or HEADER_ALIASES.get(label.lower())
        if key is None:
            plan.warnings.append(RowError(None, label, _("Column not recognised; it is ignored.")))
        elif key in index:
            plan.errors.append(RowError(None, label, _("The column appears twice.")))
        else:
            index[key] = position
    missing = [c.header for c in COLUMNS if c.required and c.key not in index]
    if missing:
        plan.errors.append(RowError(None, "", _("Required column(s) missing: %(columns)s.") % {"columns": "、".join(missing)}
                                    + " " + _("Download the template for the expected headers.")))
    return index


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


def _row(number: int, texts: dict[str, str], context: _Context, plan: Plan) -> Person | None:
    errors: list[RowError] = []

    def bad(key: str, reason: str) -> None:
        errors.append(RowError(number, COLUMN_BY_KEY[key].header, reason))

    username, name = texts.get("username", ""), texts.get("name", "")
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
    role = ROLE_WORDS.get(texts.get("role", "")) or ROLE_WORDS.get(texts.get("role", "").lower()) or ""
    held = capabilities_of(role)
    if not role:
        bad("role", _("Unknown role %(value)r: write one of %(words)s.") % {
            "value": texts.get("role", ""), "words": "、".join(COLUMN_BY_KEY["role"].help.split("/"))})
    cell_ids = _cells(texts.get("cells", ""), held, number, context, bad)
    area_id = _area(texts.get("area", ""), role, held, cell_ids, texts.get("cells", ""), context, bad) if role else None
    department_id = None
    department = texts.get("department", "")
    if Capability.WORK_DEPARTMENT_SHARES in held:
        department_id = context.departments.get(department.lower()) if department else None
        if not department:
            bad("department", _("Required for a department handler."))
        elif department_id is None:
            bad("department", _("No active department with this code or name."))
    elif department and held:
        bad("department", _("Only department handlers belong to a department."))
    email = texts.get("email", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            bad("email", _("Not an email address."))
    phone = texts.get("phone", "")
    if len(phone) > 30:
        bad("phone", _("At most 30 characters."))
    login_word = texts.get("login", "").lower()
    if login_word and login_word not in YES_WORDS | NO_WORDS:
        bad("login", _("Write 是 or 否."))
    plan.errors.extend(errors)
    if errors or area_id is None:
        return None
    return Person(number=number, username=username, name=name, role=role, area_id=area_id, cell_ids=cell_ids,
                  department_id=department_id, phone=phone, email=email, login=login_word not in NO_WORDS)


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

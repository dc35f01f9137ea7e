"""Checking a reference file: the header, each row on its own, rows against each other and the database.

Every problem is reported (row, column, reason) before anything is written. Reference data is the
administrators': importing needs the admin's rights to add and change both categories and
departments (a superuser has them).
"""
from __future__ import annotations

import re

from django.utils.translation import gettext as _

from accounts.models import Department
from gridgov.spreadsheet import FORMULA_TRIGGERS, RowCells, cell_text

from ..models import Category
from .columns import COLUMN_BY_KEY, DEPARTMENT, KIND_WORDS, MAJOR, MAX_ROWS, MINOR, NATURE_WORDS, REFERENCE
from .plan import Entry, ReferencePlan, RowError

__all__ = ["MAX_ROWS", "may_import", "validate_reference"]
PERMISSIONS = ("incidents.add_category", "incidents.change_category", "accounts.add_department", "accounts.change_department")
_CODE = {DEPARTMENT: re.compile(r"^[A-Za-z0-9_-]{1,20}$"), MAJOR: re.compile(r"^[A-Za-z0-9]{1,10}$"),
         MINOR: re.compile(r"^[A-Za-z0-9]{1,10}$")}
_NAME_LENGTH = {DEPARTMENT: Department._meta.get_field("name").max_length, MAJOR: Category._meta.get_field("name").max_length,
                MINOR: Category._meta.get_field("name").max_length}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def may_import(actor) -> bool:
    return bool(actor and actor.is_authenticated and actor.is_active and actor.has_perms(PERMISSIONS))


def validate_reference(filename: str, content: bytes, *, actor) -> ReferencePlan:
    plan = ReferencePlan()
    if not may_import(actor):
        plan.errors.append(RowError(None, "", _("You may not import categories and departments.")))
        return plan
    sheet = REFERENCE.read(filename, content, plan)
    if sheet is None:
        return plan
    context = _Context(sheet.rows, sheet.index)
    for number, values in sheet.rows:
        entry = _row(RowCells(number, values, sheet.index, REFERENCE.header_of, plan), context, plan)
        if entry is not None:
            plan.entries.append(entry)
    _against_each_other(plan, context)
    plan.counts = context.counts(plan.entries)
    if plan.errors:
        plan.entries = []
    return plan


class _Context:
    """What the rows are checked against: the categories and departments stored, and the file's own rows."""

    def __init__(self, rows, index):
        codes = {cell_text(values[index["code"]]) for _n, values in rows if index["code"] < len(values)}
        self.categories = {c.code: c for c in Category.objects.filter(code__in=codes)}
        self.departments = {d.code: d for d in Department.objects.filter(code__in=codes)}
        names = {cell_text(values[index["name"]]) for _n, values in rows if index["name"] < len(values)}
        self.department_names = dict(Department.objects.filter(name__in=names).values_list("name", "code"))
        parents = {cell_text(values[index["parent"]]) for _n, values in rows if "parent" in index and index["parent"] < len(values)}
        self.majors = {c.code: c for c in Category.objects.filter(code__in=parents - {""}, parent__isnull=True)}

    def counts(self, entries: list[Entry]) -> dict[str, int]:
        new = changed = 0
        for entry in entries:
            stored = (self.departments if entry.kind == DEPARTMENT else self.categories).get(entry.code)
            if stored is None:
                new += 1
            elif (stored.name, stored.name_en, stored.active) != (entry.name, entry.name_en or stored.name_en, entry.active):
                changed += 1
        return {"new": new, "changed": changed}


_header_of = REFERENCE.header_of


def _row(cells: RowCells, context: _Context, plan: ReferencePlan) -> Entry | None:
    number, error = cells.number, cells.error
    for key, text in cells.texts.items():
        if "\x00" in text or _CONTROL.search(text):
            error(key, _("The cell holds a control character (such as NUL) that cannot be stored; retype it."))
        elif text.startswith(FORMULA_TRIGGERS):
            error(key, _("The cell starts with %(char)s, which a spreadsheet runs as a formula; remove it.") % {"char": text[0]})
    if cells.bad:
        return None
    kind = KIND_WORDS.get(cells.text("kind").lower())
    if kind is None:
        error("kind", _("Write 部门, 大类 or 小类."))
        return None
    code, name, name_en = cells.text("code"), cells.text("name"), cells.text("name_en")
    parent, nature_word = cells.text("parent"), cells.text("nature")
    if not _CODE[kind].match(code):
        error("code", _("A department's code is 1–20 letters, digits, - or _.") if kind == DEPARTMENT
              else _("A class's code is 1–10 letters or digits."))
    if not name:
        error("name", _("The Chinese name is required."))
    for key, value in (("name", name), ("name_en", name_en)):
        if len(value) > _NAME_LENGTH[kind]:
            error(key, _("At most %(n)d characters.") % {"n": _NAME_LENGTH[kind]})
    active = cells.value(COLUMN_BY_KEY["active"], True)
    nature = NATURE_WORDS.get(nature_word.lower(), "") if nature_word else ""
    if nature_word and not nature:
        error("nature", _("Write 部件 or 事件."))
    stored = context.categories.get(code) if kind != DEPARTMENT else None
    if kind == DEPARTMENT:
        if parent or nature_word:
            error("parent" if parent else "nature", _("A department has no major class and no nature; leave it empty."))
        other = context.department_names.get(name)
        if other is not None and other != code:
            error("name", _("Department %(code)s already has this name.") % {"code": other})
    elif kind == MAJOR:
        if parent:
            error("parent", _("A major class has no major class above it; leave it empty, or make the row 小类."))
        if stored is not None and stored.parent_id is not None:
            error("kind", _("%(code)s is a minor class; it cannot become a major class.") % {"code": code})
        if stored is None and not nature:
            error("nature", _("A new major class needs its nature: 部件 or 事件."))
    else:
        if not parent:
            error("parent", _("A minor class needs the code of its major class."))
        if stored is not None and stored.parent_id is None:
            error("kind", _("%(code)s is a major class; it cannot become a minor class.") % {"code": code})
        elif stored is not None and stored.parent.code != parent:
            error("parent", _("%(code)s belongs to major class %(parent)s; move it in the admin, not by a file.")
                  % {"code": code, "parent": stored.parent.code})
    if cells.bad:
        return None
    if not name_en:
        plan.warnings.append(RowError(number, _header_of("name_en"), _("No English name: English pages show the Chinese one.")))
    return Entry(number=number, kind=kind, code=code, name=name, name_en=name_en, parent=parent, nature=nature, active=active)


def _against_each_other(plan: ReferencePlan, context: _Context) -> None:
    """Codes and department names once per file; every minor class's major class in the file or stored, of its nature."""
    seen: dict[tuple[str, str], int] = {}
    names: dict[str, int] = {}
    majors = {e.code: e for e in plan.entries if e.kind == MAJOR}
    for entry in plan.entries:
        table = "department" if entry.kind == DEPARTMENT else "category"
        first = seen.setdefault((table, entry.code), entry.number)
        if first != entry.number:
            plan.errors.append(RowError(entry.number, _header_of("code"), _("The same code as row %(row)d.") % {"row": first}))
        if entry.kind == DEPARTMENT:
            first = names.setdefault(entry.name, entry.number)
            if first != entry.number:
                plan.errors.append(RowError(entry.number, _header_of("name"), _("The same name as row %(row)d.") % {"row": first}))
        if entry.kind != MINOR:
            continue
        major = majors.get(entry.parent) or context.majors.get(entry.parent)
        if major is None:
            plan.errors.append(RowError(entry.number, _header_of("parent"),
                                        _("No major class %(code)s, in the file or stored.") % {"code": entry.parent}))
            continue
        if isinstance(major, Category):
            major_nature = major.kind
        else:  # a major class of the file: its nature, or the stored class's when the row keeps it
            stored = context.categories.get(major.code)
            major_nature = major.nature or (stored.kind if stored is not None else "")
        if entry.nature and major_nature and entry.nature != major_nature:
            plan.errors.append(RowError(entry.number, _header_of("nature"),
                                        _("Its major class %(code)s is of the other nature.") % {"code": entry.parent}))
        entry.nature = major_nature

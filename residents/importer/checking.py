"""Checking a whole file before anything is written: every problem, with its row and column.

File-level problems (not a spreadsheet, a column missing or renamed) come with row None,
row-level ones with the spreadsheet's row number and the column's header.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.spreadsheet import RowCells, cell_text

from .. import privacy
from ..duplicates import id_number_conflict
from ..cells import cell_in_scope, find_cell
from ..models import Building, CareTag, Dwelling, DwellingUse, Household, IdType, Person, Relation, ResidentType
from ..person_input import PersonInput, clean_person_input
from .columns import (
    COLUMN_BY_KEY,
    COLUMNS,
    GENDER_WORDS,
    ID_TYPE_WORDS,
    LIST_SPLIT,
    RELATION_WORDS,
    RESIDENT_TYPE_WORDS,
    RESIDENTS,
    USE_WORDS,
)
from .plan import Plan, Progress, Row, RowError


def _parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def validate_file(filename: str, content: bytes, *, actor, progress: Progress | None = None, lock: bool = False) -> Plan:
    """Read and check a whole file; the Plan holds every error and, when there is none, what to write.

    1. Read the table (xlsx or CSV) and map the header; a file-level problem stops here.
    2. Check each row on its own: required cells, choice words, numbers, dates, ID number, phones, tags.
    3. Check rows against each other: the same ID number twice, a household spread over two rooms,
       a household with no head or with two.
    4. Check against the database, in a few bulk queries: buildings (existing ones in the user's
       jurisdiction, new ones located in a cell of it), households, people already registered.
    ``lock`` (used by the real import) locks the households named in the file for the transaction.
    """
    plan = Plan()
    sheet = RESIDENTS.read(filename, content, plan)
    if sheet is None:
        return plan
    index, headers, data_rows = sheet.index, sheet.headers, sheet.rows
    today = timezone.localdate()
    tags = {t.name: t for t in CareTag.objects.filter(active=True)} | {t.code: t for t in CareTag.objects.filter(active=True)}

    def column(key: str) -> str:
        return headers.get(key) or COLUMN_BY_KEY[key].header

    step = max(len(data_rows) // 100, 200)
    for done, (number, values) in enumerate(data_rows, start=1):
        row = _check_row(number, values, index, column, tags, today, plan)
        if row is not None:
            plan.rows.append(row)
        if progress and (done % step == 0 or done == len(data_rows)):
            progress("check", done, len(data_rows))
    _check_across_rows(plan, column)
    _check_against_database(plan, column, actor=actor, lock=lock)
    plan.errors.sort(key=lambda e: (e.row or 0, e.column))
    return plan


def _check_row(number, values, index, column, tags, today, plan: Plan) -> Row | None:
    """One row on its own: the Row to write, or None when it has a problem (recorded in the plan)."""
    cells = RowCells(number, values, index, column, plan)
    for c in COLUMNS:
        if c.required and not cells.text(c.key):
            cells.error(c.key, _("This cell is empty."))
    gender = cells.choice("gender", GENDER_WORDS, "")
    resident_type = cells.choice("resident_type", RESIDENT_TYPE_WORDS, ResidentType.REGISTERED)
    relation = cells.choice("relation_to_head", RELATION_WORDS, Relation.OTHER)
    use = cells.choice("dwelling_use", USE_WORDS, DwellingUse.RESIDENTIAL)
    id_type = cells.choice("id_type", ID_TYPE_WORDS, IdType.RESIDENT_ID)
    id_number = _id_number_of(cells)
    birth_date = _birth_date_of(cells)
    floor = _floor_of(cells)
    point = _point_of(cells)
    row_tags = _tags_of(cells, tags)
    person = PersonInput(
        name=cells.text("name"), gender=gender, birth_date=birth_date, ethnicity=cells.text("ethnicity"), id_type=id_type,
        id_number=id_number, phones=[p for p in LIST_SPLIT.split(cells.text("phones")) if p],
        registered_address=cells.text("registered_address"), current_address=cells.text("current_address"),
        resident_type=resident_type, relation_to_head=relation,
    )
    _check_person(cells, person, id_number, today)
    for key, limit in (("building_code", 32), ("household_number", 32), ("room", 20), ("unit", 10), ("building_address", 200),
                       ("registered_address", 200), ("current_address", 200), ("ethnicity", 20)):
        if len(cells.text(key)) > limit:
            cells.error(key, _("Longer than %(n)d characters.") % {"n": limit})
    if cells.bad:
        plan.bad_households.add(cells.text("household_number"))
        return None
    text = cells.text
    return Row(
        number=number, building_code=text("building_code"), building_address=text("building_address"), point=point,
        unit=text("unit"), floor=floor, room=text("room"), use=use, household_number=text("household_number"),
        person=person, tags=list(dict.fromkeys(row_tags)),
    )


def _id_number_of(cells: RowCells) -> str:
    """The ID number as text; "" when Excel turned it into a number (its last digits may be lost)."""
    raw_id = cells.get("id_number")
    if isinstance(raw_id, (int, float)) and len(str(int(raw_id))) >= 15:
        cells.error("id_number", _("Excel stored the ID number as a number and may have cut its last digits: format the column as text and type it again."))
        return ""
    return cells.text("id_number")


def _birth_date_of(cells: RowCells) -> dt.date | None:
    if not cells.text("birth_date"):
        return None
    try:
        return _parse_date(cells.get("birth_date"))
    except ValueError:
        cells.error("birth_date", _("“%(value)s” is not a date (use YYYY-MM-DD).") % {"value": cells.text("birth_date")})
        return None


def _floor_of(cells: RowCells) -> int | None:
    if not cells.text("floor"):
        return None
    try:
        floor = int(float(cells.text("floor")))
        if not -10 <= floor <= 200:
            raise ValueError
    except ValueError:
        cells.error("floor", _("The floor must be a whole number between -10 and 200."))
        return None
    return floor


def _point_of(cells: RowCells) -> Point | None:
    lng, lat = cells.text("longitude"), cells.text("latitude")
    if not (lng or lat):
        return None
    try:
        x, y = float(lng), float(lat)
        if not (-180 <= x <= 180 and -90 <= y <= 90):
            raise ValueError
        return Point(x, y, srid=4326)
    except ValueError:
        cells.error("longitude", _("Longitude and latitude must both be numbers in degrees (WGS-84)."))
        return None


def _tags_of(cells: RowCells, tags: dict[str, CareTag]) -> list[CareTag]:
    row_tags: list[CareTag] = []
    for word in filter(None, LIST_SPLIT.split(cells.text("tags"))):
        if word in tags:
            row_tags.append(tags[word])
        else:
            cells.error("tags", _("Unknown care tag “%(tag)s”.") % {"tag": word})
    return row_tags


def _check_person(cells: RowCells, person: PersonInput, id_number: str, today: dt.date) -> None:
    """The same checks a form's person gets, reported on the row's columns (a row with neither name nor ID is only "empty").

    ``id_number`` is the cell as read, before the checks normalise ``person.id_number``.
    """
    if not (cells.text("name") or id_number):
        return
    for name, messages in clean_person_input(person, today=today).items():
        if name == "id_number" and not id_number:
            continue  # already reported as empty / as a number
        if name == "name" and not cells.text("name"):
            continue
        for message in messages:
            cells.error(name if name in COLUMN_BY_KEY else "id_number", message)


def _check_across_rows(plan: Plan, column) -> None:
    seen_ids: dict[str, int] = {}
    place: dict[str, tuple[str, str, str, int]] = {}
    kept: list[Row] = []
    for row in plan.rows:
        ok = True
        number = row.person.id_number
        if number:
            if number in seen_ids:
                plan.errors.append(RowError(row.number, column("id_number"), _("The same ID number as row %(row)d: a person is listed twice.") % {"row": seen_ids[number]}))
                ok = False
            else:
                seen_ids[number] = row.number
        where = (row.building_code, row.unit, row.room)
        first = place.setdefault(row.household_number, (*where, row.number))
        if first[:3] != where:
            plan.errors.append(RowError(row.number, column("household_number"), _("Household %(number)s is in another room in row %(row)d.") % {"number": row.household_number, "row": first[3]}))
            ok = False
        if ok:
            kept.append(row)
    plan.rows = kept


def _check_against_database(plan: Plan, column, *, actor, lock: bool) -> None:
    """The rows against what is registered, in a few bulk queries; ``lock`` locks the households named."""
    _check_buildings(plan, column, actor=actor)
    _check_households(plan, column, actor=actor, lock=lock)
    _check_people_registered(plan, column, actor=actor)


def _check_buildings(plan: Plan, column, *, actor) -> None:
    """Existing buildings must be in the user's jurisdiction; new ones need an address and a point in a cell of it."""
    rows = plan.rows
    codes = {r.building_code for r in rows}
    # Only the columns needed: loading each building's point and its cell's polygon costs more than the checks.
    existing = {
        b.code: b
        for b in Building.objects.filter(code__in=codes).select_related("cell").only("id", "code", "cell_id", "cell__id", "cell__code")
    }
    # What is wrong with each building, decided once and reported on every row that names it.
    building_problem: dict[str, tuple[str, str]] = {}
    for code in codes - set(existing):
        source = next((r for r in rows if r.building_code == code and r.building_address and r.point is not None), None)
        if source is None:
            building_problem[code] = ("building_code", _("Building %(code)s is not registered: give its address, longitude and latitude to add it.") % {"code": code})
            continue
        cell = find_cell(source.point)
        if cell is None:
            building_problem[code] = ("longitude", _("The location of building %(code)s lies outside every grid cell.") % {"code": code})
        elif not cell_in_scope(actor, cell):
            building_problem[code] = ("longitude", _("The location of building %(code)s lies outside your jurisdiction.") % {"code": code})
        else:
            plan.new_buildings[code] = (source.building_address, source.point, cell)
    for code, building in existing.items():
        if not cell_in_scope(actor, building.cell):
            building_problem[code] = ("building_code", _("Building %(code)s is registered outside your jurisdiction.") % {"code": code})
    for row in rows:
        problem = building_problem.get(row.building_code)
        if problem is not None:
            plan.errors.append(RowError(row.number, column(problem[0]), problem[1]))
    plan.buildings = existing

    # Dwellings of existing buildings.
    if existing:
        for pk, code, unit, room in Dwelling.objects.filter(building__in=existing.values()).values_list("pk", "building__code", "unit", "room"):
            plan.dwellings[(code, unit, room)] = pk


def _check_households(plan: Plan, column, *, actor, lock: bool) -> None:
    """An existing household must be in scope and in the same dwelling; every household needs exactly one head."""
    rows = plan.rows
    numbers = {r.household_number for r in rows}
    households = Household.objects.filter(number__in=numbers).select_related("cell", "dwelling__building").only(
        "id", "number", "head_id", "cell_id", "cell__id", "cell__code", "dwelling__id", "dwelling__unit", "dwelling__room",
        "dwelling__building__id", "dwelling__building__code", "dwelling__building__address",
    )
    if lock:
        households = households.select_for_update(of=("self",))
    plan.households = {h.number: h for h in households}
    heads: dict[str, list[Row]] = defaultdict(list)
    first_row: dict[str, Row] = {}
    for row in rows:
        first_row.setdefault(row.household_number, row)
        if row.person.relation_to_head == Relation.HEAD:
            heads[row.household_number].append(row)
        household = plan.households.get(row.household_number)
        if household is None:
            continue
        if not cell_in_scope(actor, household.cell):
            plan.errors.append(RowError(row.number, column("household_number"), _("Household %(number)s is registered outside your jurisdiction.") % {"number": row.household_number}))
        elif (household.dwelling.building.code, household.dwelling.unit, household.dwelling.room) != (row.building_code, row.unit, row.room):
            plan.errors.append(RowError(row.number, column("household_number"), _("Household %(number)s is registered at another address (%(where)s).") % {"number": row.household_number, "where": str(household.dwelling)}))
    for number, row in first_row.items():
        household = plan.households.get(number)
        has_head = household is not None and household.head_id is not None
        listed = heads.get(number, [])
        if len(listed) > 1:
            for extra in listed[1:]:
                plan.errors.append(RowError(extra.number, column("relation_to_head"), _("Household %(number)s has more than one head (also row %(row)d).") % {"number": number, "row": listed[0].number}))
        elif has_head and listed:
            plan.errors.append(RowError(listed[0].number, column("relation_to_head"), _("Household %(number)s already has a head.") % {"number": number}))
        elif not has_head and not listed and number not in plan.bad_households:
            plan.errors.append(RowError(row.number, column("household_number"), _("Household %(number)s has no head: mark one member as 户主.") % {"number": number}))


def _check_people_registered(plan: Plan, column, *, actor) -> None:
    """People already registered (same ID number), under any key still in the ring."""
    rows = plan.rows
    by_hash: dict[str, Row] = {}
    for row in rows:
        for value in privacy.search_hashes("id", row.person.id_number):
            by_hash[value] = row
    hashes = list(by_hash)
    for start in range(0, len(hashes), 5000):
        for found in Person.objects.filter(id_number_hash__in=hashes[start:start + 5000]).values_list("id_number_hash", flat=True):
            row = by_hash[found]
            # In the uploader's jurisdiction said plainly; outside it neutral, logged and counted (duplicates.py).
            message = id_number_conflict(row.person.id_number, actor=actor) or _("A person with this ID number is already registered.")
            plan.errors.append(RowError(row.number, column("id_number"), message))

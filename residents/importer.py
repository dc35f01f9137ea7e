"""Reading, checking and writing the residents spreadsheet (.xlsx or CSV), one person per row.

The column headers and the values in the choice columns are a file format that streets share,
so they are fixed Chinese words (English keys are accepted as aliases), not translated UI text.
Validation reads the whole file and reports *every* problem — file-level ones (not a
spreadsheet, a column missing or renamed) with row None, row-level ones with the spreadsheet's
row number and the column's header — before anything is written. ``write_plan`` then writes the
whole file with COPY inside the caller's transaction. Excel files are read with python-calamine
(openpyxl as the fallback), CSV in UTF-8 or GB18030.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Area

from . import privacy
from .actions import PersonInput, cell_in_scope, clean_person_input, find_cell, sealed_identifiers
from .duplicates import id_number_conflict
from .models import (
    Building,
    CareTag,
    ChangeHistory,
    Dwelling,
    DwellingUse,
    Gender,
    Household,
    IdType,
    Person,
    PersonTag,
    Relation,
    ResidentType,
)

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese header of the template
    required: bool
    help: str = ""


COLUMNS = [
    Column("building_code", "楼栋编码", True, "楼栋唯一编码；新楼栋须同时填写楼栋地址、经度、纬度"),
    Column("building_address", "楼栋地址", False, "仅新楼栋需要"),
    Column("longitude", "经度", False, "WGS-84 经度，仅新楼栋需要"),
    Column("latitude", "纬度", False, "WGS-84 纬度，仅新楼栋需要"),
    Column("unit", "单元", False, ""),
    Column("floor", "楼层", False, "整数，地下为负数"),
    Column("room", "房号", True, ""),
    Column("dwelling_use", "房屋用途", False, "自住/出租/商铺/办公/空置/其他，默认自住"),
    Column("household_number", "户号", True, "同一户的成员填写相同户号；每个新户须有一名户主"),
    Column("relation_to_head", "与户主关系", True, "户主/配偶/子女/父母/孙子女/祖父母/兄弟姐妹/其他亲属/非亲属"),
    Column("name", "姓名", True, ""),
    Column("gender", "性别", False, "男/女；为空时按身份证号码"),
    Column("birth_date", "出生日期", False, "YYYY-MM-DD；为空时按身份证号码"),
    Column("ethnicity", "民族", False, "如 汉族"),
    Column("id_type", "证件类型", False, "居民身份证/护照/其他证件，默认居民身份证"),
    Column("id_number", "证件号码", True, "请将本列设为文本格式，以免 Excel 截断 18 位号码"),
    Column("phones", "联系电话", False, "多个号码用顿号、逗号或分号分隔"),
    Column("registered_address", "户籍地址", False, ""),
    Column("current_address", "现住址", False, ""),
    Column("resident_type", "人员类型", True, "户籍/流动/境外"),
    Column("tags", "关怀标签", False, "标签名称，多个用顿号分隔，如 独居老人、低保"),
]
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
HEADER_ALIASES = {c.header: c.key for c in COLUMNS} | {c.key: c.key for c in COLUMNS} | {
    "身份证号码": "id_number", "公民身份号码": "id_number", "身份证号": "id_number", "电话": "phones", "手机": "phones",
    "手机号码": "phones", "联系方式": "phones", "户籍地": "registered_address", "居住地址": "current_address",
    "人口类型": "resident_type", "标签": "tags",
}

# Choice words as streets write them → stored values. The first word per value is what the template and exports use.
GENDER_WORDS = {"男": Gender.MALE, "女": Gender.FEMALE}
RESIDENT_TYPE_WORDS = {"户籍": ResidentType.REGISTERED, "户籍人口": ResidentType.REGISTERED, "流动": ResidentType.FLOATING,
                       "流动人口": ResidentType.FLOATING, "境外": ResidentType.FOREIGN, "境外人员": ResidentType.FOREIGN}
RELATION_WORDS = {
    "户主": Relation.HEAD, "本人": Relation.HEAD, "配偶": Relation.SPOUSE, "妻": Relation.SPOUSE, "夫": Relation.SPOUSE,
    "妻子": Relation.SPOUSE, "丈夫": Relation.SPOUSE, "子女": Relation.CHILD, "子": Relation.CHILD, "女": Relation.CHILD,
    "儿子": Relation.CHILD, "女儿": Relation.CHILD, "父母": Relation.PARENT, "父亲": Relation.PARENT, "母亲": Relation.PARENT,
    "孙子女": Relation.GRANDCHILD, "孙子": Relation.GRANDCHILD, "孙女": Relation.GRANDCHILD, "外孙子": Relation.GRANDCHILD,
    "外孙女": Relation.GRANDCHILD, "祖父母": Relation.GRANDPARENT, "兄弟姐妹": Relation.SIBLING, "其他亲属": Relation.RELATIVE,
    "非亲属": Relation.OTHER,
}
USE_WORDS = {"自住": DwellingUse.RESIDENTIAL, "住宅": DwellingUse.RESIDENTIAL, "出租": DwellingUse.RENTED,
             "商铺": DwellingUse.COMMERCIAL, "办公": DwellingUse.OFFICE, "空置": DwellingUse.VACANT, "其他": DwellingUse.OTHER}
ID_TYPE_WORDS = {"居民身份证": IdType.RESIDENT_ID, "身份证": IdType.RESIDENT_ID, "护照": IdType.PASSPORT,
                 "其他证件": IdType.OTHER, "其他": IdType.OTHER}


def _word_of(words: dict[str, str], value: str) -> str:
    for word, stored in words.items():
        if stored == value:
            return word
    return value


def gender_word(value: str) -> str:
    return _word_of(GENDER_WORDS, value)


def resident_type_word(value: str) -> str:
    return _word_of(RESIDENT_TYPE_WORDS, value)


def relation_word(value: str) -> str:
    return _word_of(RELATION_WORDS, value)


def use_word(value: str) -> str:
    return _word_of(USE_WORDS, value)


def id_type_word(value: str) -> str:
    return _word_of(ID_TYPE_WORDS, value)


LIST_SPLIT = re.compile(r"[、,，;；/\s]+")


class FileRejected(Exception):
    """The file as a whole cannot be read as a residents table."""


@dataclass
class RowError:
    row: int | None
    column: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class Row:
    number: int
    building_code: str
    building_address: str
    point: Point | None
    unit: str
    floor: int | None
    room: str
    use: str
    household_number: str
    person: PersonInput
    tags: list[CareTag] = field(default_factory=list)


@dataclass
class Plan:
    row_count: int = 0
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    buildings: dict[str, Building] = field(default_factory=dict)  # existing, by code
    new_buildings: dict[str, tuple[str, Point, Area]] = field(default_factory=dict)
    dwellings: dict[tuple[str, str, str], int] = field(default_factory=dict)  # ids of existing ones, by (building code, unit, room)
    households: dict[str, Household] = field(default_factory=dict)  # existing, by number
    # Households with a row that failed its own checks: their head may be on that row.
    bad_households: set[str] = field(default_factory=set)

    def error_dicts(self) -> list[dict[str, Any]]:
        return [e.as_dict() for e in self.errors]

    def summary(self) -> dict[str, int]:
        keys = {(r.building_code, r.unit, r.room) for r in self.rows}
        numbers = {r.household_number for r in self.rows}
        return {
            "rows": self.row_count,
            "bad_rows": len({e.row for e in self.errors if e.row is not None}),
            "people": len(self.rows),
            "new_buildings": len(self.new_buildings),
            "new_dwellings": len([k for k in keys if k not in self.dwellings]),
            "new_households": len([n for n in numbers if n not in self.households]),
            "warnings": len(self.warnings),
        }


class ImportRejected(Exception):
    def __init__(self, plan: Plan):
        super().__init__(f"{len(plan.errors)} problems")
        self.plan = plan


# --- reading ------------------------------------------------------------------------------

def _cell_text(value: Any) -> str:
    if type(value) is str:  # the common case (every CSV cell): checked first, it runs for every cell of the file
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def read_table(filename: str, content: bytes) -> list[tuple[int, list[Any]]]:
    """[(spreadsheet row number, cell values)] including the header row; FileRejected if unreadable."""
    name = (filename or "").lower()
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected(_("This is an old Excel 97–2003 (.xls) file: save it as .xlsx (Excel workbook) and upload again."))
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content)
    if name.endswith((".xlsx", ".xlsm")):
        raise FileRejected(_("The file is named .xlsx but is not an Excel workbook."))
    if name.endswith((".csv", ".txt")):
        return _read_csv(content)
    raise FileRejected(_("This is not an Excel (.xlsx) or CSV file."))


def _read_xlsx(content: bytes) -> list[tuple[int, list[Any]]]:
    """The first sheet through calamine (Rust: ~2 s for 100,000 rows where openpyxl takes ~25 s)."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - the package is pinned; openpyxl still does the job, slower
        return _read_xlsx_openpyxl(content)
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0)
        # skip_empty_area=False keeps leading blank rows, so list index + 1 is the spreadsheet's row number.
        rows = sheet.to_python(skip_empty_area=False)
    except Exception:  # calamine's errors are several classes: let openpyxl read the file or say why it cannot
        return _read_xlsx_openpyxl(content)
    return list(enumerate(rows, start=1))


def _read_xlsx_openpyxl(content: bytes) -> list[tuple[int, list[Any]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise FileRejected(_("The Excel file cannot be opened (%(error)s).") % {"error": exc.__class__.__name__}) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = [(number, list(values)) for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        workbook.close()
    return rows


def _read_csv(content: bytes) -> list[tuple[int, list[Any]]]:
    # Excel on Chinese Windows saves CSV in GB18030 (GBK); newer tools use UTF-8 with a BOM.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRejected(_("The CSV file is neither UTF-8 nor GB18030 text."))
    if "\x00" in text:
        raise FileRejected(_("This is not an Excel (.xlsx) or CSV file."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [(number, values) for number, values in enumerate(csv.reader(io.StringIO(text), dialect), start=1)]


def map_header(values: list[Any]) -> tuple[dict[str, int], list[RowError], list[RowError]]:
    """Column index per key, file-level errors (missing columns) and warnings (unknown columns)."""
    index: dict[str, int] = {}
    unknown: list[str] = []
    errors: list[RowError] = []
    for position, raw in enumerate(values):
        label = _cell_text(raw).replace(" ", "").replace("*", "")
        if not label:
            continue
        key = HEADER_ALIASES.get(label) or HEADER_ALIASES.get(label.lower())
        if key is None:
            unknown.append(label)
        elif key in index:
            errors.append(RowError(None, label, _("The column appears twice.")))
        else:
            index[key] = position
    missing = [c.header for c in COLUMNS if c.required and c.key not in index]
    if missing:
        reason = _("Required column(s) missing: %(columns)s.") % {"columns": "、".join(missing)}
        if unknown:
            reason += " " + _("Columns not recognised (renamed?): %(columns)s.") % {"columns": "、".join(unknown)}
        reason += " " + _("Download the template for the expected headers.")
        errors.append(RowError(None, "", reason))
    warnings = [RowError(None, label, _("Column not recognised; it is ignored.")) for label in unknown] if not missing else []
    return index, errors, warnings


# --- checking -----------------------------------------------------------------------------

def _parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _cell_text(value)
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
    try:
        table = read_table(filename, content)
    except FileRejected as exc:
        plan.errors.append(RowError(None, "", str(exc)))
        return plan
    table = [(n, values) for n, values in table if any(_cell_text(v) for v in values)]
    if not table:
        plan.errors.append(RowError(None, "", _("The file has no rows.")))
        return plan
    header_row, header = table[0]
    index, errors, warnings = map_header(header)
    plan.errors += errors
    plan.warnings += warnings
    if errors:
        return plan
    data_rows = table[1:]
    plan.row_count = len(data_rows)
    if not data_rows:
        plan.errors.append(RowError(None, "", _("The file has a header but no data rows.")))
        return plan
    headers = {key: _cell_text(header[i]) for key, i in index.items()}
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
    bad = False

    raw = {key: (values[position] if position < len(values) else None) for key, position in index.items()}
    texts = {key: _cell_text(value) for key, value in raw.items()}

    def get(key: str) -> Any:
        return raw.get(key)

    def text(key: str) -> str:
        return texts.get(key, "")

    def error(key: str, reason: str) -> None:
        nonlocal bad
        bad = True
        plan.errors.append(RowError(number, column(key), reason))

    for c in COLUMNS:
        if c.required and not text(c.key):
            error(c.key, _("This cell is empty."))

    def choice(key: str, words: dict[str, str], default: str) -> str:
        word = text(key)
        if not word:
            return default
        stored = words.get(word) or (word if word in words.values() else None)
        if stored is None:
            error(key, _("“%(value)s” is not one of: %(choices)s.") % {"value": word, "choices": "、".join(dict.fromkeys(_word_of(words, v) for v in words.values()))})
            return default
        return stored

    gender = choice("gender", GENDER_WORDS, "")
    resident_type = choice("resident_type", RESIDENT_TYPE_WORDS, ResidentType.REGISTERED)
    relation = choice("relation_to_head", RELATION_WORDS, Relation.OTHER)
    use = choice("dwelling_use", USE_WORDS, DwellingUse.RESIDENTIAL)
    id_type = choice("id_type", ID_TYPE_WORDS, IdType.RESIDENT_ID)

    raw_id = get("id_number")
    id_number = text("id_number")
    if isinstance(raw_id, (int, float)) and len(str(int(raw_id))) >= 15:
        error("id_number", _("Excel stored the ID number as a number and may have cut its last digits: format the column as text and type it again."))
        id_number = ""

    birth_date = None
    if text("birth_date"):
        try:
            birth_date = _parse_date(get("birth_date"))
        except ValueError:
            error("birth_date", _("“%(value)s” is not a date (use YYYY-MM-DD).") % {"value": text("birth_date")})

    floor = None
    if text("floor"):
        try:
            floor = int(float(text("floor")))
            if not -10 <= floor <= 200:
                raise ValueError
        except ValueError:
            error("floor", _("The floor must be a whole number between -10 and 200."))

    point = None
    lng, lat = text("longitude"), text("latitude")
    if lng or lat:
        try:
            x, y = float(lng), float(lat)
            if not (-180 <= x <= 180 and -90 <= y <= 90):
                raise ValueError
            point = Point(x, y, srid=4326)
        except ValueError:
            error("longitude", _("Longitude and latitude must both be numbers in degrees (WGS-84)."))

    row_tags: list[CareTag] = []
    for word in filter(None, LIST_SPLIT.split(text("tags"))):
        if word in tags:
            row_tags.append(tags[word])
        else:
            error("tags", _("Unknown care tag “%(tag)s”.") % {"tag": word})

    person = PersonInput(
        name=text("name"), gender=gender, birth_date=birth_date, ethnicity=text("ethnicity"), id_type=id_type,
        id_number=id_number, phones=[p for p in LIST_SPLIT.split(text("phones")) if p],
        registered_address=text("registered_address"), current_address=text("current_address"),
        resident_type=resident_type, relation_to_head=relation,
    )
    if text("name") or id_number:
        for name, messages in clean_person_input(person, today=today).items():
            if name == "id_number" and not id_number:
                continue  # already reported as empty / as a number
            if name == "name" and not text("name"):
                continue
            for message in messages:
                error(name if name in COLUMN_BY_KEY else "id_number", message)
    for key, limit in (("building_code", 32), ("household_number", 32), ("room", 20), ("unit", 10), ("building_address", 200),
                       ("registered_address", 200), ("current_address", 200), ("ethnicity", 20)):
        if len(text(key)) > limit:
            error(key, _("Longer than %(n)d characters.") % {"n": limit})
    if bad:
        plan.bad_households.add(text("household_number"))
        return None
    return Row(
        number=number, building_code=text("building_code"), building_address=text("building_address"), point=point,
        unit=text("unit"), floor=floor, room=text("room"), use=use, household_number=text("household_number"),
        person=person, tags=list(dict.fromkeys(row_tags)),
    )


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
    rows = plan.rows
    # Buildings: existing ones must be in the user's jurisdiction; new ones need an address and a point in a cell of it.
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

    # Households: an existing one must be in scope and in the same dwelling; every household needs exactly one head.
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

    # People already registered (same ID number), under any key still in the ring.
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


# --- writing ------------------------------------------------------------------------------

BATCH = 5000


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    """One field in PostgreSQL's COPY text format (the common types first: this runs for every cell written)."""
    kind = type(value)
    if kind is str:
        # Four substring scans are far cheaper than translate() on the clean values that are the rule.
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if kind is int:
        return str(value)
    if value is None:
        return r"\N"
    if kind is bool:
        return "t" if value else "f"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Point):
        return f"SRID=4326;POINT({value.x} {value.y})"
    if isinstance(value, (list, tuple)):
        return "{" + ",".join(value) + "}"  # arrays of hex digests only
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False).translate(_COPY_ESCAPES)
    return str(value).translate(_COPY_ESCAPES)


class _Copier:
    """Bulk insert through COPY with ids reserved from the table's sequence beforehand.

    Reserving ids lets a household name its head and a person its household before either row
    exists (the foreign keys are checked at commit), so a 100,000-row file is written in a few
    COPY statements instead of hundreds of INSERTs and an UPDATE of every household.
    """

    def __init__(self, cursor):
        self.cursor = cursor

    def reserve(self, model, count: int) -> list[int]:
        if not count:
            return []
        self.cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [model._meta.db_table, count]
        )
        return [row[0] for row in self.cursor.fetchall()]

    def copy(self, model, columns: list[str], rows: Iterable[list[Any]], progress: Callable[[int], None] | None = None) -> int:
        written = 0
        lines: list[str] = []
        with self.cursor.cursor.copy(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                lines.append("\t".join(map(_copy_value, row)))
                written += 1
                if len(lines) == 1000:
                    copy.write("\n".join(lines) + "\n")
                    lines.clear()
                if progress and written % BATCH == 0:
                    progress(written)
            if lines:
                copy.write("\n".join(lines) + "\n")
        return written


def write_plan(plan: Plan, *, actor, progress: Progress | None = None, job_id: int | None = None) -> dict[str, int]:
    """Insert everything a checked plan holds. Runs inside the caller's transaction (all or nothing).

    1. Reserve ids for the new buildings, dwellings, households and people.
    2. Encrypt and hash every person's identifiers (the slow part: progress "encrypt").
    3. COPY buildings, dwellings, households (with their heads), people (progress "write"),
       their care tags and one history row per new record.
    """
    from django.db import connection

    now = timezone.now().isoformat()  # the same moment on every row, formatted once
    who_id = actor.pk if actor is not None and actor.is_authenticated else None
    note = {"import": job_id} if job_id else {}
    total = len(plan.rows)
    with connection.cursor() as cursor:
        copier = _Copier(cursor)
        history: list[list[Any]] = []

        def log(model: str, object_id: int, cell_id: int, changes: dict, *, person_id=None, household_id=None) -> None:
            history.append([now, who_id, model, object_id, person_id, household_id, cell_id, "import", {**note, **changes}, False])

        # Buildings: existing ones by code, new ones with reserved ids.
        building_cell = {code: b.cell_id for code, b in plan.buildings.items()}
        building_id = {code: b.pk for code, b in plan.buildings.items()}
        new_buildings = list(plan.new_buildings.items())
        for (code, (_address, _point, cell)), pk in zip(new_buildings, copier.reserve(Building, len(new_buildings))):
            building_id[code], building_cell[code] = pk, cell.pk
            log("building", pk, cell.pk, {"code": [None, code]})
        copier.copy(Building, ["id", "code", "address", "location", "cell_id", "property_manager", "created_at", "updated_at"],
                    ([building_id[code], code, address, point, cell.pk, "", now, now] for code, (address, point, cell) in new_buildings))

        # Dwellings: one per (building, unit, room) not yet registered.
        dwelling_id = dict(plan.dwellings)
        wanted: dict[tuple[str, str, str], Row] = {}
        for row in plan.rows:
            key = (row.building_code, row.unit, row.room)
            if key not in dwelling_id:
                wanted.setdefault(key, row)
        for key, pk in zip(wanted, copier.reserve(Dwelling, len(wanted))):
            dwelling_id[key] = pk
        copier.copy(Dwelling, ["id", "building_id", "unit", "floor", "room", "use"],
                    ([dwelling_id[key], building_id[key[0]], key[1], row.floor, key[2], row.use] for key, row in wanted.items()))

        # People's ids first, so that each new household can name its head as it is written.
        person_ids = copier.reserve(Person, total)
        household_id = {number: h.pk for number, h in plan.households.items()}
        household_cell = {number: h.cell_id for number, h in plan.households.items()}
        new_households: dict[str, Row] = {}
        heads: dict[str, int] = {}
        for row, pk in zip(plan.rows, person_ids):
            if row.household_number not in household_id:
                new_households.setdefault(row.household_number, row)
            if row.person.relation_to_head == Relation.HEAD:
                heads[row.household_number] = pk
        for (number, row), pk in zip(new_households.items(), copier.reserve(Household, len(new_households))):
            household_id[number], household_cell[number] = pk, building_cell[row.building_code]
            log("household", pk, household_cell[number], {"number": [None, number]}, household_id=pk)
        copier.copy(Household, ["id", "number", "dwelling_id", "head_id", "cell_id", "created_at"],
                    ([household_id[number], number, dwelling_id[(row.building_code, row.unit, row.room)], heads.get(number),
                      household_cell[number], now] for number, row in new_households.items()))
        # Existing households that gain their head in this file.
        for number, household in plan.households.items():
            if number in heads:
                Household.objects.filter(pk=household.pk, head__isnull=True).update(head_id=heads[number])

        person_rows: list[list[Any]] = []
        for done, (row, pk) in enumerate(zip(plan.rows, person_ids), start=1):
            data = row.person
            sealed = sealed_identifiers(data.id_number, data.phones)
            number = row.household_number
            person_rows.append([
                pk, data.name, data.gender, data.birth_date, data.ethnicity, data.id_type, sealed["id_number_enc"],
                sealed["id_number_hash"], sealed["id_last4"], sealed["id_number_masked"], sealed["phones_enc"],
                sealed["phone_hashes"], sealed["phones_masked"], sealed["key_id"], data.registered_address, data.current_address,
                data.resident_type, household_id[number], data.relation_to_head, household_cell[number], False, None, False, None,
                now, now,
            ])
            log("person", pk, household_cell[number], {"name": [None, data.name], "id_number": [None, sealed["id_number_masked"]]},
                person_id=pk, household_id=household_id[number])
            if progress and (done % BATCH == 0 or done == total):
                progress("encrypt", done, total)
        copier.copy(
            Person,
            ["id", "name", "gender", "birth_date", "ethnicity", "id_type", "id_number_enc", "id_number_hash", "id_last4",
             "id_number_masked", "phones_enc", "phone_hashes", "phones_masked", "key_id", "registered_address", "current_address",
             "resident_type", "household_id", "relation_to_head", "cell_id", "moved_out", "moved_out_on", "deceased", "deceased_on",
             "created_at", "updated_at"],
            person_rows,
            progress=(lambda written: progress("write", written, total)) if progress else None,
        )
        if progress:
            progress("write", total, total)
        tags = [[pk, tag.pk, who_id, now, ""] for row, pk in zip(plan.rows, person_ids) for tag in row.tags]
        copier.copy(PersonTag, ["person_id", "tag_id", "added_by_id", "added_at", "note"], tags)
        copier.copy(ChangeHistory, ["at", "actor_id", "model", "object_id", "person_id", "household_id", "cell_id", "action", "changes",
                                    "sensitive"], history)
    return {
        "people": total, "new_buildings": len(new_buildings), "new_dwellings": len(wanted),
        "new_households": len(new_households), "tags": len(tags),
    }


# --- template and export ------------------------------------------------------------------

def template_workbook() -> bytes:
    """The blank template: headers, one example row with a synthetic (valid) ID number, and a sheet of notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "居民"
    sheet.append([c.header for c in COLUMNS])
    example = {
        "building_code": "110101001001001-01", "building_address": "东城区示例路1号楼", "longitude": 116.4074, "latitude": 39.9042,
        "unit": "1", "floor": 3, "room": "301", "dwelling_use": "自住", "household_number": "H0001", "relation_to_head": "户主",
        "name": "张示例", "gender": "男", "birth_date": "1980-05-01", "ethnicity": "汉族", "id_type": "居民身份证",
        "id_number": "11010119800501001" + _check("11010119800501001"), "phones": "13800000000", "registered_address": "北京市东城区",
        "current_address": "东城区示例路1号楼1单元301", "resident_type": "户籍", "tags": "",
    }
    sheet.append([example.get(c.key, "") for c in COLUMNS])
    for position, c in enumerate(COLUMNS, start=1):
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = max(10, len(c.header) * 2 + 4)
        sheet.cell(row=1, column=position).font = Font(bold=True, color="B3261E" if c.required else "000000")
        # Text format, so Excel keeps 18-digit numbers and leading zeros.
        for row in range(2, 1002):
            sheet.cell(row=row, column=position).number_format = "@"
    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "必填", "说明"])
    for c in COLUMNS:
        notes.append([c.header, "是" if c.required else "", c.help])
    notes.append([])
    notes.append(["关怀标签", "", "、".join(CareTag.objects.filter(active=True).values_list("name", flat=True))])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _check(first17: str) -> str:
    from .idnumbers import check_char

    return check_char(first17)


def export_rows(persons: Iterable[Person], *, revealed: dict[int, dict[str, str]] | None = None, visible_tag_ids: set[int] | None = None) -> Iterable[list[Any]]:
    """Rows in the template's column order, identifiers masked unless ``revealed`` holds the person's values."""
    revealed = revealed or {}
    for person in persons:
        household = person.household
        dwelling = household.dwelling
        building = dwelling.building
        full = revealed.get(person.pk, {})
        tags = [t.name for t in person.tags.all() if visible_tag_ids is None or t.pk in visible_tag_ids]
        values = {
            "building_code": building.code, "building_address": building.address,
            "longitude": round(building.location.x, 6), "latitude": round(building.location.y, 6),
            "unit": dwelling.unit, "floor": dwelling.floor, "room": dwelling.room, "dwelling_use": use_word(dwelling.use),
            "household_number": household.number, "relation_to_head": relation_word(person.relation_to_head),
            "name": person.name, "gender": gender_word(person.gender),
            "birth_date": person.birth_date.isoformat() if person.birth_date else "", "ethnicity": person.ethnicity,
            "id_type": id_type_word(person.id_type), "id_number": full.get("id_number", person.id_number_masked),
            "phones": full.get("phones", "、".join(person.phones_masked_list)),
            "registered_address": person.registered_address, "current_address": person.current_address,
            "resident_type": resident_type_word(person.resident_type), "tags": "、".join(tags),
        }
        yield [values[c.key] for c in COLUMNS]

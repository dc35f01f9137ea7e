"""The blank template to fill in, and export rows in the same column order."""
from __future__ import annotations

import io
from typing import Any, Iterable

from ..idnumbers import check_char
from ..models import CareTag, Person
from .columns import COLUMNS, gender_word, id_type_word, relation_word, resident_type_word, use_word


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
        "id_number": "11010119800501001" + check_char("11010119800501001"), "phones": "13800000000", "registered_address": "北京市东城区",
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
            # Masked: the year only (the day is the ID number's hidden middle); revealed: the date.
            "birth_date": (person.birth_date.isoformat() if full and person.birth_date else person.birth_year),
            "ethnicity": person.ethnicity,
            "id_type": id_type_word(person.id_type), "id_number": full.get("id_number", person.id_number_shown),
            "phones": full.get("phones", "、".join(person.phones_masked_list)),
            "registered_address": person.registered_address, "current_address": person.current_address,
            "resident_type": resident_type_word(person.resident_type), "tags": "、".join(tags),
        }
        yield [values[c.key] for c in COLUMNS]

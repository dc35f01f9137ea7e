"""The blank roster template: the headers, a line of help under each, and one example row."""
from __future__ import annotations

import io

from gridgov.spreadsheet import safe_row

from .columns import COLUMNS

EXAMPLE = ["zhangwei", "张伟", "网格员", "", "", "", "13800000000", "", "是"]


def template_workbook() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "花名册"
    sheet.append([c.header for c in COLUMNS])
    for cell, column in zip(sheet[1], COLUMNS):
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        sheet.column_dimensions[cell.column_letter].width = max(12, len(column.header) * 3)
        cell.number_format = "@"
    sheet.append(safe_row(EXAMPLE))
    notes = book.create_sheet("填写说明")
    notes.append(["列", "必填", "说明"])
    for column in COLUMNS:
        notes.append(safe_row([column.header, "是" if column.required else "", column.help]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

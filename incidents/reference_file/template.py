"""The blank reference template: the headers, example rows, and a sheet of help."""
from __future__ import annotations

import io

from gridgov.spreadsheet import safe_row

from .columns import COLUMNS

EXAMPLES = [
    ["部门", "SZ", "市政", "Municipal Works", "", "", "是"],
    ["大类", "C09", "公共服务", "Public services", "", "事件", "是"],
    ["小类", "C0901", "公厕保洁", "Public toilet cleaning", "C09", "", "是"],
]


def template_workbook() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "类别与部门"
    sheet.append([c.header for c in COLUMNS])
    for cell, column in zip(sheet[1], COLUMNS):
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        sheet.column_dimensions[cell.column_letter].width = max(12, len(column.header) * 3)
    for row in EXAMPLES:
        sheet.append(safe_row(row))
    notes = book.create_sheet("填写说明")
    notes.append(["列", "必填", "说明"])
    for column in COLUMNS:
        notes.append(safe_row([column.header, "是" if column.required else "", column.help]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

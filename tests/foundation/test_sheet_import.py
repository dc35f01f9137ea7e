"""The skeleton every sheet import stands on (gridgov.spreadsheet): what an operator sees of any
import — headers accepted in Chinese or English, every problem named by row and column, nothing
half-saved — shown on a small format of its own."""
from __future__ import annotations

import pytest

from accounts.models import Department
from gridgov.spreadsheet import Column, RowCells, RowError, SheetFormat, SheetRejected, SheetReport, check_then_write, yes_or_no

COLUMNS = [
    Column("code", "编码", True, aliases=("代码",)),
    Column("name", "名称", True),
    Column("active", "启用", False, parse=yes_or_no({"是"}, {"否"})),
]
FORMAT = SheetFormat(COLUMNS, empty="The file is empty.", max_rows=3, too_many="At most %(n)d rows per file; split the file.")


def csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def read(content: bytes, sheet_format: SheetFormat = FORMAT):
    report = SheetReport()
    return sheet_format.read("t.csv", content, report), report


def test_headers_in_chinese_in_english_or_as_an_alias_find_their_column():
    sheet, report = read(csv("代码,name,启用,备注", "A1,甲,是,x"))
    assert sheet.index == {"code": 0, "name": 1, "active": 2}
    assert [(w.row, w.column) for w in report.warnings] == [(None, "备注")]  # an unknown column is ignored, said once
    assert not report.errors and report.row_count == 1


def test_file_level_problems_are_errors_on_no_row():
    assert read(csv("编码,编码,名称"))[1].errors[0].column == "编码"  # the same column twice
    _sheet, missing = read(csv("编码,备注", "A1,x"))
    assert missing.errors[0].row is None and "名称" in missing.errors[0].reason
    _sheet, too_many = read(csv("编码,名称", "A,a", "B,b", "C,c", "D,d"))
    assert "3" in too_many.errors[0].reason and too_many.row_count == 4
    assert read(b"")[1].errors[0].reason == "The file is empty."


def test_a_format_may_name_the_unrecognised_columns_in_the_missing_column_error():
    explaining = SheetFormat(COLUMNS, empty="empty", explain_unknown=True)
    _sheet, report = read(csv("编码,Name2", "A1,x"), explaining)
    assert "Name2" in report.errors[0].reason and not report.warnings


def test_every_bad_cell_is_reported_with_its_row_number_and_header():
    sheet, report = read(csv("编码,名称,启用", "A1,甲,是", "A2,乙,也许", ",丙,否"))
    values = []
    for number, cells in sheet.rows:
        row = RowCells(number, cells, sheet.index, FORMAT.header_of, report)
        if not row.text("code"):
            row.error("code", "Required.")
        values.append((row.value(FORMAT.by_key["active"], True), row.bad))
    assert [(e.row, e.column) for e in report.errors] == [(3, "启用"), (4, "编码")]
    assert values == [(True, False), (True, True), (False, True)]  # the default where the word is wrong


@pytest.mark.django_db
def test_all_rows_or_none():
    def failing_write(report):
        Department.objects.create(code="HALF", name="写了一半")
        raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError):
        check_then_write(SheetReport, failing_write)
    assert not Department.objects.filter(code="HALF").exists()

    rejected = SheetReport(row_count=7, errors=[RowError(5, "编码", "Required."), RowError(5, "名称", "Required.")])
    written = []
    with pytest.raises(SheetRejected) as caught:
        check_then_write(lambda: rejected, written.append)
    assert caught.value.plan is rejected and not written
    assert rejected.summary() == {"rows": 7, "bad_rows": 1, "warnings": 0}

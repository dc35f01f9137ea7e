"""Spreadsheets: reading and writing files (``files``), and the skeleton every sheet import stands on.

- ``files``: an uploaded table read (.xlsx or CSV), cells written that cannot run as formulas;
- ``importing``: the table of columns, the header, the row checker, the report, all rows or none;
- ``command``: the ``manage.py import_X FILE --user NAME [--dry-run]`` every import shares.
"""
from .command import SheetImportCommand
from .files import FORMULA_TRIGGERS, FileRejected, _read_xlsx, _read_xlsx_openpyxl, cell_text, read_table, safe_cell, safe_row
from .importing import (
    Applied, Column, RowCells, RowError, SheetFormat, SheetRejected, SheetReport, SheetRows, check_then_write, word_of, yes_or_no,
)

__all__ = [
    "FORMULA_TRIGGERS", "Applied", "Column", "FileRejected", "RowCells", "RowError", "SheetFormat", "SheetImportCommand",
    "SheetRejected", "SheetReport", "SheetRows", "_read_xlsx", "_read_xlsx_openpyxl", "cell_text", "check_then_write",
    "read_table", "safe_cell", "safe_row", "word_of", "yes_or_no",
]

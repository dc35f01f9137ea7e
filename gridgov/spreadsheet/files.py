"""Spreadsheet files in and out: reading an uploaded table, and writing cells that cannot run as formulas.

Reading (``read_table``): .xlsx through python-calamine (openpyxl as the fallback), CSV in UTF-8 or
GB18030, into (row number, values) with the header row; ``cell_text`` is a cell as the importers
compare it; ``FileRejected`` says why a file cannot be read at all. Every import reads through
these (``gridgov.spreadsheet.importing``, the skeleton they share).

Cells written to a spreadsheet (xlsx or CSV) that cannot run as formulas (CSV/formula injection).

A resident's name ``=HYPERLINK("http://evil.example/?x","点击")`` or an address ``=1+2`` typed into
a form or an imported file would otherwise come out of an export as a live formula: openpyxl
stores a string that starts with ``=`` as a formula, and Excel or WPS evaluates a CSV field that
starts with ``= + - @`` (or a tab or carriage return before one). Every export writes its rows
through ``safe_row``; a text cell that starts with one of those characters is prefixed with an
apostrophe, which spreadsheets read as "this is text" (OWASP's advice). Numbers, dates and
empty cells pass unchanged, so a negative number stays a number.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

# The ASCII triggers, and their full-width forms, which a Chinese input method types.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe_cell(value: Any) -> Any:
    """The value as it may be written to a cell: text that a spreadsheet would evaluate is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


class FileRejected(Exception):
    """The file as a whole cannot be read as a table."""


def cell_text(value: Any) -> str:
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

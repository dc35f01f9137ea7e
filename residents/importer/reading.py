"""Reading an uploaded residents file: the reader and the header mapping are the shared sheet import's
(gridgov.spreadsheet); the table of columns is this file format's (``columns.RESIDENTS``)."""
from __future__ import annotations

from typing import Any

from gridgov.spreadsheet import FileRejected, RowError, cell_text, read_table
from gridgov.spreadsheet import _read_xlsx, _read_xlsx_openpyxl  # noqa: F401 - the reader's two paths, compared by a test

from .columns import RESIDENTS

_cell_text = cell_text

__all__ = ["FileRejected", "map_header", "read_table", "_cell_text"]


def map_header(values: list[Any]) -> tuple[dict[str, int], list[RowError], list[RowError]]:
    """Column index per key, file-level errors (missing columns, unknown ones named) and warnings (unknown columns)."""
    return RESIDENTS.map_header(values)

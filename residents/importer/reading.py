"""Reading an uploaded residents file: the generic reader is gridgov.spreadsheet's; the header is this file format's."""
from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from gridgov.spreadsheet import FileRejected, cell_text, read_table
from gridgov.spreadsheet import _read_xlsx, _read_xlsx_openpyxl  # noqa: F401 - the reader's two paths, compared by a test

from .columns import COLUMNS, HEADER_ALIASES
from .plan import RowError

_cell_text = cell_text

__all__ = ["FileRejected", "map_header", "read_table", "_cell_text"]


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

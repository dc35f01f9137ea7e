"""The dashboard's tables as an Excel workbook: one sheet per table, the same columns as the page,
last period included; every text cell neutralised against formulas (gridgov.spreadsheet)."""

from __future__ import annotations

import io
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gridgov.spreadsheet import safe_row

from .periods import Period
from .rows import LABELS, Row, change
from .tables import COMPARED, headers, table


def _period_text(period: Period) -> str:
    return f"{period.first.isoformat()} — {period.last.isoformat()}"


def workbook(
    *,
    period: Period,
    previous: Period,
    exclude_deferred: bool,
    total: Row,
    before: Row | None,
    summary_columns: list[str],
    sheets: list[tuple[str, list[Row], list[Row], list[str]]],
) -> bytes:
    """``sheets``: (title, rows, the same rows last period, columns). The summary sheet comes first:
    this period, last period and the signed change of every figure."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = str(_("Summary"))[:31]
    _head(sheet, period, previous, exclude_deferred, [_("Period"), *[str(LABELS[c]) for c in summary_columns]])
    sheet.append(safe_row([_("This period"), *[getattr(total, c) for c in summary_columns]]))
    sheet.append(safe_row([_("Last period"), *[getattr(before, c) if before else None for c in summary_columns]]))
    # The change in the figure's own unit: percentage points for rates (as a fraction: 0.05 = 5 pts).
    changes = [change(c, total, before).delta for c in summary_columns]
    sheet.append(safe_row([pgettext("indicators", "Change"), *[d / 100 if d is not None and c.endswith("_rate") else d for c, d in zip(summary_columns, changes)]]))
    _formats(sheet, summary_columns, first_column=2)
    for title, rows, earlier, columns in sheets:
        if not title or not rows:
            continue
        sheet = book.create_sheet()
        sheet.title = str(title)[:31]
        _head(sheet, period, previous, exclude_deferred, [_("Code"), pgettext("area", "Name"), *headers(columns)])
        for line in table(rows, earlier, columns):
            row = line.row
            before_value = line.change.before
            delta = line.change.delta
            # Names of areas, departments and workers are typed by people: never a formula.
            sheet.append(
                safe_row([row.key, row.name, *[getattr(row, c) for c in columns], before_value, None if delta is None else delta / 100])
            )
        _formats(sheet, [*columns, COMPARED, COMPARED], first_column=3)
        sheet.column_dimensions["B"].width = 24
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _head(sheet, period: Period, previous: Period, exclude_deferred: bool, header: list[str]) -> None:
    from openpyxl.styles import Font

    sheet.append(
        safe_row([
            _("Period"),
            _period_text(period),
            _("Last period"),
            _period_text(previous),
            _("Deferred cases leave the denominator"),
            _("yes") if exclude_deferred else _("no"),
        ])
    )
    sheet.append(safe_row(header))
    for cell in sheet[2]:
        cell.font = Font(bold=True)


def _formats(sheet, columns: list[str], *, first_column: int) -> None:
    for index, column in enumerate(columns, start=first_column):
        if column.endswith("_rate"):
            for cells in sheet.iter_rows(min_row=3, min_col=index, max_col=index):
                cells[0].number_format = "0.00%"

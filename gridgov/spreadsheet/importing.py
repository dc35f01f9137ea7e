"""The skeleton every sheet import stands on (residents, the roster, reference data).

An import is a ``SheetFormat`` (its table of columns and the words of its file), a report (a
``SheetReport`` subclass holding what its checking found), its own row checks written against
``RowCells``, and a writer. The skeleton does what is the same in all of them:

1. ``SheetFormat.read``: the file read, blank rows dropped, the header mapped to column keys
   (the Chinese header, the English key, or an alias; unknown columns are warnings), the row
   count checked; a problem of the file as a whole is an error on row None;
2. ``RowCells``: one data row's cells by key; each problem is kept with the row's number and
   the column's header, and marks the row bad;
3. ``check_then_write``: the whole file checked and, only if it has no error, written, in one
   transaction: all rows or none (``SheetRejected`` carries the report otherwise);
4. one report shape: ``summary()`` is rows, bad rows, the import's own figures, warnings.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import transaction
from django.utils.translation import gettext as _

from .files import FileRejected, cell_text, read_table, safe_row


@dataclass
class RowError:
    """One problem of an imported sheet: its row (None: the file or its header), the column's
    heading as the sheet spells it, and what is wrong."""

    row: int | None
    column: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its key, its header in the template (Chinese; the English key is
    accepted too), whether every row must fill it, the line of help the template gives, other
    headers accepted for it, and how its text becomes a value (``parse`` raises ValueError with
    the reason; None: the text itself)."""

    key: str
    header: str
    required: bool
    help: str = ""
    aliases: tuple[str, ...] = ()
    parse: Callable[[str], Any] | None = None

    @property
    def header_en(self) -> str:
        return self.key


def yes_or_no(yes: Iterable[str], no: Iterable[str]) -> Callable[[str], bool]:
    """A parser for a yes/no column written in the file's own words (compared in lower case)."""
    yes_words, no_words = frozenset(yes), frozenset(no)

    def parse(text: str) -> bool:
        word = text.lower()
        if word in no_words:
            return False
        if word in yes_words:
            return True
        raise ValueError(_("Write 是 or 否."))

    return parse


def word_of(words: dict[str, str], value: str) -> str:
    """The first word of a choice column that stands for a stored value (what templates and exports write)."""
    for word, stored in words.items():
        if stored == value:
            return word
    return value


@dataclass
class SheetRows:
    """A readable sheet: the column of each key, the header cells as the file spells them, the data rows."""

    index: dict[str, int]
    headers: dict[str, str]
    rows: list[tuple[int, list[Any]]]


class SheetFormat:
    """The table of columns of one import, with the messages its file-level problems are told in.

    ``explain_unknown``: when a required column is missing, name the unrecognised ones in the same
    error (a renamed header is the usual cause) instead of warning of each.
    """

    def __init__(self, columns: list[Column], *, empty: str, too_many: str = "", max_rows: int = 0, no_data: str = "",
                 explain_unknown: bool = False):
        self.columns = columns
        self.by_key = {c.key: c for c in columns}
        self.aliases = ({c.header: c.key for c in columns} | {c.header_en: c.key for c in columns}
                        | {alias: c.key for c in columns for alias in c.aliases})
        self.empty, self.too_many, self.max_rows, self.no_data = empty, too_many, max_rows, no_data
        self.explain_unknown = explain_unknown

    def header_of(self, key: str) -> str:
        return self.by_key[key].header

    def map_header(self, values: list[Any]) -> tuple[dict[str, int], list[RowError], list[RowError]]:
        """Column index per key, file-level errors (a column twice, required ones missing) and warnings (unknown columns)."""
        index: dict[str, int] = {}
        unknown: list[str] = []
        errors: list[RowError] = []
        for position, raw in enumerate(values):
            label = cell_text(raw).replace(" ", "").replace("*", "")
            if not label:
                continue
            key = self.aliases.get(label) or self.aliases.get(label.lower())
            if key is None:
                unknown.append(label)
            elif key in index:
                errors.append(RowError(None, label, _("The column appears twice.")))
            else:
                index[key] = position
        missing = [c.header for c in self.columns if c.required and c.key not in index]
        if missing:
            reason = _("Required column(s) missing: %(columns)s.") % {"columns": "、".join(missing)}
            if unknown and self.explain_unknown:
                reason += " " + _("Columns not recognised (renamed?): %(columns)s.") % {"columns": "、".join(unknown)}
            reason += " " + _("Download the template for the expected headers.")
            errors.append(RowError(None, "", reason))
        told = missing and self.explain_unknown
        warnings = [] if told else [RowError(None, label, _("Column not recognised; it is ignored.")) for label in unknown]
        return index, errors, warnings

    def template(self, title: str, examples: list[list[Any]], *, header_as_text: bool = False) -> bytes:
        """The blank template: the headers (required ones in red), example rows, and a sheet of help."""
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        sheet = book.active
        sheet.title = title
        sheet.append([c.header for c in self.columns])
        for cell, column in zip(sheet[1], self.columns):
            cell.font = Font(bold=True, color="C00000" if column.required else "000000")
            sheet.column_dimensions[cell.column_letter].width = max(12, len(column.header) * 3)
            if header_as_text:
                cell.number_format = "@"
        for row in examples:
            sheet.append(safe_row(row))
        notes = book.create_sheet("填写说明")
        notes.append(["列", "必填", "说明"])
        for column in self.columns:
            notes.append(safe_row([column.header, "是" if column.required else "", column.help]))
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    def read(self, filename: str, content: bytes, report: SheetReport) -> SheetRows | None:
        """The sheet's rows, or None with the file's problem recorded in the report."""
        try:
            table = read_table(filename, content)
        except FileRejected as exc:
            report.errors.append(RowError(None, "", str(exc)))
            return None
        table = [(number, values) for number, values in table if any(cell_text(v) for v in values)]
        if not table:
            report.errors.append(RowError(None, "", str(self.empty)))
            return None
        header = table[0][1]
        index, errors, warnings = self.map_header(header)
        report.errors += errors
        report.warnings += warnings
        if errors:
            return None
        rows = table[1:]
        report.row_count = len(rows)
        if self.max_rows and len(rows) > self.max_rows:
            report.errors.append(RowError(None, "", str(self.too_many) % {"n": self.max_rows}))
            return None
        if not rows and self.no_data:
            report.errors.append(RowError(None, "", str(self.no_data)))
            return None
        return SheetRows(index, {key: cell_text(header[i]) for key, i in index.items()}, rows)


class RowCells:
    """One data row's cells by column key, and the problems found in them (added to the report's errors).

    ``column(key)`` names the column in an error: by default the template's header.
    """

    __slots__ = ("number", "raw", "texts", "column", "report", "bad")

    def __init__(self, number: int, values: list[Any], index: dict[str, int], column: Callable[[str], str],
                 report: SheetReport):
        self.number, self.column, self.report, self.bad = number, column, report, False
        self.raw = {key: (values[position] if position < len(values) else None) for key, position in index.items()}
        self.texts = {key: cell_text(value) for key, value in self.raw.items()}

    def get(self, key: str) -> Any:
        return self.raw.get(key)

    def text(self, key: str) -> str:
        return self.texts.get(key, "")

    def error(self, key: str, reason: str) -> None:
        self.bad = True
        self.report.errors.append(RowError(self.number, self.column(key), reason))

    def value(self, column: Column, default: Any) -> Any:
        """The column's cell through its parser; the default when the cell is empty or (an error recorded) unreadable."""
        text = self.text(column.key)
        if not text:
            return default
        try:
            return column.parse(text) if column.parse else text
        except ValueError as exc:
            self.error(column.key, str(exc))
            return default

    def choice(self, key: str, words: dict[str, str], default: str) -> str:
        word = self.text(key)
        if not word:
            return default
        stored = words.get(word) or (word if word in words.values() else None)
        if stored is None:
            self.error(key, _("“%(value)s” is not one of: %(choices)s.") % {
                "value": word, "choices": "、".join(dict.fromkeys(word_of(words, v) for v in words.values()))})
            return default
        return stored


@dataclass
class SheetReport:
    """What checking a sheet found: the data rows counted, every error and warning. Each import's
    report adds what it will write, and its own figures (``figures``) to the summary."""

    row_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)

    def error_dicts(self) -> list[dict[str, Any]]:
        return [e.as_dict() for e in self.errors]

    def figures(self) -> dict[str, int]:
        return {}

    def summary(self) -> dict[str, int]:
        return {
            "rows": self.row_count,
            "bad_rows": len({e.row for e in self.errors if e.row is not None}),
            **self.figures(),
            "warnings": len(self.warnings),
        }


class SheetRejected(Exception):
    """The sheet has errors; nothing was written. ``plan`` is the whole report."""

    def __init__(self, plan: SheetReport):
        super().__init__(f"{len(plan.errors)} problems")
        self.plan = plan


@dataclass
class Applied:
    """What an import did (or, in a dry run, would do): the summary and the warnings."""

    summary: dict[str, int]
    warnings: list[RowError] = field(default_factory=list)


Report = TypeVar("Report", bound=SheetReport)
Result = TypeVar("Result")


def check_then_write(check: Callable[[], Report], write: Callable[[Report], Result],
                     rejected: type[SheetRejected] = SheetRejected) -> Result:
    """Check the whole sheet and, only if it has no error, write it, in one transaction (all rows or none).

    The check runs inside the transaction so that what it read (and locked) is what is written over.
    """
    with transaction.atomic():
        report = check()
        if report.errors:
            raise rejected(report)
        return write(report)

"""manage.py import_reference FILE --user NAME [--dry-run] — categories and departments, all rows or none.

One row per department, major class or minor class, with its Chinese and English name
(incidents.reference_file), through the shared sheet-import command (gridgov.spreadsheet.command):
the file is checked whole first; with any problem every problem is printed (row, column, reason)
and nothing is written. Known codes are renamed, new ones added.
"""
from __future__ import annotations

from gridgov.spreadsheet import Applied, SheetImportCommand
from incidents.reference_file import import_reference


class Command(SheetImportCommand):
    help = "Import case categories and departments (.xlsx or .csv) with their Chinese and English names; all rows or none."
    user_help = "username the file is imported as (an administrator)"
    prints_warnings = True

    def import_sheet(self, *, actor, filename, content, dry_run, options):
        plan = import_reference(actor=actor, filename=filename, content=content, dry_run=dry_run)
        return Applied(summary=plan.summary(), warnings=plan.warnings)

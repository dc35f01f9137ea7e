"""manage.py import_residents FILE --user NAME [--dry-run] — the web import, from the shell, with a progress bar.

The shared sheet-import command (gridgov.spreadsheet.command): the file is checked whole first;
with any problem, every problem is printed (row, column, reason) and nothing is written. The rows
are written in one transaction as the given user (whose jurisdiction limits where the rows may go).
"""
from __future__ import annotations

from tqdm import tqdm

from gridgov.spreadsheet import Applied, SheetImportCommand
from residents.importer import ImportRejected, import_file, validate_file


class Command(SheetImportCommand):
    help = "Import a residents spreadsheet (.xlsx or .csv): all rows or none."
    user_help = "username the rows are imported as (their jurisdiction applies)"

    def import_sheet(self, *, actor, filename, content, dry_run, options):
        bars: dict[str, tqdm] = {}
        quiet = options.get("verbosity", 1) == 0

        def progress(phase: str, done: int, total: int) -> None:
            bar = bars.get(phase)
            if bar is None:
                bar = bars[phase] = tqdm(total=total, desc=phase, unit="row", disable=quiet)
            bar.update(done - bar.n)

        try:
            if dry_run:
                plan = validate_file(filename, content, actor=actor, progress=progress)
                if plan.errors:
                    raise ImportRejected(plan)
                return Applied(summary=plan.summary())
            return Applied(summary=import_file(actor=actor, filename=filename, content=content, progress=progress))
        finally:
            for bar in bars.values():
                bar.close()

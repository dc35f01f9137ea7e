"""manage.py import_residents FILE --user NAME [--dry-run] — the web import, from the shell, with a progress bar.

The file is checked whole first; with any problem, every problem is printed (row, column,
reason) and nothing is written. The rows are written in one transaction as the given user
(whose jurisdiction limits where the rows may go).
"""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import User
from residents.importer import ImportRejected, import_file, validate_file


class Command(BaseCommand):
    help = "Import a residents spreadsheet (.xlsx or .csv): all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="username the rows are imported as (their jurisdiction applies)")
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")

    def handle(self, *args, file: str, user: str, dry_run: bool, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            actor = User.objects.get(username=user)
        except User.DoesNotExist as exc:
            raise CommandError(f"No such user: {user}") from exc
        content = path.read_bytes()
        bars: dict[str, tqdm] = {}
        quiet = options.get("verbosity", 1) == 0

        def progress(phase: str, done: int, total: int) -> None:
            bar = bars.get(phase)
            if bar is None:
                bar = bars[phase] = tqdm(total=total, desc=phase, unit="row", disable=quiet)
            bar.update(done - bar.n)

        try:
            if dry_run:
                plan = validate_file(path.name, content, actor=actor, progress=progress)
                if plan.errors:
                    raise ImportRejected(plan)
                summary = plan.summary()
            else:
                summary = import_file(actor=actor, filename=path.name, content=content, progress=progress)
        except ImportRejected as exc:
            for bar in bars.values():
                bar.close()
            for error in exc.plan.errors:
                where = f"row {error.row}" if error.row else "file"
                self.stderr.write(f"{where}\t{error.column or '-'}\t{error.reason}")
            raise CommandError(f"{len(exc.plan.errors)} problems; nothing was imported.")
        for bar in bars.values():
            bar.close()
        verb = "Checked (dry run, nothing written)" if dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{verb}: " + ", ".join(f"{k} {v}" for k, v in summary.items())))

"""manage.py import_reference FILE --user NAME [--dry-run] — categories and departments, all rows or none.

One row per department, major class or minor class, with its Chinese and English name
(incidents.reference_file). The file is checked whole first; with any problem every problem is
printed (row, column, reason) and nothing is written. Known codes are renamed, new ones added.
"""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from incidents.reference_file import ReferenceRejected, import_reference


class Command(BaseCommand):
    help = "Import case categories and departments (.xlsx or .csv) with their Chinese and English names; all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="username the file is imported as (an administrator)")
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")

    def handle(self, *args, file: str, user: str, dry_run: bool, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            actor = User.objects.get(username=user)
        except User.DoesNotExist as exc:
            raise CommandError(f"No such user: {user}") from exc
        try:
            plan = import_reference(actor=actor, filename=path.name, content=path.read_bytes(), dry_run=dry_run)
        except ReferenceRejected as exc:
            for error in exc.plan.errors:
                where = f"row {error.row}" if error.row else "file"
                self.stderr.write(f"{where}\t{error.column or '-'}\t{error.reason}")
            raise CommandError(f"{len(exc.plan.errors)} problems; nothing was imported.") from exc
        for warning in plan.warnings:
            self.stdout.write(f"warning: {'row ' + str(warning.row) if warning.row else 'file'}\t{warning.column}\t{warning.reason}")
        verb = "Checked (dry run, nothing written)" if dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{verb}: " + ", ".join(f"{k} {v}" for k, v in plan.summary().items())))

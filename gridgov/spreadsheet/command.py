"""The management command every sheet import shares: ``manage.py import_X FILE --user NAME [--dry-run]``.

The file is checked whole first; with any problem every problem is printed on stderr (row,
column, reason) and the command fails (exit code 1) with nothing written. Otherwise it prints
what was imported, or with ``--dry-run`` what would be, and exits 0. A subclass says what it
imports (``import_sheet``) and may add arguments and say more after the summary (``after_import``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from .importing import Applied, RowError, SheetRejected


def _where(problem: RowError) -> str:
    return f"row {problem.row}" if problem.row else "file"


class SheetImportCommand(BaseCommand):
    user_help = "username the file is imported as"
    # Print the report's warnings before the summary.
    prints_warnings = False

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help=self.user_help)
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")

    def import_sheet(self, *, actor, filename: str, content: bytes, dry_run: bool, options: dict[str, Any]) -> Applied:
        raise NotImplementedError

    def after_import(self, applied: Applied, options: dict[str, Any]) -> None:
        """What to say after the summary (the roster: its one-time passwords)."""

    def handle(self, *args, file: str, user: str, dry_run: bool, **options):
        User = get_user_model()  # noqa: N806 (the model class, named as everywhere)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            actor = User.objects.get(username=user)
        except User.DoesNotExist as exc:
            raise CommandError(f"No such user: {user}") from exc
        try:
            applied = self.import_sheet(actor=actor, filename=path.name, content=path.read_bytes(), dry_run=dry_run,
                                        options=options)
        except SheetRejected as exc:
            for error in exc.plan.errors:
                self.stderr.write(f"{_where(error)}\t{error.column or '-'}\t{error.reason}")
            raise CommandError(f"{len(exc.plan.errors)} problems; nothing was imported.") from exc
        if self.prints_warnings:
            for warning in applied.warnings:
                self.stdout.write(f"warning: {_where(warning)}\t{warning.column}\t{warning.reason}")
        verb = "Checked (dry run, nothing written)" if dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{verb}: " + ", ".join(f"{k} {v}" for k, v in applied.summary.items())))
        self.after_import(applied, options)

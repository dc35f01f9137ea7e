"""manage.py import_roster FILE --user NAME [--dry-run] [--passwords FILE] — the roster, all rows or none.

The file is checked whole first; with any problem, every problem is printed (row, column, reason)
and nothing is written. The rows are written in one transaction as the given user, whose
jurisdiction limits the areas and cells the rows may name. The one-time passwords of the people
given a sign-in are written to ``--passwords`` (a CSV readable by its owner only), or printed when
no file is given; they are stored nowhere else in clear.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.roster import RosterRejected, import_roster


class Command(BaseCommand):
    help = "Import the roster of staff (.xlsx or .csv): users, roles, areas, cells, departments; all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="username the roster is imported as (their jurisdiction applies)")
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument("--passwords", help="write the one-time passwords to this CSV file (mode 600) instead of printing them")

    def handle(self, *args, file: str, user: str, dry_run: bool, passwords: str | None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            actor = User.objects.get(username=user)
        except User.DoesNotExist as exc:
            raise CommandError(f"No such user: {user}") from exc
        try:
            result = import_roster(actor=actor, filename=path.name, content=path.read_bytes(), dry_run=dry_run)
        except RosterRejected as exc:
            for error in exc.plan.errors:
                where = f"row {error.row}" if error.row else "file"
                self.stderr.write(f"{where}\t{error.column or '-'}\t{error.reason}")
            raise CommandError(f"{len(exc.plan.errors)} problems; nothing was imported.") from exc
        verb = "Checked (dry run, nothing written)" if dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{verb}: " + ", ".join(f"{k} {v}" for k, v in result.summary.items())))
        if not result.passwords:
            return
        if passwords:
            descriptor = os.open(passwords, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", newline="", encoding="utf-8-sig") as out:
                writer = csv.writer(out)
                writer.writerow(["用户名", "姓名", "一次性密码"])
                writer.writerows(result.passwords)
            self.stdout.write(f"{len(result.passwords)} one-time passwords written to {passwords}; each must be changed at the first sign-in.")
        else:
            self.stdout.write("One-time passwords (shown once; each must be changed at the first sign-in):")
            for username, name, password in result.passwords:
                self.stdout.write(f"{username}\t{name}\t{password}")

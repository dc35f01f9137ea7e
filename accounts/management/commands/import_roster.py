"""manage.py import_roster FILE --user NAME [--dry-run] [--passwords FILE] — the roster, all rows or none.

The shared sheet-import command (gridgov.spreadsheet.command): the file is checked whole first;
with any problem, every problem is printed (row, column, reason) and nothing is written. The rows
are written in one transaction as the given user, whose jurisdiction limits the areas and cells
the rows may name. The one-time passwords of the people given a sign-in are written to
``--passwords`` (a CSV readable by its owner only), or printed when no file is given; they are
stored nowhere else in clear.
"""
from __future__ import annotations

import csv
import os

from accounts.roster import import_roster
from gridgov.spreadsheet import SheetImportCommand


class Command(SheetImportCommand):
    help = "Import the roster of staff (.xlsx or .csv): users, roles, areas, cells, departments; all rows or none."
    user_help = "username the roster is imported as (their jurisdiction applies)"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--passwords", help="write the one-time passwords to this CSV file (mode 600) instead of printing them")

    def import_sheet(self, *, actor, filename, content, dry_run, options):
        return import_roster(actor=actor, filename=filename, content=content, dry_run=dry_run)

    def after_import(self, applied, options):
        passwords = options.get("passwords")
        if not applied.passwords:
            return
        if passwords:
            descriptor = os.open(passwords, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", newline="", encoding="utf-8-sig") as out:
                writer = csv.writer(out)
                writer.writerow(["用户名", "姓名", "一次性密码"])
                writer.writerows(applied.passwords)
            self.stdout.write(f"{len(applied.passwords)} one-time passwords written to {passwords}; each must be changed at the first sign-in.")
        else:
            self.stdout.write("One-time passwords (shown once; each must be changed at the first sign-in):")
            for username, name, password in applied.passwords:
                self.stdout.write(f"{username}\t{name}\t{password}")

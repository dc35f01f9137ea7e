"""manage.py import_boundaries FILE --level … [--parent CODE] [--dry-run] [--replace --by USERNAME]

Reads GeoJSON or a Shapefile (or a .zip of one) through GDAL, checks it like the editor does and
reports every problem with the feature's index and properties. Nothing is written when any error
is found, nor in a dry run. With --replace, the file replaces a community's current cells as a
redraw published in the editor would (codes kept, things moved), in the name of --by.
"""
from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from grids.imports import import_boundaries
from grids.models import Level


class Command(BaseCommand):
    help = "Import areas of one level from GeoJSON or a Shapefile, all or nothing, as one boundary revision."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .geojson/.json file, a .shp (with .shx, .dbf, .prj beside it) or a .zip holding one")
        parser.add_argument("--level", required=True, choices=Level.values)
        parser.add_argument("--parent", help="code of the parent area; the file must then cover it completely")
        parser.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
        parser.add_argument("--reason", default="", help="why: recorded on the revision")
        parser.add_argument("--code-field", default="code", help="property holding each area's code (default: code)")
        parser.add_argument("--name-field", default="name", help="property holding each area's name (default: name)")
        parser.add_argument("--replace", action="store_true",
                            help="replace the current cells of the --parent community (grid level only): a feature with a current cell's code is that cell, one without a code is new")
        parser.add_argument("--by", metavar="USERNAME", help="who replaces the cells (required with --replace): recorded on the revision")

    def handle(self, *args, file: str, level: str, parent: str | None, dry_run: bool, reason: str, code_field: str, name_field: str,
               replace: bool, by: str | None, **options):
        actor = None
        if by:
            from django.contrib.auth import get_user_model

            actor = get_user_model().objects.filter(username=by, is_active=True).first()
            if actor is None:
                raise CommandError(f"--by {by}: no active user has that name.")
        elif replace:
            raise CommandError("--replace moves what is filed in the cells, so it needs --by USERNAME: who replaces them.")
        report = import_boundaries(
            file, level=level, parent_code=parent, dry_run=dry_run, reason=reason, code_field=code_field, name_field=name_field,
            actor=actor, replace=replace,
        )
        for problem in report.problems:
            where = []
            if problem.feature_index is not None:
                where.append(f"feature {problem.feature_index}")
            if problem.properties:
                shown = {k: v for k, v in problem.properties.items() if not k.startswith("_")}
                where.append(json.dumps(shown, ensure_ascii=False))
            prefix = f"{' '.join(where)}: " if where else ""
            line = f"{problem.severity.upper()} {prefix}{problem.message}"
            self.stderr.write(line) if problem.is_error else self.stdout.write(self.style.WARNING(line))
        if not report.ok:
            raise CommandError(f"{len(report.errors)} error(s) in {file}; nothing was imported.")
        if report.snapped:
            self.stdout.write(f"{len(report.snapped)} feature(s) snapped within GRIDGOV_SNAP_TOLERANCE_M = {settings.GRIDGOV_SNAP_TOLERANCE_M:g} m (above).")
        if report.unchanged:
            self.stdout.write(self.style.SUCCESS(f"Nothing to change: {file} holds the current {level} areas as they are."))
            return
        if replace:
            self._print_replacement(report)
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"Dry run: {len(report.created)} {level} area(s) would be imported; nothing was written."))
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Imported {len(report.created)} {level} area(s) as revision r{report.revision.number}.")
            )

    def _print_replacement(self, report) -> None:
        self.stdout.write(f"Retired: {', '.join(report.retired) or 'none'}")
        self.stdout.write(f"Created: {', '.join(area.code for area in report.created) or 'none'}")
        for occupant in (report.impact or {}).get("occupants", []):
            moved = [f"{p['from']} → {p['to']}: {p['count']}" for p in occupant["pairs"] if not p["same_code"]]
            self.stdout.write(f"{occupant['label']} changing cell: {occupant['moves']}" + (f" ({'; '.join(moved)})" if moved else ""))

"""manage.py import_boundaries FILE --level … [--parent CODE] [--dry-run]

Reads GeoJSON or a Shapefile (or a .zip of one) through GDAL, checks it like the editor does and
reports every problem with the feature's index and properties. Nothing is written when any error
is found, nor in a dry run.
"""
from __future__ import annotations

import json

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

    def handle(self, *args, file: str, level: str, parent: str | None, dry_run: bool, reason: str, code_field: str, name_field: str, **options):
        report = import_boundaries(
            file, level=level, parent_code=parent, dry_run=dry_run, reason=reason, code_field=code_field, name_field=name_field
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
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"Dry run: {len(report.created)} {level} area(s) would be imported; nothing was written."))
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Imported {len(report.created)} {level} area(s) as revision r{report.revision.number}.")
            )

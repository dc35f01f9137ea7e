"""manage.py cut_cells CODE [CODE …] [--dry-run] [--size 100] [--reason …] [--by USERNAME]
manage.py cut_cells CODE --parts [--count N]

Cuts the communities at or under each CODE (a district, a street office or a community) into
cells by the 100 m rule (grids.cutting), numbered in reading order, published as one revision.
Only communities without current cells are cut; the others are named and left alone. With
--parts, CODE (a district or a street office without children) is cut into street offices or
communities of similar size instead, for a district that has no files for them.
"""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from grids.cutting import CELL_SIZE_M, communities_to_cut, cut_parts, plan_cells, publish_cells
from grids.models import Area, Level
from grids.validation import AreaValidationError


class Command(BaseCommand):
    help = "Cut communities into ~100 m cells (or a district/street office into parts), as one boundary revision."

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="+", metavar="CODE", help="district, street office or community code")
        parser.add_argument("--size", type=float, default=CELL_SIZE_M, help="side of the square grid in metres (default 100)")
        parser.add_argument("--dry-run", action="store_true", help="cut and check everything in PostGIS, write nothing")
        parser.add_argument("--reason", default="", help="why: recorded on the revision")
        parser.add_argument("--by", metavar="USERNAME", help="who publishes: recorded on the revision")
        parser.add_argument("--parts", action="store_true", help="cut CODE into street offices or communities instead of cells")
        parser.add_argument("--count", type=int, default=None, help="with --parts: how many (default: by area)")
        parser.add_argument("--seed", type=int, default=2004, help="with --parts: random seed of the partition")

    def handle(self, *args, codes, size, dry_run, reason, by, parts, count, seed, **options):
        if not 20 <= size <= 1000:
            raise CommandError("--size must be between 20 and 1000 metres.")
        actor = None
        if by:
            from django.contrib.auth import get_user_model

            actor = get_user_model().objects.filter(username=by, is_active=True).first()
            if actor is None:
                raise CommandError(f"--by {by}: no active user has that name.")
        areas = []
        for code in codes:
            area = Area.objects.current().filter(code=code).first()
            if area is None:
                raise CommandError(f"No current area has the code {code}.")
            areas.append(area)
        started = time.monotonic()
        try:
            with transaction.atomic():
                if parts:
                    self._parts(areas, count=count, seed=seed, actor=actor, reason=reason)
                else:
                    self._cells(areas, size=size, actor=actor, reason=reason, verbosity=options.get("verbosity", 1))
                if dry_run:
                    transaction.set_rollback(True)
        except AreaValidationError as error:
            for problem in error.problems:
                if problem.is_error:
                    self.stderr.write(f"ERROR {problem}")
            raise CommandError(f"{len([p for p in error.problems if p.is_error])} error(s); nothing was written.") from error
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(("Dry run, nothing written" if dry_run else "Done") + f" in {elapsed:.1f} s."))

    def _parts(self, areas, *, count, seed, actor, reason):
        for area in areas:
            created = cut_parts(area, count=count, seed=seed, actor=actor, reason=reason)
            self.stdout.write(f"{area.name} ({area.code}): {len(created)} {Level(created[0].level).label} — "
                              + ", ".join(f"{a.code} {a.name}" for a in created))

    def _cells(self, areas, *, size, actor, reason, verbosity):
        communities: dict[str, Area] = {}
        for area in areas:
            if area.level == Level.GRID:
                raise CommandError(f"{area.code} is a grid cell; give a community, street office or district.")
            for community in communities_to_cut(area.code):
                communities[community.code] = community
        if not communities:
            raise CommandError("No current community lies under " + ", ".join(codes_of(areas)) + "; import or cut communities first.")
        filled = set(
            Area.objects.current().filter(parent__in=list(communities.values()), level=Level.GRID).values_list("parent__code", flat=True)
        )
        for code in sorted(filled):
            self.stdout.write(self.style.WARNING(f"{code} {communities[code].name} already has cells; left as it is (redraw it in the editor)."))
        todo = [c for code, c in sorted(communities.items()) if code not in filled]
        if not todo:
            raise CommandError("Every community there already has cells; nothing to cut.")
        bar = tqdm(total=len(todo), desc="cutting", unit="community", disable=verbosity == 0, file=self.stderr)

        def progress(done: int, total: int) -> None:
            bar.update(done - bar.n)

        plans = plan_cells(todo, size=size, progress=progress)
        bar.close()
        self.stdout.write("Checking and writing in PostGIS…")
        revision = publish_cells(plans, actor=actor, reason=reason)
        cells = sum(len(p.cells) for p in plans)
        areas_m2 = [a for p in plans for a in p.areas_m2]
        self.stdout.write(
            f"{len(plans)} communities, {cells} cells, mean {sum(areas_m2) / cells:,.0f} m² "
            f"(smallest {min(areas_m2):,.0f}, largest {max(areas_m2):,.0f}); revision r{revision.number}."
        )
        if verbosity > 1:
            for plan in plans:
                s = plan.summary()
                self.stdout.write(f"  {s['code']} {s['name']}: {s['cells']} cells, {s['min_m2']}–{s['max_m2']} m²")


def codes_of(areas) -> list[str]:
    return [a.code for a in areas]

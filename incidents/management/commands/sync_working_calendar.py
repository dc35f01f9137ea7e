"""manage.py sync_working_calendar — copy chinese-calendar's holidays and make-up working days into
the working calendar (after upgrading the package for a new year). Rows an administrator typed
in are kept."""
from django.core.management.base import BaseCommand

from incidents import clock
from incidents.seeds import sync_calendar


class Command(BaseCommand):
    help = "Refresh the working calendar from the chinese-calendar package; administrators' rows are kept."

    def handle(self, *args, **options):
        from chinese_calendar.constants import holidays

        written = sync_calendar()
        clock.clear_cache()
        last = max(holidays)
        self.stdout.write(
            f"{written} days written; chinese-calendar knows up to {last.year}. Later years follow the weekday rule "
            "until an administrator enters their holidays."
        )

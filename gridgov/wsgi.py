import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
django_application = get_wsgi_application()

# Imported once Django is set up: it reads the models and settings.
from dispatch.hotpath import ConsolePollHotPath  # noqa: E402
from grids.hotpath import LookupHotPath  # noqa: E402
from incidents.hotpath import PatrolPointsHotPath  # noqa: E402

# The busiest requests in front of Django: a patrol's batch of track points, the console's polls
# (their kept answer), a point lookup.
application = PatrolPointsHotPath(ConsolePollHotPath(LookupHotPath(django_application)))

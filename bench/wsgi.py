import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django_application = get_wsgi_application()

# As in production (gridgov/wsgi.py).
from grids.hotpath import LookupHotPath  # noqa: E402
from incidents.hotpath import PatrolPointsHotPath  # noqa: E402

# The two busiest requests — a point lookup, a patrol's batch of track points — in front of Django.
application = PatrolPointsHotPath(LookupHotPath(django_application))

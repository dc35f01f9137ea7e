import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django_application = get_wsgi_application()

# As in production (gridgov/wsgi.py): the point lookup's hot path in front of Django.
from grids.hotpath import LookupHotPath  # noqa: E402

application = LookupHotPath(django_application)

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
django_application = get_wsgi_application()

# Imported once Django is set up: it reads the models and settings.
from grids.hotpath import LookupHotPath  # noqa: E402

application = LookupHotPath(django_application)

"""The Celery application. Periodic work is a beat sweep that claims due rows in the database
(docs/architecture.md#celery-work), never a long ETA parked in Redis."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")

app = Celery("gridgov")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

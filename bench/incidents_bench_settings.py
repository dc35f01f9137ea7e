"""Settings of the server the incidents benchmark starts: the project's own, plus a trivial
token-authenticated endpoint (the baseline) and quiet logs. Used by bench/incidents_bench.py only."""
import os

from gridgov.settings import *  # noqa: F401,F403
from gridgov.settings import LOGGING

ROOT_URLCONF = "incidents_bench_urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
AXES_ENABLED = False
MEDIA_ROOT = os.environ.get("GRIDGOV_MEDIA_ROOT", "/tmp/gridgov-bench-media")
# 400/404 answers would each write a warning line; the benchmark counts them itself.
LOGGING = {**LOGGING, "loggers": {**LOGGING.get("loggers", {}), "django.request": {"level": "ERROR"}}}

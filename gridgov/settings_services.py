"""Settings of the services gridgov talks to: PostgreSQL, Redis and Celery, email, logging.

All from the environment (the variables are listed in the top README); read by gridgov/settings.py.
"""
import os

from gridgov import dburl

from .settings_environment import PRODUCTION

# --- Database -----------------------------------------------------------------------------
# make run / make test write var/env.sh with the URL of a live server or of the project-local
# cluster; this default only serves a developer who runs manage.py by hand on a stock machine.
# Several hosts are libpq's failover list: postgis://u@primary:5432,standby:5432/gridgov
# ?target_session_attrs=read-write connects to whichever is the primary now (gridgov/dburl.py).
DATABASES = {
    "default": dburl.parse(
        os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/gridgov"),
        engine="django.contrib.gis.db.backends.postgis",
        conn_max_age=int(os.environ.get("GRIDGOV_DB_CONN_MAX_AGE", "60")),
    )
}
# Several checkouts (or helpers) can test against one server without trampling each other.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("GRIDGOV_TEST_DB_NAME", "test_gridgov")}
# A streaming hot standby for the heavy reads (gridgov/replica): only when its URL is set; without
# it there is one database and everything reads and writes there.
GRIDGOV_REPLICA_URL = os.environ.get("GRIDGOV_REPLICA_URL", "")
if GRIDGOV_REPLICA_URL:
    DATABASES["replica"] = dburl.parse(
        GRIDGOV_REPLICA_URL,
        engine="django.contrib.gis.db.backends.postgis",
        conn_max_age=int(os.environ.get("GRIDGOV_DB_CONN_MAX_AGE", "60")),
    )
    # A standby that does not answer must not hold a request for long: reads then go to the primary.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    # Under test the standby is the test database itself (no second test database is made).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["gridgov.replica.router.StandbyRouter"]
# Behind a pooler in transaction mode (PgBouncer) nothing may outlive a transaction: no server-side
# cursors, no prepared statements (gridgov/prepared.py; Debian 12's PgBouncer 1.18 cannot keep them).
GRIDGOV_DB_TRANSACTION_POOLER = os.environ.get("GRIDGOV_DB_TRANSACTION_POOLER", "0") == "1"
for _database in DATABASES.values():
    _database["DISABLE_SERVER_SIDE_CURSORS"] = GRIDGOV_DB_TRANSACTION_POOLER
    if not GRIDGOV_DB_TRANSACTION_POOLER:
        # The few statements prepared on purpose (gridgov/prepared.py: the point lookup, a patrol's
        # batch) keep one plan: by default PostgreSQL kept planning the batch again on every run
        # (its generic plan's estimate looked dearer), 2 ms of the database's ~4.8 ms per batch.
        # Django's own queries are bound on the client and never prepared: untouched. Not behind
        # a pooler, which refuses startup options (and prepares nothing there).
        _options = _database.setdefault("OPTIONS", {})
        _options["options"] = " ".join(filter(None, [_options.get("options", ""), "-c plan_cache_mode=force_generic_plan"]))
# Reads go to the primary when the standby is further behind than this (seconds), does not
# answer, or does not stream; its state is asked at most once per GRIDGOV_REPLICA_CHECK_SECONDS
# per process. A browser that wrote reads from the primary for GRIDGOV_REPLICA_STICKY_SECONDS.
GRIDGOV_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("GRIDGOV_REPLICA_MAX_LAG_SECONDS", "5"))
GRIDGOV_REPLICA_CHECK_SECONDS = float(os.environ.get("GRIDGOV_REPLICA_CHECK_SECONDS", "1"))
GRIDGOV_REPLICA_STICKY_SECONDS = int(os.environ.get("GRIDGOV_REPLICA_STICKY_SECONDS", "15"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis and Celery ---------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("GRIDGOV_CELERY_QUEUE", "gridgov")
CELERY_BEAT_SCHEDULE: dict = {
    # Re-queues resident import jobs that lost their task, deletes checked files never imported.
    "residents-sweep-imports": {"task": "residents.tasks.sweep_imports", "schedule": 300.0},
}

CACHES = {
    "default": {
        "BACKEND": "gridgov.cache.RedisCache",  # Django's, one client per pool (gridgov/cache.py)
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("GRIDGOV_CACHE_PREFIX", "gridgov"),
        "TIMEOUT": 300,
    }
}

# --- Email --------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "GRIDGOV_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("GRIDGOV_FROM_EMAIL", "gridgov@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GRIDGOV_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

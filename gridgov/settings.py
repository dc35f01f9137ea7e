"""gridgov settings: everything comes from the environment, with safe development defaults.

Production mode (GRIDGOV_PRODUCTION=1) refuses to start without a real secret key and turns on
the security settings that `manage.py check --deploy` asks for. One module per subject, all read
from here: the services (``settings_services``: database, Redis and Celery, email, logging),
security (``settings_security``: users and sign-in, cookies and headers), needs and emergencies
(``settings_emergency``).
"""
from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .settings_environment import PRODUCTION, env_bool, env_list

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("GRIDGOV_DEBUG", default=not PRODUCTION)

_DEV_SECRET_KEY = "gridgov-development-only-not-a-secret"
SECRET_KEY = os.environ.get("GRIDGOV_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET_KEY)
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET_KEY):
    raise ImproperlyConfigured(
        "GRIDGOV_SECRET_KEY must be set to a random string of at least 50 characters in production."
    )

ALLOWED_HOSTS = env_list("GRIDGOV_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("GRIDGOV_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "axes",
    # Domain apps, bottom of the dependency graph first (docs/architecture.md#layers).
    "grids",
    "accounts",
    "residents",
    "incidents",
    "dispatch",
    "needs",
    "emergencies",
    # The project itself, on top: its management commands (seed_demo) use every app.
    "gridgov",
]

MIDDLEWARE = [
    # Under DEBUG, Django's technical error pages only for a signed-in superuser (gridgov/errors.py).
    "gridgov.errors.DebugErrorPageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "gridgov.middleware.RejectNulCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gridgov.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Which database this request reads from (gridgov/replica; does nothing without a standby).
    "gridgov.replica.middleware.StandbyReadsMiddleware",
    # A temporary password (set by an administrator) must be changed before anything else.
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gridgov.middleware.SecurityHeadersMiddleware",
    # AxesMiddleware must stay last: it answers locked-out logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gridgov.urls"
WSGI_APPLICATION = "gridgov.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gridgov.context_processors.navigation",
            ],
        },
    },
]

# --- Services (database, Redis and Celery, email, logging) and security (users, cookies, headers) ---
from .settings_services import *  # noqa: E402,F401,F403
from .settings_security import *  # noqa: E402,F401,F403

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("GRIDGOV_STATIC_ROOT", BASE_DIR / "var" / "staticfiles"))
# Nothing serves MEDIA_ROOT by URL (no /media/ route, in development either): case photos are
# sent by views that check the caller's scope first (gridgov/media.py). In production the web
# server in front can send the file for Django: GRIDGOV_MEDIA_SENDFILE=x-accel-redirect (nginx,
# an `internal` location at GRIDGOV_MEDIA_INTERNAL_URL aliased to MEDIA_ROOT) or x-sendfile;
# empty streams the file from Django.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("GRIDGOV_MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Uploaded photos waiting for the photo worker, as they came (incidents/pending_uploads.py): not
# under MEDIA_ROOT, never served; shared by web and worker hosts as MEDIA_ROOT is.
GRIDGOV_PENDING_PHOTO_ROOT = Path(os.environ.get("GRIDGOV_PENDING_PHOTO_ROOT", BASE_DIR / "var" / "pending-photos"))
GRIDGOV_MEDIA_SENDFILE = os.environ.get("GRIDGOV_MEDIA_SENDFILE", "").strip().lower()
GRIDGOV_MEDIA_INTERNAL_URL = os.environ.get("GRIDGOV_MEDIA_INTERNAL_URL", "/protected-media/")
if GRIDGOV_MEDIA_SENDFILE not in ("", "x-accel-redirect", "x-sendfile"):
    raise ImproperlyConfigured("GRIDGOV_MEDIA_SENDFILE must be empty, x-accel-redirect or x-sendfile.")
# The demo (`make run`) runs with DEBUG off and serves static files from the apps' folders
# without collectstatic; production serves the collected, hashed files only, and so does a server
# given GRIDGOV_STATIC_COLLECTED=1 (the benchmarks: files found in the apps' folders would replace
# the collected ones and their gzipped copies, and a phone's transfer would be measured uncompressed).
WHITENOISE_USE_FINDERS = not PRODUCTION and not env_bool("GRIDGOV_STATIC_COLLECTED")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            # An image built for production collects with the manifest before it knows its secrets.
            if PRODUCTION or env_bool("GRIDGOV_STATIC_MANIFEST")
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
# A JSON body of the API: at most this many bytes and nesting levels (gridgov/parsers.py).
GRIDGOV_API_JSON_MAX_BYTES = int(os.environ.get("GRIDGOV_API_JSON_MAX_BYTES", str(2 * 1024 * 1024)))
GRIDGOV_API_JSON_MAX_DEPTH = int(os.environ.get("GRIDGOV_API_JSON_MAX_DEPTH", "32"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Map ----------------------------------------------------------------------------------
# No base map unless one is configured: the map must work offline on the boundaries alone.
GRIDGOV_TILE_URL = os.environ.get("GRIDGOV_TILE_URL", "")
GRIDGOV_TILE_ATTRIBUTION = os.environ.get("GRIDGOV_TILE_ATTRIBUTION", "")
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (39.93, 116.41),
    "DEFAULT_ZOOM": 12,
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 19,
    "TILES": [(_("Base map"), GRIDGOV_TILE_URL, {"attribution": GRIDGOV_TILE_ATTRIBUTION})]
    if GRIDGOV_TILE_URL
    else [],
    "RESET_VIEW": False,
}
# Cells of about 10,000 m² are the norm; outside this range is a warning, never a block.
GRIDGOV_CELL_AREA_MIN_M2 = float(os.environ.get("GRIDGOV_CELL_AREA_MIN_M2", "2000"))
GRIDGOV_CELL_AREA_MAX_M2 = float(os.environ.get("GRIDGOV_CELL_AREA_MAX_M2", "50000"))
# A report further than this outside every district served is refused (GPS error at the border is less).
GRIDGOV_SERVED_MARGIN_M = float(os.environ.get("GRIDGOV_SERVED_MARGIN_M", "500"))
# Patrol points are kept for today and this many days before (a day's partition is then dropped;
# each patrol keeps its track as one simplified line forever). incidents/actions/patrol_days.py.
GRIDGOV_PATROL_POINT_DAYS = int(os.environ.get("GRIDGOV_PATROL_POINT_DAYS", "90"))
# The patrol page samples a point every 10 s and sends what it has in one batch this often: one
# request per 30 s per worker instead of one per point (docs/domain/cases.md, "Track points").
GRIDGOV_PATROL_SEND_SECONDS = max(1, int(os.environ.get("GRIDGOV_PATROL_SEND_SECONDS", "30")))
# Overlaps and gaps smaller than this are numeric noise of reprojection, not real errors.
GRIDGOV_TOPOLOGY_TOLERANCE_M2 = float(os.environ.get("GRIDGOV_TOPOLOGY_TOLERANCE_M2", "1.0"))
# An imported feature leaving its parent or its siblings by less than this is snapped to them
# (grids.snapping); 6-decimal coordinates are off by up to ~0.1 m. 0 turns snapping off.
GRIDGOV_SNAP_TOLERANCE_M = float(os.environ.get("GRIDGOV_SNAP_TOLERANCE_M", "1.0"))
# Separation of duties (incidents.rules.duty_conflict): the acts the reporter or a handler of a
# case (or the handler's department) may not run on it; a minor matter held at grid level is
# exempt. GRIDGOV_SEPARATED_ACTS="" turns the rule off; other keys keep incidents.rules' defaults.
GRIDGOV_SEPARATION_OF_DUTIES = {"acts": tuple(env_list("GRIDGOV_SEPARATED_ACTS", "verify,close"))}

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    # The token first: DRF answers a request without valid credentials with the *first* class's
    # authenticate_header, so a missing, expired or invalid token is a 401 with
    # ``WWW-Authenticate: Token`` (a client knows to refresh or sign in again), not a 403. A request
    # without an Authorization header falls through to the session, as before.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's TokenAuthentication with the token's user read in one raw statement (≈ 0.5 ms less
        # CPU on every API call from a phone); same answers and messages.
        "accounts.fastauth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # One JSON parser for the whole API, with size and depth limits (gridgov/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "gridgov.parsers.LimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "gridgov.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "gridgov API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
}

# GDAL 3.6 (Debian 12) cannot forbid file and network access while parsing a spatial reference
# (gis.W001). Uploaded boundary files are parsed by GDAL, but our servers have no outbound
# network and the import only reads the uploaded file's own .prj; upgrade GDAL to 3.9+ to drop this.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# --- Cases -----------------------------------------------------------------------------
# Absolute links in emails ("https://grid.example.cn"); relative links when unset.
GRIDGOV_BASE_URL = os.environ.get("GRIDGOV_BASE_URL", "")
# The traffic light turns yellow when this share of the time limit is used.
GRIDGOV_LIGHT_YELLOW_SHARE = float(os.environ.get("GRIDGOV_LIGHT_YELLOW_SHARE", "0.75"))
GRIDGOV_PHOTO_MAX_BYTES = int(os.environ.get("GRIDGOV_PHOTO_MAX_BYTES", str(8 * 1024 * 1024)))
# Photo evidence (docs/photo-evidence.md): a photo taken longer than this before filing, or farther
# than this from the report's position, is marked for the reviewer (never refused).
GRIDGOV_PHOTO_MAX_AGE_MINUTES = float(os.environ.get("GRIDGOV_PHOTO_MAX_AGE_MINUTES", "30"))
GRIDGOV_PHOTO_MAX_DISTANCE_M = float(os.environ.get("GRIDGOV_PHOTO_MAX_DISTANCE_M", "200"))
# The CJK font of the stamp on stored photos; empty: found among Debian's fonts-noto-cjk files.
GRIDGOV_WATERMARK_FONT = os.environ.get("GRIDGOV_WATERMARK_FONT", "")
# Searches by an identifier (a full ID, passport or phone number, or a name with the last four
# of the ID number) one user may make per day: each answers "is this the number?", so without a
# limit a script could find a masked number by trying every value (residents.queries).
GRIDGOV_IDENTIFIER_SEARCHES_PER_DAY = int(os.environ.get("GRIDGOV_IDENTIFIER_SEARCHES_PER_DAY", "200"))
# Office hours for the working-hours clock, "09:00-12:00,13:30-17:30" (local time).
GRIDGOV_OFFICE_HOURS = tuple(
    tuple(span.split("-", 1)) for span in os.environ.get("GRIDGOV_OFFICE_HOURS", "09:00-12:00,13:30-17:30").split(",")
)
# Database connections the escalation sweep writes on side by side (one per core of PostgreSQL
# is right; 1 runs it on the caller's connection only).
GRIDGOV_SWEEP_WORKERS = int(os.environ.get("GRIDGOV_SWEEP_WORKERS", "2"))
# How often beat sends the sweep (seconds), and how many cases one of its transactions escalates
# (a batch is all or nothing: a worker killed mid-sweep leaves whole batches done or untouched).
GRIDGOV_SWEEP_SECONDS = float(os.environ.get("GRIDGOV_SWEEP_SECONDS", "60"))
GRIDGOV_SWEEP_BATCH = int(os.environ.get("GRIDGOV_SWEEP_BATCH", "50000"))

# --- Residents' reports (随手拍): abuse limits, counted in Redis (dispatch.public.limits) ------
GRIDGOV_PUBLIC_REPORTS_PER_IP_HOUR = int(os.environ.get("GRIDGOV_PUBLIC_REPORTS_PER_IP_HOUR", "10"))
GRIDGOV_PUBLIC_REPORTS_PER_PHONE_DAY = int(os.environ.get("GRIDGOV_PUBLIC_REPORTS_PER_PHONE_DAY", "5"))
# Wrong status-page links tried from one address in ten minutes before it is refused for a while.
GRIDGOV_PUBLIC_TOKEN_MISSES_PER_IP = int(os.environ.get("GRIDGOV_PUBLIC_TOKEN_MISSES_PER_IP", "20"))
GRIDGOV_PUBLIC_MAX_PHOTOS = int(os.environ.get("GRIDGOV_PUBLIC_MAX_PHOTOS", "3"))

from .settings_emergency import *  # noqa: E402,F401,F403  (needs and emergencies)

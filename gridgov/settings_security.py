"""Security settings: users and sign-in (passwords, lockout, sessions, tokens), the headers and
cookies `manage.py check --deploy` asks for in production, and the limits against enumeration.

All from the environment; read by gridgov/settings.py.
"""
import os

from .settings_environment import PRODUCTION, env_bool, env_list

# --- Users --------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Volunteers sign in with their mobile number, looked up by its keyed hash (never stored in clear).
    "needs.auth.VolunteerPhoneBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    # One-time passwords only (random, ~93 bits, changed at the first sign-in): accounts.hashers.
    "accounts.hashers.OneTimePasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.NotDemoPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Grid workers log in once on their phone and stay logged in.
SESSION_COOKIE_AGE = int(os.environ.get("GRIDGOV_SESSION_SECONDS", str(30 * 24 * 3600)))
# API tokens (accounts.tokens): the access key ends after GRIDGOV_TOKEN_SECONDS; the phone trades
# its refresh key for a new pair before then, for up to GRIDGOV_TOKEN_REFRESH_SECONDS after the
# last refresh. A password change ends every token and every other session of the user.
GRIDGOV_TOKEN_SECONDS = int(os.environ.get("GRIDGOV_TOKEN_SECONDS", str(24 * 3600)))
GRIDGOV_TOKEN_REFRESH_SECONDS = int(os.environ.get("GRIDGOV_TOKEN_REFRESH_SECONDS", str(SESSION_COOKIE_AGE)))
# A reset link an administrator emails works once, for this long.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("GRIDGOV_PASSWORD_RESET_SECONDS", str(24 * 3600)))
AXES_FAILURE_LIMIT = int(os.environ.get("GRIDGOV_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
# Locked out is a user name at one client address, never an address alone: behind a proxy every
# user would share the proxy's address. The address is the one every limit counts (gridgov.client_ip).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "gridgov.client_ip.client_address"
# The reverse proxies whose GRIDGOV_CLIENT_IP_HEADER names the client ("10.0.0.5,10.1.0.0/16");
# empty: REMOTE_ADDR is the client (no proxy, or one that rewrites REMOTE_ADDR itself).
GRIDGOV_TRUSTED_PROXIES = env_list("GRIDGOV_TRUSTED_PROXIES")
GRIDGOV_CLIENT_IP_HEADER = os.environ.get("GRIDGOV_CLIENT_IP_HEADER", "X-Forwarded-For")
AXES_ENABLED = env_bool("GRIDGOV_AXES_ENABLED", default=True)
GRIDGOV_DEMO_PASSWORD = "gridgov-demo"

# --- Security -----------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Flash messages live in the session. The default (a signed cookie, falling back to the session)
# derives a signing key on every request — API calls included — for messages only pages show.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
GRIDGOV_CSP = (
    "default-src 'self'; img-src 'self' data: blob: https:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'"
)
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("GRIDGOV_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("GRIDGOV_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# An ID number registered outside the registrar's jurisdiction is answered neutrally; after this
# many such answers in a day the registration form answers no more numbers (residents/duplicates.py).
GRIDGOV_ID_CONFLICTS_PER_DAY = int(os.environ.get("GRIDGOV_ID_CONFLICTS_PER_DAY", "20"))
# /healthz details (versions, worker names, error messages) for a monitor sending this in
# X-Health-Token; signed-in staff see them too, everybody else only which check is down.
GRIDGOV_HEALTH_TOKEN = os.environ.get("GRIDGOV_HEALTH_TOKEN", "")
